"""Reads of interactions that views share."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from persons.models import Person

from .models import Interaction

# A keyset position in a timeline: the (created_at, id) of the last entry already shown.
Position = tuple[dt.datetime, uuid.UUID]


def before_position(position: Position | None) -> Q:
    """Rows strictly older than the position in (created_at desc, id desc) order."""
    if position is None:
        return Q()
    created_at, pk = position
    # The leading `created_at <=` is what the (person, -created_at) index can seek to; the OR
    # after it only settles ties within one timestamp.
    return Q(created_at__lte=created_at) & (Q(created_at__lt=created_at) | Q(id__lt=pk))


def interactions_for_timeline(
    *, person: Person, before: Position | None, limit: int, interaction_type: str | None = None
) -> list[Interaction]:
    """The person's newest interactions older than `before`, of one type if given.

    Walks interactions_person_time_idx, or interactions_person_type_idx for one type, so a long
    history costs no more than a short one. Each row gets the person object the caller holds,
    so permission checks on the entries ask the database nothing more.
    """
    rows = Interaction.objects.filter(person=person).filter(before_position(before))
    if interaction_type:
        rows = rows.filter(interaction_type=interaction_type)
    entries = list(rows.select_related("user").order_by("-created_at", "-id")[:limit])
    for entry in entries:
        entry.person = person
    return entries


def interactions_of_person(*, person: Person) -> QuerySet[Interaction]:
    return Interaction.objects.filter(person=person)


def interaction_of_person(*, person: Person, pk: uuid.UUID) -> Interaction:
    """One of the person's interactions (404 for another person's: its URL names the person)."""
    interaction = get_object_or_404(Interaction.objects.select_related("user"), pk=pk, person=person)
    interaction.person = person
    return interaction
