"""Reads of the role extensions that pages and the admin share."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from orca.users.models import User


@dataclass(frozen=True)
class StatusHistoryRow:
    """One entry of a status_history, readable: whatever an import or a hand edit left in it."""

    status: str
    label: str  # the status's label, or the raw value when the pipeline does not know it
    at: dt.datetime | None  # None when the entry's time cannot be read
    at_text: str  # the time as stored, for an entry whose time cannot be read
    by_id: str  # as stored; empty for a change nobody made (the system, an import)
    by: User | None  # None for the system, an id that is not a user's, or a removed user
    note: str

    @property
    def by_system(self) -> bool:
        return not self.by_id


def _user_id(value: object) -> uuid.UUID | None:
    """The "by" of an entry as a user id, or None for anything that is not a UUID ("import")."""
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _entries(history: object) -> list[dict]:
    """The readable entries: a status_history edited by hand may hold anything."""
    return [entry for entry in history if isinstance(entry, dict)] if isinstance(history, list) else []


def status_history_users(histories: Iterable[object]) -> dict[uuid.UUID, User]:
    """Everyone named in the "by" of these histories, in one query (none when nobody is)."""
    ids = {_user_id(entry.get("by")) for history in histories for entry in _entries(history)}
    ids.discard(None)
    if not ids:
        return {}
    return {user.pk: user for user in User.objects.filter(pk__in=ids)}


def _parse_at(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = parse_datetime(value)
    except ValueError:  # well formed but impossible, such as month 13
        return None
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at, dt.UTC)
    return at


def status_history_rows(
    history: object,
    *,
    statuses: type[models.TextChoices],
    users: dict[uuid.UUID, User] | None = None,
) -> list[StatusHistoryRow]:
    """A status_history as rows, oldest first, with "by" resolved to users.

    `users` is what status_history_users returned for several histories at once (one query for a
    whole page); without it this history's users are looked up in one query. A "by" that is not a
    user id ("import", a number) is kept as text and never reaches the query.
    """
    entries = _entries(history)
    if users is None:
        users = status_history_users([entries])
    labels = dict(statuses.choices)
    rows = []
    for entry in entries:
        status = str(entry.get("status") or "")
        by = entry.get("by")
        user_id = _user_id(by)
        rows.append(
            StatusHistoryRow(
                status=status,
                label=labels.get(status, status),
                at=_parse_at(entry.get("at")),
                at_text=str(entry.get("at") or ""),
                by_id="" if by in (None, "") else str(by),
                by=users.get(user_id) if user_id else None,
                note=str(entry.get("note") or ""),
            )
        )
    return rows
