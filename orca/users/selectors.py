"""Reads of users that several pages share."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import User


def assignable_users() -> QuerySet[User]:
    """Everyone who may look after a person: the choices of every "Assigned to" field and filter.

    Deactivated users keep the persons they had but take on no new ones.
    """
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "email")
