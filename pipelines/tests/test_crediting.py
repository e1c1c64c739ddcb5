"""Crediting referrers when the person they referred joins: by attribution share, and only once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from extensions.factories import RolePersonFactory
from extensions.models import MemberExtension, ReferralExtension
from extensions.services import extension_change_status
from persons.factories import PersonFactory
from persons.models import Person
from pipelines.rules import LEADS, REFERRALS
from pipelines.services import MoveDetails, pipeline_move
from relationships.models import ReferralCredit
from relationships.services import referral_conversion_credit, referral_record

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
JOINING = MoveDetails(membership_type="standard")


@pytest.fixture(autouse=True)
def reward(settings) -> Decimal:
    settings.REFERRAL_REWARD = Decimal("75.00")
    return settings.REFERRAL_REWARD


def member() -> Person:
    return RolePersonFactory(member=True, roles_at=timezone.now() - 90 * DAY)


def referred_by(*shares: tuple[Person, int], roles=frozenset({"referral"}), status="visited") -> Person:
    """A person referred by each (referrer, percent), the first the primary referrer, now in `status`."""
    person = RolePersonFactory(roles=set(roles), roles_at=timezone.now() - 10 * DAY)
    for index, (referrer, percent) in enumerate(shares):
        referral_record(
            referrer=referrer,
            referred=person,
            actor=None,
            attribution_percentage=percent,
            is_primary_referrer=index == 0,
            referral_date=timezone.now() - 10 * DAY,
        )
    if "referral" in roles and status != "received":
        extension_change_status(
            person=person, role="referral", status=status, actor=None, at=timezone.now() - 5 * DAY
        )
    return person


def earned(person: Person) -> tuple:
    row = MemberExtension.objects.get(person=person)
    return row.referral_rewards_earned, row.referral_count, row.successful_referrals


def credits() -> dict:
    return {
        (credit.referrer_id, credit.referred_id): (credit.attribution_percentage, credit.amount)
        for credit in ReferralCredit.objects.all()
    }


def test_two_referrers_are_credited_their_share_of_the_reward_when_the_referral_joins(manager_user):
    primary, secondary = member(), member()
    friend = referred_by((primary, 60), (secondary, 40))
    assert earned(primary) == (Decimal("0.00"), 1, 0)

    pipeline_move(pipeline=REFERRALS, person=friend, status="joined", actor=manager_user, details=JOINING)

    assert earned(primary) == (Decimal("45.00"), 1, 1)
    assert earned(secondary) == (Decimal("30.00"), 1, 1)
    assert credits() == {
        (primary.pk, friend.pk): (60, Decimal("45.00")),
        (secondary.pk, friend.pk): (40, Decimal("30.00")),
    }


def test_a_share_is_rounded_to_the_cent_and_added_to_what_the_referrer_earned_before(settings, manager_user):
    settings.REFERRAL_REWARD = Decimal("10.00")
    primary, secondary = member(), member()
    MemberExtension.objects.filter(person=primary).update(referral_rewards_earned=Decimal("20.00"))
    friend = referred_by((primary, 67), (secondary, 33))

    pipeline_move(pipeline=REFERRALS, person=friend, status="joined", actor=manager_user, details=JOINING)

    assert earned(primary)[0] == Decimal("26.70")
    assert earned(secondary)[0] == Decimal("3.30")


def test_a_referrer_counts_everyone_they_referred_and_those_who_joined(manager_user):
    referrer = member()
    joins, browses = referred_by((referrer, 100)), referred_by((referrer, 100))

    pipeline_move(pipeline=REFERRALS, person=joins, status="joined", actor=manager_user, details=JOINING)

    assert earned(referrer) == (Decimal("75.00"), 2, 1)
    assert not ReferralCredit.objects.filter(referred=browses).exists()


def test_crediting_the_same_joining_again_credits_nothing_more(manager_user):
    primary, secondary = member(), member()
    friend = referred_by((primary, 60), (secondary, 40))
    pipeline_move(pipeline=REFERRALS, person=friend, status="joined", actor=manager_user, details=JOINING)
    after_joining = (earned(primary), earned(secondary), credits())

    assert referral_conversion_credit(referred=friend, reward=Decimal("75.00")) == []
    assert referral_conversion_credit(referred=friend, reward=Decimal("75.00")) == []

    assert (earned(primary), earned(secondary), credits()) == after_joining


def test_crediting_returns_the_referrers_credited_and_a_retry_returns_none():
    primary, secondary = member(), member()
    friend = referred_by((primary, 60), (secondary, 40))

    first = referral_conversion_credit(referred=friend, reward=Decimal("75.00"))
    again = referral_conversion_credit(referred=friend, reward=Decimal("75.00"))

    assert sorted(first) == sorted([primary.pk, secondary.pk])
    assert again == []
    assert earned(primary)[0] == Decimal("45.00") and earned(secondary)[0] == Decimal("30.00")


def test_a_referrer_recorded_after_the_joining_is_credited_without_crediting_the_others_twice():
    primary, late = member(), member()
    friend = referred_by((primary, 60))
    referral_conversion_credit(referred=friend, reward=Decimal("75.00"))
    referral_record(
        referrer=late, referred=friend, actor=None, attribution_percentage=40, is_primary_referrer=False
    )

    assert referral_conversion_credit(referred=friend, reward=Decimal("75.00")) == [late.pk]

    assert earned(primary)[0] == Decimal("45.00")
    assert earned(late)[0] == Decimal("30.00")


def test_a_referrer_who_is_not_a_member_has_their_credit_recorded_without_a_reward_to_add_it_to(
    manager_user,
):
    outsider, regular = PersonFactory(), member()
    friend = referred_by((outsider, 50), (regular, 50))

    pipeline_move(pipeline=REFERRALS, person=friend, status="joined", actor=manager_user, details=JOINING)

    assert credits() == {
        (outsider.pk, friend.pk): (50, Decimal("37.50")),
        (regular.pk, friend.pk): (50, Decimal("37.50")),
    }
    assert not MemberExtension.objects.filter(person=outsider).exists()
    assert earned(regular) == (Decimal("37.50"), 1, 1)


def test_joining_with_nobody_to_credit_credits_nothing(manager_user):
    walk_in = RolePersonFactory(lead=True, roles_at=timezone.now() - 5 * DAY)
    extension_change_status(person=walk_in, role="lead", status="qualified", actor=None)

    pipeline_move(pipeline=LEADS, person=walk_in, status="won", actor=manager_user, details=JOINING)

    assert not ReferralCredit.objects.exists()
    assert MemberExtension.objects.get(person=walk_in).membership_status == "active"


def test_a_lead_who_is_also_a_referral_converts_the_referral_when_won(manager_user):
    referrer = member()
    friend = referred_by((referrer, 100), roles={"lead", "referral"}, status="appointment_booked")
    extension_change_status(
        person=friend, role="lead", status="negotiating", actor=None, at=timezone.now() - 2 * DAY
    )
    at = timezone.now()

    pipeline_move(pipeline=LEADS, person=friend, status="won", actor=manager_user, details=JOINING, at=at)

    referral = ReferralExtension.objects.get(person=friend)
    assert (referral.referral_status, referral.conversion_status, referral.conversion_date) == (
        "joined",
        "converted",
        at,
    )
    assert referral.status_history[-1]["status"] == "joined"
    assert Person.objects.get(pk=friend.pk).is_member
    assert earned(referrer) == (Decimal("75.00"), 1, 1)


def test_a_referral_who_is_also_a_lead_closes_the_lead_as_won_when_joining(manager_user):
    referrer = member()
    friend = referred_by((referrer, 100), roles={"lead", "referral"}, status="visited")

    pipeline_move(pipeline=REFERRALS, person=friend, status="joined", actor=manager_user, details=JOINING)

    lead = friend.lead
    lead.refresh_from_db()
    assert (lead.lead_status, lead.conversion_probability) == ("won", 100)
    assert earned(referrer)[0] == Decimal("75.00")
    assert ReferralCredit.objects.count() == 1
