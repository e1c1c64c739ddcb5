"""Writes of interactions, and the two person columns they drive.

persons.last_contacted is the latest completed interaction; persons.next_scheduled_contact is the
earliest interaction still scheduled (an overdue one included, so it stays visible). Both are kept
here, never by hand, so the people list can filter and sort on them with an index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min, OuterRef, Q, Subquery
from django.utils import timezone

from orca.users.models import User
from persons.models import Person
from persons.permissions import can_view_person, require

from .models import Interaction, InteractionStatus, InteractionType

# A time a little ahead of the server clock (a client's clock) still counts as "now".
CLOCK_SKEW = dt.timedelta(minutes=5)
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
