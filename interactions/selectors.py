"""Reads of interactions that views share."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Q, QuerySet

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


def interactions_for_timeline(*, person: Person, before: Position | None, limit: int) -> list[Interaction]:
    """The person's newest interactions older than `before`; walks interactions_person_time_idx."""
    return list(
        Interaction.objects.filter(person=person)
        .filter(before_position(before))
        .select_related("user")
        .order_by("-created_at", "-id")[:limit]
    )


def interactions_of_person(*, person: Person) -> QuerySet[Interaction]:
    return Interaction.objects.filter(person=person)
