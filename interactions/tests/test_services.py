"""Changing an interaction: its outcome, its times, the person it was with, and the two person dates
(last_contacted, next_scheduled_contact) that must follow."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from interactions import services
from interactions.factories import InteractionFactory
from interactions.models import Interaction
from interactions.services import interaction_log, interaction_schedule, interaction_update
from orca.db import CLOCK_SKEW
from orca.users.factories import UserFactory
from persons.factories import PersonFactory
from persons.models import Person

pytestmark = pytest.mark.django_db


def ago(**kwargs) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kwargs)


def ahead(**kwargs) -> dt.datetime:
    return timezone.now() + dt.timedelta(**kwargs)


def dates_of(person: Person) -> tuple:
    return Person.objects.values_list("last_contacted", "next_scheduled_contact").get(pk=person.pk)


def row(interaction: Interaction) -> tuple:
    return Interaction.objects.values_list("status", "scheduled_at", "completed_at", "notes", "person").get(
        pk=interaction.pk
    )


@pytest.fixture
def planned(staff_user) -> Interaction:
    person = PersonFactory()
    return interaction_schedule(
        person=person, user=staff_user, interaction_type="tour", scheduled_at=ahead(days=2)
    )


def test_completing_a_scheduled_interaction_moves_both_person_dates(planned, staff_user):
    done_at = ago(minutes=10)
    updated = interaction_update(
        interaction=planned, actor=staff_user, data={"status": "completed", "completed_at": done_at}
    )
    assert (updated.status, updated.completed_at) == ("completed", done_at)
    assert dates_of(planned.person) == (done_at, None)


def test_completing_without_a_time_completes_it_now(planned, staff_user):
    before = timezone.now()
    updated = interaction_update(interaction=planned, actor=staff_user, data={"status": "completed"})
    assert before <= updated.completed_at <= timezone.now()
    assert dates_of(planned.person)[0] == updated.completed_at


def test_a_missed_appointment_clears_next_scheduled_contact(planned, staff_user):
    interaction_update(interaction=planned, actor=staff_user, data={"status": "missed"})
    assert dates_of(planned.person) == (None, None)


def test_moving_an_interaction_to_another_person_recomputes_both_persons(staff_user):
    wrong, right = PersonFactory(), PersonFactory()
    call = interaction_log(person=wrong, user=staff_user, interaction_type="call", completed_at=ago(hours=3))
    interaction_update(interaction=call, actor=staff_user, data={"person": right})
    assert dates_of(wrong) == (None, None)
    assert dates_of(right)[0] == call.completed_at


def test_an_edit_of_the_notes_leaves_the_persons_dates_alone(staff_user):
    # last_contacted may come from an import, with no interaction behind it: a recompute would lose it.
    imported = ago(days=40)
    person = PersonFactory()
    call = interaction_log(person=person, user=staff_user, interaction_type="call", completed_at=ago(days=60))
    Person.objects.filter(pk=person.pk).update(last_contacted=imported)
    interaction_update(interaction=call, actor=staff_user, data={"notes": "Wants the family plan"})
    assert dates_of(person)[0] == imported
    assert row(call)[3] == "Wants the family plan"


def test_an_overdue_scheduled_interaction_can_still_be_annotated(staff_user):
    overdue = InteractionFactory.build(
        person=PersonFactory(), user=staff_user, scheduled=True, scheduled_at=ago(days=1)
    )
    overdue.save()
    interaction_update(interaction=overdue, actor=staff_user, data={"notes": "Left a voicemail"})
    assert row(overdue)[3] == "Left a voicemail"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "completed", "completed_at": ahead(days=1)}, "cannot be completed in the future"),
        ({"scheduled_at": ago(days=1)}, "must be in the future"),
        ({"status": "cancelled", "completed_at": ago(hours=1)}, "Only a completed interaction"),
        ({"interaction_type": "telepathy"}, "not a kind of interaction"),
        ({"duration_minutes": 2000}, "1,440 minutes"),
        ({"sentiment": "ecstatic"}, "sentiment"),
        ({"created_at": ago(days=9)}, "cannot be changed on an interaction: created_at"),
    ],
    ids=[
        "completed-ahead",
        "rescheduled-past",
        "cancelled-with-time",
        "type",
        "duration",
        "sentiment",
        "field",
    ],
)
def test_a_bad_change_is_refused_with_a_clear_message_and_writes_nothing(planned, staff_user, data, message):
    before, dates = row(planned), dates_of(planned.person)
    with pytest.raises(ValidationError, match=message):
        interaction_update(interaction=planned, actor=staff_user, data=data)
    assert row(planned) == before and dates_of(planned.person) == dates


def test_a_completion_time_within_the_shared_clock_skew_is_now(planned, staff_user):
    assert services.CLOCK_SKEW is CLOCK_SKEW
    slightly_ahead = timezone.now() + CLOCK_SKEW - dt.timedelta(seconds=30)
    interaction_update(
        interaction=planned, actor=staff_user, data={"status": "completed", "completed_at": slightly_ahead}
    )
    assert row(planned)[0] == "completed"


def test_an_inactive_user_cannot_change_interactions(planned):
    former = UserFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        interaction_update(interaction=planned, actor=former, data={"notes": "x"})
    assert row(planned)[3] == ""


def test_an_unchanged_save_writes_nothing(planned, staff_user):
    updated_at = Interaction.objects.values_list("updated_at", flat=True).get(pk=planned.pk)
    interaction_update(interaction=planned, actor=staff_user, data={"status": "scheduled", "notes": ""})
    assert Interaction.objects.values_list("updated_at", flat=True).get(pk=planned.pk) == updated_at
