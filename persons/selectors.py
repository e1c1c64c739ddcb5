"""Reads of persons that views share, access-checked where they return one person."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from orca.users.models import User

from .models import Person
from .permissions import can_view_person, require


def person_get_for_user(*, user: User, pk) -> Person:
    """One person the user may see (404 if there is none, 403 if they may not)."""
    person = get_object_or_404(Person.objects.select_related("assigned_to"), pk=pk)
    require(can_view_person(user, person))
    return person
