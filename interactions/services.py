"""Writes of interactions, and the two person columns they drive.

persons.last_contacted is the latest completed interaction; persons.next_scheduled_contact is the
earliest interaction still scheduled (an overdue one included, so it stays visible). Both are kept
here, never by hand, so the people list can filter and sort on them with an index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min, OuterRef, Q, Subquery
from django.utils import timezone

from orca.db import CLOCK_SKEW
from orca.users.models import User
from persons.models import Person
from persons.permissions import can_view_person, require

from .models import Interaction, InteractionStatus, InteractionType

MAX_DURATION_MINUTES = 24 * 60


def _require_may_log(user: User | None, person: Person) -> None:
    # Anyone at the front desk may record a call or visit for any person; profile edits are
    # what assignment restricts. None is the system (imports, demo data).
    if user is not None:
        require(can_view_person(user, person), "You cannot record interactions for this person.")


def _check_common(*, interaction_type: str, duration_minutes: int | None) -> None:
    if interaction_type not in InteractionType.values:
        allowed = ", ".join(InteractionType.values)
        raise ValidationError(f"“{interaction_type}” is not a kind of interaction. Use one of: {allowed}.")
    if duration_minutes is not None and not 0 <= duration_minutes <= MAX_DURATION_MINUTES:
        raise ValidationError("A duration is between 0 and 1,440 minutes (one day).")


def _latest_completed() -> Subquery:
    return Subquery(
        Interaction.objects.filter(person=OuterRef("pk"), status=InteractionStatus.COMPLETED)
        .order_by()
        .values("person")
        .annotate(at=Max("completed_at"))
        .values("at")
    )


def _earliest_scheduled() -> Subquery:
    return Subquery(
        Interaction.objects.filter(person=OuterRef("pk"), status=InteractionStatus.SCHEDULED)
        .order_by()
        .values("person")
        .annotate(at=Min("scheduled_at"))
        .values("at")
    )


def person_contact_dates_refresh(*, person_ids: Iterable) -> int:
    """Recompute last_contacted and next_scheduled_contact of these persons from their interactions.

    One UPDATE for any number of persons (the demo data calls it once after a bulk insert).
    updated_at is left alone on purpose, here and below: a call logged while someone edits the
    profile must not make their save look like a conflicting edit.
    """
    return Person.objects.filter(pk__in=list(person_ids)).update(
        last_contacted=_latest_completed(), next_scheduled_contact=_earliest_scheduled()
    )


@transaction.atomic
def interaction_log(
    *,
    person: Person,
    user: User | None,
    interaction_type: str,
    subject: str = "",
    content: str = "",
    completed_at: dt.datetime | None = None,
    duration_minutes: int | None = None,
    sentiment: str = "",
    notes: str = "",
    response_received: bool = False,
    response_date: dt.datetime | None = None,
    response_content: str = "",
    campaign_id: str = "",
    template_id: str = "",
) -> Interaction:
    """Record something that happened with a person; it moves their last_contacted forward."""
    _require_may_log(user, person)
    _check_common(interaction_type=interaction_type, duration_minutes=duration_minutes)
    now = timezone.now()
    completed_at = completed_at or now
    if completed_at > now + CLOCK_SKEW:
        raise ValidationError("An interaction cannot be logged in the future; schedule it instead.")
    interaction = Interaction(
        person=person,
        user=user,
        interaction_type=interaction_type,
        subject=subject,
        content=content,
        status=InteractionStatus.COMPLETED,
        completed_at=completed_at,
        duration_minutes=duration_minutes,
        sentiment=sentiment,
        notes=notes,
        response_received=response_received,
        response_date=response_date,
        response_content=response_content,
        campaign_id=campaign_id,
        template_id=template_id,
    )
    interaction.full_clean(exclude=["person", "user"], validate_constraints=False)
    interaction.save()
    # A call logged late (yesterday's, typed in today) must not move last_contacted backwards.
    Person.objects.filter(pk=person.pk).filter(
        Q(last_contacted__isnull=True) | Q(last_contacted__lt=completed_at)
    ).update(last_contacted=completed_at)
    if person.last_contacted is None or person.last_contacted < completed_at:
        person.last_contacted = completed_at
    return interaction


@transaction.atomic
def interaction_schedule(
    *,
    person: Person,
    user: User | None,
    interaction_type: str,
    scheduled_at: dt.datetime,
    subject: str = "",
    content: str = "",
    duration_minutes: int | None = None,
    notes: str = "",
) -> Interaction:
    """Plan a call, tour or follow-up; the person's next_scheduled_contact becomes the earliest open one."""
    _require_may_log(user, person)
    _check_common(interaction_type=interaction_type, duration_minutes=duration_minutes)
    if scheduled_at is None:
        raise ValidationError("Choose when the interaction is planned for.")
    if scheduled_at < timezone.now() - CLOCK_SKEW:
        raise ValidationError("A scheduled interaction must be in the future; log past ones instead.")
    interaction = Interaction(
        person=person,
        user=user,
        interaction_type=interaction_type,
        subject=subject,
        content=content,
        status=InteractionStatus.SCHEDULED,
        scheduled_at=scheduled_at,
        duration_minutes=duration_minutes,
        notes=notes,
    )
    interaction.full_clean(exclude=["person", "user"], validate_constraints=False)
    interaction.save()
    # Only next_scheduled_contact: last_contacted may come from elsewhere (an import) and stays.
    Person.objects.filter(pk=person.pk).update(next_scheduled_contact=_earliest_scheduled())
    person.next_scheduled_contact = (
        Person.objects.filter(pk=person.pk).values_list("next_scheduled_contact", flat=True).get()
    )
    return interaction


# What an edit may change: everything but the record's own columns (id, created_at, updated_at).
EDITABLE_FIELDS = frozenset(
    f.name for f in Interaction._meta.concrete_fields if f.name not in {"id", "created_at", "updated_at"}
)
# A change to any of these can move the persons' last_contacted or next_scheduled_contact.
CONTACT_DATE_FIELDS = frozenset({"person", "status", "completed_at", "scheduled_at"})


def _check_status_times(interaction: Interaction, *, changed: set[str], now: dt.datetime) -> None:
    """The times the interaction's status needs, checked where the edit touches them.

    An overdue scheduled interaction stays editable (its notes, say) without being moved: the
    "future" rules apply only when the status or the time itself changes.
    """
    status = interaction.status
    if status == InteractionStatus.COMPLETED:
        if interaction.completed_at is None:
            raise ValidationError({"completed_at": "A completed interaction needs the time it happened."})
        if {"status", "completed_at"} & changed and interaction.completed_at > now + CLOCK_SKEW:
            raise ValidationError(
                {"completed_at": "An interaction cannot be completed in the future; schedule it instead."}
            )
        return
    if "status" in changed and interaction.completed_at is not None:
        raise ValidationError(
            {"completed_at": "Only a completed interaction has a completion time; clear it."}
        )
    if status == InteractionStatus.SCHEDULED:
        if interaction.scheduled_at is None:
            raise ValidationError({"scheduled_at": "Choose when the interaction is planned for."})
        if {"status", "scheduled_at"} & changed and interaction.scheduled_at < now - CLOCK_SKEW:
            raise ValidationError(
                {"scheduled_at": "A scheduled interaction must be in the future; log past ones instead."}
            )


@transaction.atomic
def interaction_update(*, interaction: Interaction, actor: User | None, data: dict[str, Any]) -> Interaction:
    """Change an interaction: a correction, or its outcome (scheduled → completed, missed, cancelled).

    Marking one completed without a time completes it now. When the change can move a contact
    date (status, times, or the person it was with), last_contacted and next_scheduled_contact
    are recomputed for the person before and after, so neither drifts; an edit of the notes
    leaves the person alone.
    """
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(f"These cannot be changed on an interaction: {', '.join(sorted(unknown))}.")
    locked = (
        Interaction.objects.select_for_update(of=("self",)).select_related("person").get(pk=interaction.pk)
    )
    _require_may_log(actor, locked.person)
    before_person_id = locked.person_id
    changed = {name for name, value in data.items() if getattr(locked, name) != value}
    for name in changed:
        setattr(locked, name, data[name])
    if not changed:
        return locked
    if "person" in changed:
        _require_may_log(actor, locked.person)
    now = timezone.now()
    if "status" in changed and locked.status == InteractionStatus.COMPLETED and locked.completed_at is None:
        locked.completed_at = now
        changed.add("completed_at")
    _check_common(interaction_type=locked.interaction_type, duration_minutes=locked.duration_minutes)
    _check_status_times(locked, changed=changed, now=now)
    locked.full_clean(exclude=["person", "user"], validate_constraints=False)
    locked.save()
    if CONTACT_DATE_FIELDS & changed:
        person_contact_dates_refresh(person_ids={before_person_id, locked.person_id})
    return locked
