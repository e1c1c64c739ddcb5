"""Recording referrals and other ties: the rules, the tree levels and the referrer's count."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from extensions.factories import RolePersonFactory
from extensions.models import MemberExtension
from orca.db import CLOCK_SKEW
from persons.factories import PersonFactory
from relationships import services
from relationships.models import Relationship, RelationshipType
from relationships.services import (
    referral_counts_refresh,
    referral_record,
    relationship_create,
    relationship_update,
)

pytestmark = pytest.mark.django_db


def refer(referrer, referred, **kwargs) -> Relationship:
    return referral_record(referrer=referrer, referred=referred, actor=None, **kwargs)


def test_a_referral_links_referrer_as_person_a_to_the_referred_as_person_b():
    referrer, referred = PersonFactory(), PersonFactory()
    tie = refer(referrer, referred, referral_channel="referral_link")
    assert (tie.person_a, tie.person_b) == (referrer, referred)
    assert tie.relationship_type == RelationshipType.REFERRAL and tie.direction == "a_to_b"
    assert (tie.attribution_percentage, tie.is_primary_referrer, tie.relationship_level) == (100, True, 1)
    assert tie.referral_date is not None


def test_a_referral_is_one_level_below_its_referrer():
    a, b, c, d = PersonFactory.create_batch(4)
    refer(a, b)
    refer(b, c)
    assert refer(c, d).relationship_level == 3


def test_crediting_a_referrer_to_someone_who_already_referred_others_moves_their_tree_down():
    root, middle, leaf, grandleaf = PersonFactory.create_batch(4)
    refer(middle, leaf)
    refer(leaf, grandleaf)
    refer(root, middle)
    levels = dict(Relationship.objects.values_list("person_b", "relationship_level"))
    assert levels == {middle.pk: 1, leaf.pk: 2, grandleaf.pk: 3}


def test_a_person_cannot_refer_themselves():
    person = PersonFactory()
    with pytest.raises(ValidationError, match="cannot refer themselves"):
        refer(person, person)
    assert not Relationship.objects.exists()


def test_the_same_referral_cannot_be_recorded_twice():
    referrer, referred = PersonFactory(), PersonFactory()
    refer(referrer, referred, attribution_percentage=50)
    with pytest.raises(ValidationError, match="already recorded as referring"):
        refer(referrer, referred, attribution_percentage=10, is_primary_referrer=False)
    assert Relationship.objects.count() == 1


def test_two_referrers_may_share_the_credit_sixty_forty():
    first, second, referred = PersonFactory.create_batch(3)
    refer(first, referred, attribution_percentage=60)
    refer(second, referred, attribution_percentage=40, is_primary_referrer=False)
    credits = dict(Relationship.objects.values_list("person_a", "attribution_percentage"))
    assert credits == {first.pk: 60, second.pk: 40}


def test_attributions_for_one_person_cannot_add_up_to_more_than_100():
    first, second, referred = PersonFactory.create_batch(3)
    refer(first, referred, attribution_percentage=70)
    with pytest.raises(ValidationError, match="credited 110% in total.*at most 30%"):
        refer(second, referred, attribution_percentage=40, is_primary_referrer=False)
    assert Relationship.objects.count() == 1


def test_a_person_has_at_most_one_primary_referrer():
    first, second, referred = PersonFactory.create_batch(3)
    refer(first, referred, attribution_percentage=50)
    with pytest.raises(ValidationError, match=f"already has a primary referrer \\({first.full_name}\\)"):
        refer(second, referred, attribution_percentage=50)
    assert Relationship.objects.count() == 1


@pytest.mark.parametrize("attribution", [0, 101, -5])
def test_an_attribution_outside_1_to_100_is_refused(attribution):
    with pytest.raises(ValidationError, match="between 1 and 100"):
        refer(PersonFactory(), PersonFactory(), attribution_percentage=attribution)


def test_a_referral_cannot_go_round_in_a_loop():
    a, b, c = PersonFactory.create_batch(3)
    refer(a, b)
    refer(b, c)
    with pytest.raises(ValidationError, match="loop"):
        refer(c, a)
    with pytest.raises(ValidationError, match="loop"):
        refer(b, a)


def test_a_referral_cannot_be_dated_in_the_future():
    with pytest.raises(ValidationError, match="future"):
        refer(PersonFactory(), PersonFactory(), referral_date=timezone.now() + dt.timedelta(days=2))


def test_an_unknown_channel_is_refused_with_a_field_message():
    with pytest.raises(ValidationError) as refused:
        refer(PersonFactory(), PersonFactory(), referral_channel="carrier_pigeon")
    assert "referral_channel" in refused.value.message_dict


def test_staff_record_a_referral_for_a_person_they_may_edit(staff_user, other_staff_user):
    referrer = PersonFactory(assigned_to=other_staff_user)
    referred = PersonFactory(assigned_to=staff_user)
    assert referral_record(referrer=referrer, referred=referred, actor=staff_user).pk


def test_staff_cannot_record_a_referral_between_other_staffs_persons(staff_user, other_staff_user):
    referrer, referred = PersonFactory.create_batch(2, assigned_to=other_staff_user)
    with pytest.raises(PermissionDenied):
        referral_record(referrer=referrer, referred=referred, actor=staff_user)
    assert not Relationship.objects.exists()


def test_a_member_referrers_referral_count_follows_their_referrals():
    member = RolePersonFactory(member=True)
    refer(member, PersonFactory())
    refer(member, PersonFactory())
    assert MemberExtension.objects.get(person=member).referral_count == 2


def test_the_counts_refresh_also_counts_referred_persons_who_became_members():
    referrer = RolePersonFactory(member=True)
    joined = RolePersonFactory(roles={"referral", "member"})
    refer(referrer, joined)
    refer(referrer, RolePersonFactory(referral=True))
    referral_counts_refresh(person_ids=[referrer.pk])
    member = MemberExtension.objects.get(person=referrer)
    assert (member.referral_count, member.successful_referrals) == (2, 1)


def test_a_referrer_without_a_member_extension_gets_no_count():
    lead = RolePersonFactory(lead=True)
    refer(lead, PersonFactory())
    assert not MemberExtension.objects.filter(person=lead).exists()


def test_other_ties_are_recorded_with_a_direction_that_suits_them():
    a, b = PersonFactory.create_batch(2)
    friends = relationship_create(person_a=a, person_b=b, relationship_type="friend", actor=None)
    guardian = relationship_create(person_a=a, person_b=b, relationship_type="guardian", actor=None)
    assert (friends.direction, guardian.direction) == ("mutual", "a_to_b")


def test_a_symmetric_tie_is_not_recorded_again_the_other_way_round():
    a, b = PersonFactory.create_batch(2)
    relationship_create(person_a=a, person_b=b, relationship_type="partner", actor=None)
    with pytest.raises(ValidationError, match="already recorded as partner"):
        relationship_create(person_a=b, person_b=a, relationship_type="partner", actor=None)


def test_a_directed_tie_may_exist_both_ways():
    a, b = PersonFactory.create_batch(2)
    relationship_create(person_a=a, person_b=b, relationship_type="corporate", actor=None)
    relationship_create(person_a=b, person_b=a, relationship_type="corporate", actor=None)
    assert Relationship.objects.count() == 2


def test_relationship_create_refuses_referrals_self_ties_and_unknown_types():
    a, b = PersonFactory.create_batch(2)
    with pytest.raises(ValidationError, match="referral_record"):
        relationship_create(person_a=a, person_b=b, relationship_type="referral", actor=None)
    with pytest.raises(ValidationError, match="themselves"):
        relationship_create(person_a=a, person_b=a, relationship_type="friend", actor=None)
    with pytest.raises(ValidationError, match="not a kind of relationship"):
        relationship_create(person_a=a, person_b=b, relationship_type="nemesis", actor=None)
    assert not Relationship.objects.exists()


# --- Changing a tie ------------------------------------------------------------------------------


def credits_of(referred) -> dict:
    rows = Relationship.objects.filter(person_b=referred).values_list(
        "person_a", "attribution_percentage", "is_primary_referrer"
    )
    return {a: (share, primary) for a, share, primary in rows}


def test_a_referrals_credit_can_be_changed_within_100_percent():
    first, second, referred = PersonFactory.create_batch(3)
    refer(first, referred, attribution_percentage=60)
    tie = refer(second, referred, attribution_percentage=30, is_primary_referrer=False)
    relationship_update(relationship=tie, actor=None, data={"attribution_percentage": 40})
    assert credits_of(referred) == {first.pk: (60, True), second.pk: (40, False)}


def test_raising_a_credit_above_100_percent_in_total_is_refused():
    first, second, referred = PersonFactory.create_batch(3)
    refer(first, referred, attribution_percentage=60)
    tie = refer(second, referred, attribution_percentage=30, is_primary_referrer=False)
    with pytest.raises(ValidationError, match="credited 110% in total \\(60% already\\).*at most 40%"):
        relationship_update(relationship=tie, actor=None, data={"attribution_percentage": 50})
    assert credits_of(referred)[second.pk] == (30, False)


def test_a_referrals_own_credit_does_not_count_against_itself():
    referrer, referred = PersonFactory.create_batch(2)
    tie = refer(referrer, referred, attribution_percentage=100)
    relationship_update(
        relationship=tie, actor=None, data={"attribution_percentage": 100, "notes": "Checked"}
    )
    assert Relationship.objects.get(pk=tie.pk).notes == "Checked"


def test_a_second_primary_referrer_is_refused_on_change_too():
    first, second, referred = PersonFactory.create_batch(3)
    refer(first, referred, attribution_percentage=50)
    tie = refer(second, referred, attribution_percentage=50, is_primary_referrer=False)
    with pytest.raises(ValidationError, match=f"already has a primary referrer \\({first.full_name}\\)"):
        relationship_update(relationship=tie, actor=None, data={"is_primary_referrer": True})
    assert credits_of(referred)[second.pk] == (50, False)


def test_handing_the_primary_credit_to_another_referrer_relevels_the_tree_below():
    # root → middle → leaf (level 2) and chain0 → chain1 → chain2 → leaf (level 3); leaf → grandleaf.
    root, middle, leaf, grandleaf = PersonFactory.create_batch(4)
    chain = PersonFactory.create_batch(3)
    refer(root, middle)
    refer(chain[0], chain[1])
    refer(chain[1], chain[2])
    via_middle = refer(middle, leaf, attribution_percentage=50)
    via_chain = refer(chain[2], leaf, attribution_percentage=50, is_primary_referrer=False)
    refer(leaf, grandleaf)
    assert Relationship.objects.get(person_b=grandleaf).relationship_level == 3
    relationship_update(relationship=via_middle, actor=None, data={"is_primary_referrer": False})
    relationship_update(relationship=via_chain, actor=None, data={"is_primary_referrer": True})
    # leaf's own level is now that of its primary referral (3), so grandleaf moves to 4.
    assert Relationship.objects.get(person_b=grandleaf).relationship_level == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"attribution_percentage": 0}, "between 1 and 100"),
        ({"attribution_percentage": None}, "between 1 and 100"),
        ({"referral_date": timezone.now() + dt.timedelta(days=2)}, "future"),
        ({"referral_channel": "carrier_pigeon"}, "referral_channel"),
        ({"direction": "b_to_a"}, "has no direction to change"),
        ({"relationship_type": "friend"}, "delete the tie and record it again"),
        ({"relationship_level": 7}, "delete the tie and record it again"),
    ],
    ids=["zero", "none", "future", "channel", "direction", "type", "level"],
)
def test_a_bad_change_to_a_referral_is_refused_and_writes_nothing(data, message):
    tie = refer(PersonFactory(), PersonFactory(), attribution_percentage=80)
    before = Relationship.objects.filter(pk=tie.pk).values().get()
    with pytest.raises(ValidationError, match=message):
        relationship_update(relationship=tie, actor=None, data=data)
    assert Relationship.objects.filter(pk=tie.pk).values().get() == before


def test_another_tie_changes_its_details_but_has_no_referral_data():
    a, b = PersonFactory.create_batch(2)
    tie = relationship_create(person_a=a, person_b=b, relationship_type="guardian", actor=None)
    relationship_update(
        relationship=tie,
        actor=None,
        data={"status": "inactive", "direction": "mutual", "notes": "Moved away"},
    )
    saved = Relationship.objects.get(pk=tie.pk)
    assert (saved.status, saved.direction, saved.notes) == ("inactive", "mutual", "Moved away")
    with pytest.raises(ValidationError, match="has no attribution_percentage"):
        relationship_update(relationship=tie, actor=None, data={"attribution_percentage": 50})
    with pytest.raises(ValidationError, match="delete the tie and record it again"):
        relationship_update(relationship=tie, actor=None, data={"person_b": PersonFactory()})


def test_staff_cannot_change_a_tie_between_other_staffs_persons(staff_user, other_staff_user):
    referrer, referred = PersonFactory.create_batch(2, assigned_to=other_staff_user)
    tie = refer(referrer, referred)
    with pytest.raises(PermissionDenied):
        relationship_update(relationship=tie, actor=staff_user, data={"notes": "Mine now"})
    assert Relationship.objects.get(pk=tie.pk).notes == ""


def test_a_referral_dated_within_the_shared_clock_skew_is_now():
    assert services.CLOCK_SKEW is CLOCK_SKEW
    slightly_ahead = timezone.now() + CLOCK_SKEW - dt.timedelta(seconds=30)
    assert (
        refer(PersonFactory(), PersonFactory(), referral_date=slightly_ahead).referral_date == slightly_ahead
    )
    with pytest.raises(ValidationError, match="future"):
        refer(
            PersonFactory(),
            PersonFactory(),
            referral_date=timezone.now() + CLOCK_SKEW + dt.timedelta(minutes=1),
        )
