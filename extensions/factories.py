"""Persons with roles, and their role data, for tests and the demo data (seed_demo).

Roles are only ever given through extensions.services.person_set_roles (a database trigger refuses
an extension for a role the person does not hold), and statuses only move through
extension_change_status, so status_history and the stage durations are always believable:

    RolePersonFactory(roles={"lead", "referral"})
    LeadExtensionFactory(person=p, since=t0, statuses=[("contacted", t1), ("qualified", t2)])
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from persons.choices import MembershipType, Strength
from persons.factories import PersonFactory, maybe, rng, sample, weighted

from . import choices
from .models import LeadExtension, MemberExtension, ReferralExtension
from .services import ROLES, extension_change_status, person_set_roles

ROLE_OF_MODEL = {spec.extension: role for role, spec in ROLES.items()}

# What each plan costs a month, in dollars; lifetime value and spend follow from it.
MONTHLY_PRICE = {
    MembershipType.BASIC: Decimal("29.00"),
    MembershipType.STANDARD: Decimal("49.00"),
    MembershipType.PREMIUM: Decimal("79.00"),
    MembershipType.VIP: Decimal("149.00"),
    MembershipType.OFF_PEAK: Decimal("25.00"),
    MembershipType.STUDENT: Decimal("25.00"),
    MembershipType.SENIOR: Decimal("30.00"),
    MembershipType.FAMILY: Decimal("129.00"),
    MembershipType.CORPORATE: Decimal("39.00"),
    MembershipType.CLASS_PACK: Decimal("60.00"),
}
COMPETITORS = (
    "Planet Fitness",
    "Equinox",
    "LA Fitness",
    "Orangetheory",
    "the YMCA",
    "a CrossFit box",
    "home workouts",
)
PAIN_POINTS = (
    "Previous gym too crowded at peak hours",
    "Lacked guidance on the gym floor",
    "Intimidated by the weights area",
    "Long commute to the old gym",
    "Paid for a membership and never went",
    "Works shifts; needs early or late hours",
)
MOTIVATIONS = (
    "Lose weight",
    "Build strength",
    "Doctor's advice",
    "Social: wants group classes",
    "Stress relief",
    "Event training",
    "Friend already a member",
)
OBJECTIONS = ("Price", "Contract length", "Parking", "Class times", "Joining fee", "Needs to ask partner")
BLOCKERS = ("Waiting for payday", "Comparing with another club", "Injury to heal first", "Moving house soon")
INCENTIVES = ("free_month", "guest_pass", "pt_session", "merch_voucher", "waived_joining_fee")
MATERIALS = ("welcome_pack_pdf", "class_timetable", "trial_pass_email", "referral_card")
CAMPAIGNS = ("bring_a_friend_spring", "summer_referral_drive", "new_year_buddy")
CLASSES = (
    "Spin",
    "Yoga Flow",
    "HIIT 45",
    "Pilates Core",
    "Boxing Fit",
    "Aqua Aerobics",
    "Body Pump",
    "Zumba",
)
RETENTION_ACTIONS = ("check_in_call", "free_pt_session", "freeze_offered", "plan_downgrade_offered")


class _RoleExtensionFactory(DjangoModelFactory):
    """Give `person` the role (keeping the roles they hold), set these fields, walk the statuses.

    Not fields: `since` (when the role was taken; now by default), `actor` (the user doing it, for
    the history's "by"), `statuses` (a list of (status, at) or (status, at, note) to move through).
    """

    class Meta:
        abstract = True

    person = factory.SubFactory(PersonFactory)
    since = None
    actor = None
    statuses: tuple = ()

    @classmethod
    def _create(cls, model_class, *args, person, since=None, actor=None, statuses=(), **fields):
        role = ROLE_OF_MODEL[model_class]
        spec = ROLES[role]
        if spec.status_field in fields:
            raise TypeError(f"Pass {spec.status_field} as statuses=[...] so its history is kept.")
        if role not in person.roles:
            person_set_roles(person=person, roles=person.roles | {role}, actor=actor, at=since)
        if fields:
            model_class.objects.filter(person=person).update(**fields)
        extension = None
        for status, at, *note in statuses:
            extension = extension_change_status(
                person=person, role=role, status=status, actor=actor, at=at, note=note[0] if note else ""
            )
        # The last status change read the row after the update above: it is current.
        return extension or model_class.objects.get(person=person)

    @classmethod
    def _build(cls, model_class, *args, since=None, actor=None, statuses=(), **fields):
        return model_class(*args, **fields)


class LeadExtensionFactory(_RoleExtensionFactory):
    class Meta:
        model = LeadExtension

    decision_authority = factory.LazyFunction(
        lambda: maybe(0.8, rng().choice(choices.DecisionAuthority.values))
    )
    decision_timeline = factory.LazyFunction(
        lambda: maybe(0.8, rng().choice(choices.DecisionTimeline.values))
    )
    previous_experience = factory.LazyFunction(lambda: maybe(0.85, rng().choice(choices.Experience.values)))
    competitor_considerations = factory.LazyFunction(lambda: sample(COMPETITORS, 0, 2))
    pain_points = factory.LazyFunction(lambda: sample(PAIN_POINTS, 0, 2))
    motivations = factory.LazyFunction(lambda: sample(MOTIVATIONS, 1, 3))
    objections = factory.LazyFunction(lambda: sample(OBJECTIONS, 0, 2))
    readiness_score = factory.LazyFunction(lambda: rng().randint(10, 90))
    lead_temperature = factory.LazyFunction(
        lambda: weighted(
            {
                choices.LeadTemperature.COLD: 25,
                choices.LeadTemperature.WARM: 50,
                choices.LeadTemperature.HOT: 25,
            }
        )
    )
    conversion_probability = factory.LazyAttribute(
        lambda o: max(0, min(100, o.readiness_score + rng().randint(-15, 10)))
    )
    estimated_value = factory.LazyFunction(lambda: Decimal(rng().choice((29, 49, 79, 149)) * 12))
    conversion_blockers = factory.LazyFunction(lambda: sample(BLOCKERS, 0, 1))


class ReferralExtensionFactory(_RoleExtensionFactory):
    class Meta:
        model = ReferralExtension

    relationship_to_referrer = factory.LazyFunction(
        lambda: weighted(
            {
                choices.RelationshipToReferrer.FRIEND: 45,
                choices.RelationshipToReferrer.COLLEAGUE: 20,
                choices.RelationshipToReferrer.FAMILY: 15,
                choices.RelationshipToReferrer.PARTNER: 8,
                choices.RelationshipToReferrer.NEIGHBOUR: 6,
                choices.RelationshipToReferrer.ACQUAINTANCE: 4,
                choices.RelationshipToReferrer.OTHER: 2,
            }
        )
    )
    relationship_strength = factory.LazyFunction(lambda: rng().choice(Strength.values))
    permission_level = factory.LazyFunction(
        lambda: weighted(
            {
                choices.PermissionLevel.CONTACT_ALLOWED: 45,
                choices.PermissionLevel.MENTION_REFERRER: 30,
                choices.PermissionLevel.INTRO_ONLY: 15,
                choices.PermissionLevel.NOT_ASKED: 8,
                choices.PermissionLevel.DO_NOT_CONTACT: 2,
            }
        )
    )
    conversion_probability = factory.LazyFunction(lambda: rng().randint(15, 85))
    eligible_incentives = factory.LazyFunction(lambda: sample(INCENTIVES, 1, 2))
    marketing_materials_sent = factory.LazyFunction(lambda: sample(MATERIALS, 0, 2))
    campaign_enrollments = factory.LazyFunction(lambda: sample(CAMPAIGNS, 0, 1))


def months_between(start: dt.datetime, end: dt.datetime) -> int:
    return max(0, (end.year - start.year) * 12 + end.month - start.month)


class MemberExtensionFactory(_RoleExtensionFactory):
    class Meta:
        model = MemberExtension

    membership_type = factory.LazyFunction(
        lambda: weighted(
            {
                MembershipType.STANDARD: 30,
                MembershipType.BASIC: 15,
                MembershipType.PREMIUM: 15,
                MembershipType.OFF_PEAK: 8,
                MembershipType.STUDENT: 7,
                MembershipType.FAMILY: 7,
                MembershipType.CORPORATE: 7,
                MembershipType.SENIOR: 5,
                MembershipType.VIP: 3,
                MembershipType.CLASS_PACK: 3,
            }
        )
    )
    billing_day = factory.LazyFunction(lambda: rng().randint(1, 28))
    check_in_count = factory.LazyFunction(lambda: rng().randint(0, 150))
    attendance_streak = factory.LazyFunction(lambda: rng().randint(0, 12))
    classes_attended = factory.LazyFunction(lambda: sample(CLASSES, 0, 4))
    current_monthly_spend = factory.LazyAttribute(lambda o: MONTHLY_PRICE[o.membership_type])
    lifetime_value = factory.LazyAttribute(lambda o: o.current_monthly_spend * rng().randint(1, 24))
    satisfaction_score = factory.LazyFunction(lambda: maybe(0.7, rng().randint(45, 100), None))
    churn_risk = factory.LazyFunction(
        lambda: weighted(
            {choices.ChurnRisk.LOW: 65, choices.ChurnRisk.MEDIUM: 25, choices.ChurnRisk.HIGH: 10}
        )
    )


class RolePersonFactory(PersonFactory):
    """A person holding roles, given through person_set_roles (at `roles_at`, by `actor`).

    RolePersonFactory(lead=True, member=True) is RolePersonFactory(roles={"lead", "member"}).
    """

    class Params:
        lead = False
        referral = False
        member = False

    roles = factory.LazyAttribute(lambda o: {role for role in ROLES if getattr(o, role)})
    roles_at = None

    @classmethod
    def _create(cls, model_class, *args, roles=(), roles_at=None, actor=None, **kwargs):
        person = super()._create(model_class, *args, actor=actor, **kwargs)
        if roles:
            person_set_roles(person=person, roles=set(roles), actor=actor, at=roles_at)
        return person

    @classmethod
    def _build(cls, model_class, *args, roles=(), roles_at=None, **kwargs):
        return super()._build(model_class, *args, **kwargs)
