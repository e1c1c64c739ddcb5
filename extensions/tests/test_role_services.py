import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from extensions.models import LeadExtension, MemberExtension, ReferralExtension
from extensions.services import extension_change_status, extension_update, person_set_roles
from persons.models import Person

pytestmark = pytest.mark.django_db


def make_person(**kwargs) -> Person:
    return Person.objects.create(first_name="Ada", last_name="Lovelace", **kwargs)


def test_taking_a_role_creates_its_extension_once(manager_user):
    person = make_person()
    person_set_roles(person=person, roles={"lead"}, actor=manager_user)
    person_set_roles(person=person, roles={"lead"}, actor=manager_user)
    person.refresh_from_db()
    assert person.is_lead and not person.is_member
    assert LeadExtension.objects.filter(person=person).count() == 1
    assert not MemberExtension.objects.filter(person=person).exists()
    lead = person.lead
    assert lead.lead_status == "new"
    assert lead.status_history[0]["status"] == "new"
    assert lead.status_history[0]["by"] == str(manager_user.pk)


def test_dropping_a_role_keeps_its_data_and_taking_it_again_brings_it_back(manager_user):
    person = make_person()
    person_set_roles(person=person, roles={"lead"}, actor=manager_user)
    extension_change_status(person=person, role="lead", status="qualified", actor=manager_user)
    person_set_roles(person=person, roles={"member"}, actor=manager_user)
    person.refresh_from_db()
    assert not person.is_lead and person.is_member
    assert LeadExtension.objects.get(person=person).lead_status == "qualified"
    person_set_roles(person=person, roles={"member", "lead"}, actor=manager_user)
    assert LeadExtension.objects.filter(person=person).count() == 1
    assert Person.objects.get(pk=person.pk).lead.lead_status == "qualified"


def test_status_history_and_stage_durations_follow_transitions(manager_user):
    start = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    person = make_person()
    person_set_roles(person=person, roles={"lead", "referral"}, actor=manager_user, at=start)
    extension_change_status(
        person=person,
        role="lead",
        status="contacted",
        actor=manager_user,
        note="Called back",
        at=start + dt.timedelta(days=2),
    )
    extension_change_status(
        person=person,
        role="lead",
        status="qualified",
        actor=manager_user,
        at=start + dt.timedelta(days=3, hours=12),
    )
    extension_change_status(
        person=person, role="lead", status="contacted", actor=None, at=start + dt.timedelta(days=4)
    )
    lead = LeadExtension.objects.get(person=person)
    assert [e["status"] for e in lead.status_history] == ["new", "contacted", "qualified", "contacted"]
    assert lead.status_history[1]["note"] == "Called back"
    assert lead.stage_duration_days == {"new": 2.0, "contacted": 1.5, "qualified": 0.5}
    extension_change_status(
        person=person,
        role="referral",
        status="contacted",
        actor=manager_user,
        at=start + dt.timedelta(days=1),
    )
    assert ReferralExtension.objects.get(person=person).time_in_stage_days == {"received": 1.0}


def test_an_illegal_status_is_refused_and_nothing_changes(manager_user):
    person = make_person()
    person_set_roles(person=person, roles={"member"}, actor=manager_user)
    with pytest.raises(ValidationError, match="not a member status"):
        extension_change_status(person=person, role="member", status="won", actor=manager_user)
    member = MemberExtension.objects.get(person=person)
    assert member.membership_status == "pending" and len(member.status_history) == 1


def test_a_status_change_for_a_role_not_held_is_refused(manager_user):
    person = make_person()
    with pytest.raises(ValidationError, match="not a lead"):
        extension_change_status(person=person, role="lead", status="contacted", actor=manager_user)


def test_the_database_refuses_an_extension_for_a_role_not_held():
    person = make_person()
    with pytest.raises(IntegrityError, match="does not hold the role"), transaction.atomic():
        LeadExtension.objects.create(person=person)


def test_a_dropped_roles_kept_data_can_still_be_edited(manager_user):
    person = make_person()
    person_set_roles(person=person, roles={"lead"}, actor=manager_user)
    person_set_roles(person=person, roles=set(), actor=manager_user)
    lead = LeadExtension.objects.get(person=person)
    lead.readiness_score = 40
    lead.save()
    assert LeadExtension.objects.get(person=person).readiness_score == 40


def test_the_database_refuses_moving_an_extension_to_a_person_without_the_role(manager_user):
    holder, other = make_person(), make_person()
    person_set_roles(person=holder, roles={"member"}, actor=manager_user)
    with pytest.raises(IntegrityError, match="does not hold the role"), transaction.atomic():
        MemberExtension.objects.filter(person=holder).update(person=other)


# --- Permissions are checked on the locked row ------------------------------------------------------


def _reassigned_after_loading(owner, other):
    """A lead loaded while `owner` looked after them, handed to `other` since (by someone else)."""
    loaded = make_person(assigned_to=owner)
    person_set_roles(person=loaded, roles={"lead"}, actor=owner)
    Person.objects.filter(pk=loaded.pk).update(assigned_to=other)
    return loaded


@pytest.mark.parametrize(
    "change",
    [
        lambda person, actor: person_set_roles(person=person, roles={"lead", "member"}, actor=actor),
        lambda person, actor: extension_change_status(
            person=person, role="lead", status="qualified", actor=actor
        ),
        lambda person, actor: extension_update(
            person=person, role="lead", data={"lead_temperature": "hot"}, actor=actor
        ),
    ],
    ids=["set roles", "change status", "update"],
)
def test_a_role_change_is_checked_against_the_person_as_they_are_now(staff_user, other_staff_user, change):
    loaded = _reassigned_after_loading(staff_user, other_staff_user)
    before = LeadExtension.objects.get(person=loaded)

    with pytest.raises(PermissionDenied):
        change(loaded, staff_user)

    after = LeadExtension.objects.get(person=loaded)
    assert (after.lead_status, after.lead_temperature, after.updated_at) == (
        before.lead_status,
        before.lead_temperature,
        before.updated_at,
    )
    assert not Person.objects.get(pk=loaded.pk).is_member


def test_a_status_change_for_a_role_dropped_since_loading_is_refused(manager_user):
    loaded = make_person()
    person_set_roles(person=loaded, roles={"lead"}, actor=manager_user)
    person_set_roles(person=Person.objects.get(pk=loaded.pk), roles=set(), actor=manager_user)

    with pytest.raises(ValidationError, match="is not a lead"):
        extension_change_status(person=loaded, role="lead", status="qualified", actor=manager_user)
    assert LeadExtension.objects.get(person=loaded).lead_status == "new"
