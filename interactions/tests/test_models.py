"""Interactions: what the database refuses, and the two person dates the services keep.

(interaction_log and interaction_schedule are tested here with the model they write.)
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from interactions.factories import InteractionFactory
from interactions.models import Interaction
from interactions.services import interaction_log, interaction_schedule, person_contact_dates_refresh
from orca.users.factories import UserFactory
from persons.factories import PersonFactory
from persons.models import Person

pytestmark = pytest.mark.django_db

CHECK_CASES = [
    ("interaction_interaction_type_valid", {"interaction_type": "telepathy"}),
    ("interaction_status_valid", {"status": "postponed"}),
    ("interaction_sentiment_valid", {"sentiment": "ecstatic"}),
    ("interaction_outcome_valid", {"outcome": "maybe"}),
    ("interaction_duration_within_a_day", {"duration_minutes": 24 * 60 + 1}),
    ("interactions_duration_minutes_check", {"duration_minutes": -1}),
]


def check_constraints_of(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'c' AND conrelid = %s::regclass", [table]
        )
        return {name for (name,) in cursor.fetchall()}


def ago(**kwargs) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kwargs)


def ahead(**kwargs) -> dt.datetime:
    return timezone.now() + dt.timedelta(**kwargs)


def dates_of(person: Person) -> tuple:
    return Person.objects.values_list("last_contacted", "next_scheduled_contact").get(pk=person.pk)


def test_every_check_constraint_on_interactions_has_a_case_below():
    assert check_constraints_of("interactions") == {name for name, _ in CHECK_CASES}


@pytest.mark.parametrize(("constraint", "values"), CHECK_CASES, ids=[name for name, _ in CHECK_CASES])
def test_the_database_refuses_a_value_outside_each_check_constraint(constraint, values):
    interaction = InteractionFactory()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Interaction.objects.filter(pk=interaction.pk).update(**values)


def test_logging_a_call_sets_last_contacted_to_when_it_happened(staff_user):
    person = PersonFactory()
    when = ago(hours=2)
    interaction = interaction_log(person=person, user=staff_user, interaction_type="call", completed_at=when)
    assert (interaction.status, interaction.completed_at, interaction.user) == ("completed", when, staff_user)
    assert dates_of(person)[0] == when and person.last_contacted == when


def test_a_call_logged_late_does_not_move_last_contacted_backwards(staff_user):
    person = PersonFactory()
    recent = ago(hours=1)
    interaction_log(person=person, user=staff_user, interaction_type="visit", completed_at=recent)
    interaction_log(person=person, user=staff_user, interaction_type="call", completed_at=ago(days=3))
    assert dates_of(person)[0] == recent


def test_logging_leaves_updated_at_alone_so_an_open_edit_form_does_not_conflict(staff_user):
    person = PersonFactory()
    before = Person.objects.get(pk=person.pk).updated_at
    interaction_log(person=person, user=staff_user, interaction_type="call")
    assert Person.objects.get(pk=person.pk).updated_at == before


def test_logging_in_the_future_is_refused_and_writes_nothing(staff_user):
    person = PersonFactory()
    with pytest.raises(ValidationError, match="schedule it instead"):
        interaction_log(person=person, user=staff_user, interaction_type="call", completed_at=ahead(days=1))
    assert not Interaction.objects.exists() and dates_of(person) == (None, None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"interaction_type": "telepathy"}, "not a kind of interaction"),
        ({"interaction_type": "call", "duration_minutes": 2000}, "1,440 minutes"),
        ({"interaction_type": "call", "sentiment": "ecstatic"}, "sentiment"),
    ],
)
def test_bad_interaction_input_is_refused_with_a_clear_message(staff_user, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        interaction_log(person=PersonFactory(), user=staff_user, **kwargs)
    assert not Interaction.objects.exists()


def test_an_inactive_user_cannot_log_interactions():
    former = UserFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        interaction_log(person=PersonFactory(), user=former, interaction_type="call")


def test_next_scheduled_contact_is_the_earliest_open_scheduled_interaction(staff_user):
    person = PersonFactory()
    later, sooner = ahead(days=5), ahead(days=1)
    interaction_schedule(person=person, user=staff_user, interaction_type="follow_up", scheduled_at=later)
    assert dates_of(person)[1] == later
    interaction_schedule(person=person, user=staff_user, interaction_type="tour", scheduled_at=sooner)
    assert dates_of(person)[1] == sooner == person.next_scheduled_contact
    interaction_schedule(person=person, user=staff_user, interaction_type="call", scheduled_at=ahead(days=9))
    assert dates_of(person)[1] == sooner


def test_scheduling_in_the_past_is_refused(staff_user):
    with pytest.raises(ValidationError, match="must be in the future"):
        interaction_schedule(
            person=PersonFactory(), user=staff_user, interaction_type="call", scheduled_at=ago(days=1)
        )
    assert not Interaction.objects.exists()


def test_scheduling_keeps_a_last_contacted_that_came_from_elsewhere(staff_user):
    imported = ago(days=40)
    person = PersonFactory()
    Person.objects.filter(pk=person.pk).update(last_contacted=imported)
    interaction_schedule(person=person, user=staff_user, interaction_type="call", scheduled_at=ahead(days=1))
    assert dates_of(person)[0] == imported


def test_the_refresh_recomputes_both_dates_from_interactions_in_bulk(staff_user):
    busy, quiet = PersonFactory(), PersonFactory()
    done_at, overdue = ago(days=2), ago(days=1)
    rows = [
        InteractionFactory.build(person=busy, user=staff_user, completed_at=ago(days=9)),
        InteractionFactory.build(person=busy, user=staff_user, completed_at=done_at),
        InteractionFactory.build(person=busy, user=staff_user, scheduled=True, scheduled_at=overdue),
        InteractionFactory.build(person=busy, user=staff_user, scheduled=True, scheduled_at=ahead(days=3)),
        InteractionFactory.build(
            person=busy, user=staff_user, status="cancelled", scheduled_at=ago(days=5), completed_at=None
        ),
    ]
    Interaction.objects.bulk_create(rows)
    assert person_contact_dates_refresh(person_ids=[busy.pk, quiet.pk]) == 2
    assert dates_of(busy) == (done_at, overdue)
    assert dates_of(quiet) == (None, None)


def test_the_factory_logs_and_schedules_through_the_services(staff_user):
    person = PersonFactory()
    InteractionFactory(person=person, user=staff_user)
    InteractionFactory(person=person, user=staff_user, scheduled=True)
    last, upcoming = dates_of(person)
    assert last is not None and upcoming is not None and upcoming > last
