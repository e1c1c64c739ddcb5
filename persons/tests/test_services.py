"""persons.services: who may change what, and that a refused change writes nothing."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models.signals import post_save, pre_delete
from django.utils import timezone

from persons.factories import PersonFactory
from persons.models import Person
from persons.permissions import can_edit_person, editable_by_q
from persons.services import (
    ConcurrentEditError,
    person_bulk_add_tag,
    person_bulk_assign,
    person_bulk_remove_tag,
    person_bulk_set_do_not_contact,
    person_create,
    person_delete,
    person_update,
)

pytestmark = pytest.mark.django_db


def test_a_person_created_by_staff_without_an_owner_is_assigned_to_them(staff_user):
    person = person_create(actor=staff_user, first_name="Ada", email="ADA@Example.com", phone="415 555 0142")
    assert person.assigned_to == staff_user
    assert person.email == "ada@example.com" and person.phone == "+14155550142"
    assert person.profile_completeness > 0


def test_a_person_created_by_a_manager_stays_unassigned(manager_user):
    assert person_create(actor=manager_user, first_name="Ada").assigned_to is None


def test_creating_a_person_with_an_unknown_choice_is_refused_and_writes_nothing(staff_user):
    with pytest.raises(ValidationError) as refused:
        person_create(actor=staff_user, first_name="Ada", gender="robot")
    assert "gender" in refused.value.message_dict
    assert not Person.objects.exists()


def test_creating_a_person_with_a_bad_email_is_refused(staff_user):
    with pytest.raises(ValidationError) as refused:
        person_create(actor=staff_user, first_name="Ada", email="not-an-email")
    assert "email" in refused.value.message_dict


def test_staff_edit_their_own_and_unassigned_persons(staff_user):
    mine = PersonFactory(assigned_to=staff_user)
    free = PersonFactory(assigned_to=None)
    assert person_update(person=mine, actor=staff_user, data={"goals": "Swim"}).goals == "Swim"
    assert person_update(person=free, actor=staff_user, data={"goals": "Run"}).goals == "Run"


def test_staff_cannot_edit_another_staff_members_person(staff_user, other_staff_user):
    theirs = PersonFactory(assigned_to=other_staff_user, goals="Lift")
    with pytest.raises(PermissionDenied):
        person_update(person=theirs, actor=staff_user, data={"goals": "Swim"})
    assert Person.objects.get(pk=theirs.pk).goals == "Lift"


def test_staff_cannot_hand_their_person_to_someone_else_but_a_manager_can(
    staff_user, other_staff_user, manager_user
):
    theirs = PersonFactory(assigned_to=other_staff_user)
    with pytest.raises(PermissionDenied):
        person_update(person=theirs, actor=staff_user, data={"assigned_to": staff_user})
    moved = person_update(person=theirs, actor=manager_user, data={"assigned_to": staff_user})
    assert moved.assigned_to == staff_user


def test_an_edit_based_on_a_stale_form_is_refused_and_names_the_conflict(staff_user):
    person = PersonFactory(assigned_to=staff_user, goals="Lift")
    loaded_at = person.updated_at
    person_update(person=person, actor=staff_user, data={"goals": "Swim"})
    with pytest.raises(ConcurrentEditError, match="after you opened this form"):
        person_update(person=person, actor=staff_user, data={"goals": "Run"}, expected_updated_at=loaded_at)
    assert Person.objects.get(pk=person.pk).goals == "Swim"


def test_an_invalid_edit_is_refused_and_writes_nothing(staff_user):
    person = PersonFactory(assigned_to=staff_user, interest_level="low")
    with pytest.raises(ValidationError):
        person_update(person=person, actor=staff_user, data={"interest_level": "extreme"})
    assert Person.objects.get(pk=person.pk).interest_level == "low"


def test_a_bulk_change_including_someone_elses_person_is_refused_whole(staff_user, other_staff_user):
    mine = PersonFactory(assigned_to=staff_user, tags=[])
    theirs = PersonFactory(assigned_to=other_staff_user, tags=[])
    everyone = Person.objects.filter(pk__in=[mine.pk, theirs.pk])
    with pytest.raises(PermissionDenied):
        person_bulk_add_tag(persons=everyone, tag="vip", actor=staff_user)
    assert not Person.objects.filter(tags__contains=["vip"]).exists()


def test_tags_are_added_once_cleaned_and_removed(manager_user):
    people = PersonFactory.create_batch(2, tags=["vip"])
    everyone = Person.objects.filter(pk__in=[p.pk for p in people])
    assert person_bulk_add_tag(persons=everyone, tag="  Early-Bird ", actor=manager_user) == 2
    assert person_bulk_add_tag(persons=everyone, tag="early-bird", actor=manager_user) == 0
    assert person_bulk_remove_tag(persons=everyone, tag="vip", actor=manager_user) == 2
    assert all(p.tags == ["early-bird"] for p in everyone)


def test_an_empty_tag_is_refused(manager_user):
    with pytest.raises(ValidationError, match="cannot be empty"):
        person_bulk_add_tag(persons=Person.objects.all(), tag="  ", actor=manager_user)


def test_a_manager_assigns_many_persons_at_once(manager_user, staff_user):
    people = PersonFactory.create_batch(3, assigned_to=None)
    count = person_bulk_assign(
        persons=Person.objects.filter(pk__in=[p.pk for p in people]), assignee=staff_user, actor=manager_user
    )
    assert count == 3 and Person.objects.filter(assigned_to=staff_user).count() == 3


def test_only_managers_delete_persons(staff_user, manager_user):
    person = PersonFactory(assigned_to=staff_user)
    with pytest.raises(PermissionDenied):
        person_delete(person=person, actor=staff_user)
    person_delete(person=person, actor=manager_user)
    assert not Person.objects.filter(pk=person.pk).exists()


# --- The edit rule, once as a check and once as a filter ------------------------------------------


@pytest.mark.parametrize(
    "who", ["staff_user", "other_staff_user", "manager_user", "admin_user", "inactive", "anonymous"]
)
def test_the_edit_rule_as_a_filter_picks_exactly_the_persons_the_check_allows(request, who, staff_user):
    if who == "anonymous":
        user = AnonymousUser()
    elif who == "inactive":
        user = request.getfixturevalue("other_staff_user")
        user.is_active = False
        user.save()
    else:
        user = request.getfixturevalue(who)
    PersonFactory(assigned_to=staff_user)
    PersonFactory(assigned_to=None)
    PersonFactory(assigned_to=request.getfixturevalue("manager_user"))

    allowed = {person.pk for person in Person.objects.all() if can_edit_person(user, person)}

    assert set(Person.objects.filter(editable_by_q(user)).values_list("pk", flat=True)) == allowed


def test_an_edit_is_checked_against_the_row_as_it_is_now_not_as_it_was_loaded(staff_user, other_staff_user):
    loaded = PersonFactory(assigned_to=staff_user, goals="Lift")
    Person.objects.filter(pk=loaded.pk).update(assigned_to=other_staff_user)

    with pytest.raises(PermissionDenied):
        person_update(person=loaded, actor=staff_user, data={"goals": "Swim"})
    assert Person.objects.get(pk=loaded.pk).goals == "Lift"


def test_an_edit_costs_the_lock_and_the_update_only(staff_user, django_assert_max_num_queries):
    person = PersonFactory(assigned_to=staff_user)

    # SELECT ... FOR UPDATE, the owner's existence (field validation of the foreign key) and the
    # UPDATE, inside a savepoint pair in a test; no query per CHECK constraint.
    with django_assert_max_num_queries(5):
        person_update(person=person, actor=staff_user, data={"goals": "Swim", "interest_level": "high"})


# --- Do not contact -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "until",
    [dt.datetime(1, 1, 1, tzinfo=dt.UTC), timezone.now() - dt.timedelta(minutes=1)],
    ids=["year one", "a minute ago"],
)
def test_a_do_not_contact_date_in_the_past_is_refused_and_writes_nothing(staff_user, until):
    person = PersonFactory(assigned_to=staff_user, do_not_contact_until=None)

    with pytest.raises(ValidationError, match="Choose a date in the future, or clear it"):
        person_bulk_set_do_not_contact(persons=Person.objects.all(), until=until, actor=staff_user)
    assert Person.objects.get(pk=person.pk).do_not_contact_until is None


def test_do_not_contact_is_set_for_a_future_date_and_cleared_with_none(staff_user):
    until = timezone.now() + dt.timedelta(days=30)
    person = PersonFactory(assigned_to=staff_user)

    assert person_bulk_set_do_not_contact(persons=Person.objects.all(), until=until, actor=staff_user) == 1
    assert Person.objects.get(pk=person.pk).do_not_contact_until == until
    person_bulk_set_do_not_contact(persons=Person.objects.all(), until=None, actor=staff_user)
    assert Person.objects.get(pk=person.pk).do_not_contact_until is None


# --- Transactions ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_creating_and_deleting_a_person_each_run_in_a_transaction(manager_user):
    """Outside a test's own transaction: every write a service makes belongs to the service's."""
    seen: list[bool] = []

    def record(**kwargs) -> None:
        seen.append(connection.in_atomic_block)

    post_save.connect(record, sender=Person, dispatch_uid="test_in_transaction")
    pre_delete.connect(record, sender=Person, dispatch_uid="test_in_transaction")
    try:
        person = person_create(actor=manager_user, first_name="Ada")
        person_delete(person=person, actor=manager_user)
    finally:
        post_save.disconnect(sender=Person, dispatch_uid="test_in_transaction")
        pre_delete.disconnect(sender=Person, dispatch_uid="test_in_transaction")

    assert seen == [True, True]


def test_an_edit_of_a_person_deleted_meanwhile_is_refused_not_a_crash(manager_user):
    person = Person.objects.create(first_name="Ada", last_name="Lovelace")
    stale = Person.objects.get(pk=person.pk)
    Person.objects.filter(pk=person.pk).delete()
    with pytest.raises(ConcurrentEditError, match="deleted by someone else"):
        person_update(person=stale, actor=manager_user, data={"first_name": "Augusta"})
