"""Follow-ups: complete, reschedule, snooze, cancel, delete, and the person's two contact dates
(last_contacted, next_scheduled_contact) after every kind of change, concurrent ones included."""

from __future__ import annotations

import datetime as dt
import threading
import time
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from interactions.models import Interaction, InteractionStatus
from interactions.permissions import can_change_interaction
from interactions.services import (
    Snooze,
    interaction_cancel,
    interaction_complete,
    interaction_delete,
    interaction_log,
    interaction_reschedule,
    interaction_schedule,
    interaction_snooze,
    interaction_update,
    snooze_until,
)
from persons.factories import PersonFactory
from persons.models import Person

pytestmark = pytest.mark.django_db


def ago(**kwargs) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kwargs)


def ahead(**kwargs) -> dt.datetime:
    return timezone.now() + dt.timedelta(**kwargs)


def dates_of(person: Person) -> tuple:
    return Person.objects.values_list("last_contacted", "next_scheduled_contact").get(pk=person.pk)


@pytest.fixture
def person(staff_user) -> Person:
    return PersonFactory(assigned_to=staff_user)


def plan(person: Person, user, when: dt.datetime, kind: str = "call") -> Interaction:
    return interaction_schedule(person=person, user=user, interaction_type=kind, scheduled_at=when)


# --- Contact dates after each change ---------------------------------------------------------------


def test_completing_a_follow_up_records_the_outcome_and_moves_both_dates(person, staff_user):
    earlier_call = interaction_log(
        person=person, user=staff_user, interaction_type="call", completed_at=ago(days=3)
    )
    first, second = plan(person, staff_user, ahead(hours=2)), plan(person, staff_user, ahead(days=4))

    done = interaction_complete(interaction=first, actor=staff_user, outcome="booked", notes="Tour on Friday")

    assert (done.status, done.outcome, done.notes) == ("completed", "booked", "Tour on Friday")
    assert dates_of(person) == (done.completed_at, second.scheduled_at)
    assert done.completed_at > earlier_call.completed_at
    assert (person.last_contacted, person.next_scheduled_contact) != dates_of(person)  # caller's copy is old
    assert (done.person.last_contacted, done.person.next_scheduled_contact) == dates_of(person)


def test_completing_needs_an_outcome_and_writes_nothing_without_one(person, staff_user):
    planned = plan(person, staff_user, ahead(hours=2))
    before = dates_of(person)
    with pytest.raises(ValidationError, match="Say what came of it"):
        interaction_complete(interaction=planned, actor=staff_user, outcome="")
    assert Interaction.objects.get(pk=planned.pk).status == "scheduled"
    assert dates_of(person) == before


def test_only_a_scheduled_follow_up_can_be_completed_snoozed_rescheduled_or_cancelled(person, staff_user):
    call = interaction_log(person=person, user=staff_user, interaction_type="call")
    for change in (
        lambda: interaction_complete(interaction=call, actor=staff_user, outcome="reached"),
        lambda: interaction_snooze(interaction=call, actor=staff_user, until="tomorrow"),
        lambda: interaction_reschedule(interaction=call, actor=staff_user, scheduled_at=ahead(days=1)),
        lambda: interaction_cancel(interaction=call, actor=staff_user),
    ):
        with pytest.raises(ValidationError, match="already completed"):
            change()


def test_rescheduling_moves_next_scheduled_contact_to_the_earliest_open_follow_up(person, staff_user):
    soon, later = plan(person, staff_user, ahead(hours=3)), plan(person, staff_user, ahead(days=2))
    interaction_reschedule(interaction=soon, actor=staff_user, scheduled_at=ahead(days=5))
    assert dates_of(person)[1] == later.scheduled_at


def test_rescheduling_into_the_past_is_refused_and_changes_nothing(person, staff_user):
    planned = plan(person, staff_user, ahead(hours=3))
    with pytest.raises(ValidationError, match="must be in the future"):
        interaction_reschedule(interaction=planned, actor=staff_user, scheduled_at=ago(days=1))
    assert Interaction.objects.get(pk=planned.pk).scheduled_at == planned.scheduled_at
    assert dates_of(person)[1] == planned.scheduled_at


def test_snoozing_moves_the_follow_up_and_next_scheduled_contact(person, staff_user):
    planned = plan(person, staff_user, ahead(minutes=30))
    snoozed = interaction_snooze(interaction=planned, actor=staff_user, until=Snooze.NEXT_WEEK)
    assert snoozed.scheduled_at == snooze_until(Snooze.NEXT_WEEK)
    assert dates_of(person)[1] == snoozed.scheduled_at


def test_an_unknown_snooze_is_refused(person, staff_user):
    planned = plan(person, staff_user, ahead(minutes=30))
    with pytest.raises(ValidationError, match="Snooze until"):
        interaction_snooze(interaction=planned, actor=staff_user, until="forever")
    assert Interaction.objects.get(pk=planned.pk).scheduled_at == planned.scheduled_at


def test_cancelling_the_only_follow_up_clears_next_scheduled_contact(person, staff_user):
    planned = plan(person, staff_user, ahead(days=1))
    interaction_cancel(interaction=planned, actor=staff_user)
    assert Interaction.objects.get(pk=planned.pk).status == InteractionStatus.CANCELLED
    assert dates_of(person)[1] is None


def test_deleting_the_latest_call_moves_last_contacted_back_to_the_one_before(person, staff_user):
    older = interaction_log(person=person, user=staff_user, interaction_type="call", completed_at=ago(days=9))
    latest = interaction_log(
        person=person, user=staff_user, interaction_type="visit", completed_at=ago(hours=1)
    )
    interaction_delete(interaction=latest, actor=staff_user)
    assert dates_of(person)[0] == older.completed_at
    interaction_delete(interaction=older, actor=staff_user)
    assert dates_of(person)[0] is None


def test_deleting_the_next_follow_up_moves_next_scheduled_contact_to_the_one_after(person, staff_user):
    soon, later = plan(person, staff_user, ahead(hours=1)), plan(person, staff_user, ahead(days=3))
    interaction_delete(interaction=soon, actor=staff_user)
    assert dates_of(person)[1] == later.scheduled_at


def test_deleting_an_interaction_deleted_meanwhile_does_nothing(person, staff_user):
    call = interaction_log(person=person, user=staff_user, interaction_type="call")
    Interaction.objects.filter(pk=call.pk).delete()
    interaction_delete(interaction=call, actor=staff_user)  # no error, nothing to do
    assert not Interaction.objects.filter(pk=call.pk).exists()


def test_correcting_when_a_call_happened_moves_last_contacted_both_ways(person, staff_user):
    call = interaction_log(person=person, user=staff_user, interaction_type="call", completed_at=ago(hours=2))
    interaction_update(interaction=call, actor=staff_user, data={"completed_at": ago(days=2)})
    assert dates_of(person)[0] == Interaction.objects.get(pk=call.pk).completed_at


def test_a_call_logged_with_what_they_said_records_the_reply_at_the_time_of_the_call(person, staff_user):
    call = interaction_log(
        person=person,
        user=staff_user,
        interaction_type="call",
        response_received=True,
        response_content="Yes",
    )
    assert call.response_date == call.completed_at


# --- Who may change an interaction ---------------------------------------------------------------


def test_whoever_logged_it_the_persons_owner_and_managers_may_change_it_nobody_else(
    staff_user, other_staff_user, manager_user
):
    theirs = PersonFactory(assigned_to=other_staff_user)
    call = interaction_log(person=theirs, user=other_staff_user, interaction_type="call")
    assert can_change_interaction(other_staff_user, call)
    assert can_change_interaction(manager_user, call)
    assert not can_change_interaction(staff_user, call)
    with pytest.raises(PermissionDenied):
        interaction_delete(interaction=call, actor=staff_user)
    with pytest.raises(PermissionDenied):
        interaction_update(interaction=call, actor=staff_user, data={"subject": "Mine now"})
    assert Interaction.objects.filter(pk=call.pk, subject=call.subject).exists()

    mine = interaction_log(person=theirs, user=staff_user, interaction_type="note", subject="Covering")
    assert can_change_interaction(staff_user, mine)  # what they logged stays theirs to correct


# --- Snooze times ------------------------------------------------------------------------------------

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def at(day: str, clock: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BERLIN)


@pytest.fixture
def club_in_berlin(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    settings.DAY_START_HOUR, settings.DAY_END_HOUR = 9, 20
    timezone.activate(BERLIN)
    yield
    timezone.deactivate()


@pytest.mark.parametrize(
    "now, until, expected",
    [
        (at("2026-12-02", "10:07"), "later_today", at("2026-12-02", "13:15")),
        (at("2026-12-02", "16:59"), "later_today", at("2026-12-03", "09:00")),  # 20:00 ends the day
        (at("2026-12-02", "23:30"), "later_today", at("2026-12-03", "09:00")),
        (at("2026-12-02", "10:07"), "tomorrow", at("2026-12-03", "09:00")),
        (at("2026-12-02", "10:07"), "next_week", at("2026-12-07", "09:00")),  # a Wednesday: next Monday
        (at("2026-12-07", "08:00"), "next_week", at("2026-12-14", "09:00")),  # a Monday: the one after
    ],
)
def test_snooze_times_follow_the_clubs_working_day(club_in_berlin, now, until, expected):
    assert snooze_until(until, now=now) == expected


# --- Concurrent changes ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_colleagues_completing_two_follow_ups_of_one_person_at_once_leave_the_right_dates(
    staff_user, other_staff_user
):
    """The first completion holds its transaction open; the second starts meanwhile. Without the
    person lock the second recomputes from a snapshot that still has the first one scheduled."""
    person = PersonFactory(assigned_to=None)
    first = plan(person, staff_user, ahead(hours=1))
    second = plan(person, other_staff_user, ahead(hours=2))
    last_one = plan(person, staff_user, ahead(days=6))
    first_done = threading.Event()
    errors: list[BaseException] = []

    def complete_first() -> None:
        try:
            with transaction.atomic():
                interaction_complete(interaction=first, actor=staff_user, outcome="reached")
                first_done.set()
                time.sleep(0.5)  # the colleague's completion starts while this one is open
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
            first_done.set()
        finally:
            connection.close()

    def complete_second() -> None:
        try:
            first_done.wait(5)
            interaction_complete(interaction=second, actor=other_staff_user, outcome="no_answer")
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=complete_first), threading.Thread(target=complete_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    close_old_connections()

    assert not errors
    completed = Interaction.objects.filter(pk__in=[first.pk, second.pk]).values_list(
        "completed_at", flat=True
    )
    assert dates_of(person) == (max(completed), last_one.scheduled_at)
