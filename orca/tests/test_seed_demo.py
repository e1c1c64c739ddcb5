"""`manage.py seed_demo`: a believable club, the same for the same seed, written once and all at once."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery, Sum

from extensions.models import LeadExtension, MemberExtension, MemberView, ReferralExtension
from interactions.models import Interaction
from messaging.models import Blast, Message, MessageTemplate
from orca.management.commands import seed_demo
from orca.users.models import Role, User
from persons.models import Person
from relationships.models import Relationship

pytestmark = pytest.mark.django_db

SMALL = 120
MODELS = (User, Person, LeadExtension, ReferralExtension, MemberExtension, Relationship, Interaction, Message)


def seed(**options) -> str:
    """Run seed_demo small; tests run with DEBUG off, as production does, so they allow it."""
    out = StringIO()
    options.setdefault("allow_without_debug", True)
    call_command("seed_demo", persons=options.pop("persons", SMALL), stdout=out, **options)
    return out.getvalue()


def test_it_refuses_to_create_the_published_demo_logins_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG on"):
        seed(seed=3, allow_without_debug=False)
    assert not User.objects.exists() and not Person.objects.exists()


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in (*MODELS, Blast, MessageTemplate)}


def fingerprint() -> list:
    """What a seed decides: who the people are, their stages and their ties (not ids or timestamps)."""
    people = sorted(Person.objects.values_list("first_name", "last_name", "email", "phone", "goals"))
    leads = sorted(LeadExtension.objects.values_list("person__email", "lead_status"))
    ties = sorted(
        Relationship.objects.values_list(
            "person_a__email", "person_b__email", "relationship_type", "attribution_percentage"
        ),
        key=str,
    )
    return [people, leads, ties, counts()]


def test_running_it_twice_writes_nothing_the_second_time(settings):
    settings.DEBUG = True
    first = seed(seed=3)
    after_first = counts()
    second = seed(seed=3)
    assert "Demo club built" in first
    assert "already present" in second and "Demo club built" not in second
    assert counts() == after_first


@pytest.fixture(scope="class")
def club(django_db_setup, django_db_blocker):
    """One seeded club shared by the read-only tests of a class, rolled back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed(seed=3)
        yield
        transaction.set_rollback(True)


@pytest.mark.usefixtures("club")
class TestTheSeededClub:
    def test_the_club_has_every_role_the_demo_users_and_a_realistic_size(self):
        assert Person.objects.count() == SMALL
        roles = dict(User.objects.values_list("role").annotate(n=Count("id")))
        assert roles[Role.ADMIN] >= 1 and roles[Role.MANAGER] >= 2 and roles[Role.STAFF] >= 5
        for email in ("admin@orca.test", "manager@orca.test", "staff@orca.test"):
            assert User.objects.get(email=email).check_password(seed_demo.DEMO_PASSWORD)
        assert set(LeadExtension.objects.values_list("lead_status", flat=True)) == set(seed_demo.LEAD_MIX)
        assert set(ReferralExtension.objects.values_list("referral_status", flat=True)) == set(
            seed_demo.REFERRAL_MIX
        )
        assert MemberView.objects.values("membership_status").distinct().count() >= 4
        assert (
            Person.objects.filter(is_lead=True).exists() and Person.objects.filter(is_referral=True).exists()
        )
        assert Person.objects.filter(is_lead=False, lead__isnull=False).exists(), (
            "some converted leads dropped the role"
        )
        assert (
            Message.objects.filter(is_blast=True).exists()
            and Interaction.objects.filter(status="scheduled").exists()
        )

    def test_referral_trees_are_at_least_three_deep_and_some_people_have_two_referrers(self):
        referrals = Relationship.objects.filter(relationship_type="referral")
        assert referrals.aggregate(depth=Max("relationship_level"))["depth"] >= 3
        # Walk a deepest chain up by primary referrers: the levels count down to a root.
        tie = referrals.order_by("-relationship_level", "person_b__email").first()
        levels = [tie.relationship_level]
        while (tie := referrals.filter(person_b=tie.person_a, is_primary_referrer=True).first()) is not None:
            levels.append(tie.relationship_level)
        assert levels == list(range(levels[0], 0, -1))
        shared = referrals.values("person_b").annotate(
            n=Count("id"),
            total=Sum("attribution_percentage"),
            primaries=Count("id", filter=Q(is_primary_referrer=True)),
        )
        two = shared.filter(n=2)
        assert two.exists()
        assert not shared.filter(Q(total__gt=100) | ~Q(primaries=1)).exists()
        assert set(
            referrals.filter(person_b=two[0]["person_b"]).values_list("attribution_percentage", flat=True)
        ) == {
            60,
            40,
        }

    def test_histories_and_contact_dates_are_consistent(self):
        for model, field in ((LeadExtension, "lead_status"), (ReferralExtension, "referral_status")):
            for extension in model.objects.all():
                moments = [entry["at"] for entry in extension.status_history]
                assert moments == sorted(moments)
                assert extension.status_history[-1]["status"] == getattr(extension, field)
                assert extension.created_at.isoformat() == extension.status_history[0]["at"]
        last = Interaction.objects.filter(person=OuterRef("pk"), status="completed").values("person")
        upcoming = Interaction.objects.filter(person=OuterRef("pk"), status="scheduled").values("person")
        people = Person.objects.annotate(
            latest=Subquery(last.annotate(at=Max("completed_at")).values("at")),
            earliest=Subquery(upcoming.annotate(at=Min("scheduled_at")).values("at")),
        )
        assert all(p.last_contacted == p.latest and p.next_scheduled_contact == p.earliest for p in people)
        assert people.filter(last_contacted__isnull=False).count() > SMALL / 2
        members = MemberExtension.objects.filter(referral_count__gt=0)
        assert members.exists()
        for member in members:
            assert (
                member.referral_count
                == Relationship.objects.filter(person_a=member.person_id)
                .filter(relationship_type="referral")
                .count()
            )


def test_the_same_seed_builds_the_same_club_and_another_seed_another():
    seed(seed=5)
    first = fingerprint()
    for model in (Message, Person, Blast, MessageTemplate, User):
        model.objects.all().delete()
    seed(seed=5)
    assert fingerprint() == first
    for model in (Message, Person, Blast, MessageTemplate, User):
        model.objects.all().delete()
    seed(seed=6)
    assert fingerprint()[0] != first[0]


def test_logins_are_printed_only_when_debug_is_on(settings):
    settings.DEBUG = False
    hidden = seed(seed=3)
    assert "logins are hidden" in hidden and seed_demo.DEMO_PASSWORD not in hidden
    settings.DEBUG = True
    shown = seed(seed=3)
    assert seed_demo.DEMO_PASSWORD in shown and "admin@orca.test" in shown


def test_a_failure_part_way_leaves_nothing_behind(monkeypatch):
    def broken(self):
        raise RuntimeError("the mail server fell over")

    monkeypatch.setattr(seed_demo.DemoClub, "build_blasts", broken)
    with pytest.raises(RuntimeError):
        seed(seed=3)
    assert all(value == 0 for value in counts().values())


def test_a_database_with_real_persons_is_refused_and_left_alone():
    Person.objects.create(first_name="Real", last_name="Customer")
    with pytest.raises(CommandError, match="only fills an empty database"):
        seed(seed=3)
    assert Person.objects.count() == 1 and not User.objects.exists()


def test_too_few_persons_is_refused_before_anything_is_written():
    with pytest.raises(CommandError, match="at least"):
        seed(persons=10)
    assert not User.objects.exists()
