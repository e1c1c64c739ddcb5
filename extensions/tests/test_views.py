"""The three role views (leads_view, referrals_view, members_view) and their unmanaged models."""

import pytest
from django.db import connection

from extensions.factories import LeadExtensionFactory, MemberExtensionFactory, RolePersonFactory
from extensions.models import LeadView, MemberView, ReferralView
from extensions.services import extension_change_status, person_set_roles
from persons.factories import PersonFactory
from persons.models import Person

pytestmark = pytest.mark.django_db

VIEWS = {"lead": LeadView, "referral": ReferralView, "member": MemberView}


def view_columns(view: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
            [view],
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.parametrize("model", VIEWS.values(), ids=lambda m: m._meta.db_table)
def test_the_view_models_fields_match_the_views_columns(model):
    model_columns = [f.column for f in model._meta.concrete_fields]
    assert len(model_columns) == len(set(model_columns))
    assert sorted(model_columns) == sorted(view_columns(model._meta.db_table))


@pytest.mark.parametrize("role", VIEWS)
def test_each_view_holds_exactly_the_persons_holding_its_role(role):
    holders = [RolePersonFactory(roles={role}), RolePersonFactory(roles={role, "lead", "member"})]
    RolePersonFactory(roles=set(VIEWS) - {role})
    PersonFactory()
    assert set(VIEWS[role].objects.values_list("id", flat=True)) == {p.pk for p in holders}


@pytest.mark.parametrize("role", VIEWS)
def test_a_person_who_dropped_a_role_leaves_its_view_but_keeps_the_extension(role, manager_user):
    other = "member" if role == "lead" else "lead"
    person = RolePersonFactory(roles={role, other})
    person_set_roles(person=person, roles={other}, actor=manager_user)
    assert not VIEWS[role].objects.filter(pk=person.pk).exists()
    assert VIEWS[other].objects.filter(pk=person.pk).exists()
    # The extension is kept (reverse one-to-one accessors: person.lead, .referral, .member).
    assert getattr(Person.objects.get(pk=person.pk), role).person_id == person.pk


def test_the_leads_view_shows_person_and_lead_columns_together():
    lead = LeadExtensionFactory(readiness_score=70, statuses=[("contacted", None)])
    row = LeadView.objects.get(pk=lead.person_id)
    assert row.first_name == lead.person.first_name and row.email == lead.person.email
    assert row.lead_id == lead.pk
    assert (row.lead_status, row.readiness_score) == ("contacted", 70)
    assert [entry["status"] for entry in row.status_history] == ["new", "contacted"]


def test_the_members_view_shows_member_money_and_status(manager_user):
    member = MemberExtensionFactory(current_monthly_spend="49.00", lifetime_value="588.00")
    extension_change_status(person=member.person, role="member", status="active", actor=manager_user)
    row = MemberView.objects.get(pk=member.person_id)
    assert row.member_id == member.pk and row.membership_status == "active"
    assert (str(row.current_monthly_spend), str(row.lifetime_value)) == ("49.00", "588.00")


def test_the_referrals_view_shows_referral_columns():
    person = RolePersonFactory(referral=True)
    row = ReferralView.objects.get(pk=person.pk)
    assert (row.referral_status, row.conversion_status) == ("received", "pending")
    assert row.referral_id == person.referral.pk
