"""Writes of interactions, and the two person columns they drive.

persons.last_contacted is the latest completed interaction; persons.next_scheduled_contact is the
earliest interaction still scheduled (an overdue one included, so it stays visible). Both are kept
here, never by hand, so the people list can filter and sort on them with an index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Min, OuterRef, Q, Subquery
from django.utils import timezone

from orca.db import CLOCK_SKEW
from orca.users.models import User
from persons.models import Person
from persons.permissions import can_view_person, require

from .attachments import attachment_files_delete
from .models import Interaction, InteractionStatus, InteractionType, Outcome
from .permissions import can_change_interaction

MAX_DURATION_MINUTES = 24 * 60


def _require_may_log(user: User | None, person: Person) -> None:
    # Anyone at the front desk may record a call or visit for any person; profile edits are
    # what assignment restricts. None is the system (imports, demo data).
    if user is not None:
        require(can_view_person(user, person), "You cannot record interactions for this person.")


def _require_may_change(user: User | None, interaction: Interaction) -> None:
    if user is not None:
        require(
            can_change_interaction(user, interaction),
            "Only whoever logged it, the person's owner or a manager can change this interaction.",
        )


def _lock_persons(*person_ids) -> None:
    """Hold the persons' rows until commit, so their contact dates are worked out one writer at a time.

    Without it two colleagues completing two follow-ups of one person at once each recompute the
    dates from a snapshot without the other's change, and the later commit leaves a wrong date.
    FOR NO KEY UPDATE still lets others insert rows that reference the person. Ids in one order,
    so two writers never wait on each other's second lock.
    """
    ids = sorted({pid for pid in person_ids if pid is not None}, key=str)
    list(Person.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk"))


def _copy_contact_dates(person: Person) -> None:
    """The person's contact dates as the database now holds them, onto the object the caller has."""
    person.last_contacted, person.next_scheduled_contact = (
        Person.objects.filter(pk=person.pk).values_list("last_contacted", "next_scheduled_contact").get()
    )


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
    outcome: str = "",
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
    if response_received and response_date is None:
        response_date = completed_at  # they answered during the call or visit itself
    if completed_at > now + CLOCK_SKEW:
        raise ValidationError("An interaction cannot be logged in the future; schedule it instead.")
    _lock_persons(person.pk)
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
        outcome=outcome,
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
    _lock_persons(person.pk)
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
    target = data.get("person")
    _lock_persons(interaction.person_id, target.pk if isinstance(target, Person) else None)
    locked = (
        Interaction.objects.select_for_update(of=("self",)).select_related("person").get(pk=interaction.pk)
    )
    if locked.person_id != interaction.person_id:
        raise ValidationError("Someone moved this interaction to another person meanwhile; reload it.")
    _require_may_log(actor, locked.person)
    _require_may_change(actor, locked)
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
        _copy_contact_dates(locked.person)
    return locked


def _open_follow_up(interaction: Interaction) -> None:
    if interaction.status != InteractionStatus.SCHEDULED:
        raise ValidationError(
            f"This {interaction.get_interaction_type_display().lower()} is already "
            f"{interaction.get_status_display().lower()}; only a scheduled one can be changed like that."
        )


def interaction_complete(
    *,
    interaction: Interaction,
    actor: User | None,
    outcome: str,
    notes: str = "",
    duration_minutes: int | None = None,
    sentiment: str = "",
    completed_at: dt.datetime | None = None,
) -> Interaction:
    """A scheduled follow-up done: what came of it is required, the time defaults to now."""
    _open_follow_up(interaction)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Say what came of it."})
    data: dict[str, Any] = {"status": InteractionStatus.COMPLETED, "outcome": outcome}
    data["completed_at"] = completed_at or timezone.now()
    if notes:
        data["notes"] = f"{interaction.notes}\n\n{notes}".strip() if interaction.notes else notes
    if duration_minutes is not None:
        data["duration_minutes"] = duration_minutes
    if sentiment:
        data["sentiment"] = sentiment
    return interaction_update(interaction=interaction, actor=actor, data=data)


def interaction_reschedule(
    *, interaction: Interaction, actor: User | None, scheduled_at: dt.datetime
) -> Interaction:
    _open_follow_up(interaction)
    if scheduled_at is None:
        raise ValidationError({"scheduled_at": "Choose when the interaction is planned for."})
    return interaction_update(interaction=interaction, actor=actor, data={"scheduled_at": scheduled_at})


class Snooze(models.TextChoices):
    LATER_TODAY = "later_today", "Later today"
    TOMORROW = "tomorrow", "Tomorrow morning"
    NEXT_WEEK = "next_week", "Next week"


def snooze_until(choice: str, *, now: dt.datetime | None = None) -> dt.datetime:
    """When a snoozed follow-up comes back, in the club's time zone.

    Later today is three hours on (on the quarter hour); once that runs past the end of the working
    day it is tomorrow morning. Tomorrow is the start of the next working day; next week is next
    Monday's. The working day is DAY_START_HOUR to DAY_END_HOUR (settings).
    """
    local = timezone.localtime(now or timezone.now())
    start = dt.time(settings.DAY_START_HOUR)

    def morning(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, start))

    if choice == Snooze.LATER_TODAY:
        later = local + dt.timedelta(hours=3)
        later = later.replace(second=0, microsecond=0) + dt.timedelta(minutes=-later.minute % 15)
        if later.date() == local.date() and later.hour < settings.DAY_END_HOUR:
            return later
        choice = Snooze.TOMORROW
    if choice == Snooze.TOMORROW:
        return morning(local.date() + dt.timedelta(days=1))
    if choice == Snooze.NEXT_WEEK:
        return morning(local.date() + dt.timedelta(days=7 - local.weekday()))
    raise ValidationError({"until": f"Snooze until {', '.join(label.lower() for label in Snooze.labels)}."})


def interaction_snooze(*, interaction: Interaction, actor: User | None, until: str) -> Interaction:
    _open_follow_up(interaction)
    return interaction_reschedule(interaction=interaction, actor=actor, scheduled_at=snooze_until(until))


def interaction_cancel(*, interaction: Interaction, actor: User | None) -> Interaction:
    _open_follow_up(interaction)
    return interaction_update(
        interaction=interaction, actor=actor, data={"status": InteractionStatus.CANCELLED}
    )


@transaction.atomic
def interaction_delete(*, interaction: Interaction, actor: User | None) -> None:
    """Delete an interaction and its files; the person's contact dates are worked out again."""
    _lock_persons(interaction.person_id)
    locked = (
        Interaction.objects.select_for_update().select_related("person").filter(pk=interaction.pk).first()
    )
    if locked is None:
        return  # deleted by someone else meanwhile: nothing left to do
    _require_may_log(actor, locked.person)
    _require_may_change(actor, locked)
    files = list(locked.attachments)
    locked.delete()
    person_contact_dates_refresh(person_ids={locked.person_id})
    _copy_contact_dates(locked.person)
    if files:
        # Only once the row is gone for good: a rolled-back delete keeps its files.
        transaction.on_commit(lambda: attachment_files_delete(files))
