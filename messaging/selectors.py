"""Reads of messages that views share, and the person timeline that merges them with interactions."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from interactions.models import Interaction
from interactions.selectors import Position, before_position, interactions_for_timeline
from persons.models import Person

from .models import Message


def messages_for_timeline(*, person: Person, before: Position | None, limit: int) -> list[Message]:
    """The person's newest messages older than `before`; walks messages_recipient_time_idx."""
    return list(
        Message.objects.filter(recipient=person)
        .filter(before_position(before))
        .select_related("sender")
        .order_by("-created_at", "-id")[:limit]
    )


def messages_of_person(*, person: Person) -> QuerySet[Message]:
    return Message.objects.filter(recipient=person)


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "interaction" or "message"
    item: Interaction | Message

    @property
    def created_at(self) -> dt.datetime:
        return self.item.created_at

    @property
    def position(self) -> Position:
        return (self.item.created_at, self.item.id)


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    older: Position | None  # where the next ("Older") page starts; None on the last page


MESSAGES = "messages"  # the timeline kind that shows only what was sent


def person_timeline(
    *, person: Person, before: Position | None = None, limit: int = 20, kind: str = ""
) -> TimelinePage:
    """One page of interactions and messages, newest first; `kind` keeps one interaction type or
    only the messages.

    Each source is asked for limit + 1 rows at most, so the page costs two indexed LIMIT queries
    however long the history is; the newest `limit` of the merged rows make the page, and a
    leftover row means an older page exists.
    """
    interactions = (
        []
        if kind == MESSAGES
        else interactions_for_timeline(
            person=person, before=before, limit=limit + 1, interaction_type=kind or None
        )
    )
    messages = (
        messages_for_timeline(person=person, before=before, limit=limit + 1) if kind in ("", MESSAGES) else []
    )
    entries = [TimelineEntry("interaction", item) for item in interactions]
    entries += [TimelineEntry("message", item) for item in messages]
    entries.sort(key=lambda entry: entry.position, reverse=True)
    page = entries[:limit]
    older = page[-1].position if len(entries) > limit else None
    return TimelinePage(entries=page, older=older)


def encode_position(position: Position) -> str:
    created_at, pk = position
    return f"{created_at.isoformat()}_{pk}"


def decode_position(raw: str) -> Position:
    """The inverse of encode_position; ValueError for anything else."""
    created, _, pk = (raw or "").rpartition("_")
    created_at = dt.datetime.fromisoformat(created)
    if created_at.tzinfo is None:
        raise ValueError("A timeline position carries its time zone.")
    return created_at, uuid.UUID(pk)


def message_of_person(*, person: Person, pk: uuid.UUID) -> Message:
    """One message sent to the person (404 for another person's)."""
    message = get_object_or_404(Message.objects.select_related("sender"), pk=pk, recipient=person)
    message.recipient = person
    return message
