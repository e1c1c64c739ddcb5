"""`python manage.py seed_demo [--seed N] [--persons N]`: a believable fitness club to click through.

Everything is built through the factories and the services the app itself uses (person_create,
person_set_roles, extension_change_status, referral_record, relationship_create,
message_template_create, messages_record_bulk), so the demo data obeys every rule real data does.
Interactions and messages, the bulk of the rows, are inserted in batches.

Deterministic: the same --seed gives the same people, roles, stages, trees and activity; dates are
relative to the day of the run (the story ends at its midnight; planned follow-ups come after).
All in one transaction: a failure leaves nothing behind.

Run twice: the demo users are the marker. If any of them exists the command writes nothing and says
"demo data already present" (topping up would change what a seed means). It refuses a database that
has persons but no demo users: demo data never mixes with real data. For a fresh demo, start from an
empty database.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

import factory.random
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.template import Context, Template
from django.utils import timezone

from extensions.choices import (
    AppointmentStatus,
    ChurnRisk,
    ConversionStatus,
    LeadStatus,
    LeadTemperature,
    MembershipStatus,
    PaymentStatus,
    ReferralStatus,
    TrialStatus,
)
from extensions.factories import (
    INCENTIVES,
    MONTHLY_PRICE,
    RETENTION_ACTIONS,
    LeadExtensionFactory,
    MemberExtensionFactory,
    ReferralExtensionFactory,
    months_between,
)
from extensions.models import (
    LeadExtension,
    LeadView,
    MemberExtension,
    MemberView,
    ReferralExtension,
    ReferralView,
)
from extensions.services import person_set_roles
from interactions.factories import InteractionFactory, duration_for, subject_for
from interactions.models import Interaction, InteractionStatus, InteractionType, Outcome, Sentiment
from interactions.services import person_contact_dates_refresh
from messaging.factories import BlastFactory, MessageFactory
from messaging.models import Blast, BlastStatus, Channel, Message, MessageStatus, MessageTemplate
from messaging.services import message_template_create, messages_record_bulk
from orca.users.factories import UserFactory
from orca.users.models import Role, User
from persons.choices import AcquisitionSource, MembershipType
from persons.factories import PersonFactory
from persons.models import Person
from pipelines.attendance import churn_risk_refresh
from relationships.models import Relationship, RelationshipStatus, RelationshipType
from relationships.services import referral_counts_refresh, referral_record, relationship_create

DEMO_PASSWORD = "orca-demo-password"
DEMO_USERS = (
    (Role.ADMIN, "admin@orca.test"),
    (Role.MANAGER, "manager@orca.test"),
    (Role.MANAGER, "manager2@orca.test"),
    (Role.STAFF, "staff@orca.test"),
    (Role.STAFF, "staff2@orca.test"),
    (Role.STAFF, "staff3@orca.test"),
    (Role.STAFF, "staff4@orca.test"),
    (Role.STAFF, "staff5@orca.test"),
    (Role.STAFF, "staff6@orca.test"),
)
MIN_PERSONS = 100  # below this the referral trees and every pipeline stage cannot all appear

# How the club's persons split, and where each pipeline's people stand (quotas, so a small demo
# still shows every stage).
SHARE_DIRECT_MEMBERS = 0.22
SHARE_LEADS = 0.43
LEAD_MIX = {
    LeadStatus.NEW: 14,
    LeadStatus.CONTACTED: 14,
    LeadStatus.QUALIFIED: 11,
    LeadStatus.TOUR_SCHEDULED: 9,
    LeadStatus.TOUR_COMPLETED: 8,
    LeadStatus.TRIAL: 8,
    LeadStatus.NEGOTIATING: 7,
    LeadStatus.WON: 15,
    LeadStatus.LOST: 14,
}
REFERRAL_MIX = {
    ReferralStatus.RECEIVED: 10,
    ReferralStatus.CONTACTED: 12,
    ReferralStatus.APPOINTMENT_BOOKED: 10,
    ReferralStatus.VISITED: 10,
    ReferralStatus.JOINED: 36,
    ReferralStatus.DECLINED: 12,
    ReferralStatus.UNRESPONSIVE: 10,
}
MEMBER_OUTCOMES = {
    MembershipStatus.ACTIVE: 74,
    MembershipStatus.FROZEN: 6,
    MembershipStatus.PAST_DUE: 7,
    MembershipStatus.CANCELLED: 7,
    MembershipStatus.EXPIRED: 6,
}
# Referral generations: level 1 referred by a non-referred member, level 2 by a level-1 joiner...
GENERATION_SHARES = (0.40, 0.27, 0.18, 0.10, 0.05)
SECOND_REFERRER_SHARE = 0.06
TIE_SHARE = 0.03  # family, partner, colleague... ties between persons
LEAD_PATH = [s for s in LeadStatus.values if s not in (LeadStatus.NEW, LeadStatus.LOST)]
REFERRAL_PATH = [
    ReferralStatus.CONTACTED,
    ReferralStatus.APPOINTMENT_BOOKED,
    ReferralStatus.VISITED,
    ReferralStatus.JOINED,
]
OPEN_LEAD = set(LEAD_MIX) - {LeadStatus.WON, LeadStatus.LOST}
OPEN_REFERRAL = {
    ReferralStatus.RECEIVED,
    ReferralStatus.CONTACTED,
    ReferralStatus.APPOINTMENT_BOOKED,
    ReferralStatus.VISITED,
}
# A converted lead or referral keeps the role (and shows as won/joined) for this long; after it
# the role is dropped and only its history remains.
KEEP_CONVERTED_ROLE = dt.timedelta(days=60)
TEMPLATES = (
    (
        "Welcome email",
        Channel.EMAIL,
        "Welcome to Orca Fitness, {{ person.first_name }}!",
        "Hi {{ person.first_name }}, thanks for your interest in Orca Fitness. Reply to this email or "
        "call us to book a free tour.",
    ),
    (
        "Tour reminder",
        Channel.SMS,
        "",
        "Hi {{ person.first_name }}, a reminder of your club tour tomorrow. Reply C to confirm.",
    ),
    (
        "Trial follow-up",
        Channel.EMAIL,
        "How was your trial, {{ person.first_name }}?",
        "Hi {{ person.first_name }}, we hope you enjoyed your trial week. Members get 10% off PT.",
    ),
    (
        "Referral thank-you",
        Channel.EMAIL,
        "Thank you for the referral!",
        "Hi {{ person.first_name }}, your friend just joined. Your free month has been added.",
    ),
    (
        "Payment reminder",
        Channel.SMS,
        "",
        "Hi {{ person.first_name }}, your last membership payment did not go through. Please update "
        "your card at the front desk.",
    ),
    (
        "Monthly newsletter",
        Channel.EMAIL,
        "What's on at Orca Fitness",
        "Hi {{ person.first_name }}, new classes, extended pool hours and member events this month.",
    ),
)
BLASTS = (
    # name, days ago, template, the role its recipients held at the time (None: everyone known)
    ("New Year Kickstart", 330, "Monthly newsletter", None),
    ("Spring timetable", 240, "Monthly newsletter", "member"),
    ("Summer pool hours", 160, "Monthly newsletter", "member"),
    ("Back to routine offer", 90, "Welcome email", "lead"),
    ("Member appreciation week", 25, "Monthly newsletter", "member"),
)
OPENING = dt.timedelta(hours=7)
OPEN_HOURS = 14
DELIVERY = {
    MessageStatus.DELIVERED: 62,
    MessageStatus.READ: 30,
    MessageStatus.BOUNCED: 4,
    MessageStatus.FAILED: 4,
}


def days(value: float) -> dt.timedelta:
    return dt.timedelta(days=value)


@dataclass
class Joined:
    """A member others may be referred by, and since when."""

    person: Person
    since: dt.datetime


@dataclass
class Plan:
    """Rows built in memory during the run and inserted in batches at the end."""

    interactions: list[Interaction] = field(default_factory=list)
    interaction_times: list[dt.datetime] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)


class DemoClub:
    """Builds the club. Every random choice comes from seeded generators, in a fixed order."""

    def __init__(self, *, seed: int, size: int) -> None:
        factory.random.reseed_random(seed)
        for seeded in (UserFactory, PersonFactory, BlastFactory):
            seeded.reset_sequence(0, force=True)
        self.rng = random.Random(seed)
        # The story ends at today's midnight: what happened is dated before it, what is planned
        # after it. Anchoring to the day rather than the clock keeps a seed's club the same
        # whatever the time of the run.
        self.now = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        self.size = size
        self.plan = Plan()
        self.persons: list[Person] = []
        self.roots: list[Joined] = []  # members nobody referred: the referral trees start here
        self.templates: dict[str, MessageTemplate] = {}
        self._compiled: dict[str, Template] = {}
        self.second_referrers_due = 0  # persons still to be credited to two referrers
        # When each person held a role: (role, person id) -> (from, until or None).
        self.spans: dict[tuple[str, object], tuple[dt.datetime, dt.datetime | None]] = {}

    # --- small helpers -------------------------------------------------------------------

    def quota(self, n: int, mix: dict) -> list:
        """n values in the mix's proportions, every value at least once when n allows, shuffled."""
        total = sum(mix.values())
        counts = {
            key: max(1, round(n * weight / total)) if n >= len(mix) else 0 for key, weight in mix.items()
        }
        biggest = max(mix, key=mix.get)
        counts[biggest] += n - sum(counts.values())
        values = [key for key, count in counts.items() for _ in range(count)]
        self.rng.shuffle(values)
        return values

    def weighted(self, mix: dict):
        return self.rng.choices(list(mix), weights=list(mix.values()))[0]

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        if end <= start:
            return start
        return start + (end - start) * self.rng.random()

    def hours(self, moment: dt.datetime) -> dt.datetime:
        """The same day's moment squeezed into club hours (07:00-21:00, local time).

        Monotonic, so the order of events survives; the past stays past and the future future.
        """
        local = timezone.localtime(moment)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        squeezed = midnight + OPENING + (local - midnight) * (OPEN_HOURS / 24)
        if moment <= self.now:
            return min(squeezed, self.now - dt.timedelta(minutes=5))
        return max(squeezed, self.now + dt.timedelta(hours=1))

    def steps(self, start: dt.datetime, gaps: list[float], latest: dt.datetime) -> list[dt.datetime]:
        """Times of successive steps after start, in club hours, squeezed to finish by `latest`."""
        total = sum(gaps)
        room = (latest - start).total_seconds() / 86400
        scale = min(1.0, max(room, 0) / total) if total else 1.0
        times, at, previous = [], start, start
        for gap in gaps:
            at += days(gap * scale)
            previous = max(self.hours(at), previous + dt.timedelta(minutes=5))
            times.append(previous)
        return times

    def owner(self) -> User | None:
        """Who a new person is assigned to: mostly front-desk staff, some managers, some nobody."""
        roll = self.rng.random()
        if roll < 0.12:
            return None
        if roll < 0.2:
            return self.rng.choice(self.managers)
        return self.rng.choice(self.staff)

    def actor_for(self, person: Person) -> User:
        return person.assigned_to or self.managers[0]

    def render(self, text: str, person: Person) -> str:
        if text not in self._compiled:
            self._compiled[text] = Template(text)
        return self._compiled[text].render(Context({"person": person}))

    def new_person(self, *, acquired: dt.datetime, **fields) -> Person:
        assigned = self.owner()
        person = PersonFactory(
            acquisition_date=acquired, assigned_to=assigned, actor=assigned or self.managers[0], **fields
        )
        self.persons.append(person)
        return person

    # --- activity (built now, inserted in batches later) ----------------------------------

    def done(self, person: Person, kind: str, at: dt.datetime, *, user: User | None = None, **fields) -> None:
        fields.setdefault("sentiment", self.weighted({Sentiment.POSITIVE: 5, Sentiment.NEUTRAL: 4, "": 1}))
        fields.setdefault("outcome", self.outcome_for(kind))
        self.plan.interactions.append(
            InteractionFactory.build(
                person=person,
                user=user or self.actor_for(person),
                interaction_type=kind,
                status=InteractionStatus.COMPLETED,
                subject=fields.pop("subject", subject_for(kind)),
                content=fields.pop("content", ""),
                completed_at=at,
                duration_minutes=duration_for(kind),
                **fields,
            )
        )
        self.plan.interaction_times.append(at)

    def planned(
        self,
        person: Person,
        kind: str,
        at: dt.datetime,
        *,
        booked: dt.datetime,
        status=InteractionStatus.SCHEDULED,
    ) -> None:
        """An interaction planned at `booked` for `at` (missed and cancelled ones stay planned-only)."""
        self.plan.interactions.append(
            InteractionFactory.build(
                person=person,
                user=self.actor_for(person),
                interaction_type=kind,
                status=status,
                subject=subject_for(kind),
                content="",
                scheduled_at=at,
                completed_at=None,
                duration_minutes=duration_for(kind),
                sentiment="",
            )
        )
        self.plan.interaction_times.append(min(booked, self.now))

    def outcome_for(self, kind: str) -> str:
        """What came of it: calls are often not answered; a visit or class simply happened."""
        if kind in (InteractionType.CALL, InteractionType.FOLLOW_UP):
            return self.weighted(
                {Outcome.REACHED: 6, Outcome.NO_ANSWER: 2, Outcome.LEFT_MESSAGE: 1, Outcome.BOOKED: 1}
            )
        if kind in (InteractionType.EMAIL, InteractionType.SMS, InteractionType.NOTE):
            return ""
        return Outcome.DONE

    def texted_and_replied(self, person: Person) -> None:
        """A text sent lately that they answered, and nobody has answered back yet (My day shows it)."""
        sent = self.hours(self.now - days(self.rng.uniform(0.3, 3)))
        self.done(
            person,
            InteractionType.SMS,
            sent,
            subject="Checked in by text",
            response_received=True,
            response_date=min(sent + days(self.rng.uniform(0.05, 0.25)), self.now - days(0.01)),
            response_content=self.rng.choice(
                (
                    "Can you call me after 6?",
                    "What does the family plan cost?",
                    "Is the pool open on Sundays?",
                )
            ),
        )

    def follow_up(self, person: Person, last_step: dt.datetime) -> None:
        """Open pipelines usually have the next call planned; some are already overdue; a few have
        just answered a text instead."""
        roll = self.rng.random()
        if roll < 0.7:
            self.planned(
                person,
                InteractionType.FOLLOW_UP,
                self.hours(self.now + days(self.rng.uniform(0.1, 10))),
                booked=last_step,
            )
        elif roll < 0.82:
            overdue = self.hours(self.between(max(last_step, self.now - days(6)), self.now - days(0.1)))
            self.planned(person, InteractionType.CALL, overdue, booked=last_step)
        elif roll < 0.88 and last_step < self.now - days(3):
            self.texted_and_replied(person)

    def message(self, person: Person, template: str, sent: dt.datetime, **fields) -> None:
        tpl = self.templates[template]
        if tpl.message_type == Channel.EMAIL and not person.email:
            return
        if tpl.message_type == Channel.SMS and not person.phone:
            return
        if sent >= self.now:
            return
        status = fields.pop("status", None) or self.weighted(DELIVERY)
        # Capped at the end of the story, and each after the one before.
        delivered = min(sent + dt.timedelta(seconds=self.rng.randint(2, 120)), self.now)
        read = min(delivered + dt.timedelta(minutes=self.rng.randint(1, 600)), self.now)
        self.plan.messages.append(
            MessageFactory.build(
                recipient=person,
                sender=fields.pop("sender", self.actor_for(person)),
                message_type=tpl.message_type,
                subject=self.render(tpl.subject, person),
                content=self.render(tpl.content, person),
                template=tpl,
                status=status,
                sent_at=sent,
                delivered_at=delivered if status in (MessageStatus.DELIVERED, MessageStatus.READ) else None,
                read_at=read if status == MessageStatus.READ else None,
                personalization_data={"first_name": person.first_name},
                **fields,
            )
        )

    # --- users ---------------------------------------------------------------------------

    def build_users(self) -> None:
        self.users = [
            UserFactory(email=email, role=role, password=DEMO_PASSWORD) for role, email in DEMO_USERS
        ]
        self.managers = [u for u in self.users if u.role == Role.MANAGER]
        self.staff = [u for u in self.users if u.role == Role.STAFF]

    def build_templates(self) -> None:
        for name, channel, subject, content in TEMPLATES:
            self.templates[name] = message_template_create(
                name=name, message_type=channel, subject=subject, content=content, actor=self.managers[0]
            )

    # --- members -------------------------------------------------------------------------

    def member_path(self, join: dt.datetime) -> tuple[list, str, dt.datetime | None]:
        """Statuses a member passes through after joining, their final status and when it ended."""
        latest = self.now - dt.timedelta(hours=1)
        # Recent joiners are often still waiting for their start date (always, within the hour).
        if join > self.now - days(7) and (self.rng.random() < 0.6 or join > latest - days(0.1)):
            return [], MembershipStatus.PENDING, None
        active = min(max(self.hours(join + days(self.rng.uniform(0.2, 3))), join + days(0.01)), latest)
        path = [(MembershipStatus.ACTIVE, active, "First visit as a member")]
        outcome = self.weighted(MEMBER_OUTCOMES)
        if outcome == MembershipStatus.ACTIVE or active + days(21) > latest:
            return path, MembershipStatus.ACTIVE, None
        at = max(self.hours(self.between(active + days(20), latest)), active + days(1))
        notes = {
            MembershipStatus.FROZEN: "Frozen: travelling for work",
            MembershipStatus.PAST_DUE: "Card declined",
            MembershipStatus.CANCELLED: "Cancelled: moving away",
            MembershipStatus.EXPIRED: "Fixed-term plan ended",
        }
        path.append((outcome, at, notes[outcome]))
        return path, outcome, at

    def member_fields(
        self, person: Person, join: dt.datetime, status: str, ended: dt.datetime | None
    ) -> dict:
        plan = person.preferred_membership or self.weighted(
            {MembershipType.STANDARD: 3, MembershipType.BASIC: 2, MembershipType.PREMIUM: 2}
        )
        price = MONTHLY_PRICE[plan]
        until = ended or self.now
        months = months_between(join, until) + (0 if status == MembershipStatus.PENDING else 1)
        visits = 0 if status == MembershipStatus.PENDING else max(1, round(months * self.rng.uniform(2, 11)))
        last_visit = None
        if visits:
            recent = (
                self.rng.expovariate(1 / 6) if status == MembershipStatus.ACTIVE else self.rng.uniform(3, 30)
            )
            last_visit = max(join, until - days(recent))
        spend = {
            MembershipStatus.ACTIVE: price,
            MembershipStatus.PAST_DUE: price,
            MembershipStatus.FROZEN: Decimal("10.00"),
        }
        at_risk = status == MembershipStatus.PAST_DUE or (
            last_visit is not None and self.now - last_visit > days(21)
        )
        churn = (
            ChurnRisk.HIGH
            if at_risk
            else ChurnRisk.MEDIUM
            if status == MembershipStatus.FROZEN
            else self.weighted({ChurnRisk.LOW: 8, ChurnRisk.MEDIUM: 2})
        )
        payment = {
            MembershipStatus.PENDING: PaymentStatus.PENDING,
            MembershipStatus.PAST_DUE: self.weighted({PaymentStatus.OVERDUE: 3, PaymentStatus.FAILED: 1}),
        }.get(status, PaymentStatus.CURRENT)
        return {
            "membership_type": plan,
            "join_date": join,
            "membership_end_date": ended
            if status in (MembershipStatus.CANCELLED, MembershipStatus.EXPIRED)
            else None,
            "check_in_count": visits,
            "last_check_in": last_visit,
            "attendance_streak": self.rng.randint(1, 16)
            if status == MembershipStatus.ACTIVE and not at_risk
            else 0,
            "lifetime_value": price * months,
            "current_monthly_spend": spend.get(status, Decimal("0.00")),
            "payment_status": payment,
            "churn_risk": churn,
            "retention_actions": self.rng.sample(RETENTION_ACTIONS, self.rng.randint(1, 2))
            if churn == ChurnRisk.HIGH
            else [],
        }

    def make_member(self, person: Person, join: dt.datetime, *, drop: str | None = None) -> Joined:
        """Make the person a member from `join`, dropping the role `drop` in the same step."""
        if drop:
            roles = (person.roles - {drop}) | {"member"}
            person_set_roles(person=person, roles=roles, actor=self.actor_for(person), at=join)
        path, status, ended = self.member_path(join)
        actor = self.actor_for(person)
        MemberExtensionFactory(
            person=person,
            since=join,
            actor=actor,
            statuses=path,
            **self.member_fields(person, join, status, ended),
        )
        if path:
            self.done(
                person,
                InteractionType.CONSULTATION,
                min(path[0][1] + days(2), self.now - days(0.05)),
                subject="Onboarding session",
            )
        if status == MembershipStatus.PAST_DUE:
            self.message(person, "Payment reminder", ended + days(1))
            self.done(
                person,
                InteractionType.CALL,
                min(ended + days(3), self.now - days(0.05)),
                subject="Called about failed payment",
                sentiment=Sentiment.NEUTRAL,
            )
        if status in (MembershipStatus.CANCELLED, MembershipStatus.FROZEN):
            self.done(
                person,
                InteractionType.CALL,
                self.hours(ended - days(self.rng.uniform(0.1, 3))),
                subject="Retention call",
                sentiment=Sentiment.NEGATIVE,
            )
        if status == MembershipStatus.ACTIVE and self.rng.random() < 0.25:
            self.planned(
                person,
                InteractionType.CALL,
                self.hours(self.now + days(self.rng.uniform(1, 30))),
                booked=self.now - days(2),
            )
        self.spans["member", person.pk] = (join, ended)
        return Joined(person=person, since=join)

    def build_direct_members(self, n: int) -> None:
        """Members who joined before the club used ORCA, or walked in and signed up on the spot."""
        for _ in range(n):
            join = self.hours(
                self.now
                - days(self.rng.uniform(20, 1100) if self.rng.random() > 0.05 else self.rng.uniform(0.2, 20))
            )
            person = self.new_person(acquired=join - days(self.rng.uniform(0, 14)))
            self.message(person, "Welcome email", join + days(0.1))
            self.roots.append(self.make_member(person, join))

    # --- leads ---------------------------------------------------------------------------

    def lead_route(self, target: str) -> list[str]:
        if target == LeadStatus.NEW:
            return []
        if target == LeadStatus.LOST:
            reached = self.rng.choice(LEAD_PATH[: LEAD_PATH.index(LeadStatus.NEGOTIATING) + 1])
            return [*self.lead_route(reached), LeadStatus.LOST]
        route = LEAD_PATH[: LEAD_PATH.index(target) + 1]
        # Not every lead takes a trial or haggles before deciding.
        optional = {LeadStatus.TRIAL: 0.35, LeadStatus.NEGOTIATING: 0.5}
        return [s for s in route if s == target or self.rng.random() >= optional.get(s, 0)]

    def lead_fields(self, route: list[str], times: list[dt.datetime], final: str) -> dict:
        when = dict(zip(route, times, strict=True))
        depth = LEAD_PATH.index(final) + 1 if final in LEAD_PATH else 0
        fields = {
            "readiness_score": min(100, 10 + 12 * depth + self.rng.randint(-8, 8)),
            "conversion_probability": min(100, 5 + 12 * depth + self.rng.randint(-5, 5)),
            "lead_temperature": LeadTemperature.COLD
            if depth < 2
            else self.weighted({LeadTemperature.WARM: 3, LeadTemperature.HOT: 2}),
        }
        if final == LeadStatus.WON:
            fields.update(
                readiness_score=100,
                conversion_probability=100,
                lead_temperature=LeadTemperature.HOT,
                payment_info_collected=True,
            )
        if final == LeadStatus.LOST:
            fields.update(
                readiness_score=self.rng.randint(0, 25),
                conversion_probability=0,
                lead_temperature=LeadTemperature.COLD,
            )
        if LeadStatus.TOUR_COMPLETED in when:
            fields.update(visit_completed=True, visit_date=when[LeadStatus.TOUR_COMPLETED])
        if LeadStatus.QUALIFIED in when:
            fields["documents_shared"] = ["price_list.pdf", "class_timetable.pdf"]
        if LeadStatus.TRIAL in when:
            start = when[LeadStatus.TRIAL]
            fields.update(
                trial_start_date=start,
                trial_end_date=start + days(7),
                forms_completed={"par_q": True, "waiver": True},
            )
            if final == LeadStatus.TRIAL:
                fields["trial_status"] = TrialStatus.ACTIVE
            else:
                fields["trial_status"] = (
                    TrialStatus.EXPIRED if final == LeadStatus.LOST else TrialStatus.COMPLETED
                )
        if final == LeadStatus.NEGOTIATING:
            fields["payment_info_collected"] = self.rng.random() < 0.5
        return fields

    def lead_activity(self, person: Person, route: list[str], times: list[dt.datetime], final: str) -> None:
        for status, at in zip(route, times, strict=True):
            if status == LeadStatus.CONTACTED:
                self.done(person, InteractionType.CALL, at, subject="Intro call")
            elif status == LeadStatus.QUALIFIED:
                self.done(person, InteractionType.CONSULTATION, at, subject="Goals and budget")
            elif status == LeadStatus.TOUR_SCHEDULED:
                self.done(person, InteractionType.CALL, at, subject="Booked a club tour")
            elif status == LeadStatus.TOUR_COMPLETED:
                self.done(person, InteractionType.TOUR, at)
                self.message(person, "Tour reminder", at - days(1))
            elif status == LeadStatus.TRIAL:
                self.done(person, InteractionType.TRIAL_CLASS, at)
                self.message(person, "Trial follow-up", at + days(6))
            elif status == LeadStatus.NEGOTIATING:
                self.done(person, InteractionType.MEETING, at, subject="Membership options meeting")
            elif status == LeadStatus.WON:
                self.done(
                    person,
                    InteractionType.VISIT,
                    at,
                    subject="Came in to sign up",
                    sentiment=Sentiment.POSITIVE,
                )
            elif status == LeadStatus.LOST:
                self.done(
                    person,
                    InteractionType.CALL,
                    at,
                    subject="Decided not to join",
                    sentiment=Sentiment.NEGATIVE,
                )
        if final == LeadStatus.TOUR_SCHEDULED:
            self.planned(
                person,
                InteractionType.TOUR,
                self.hours(self.now + days(self.rng.uniform(0.5, 7))),
                booked=times[-1],
            )
        elif final in OPEN_LEAD:
            self.follow_up(person, times[-1] if times else person.acquisition_date)

    def build_leads(self, n: int) -> None:
        latest = self.now - dt.timedelta(hours=1)
        for final in self.quota(n, LEAD_MIX):
            route = self.lead_route(final)
            # A trial lasts a week; other steps take a few days.
            gaps = [
                7 if i and route[i - 1] == LeadStatus.TRIAL else self.rng.uniform(0.5, 6)
                for i in range(len(route))
            ]
            if final in OPEN_LEAD:
                recent = self.rng.uniform(0.1, 5 if final == LeadStatus.TRIAL else 8)
                start = self.hours(self.now - days(recent + sum(gaps)))
            else:
                start = self.hours(self.now - days(self.rng.uniform(20, 360)))
            times = self.steps(start, gaps, latest)
            person = self.new_person(acquired=start)
            self.message(person, "Welcome email", start + days(0.05))
            actor = self.actor_for(person)
            LeadExtensionFactory(
                person=person,
                since=start,
                actor=actor,
                statuses=list(zip(route, times, strict=True)),
                **self.lead_fields(route, times, final),
            )
            self.lead_activity(person, route, times, final)
            self.spans["lead", person.pk] = (start, times[-1] if final not in OPEN_LEAD else None)
            if final == LeadStatus.WON:
                self.convert(person, "lead", times[-1])

    def convert(self, person: Person, role: str, at: dt.datetime) -> Joined:
        """A won lead or joined referral becomes a member; long-ago converts no longer hold the old role."""
        joined = self.make_member(person, at, drop=role if self.now - at > KEEP_CONVERTED_ROLE else None)
        if role == "lead":
            self.roots.append(joined)
        return joined

    # --- referrals -----------------------------------------------------------------------

    def referral_route(self, final: str) -> list[str]:
        if final == ReferralStatus.RECEIVED:
            return []
        if final == ReferralStatus.UNRESPONSIVE:
            return (
                [ReferralStatus.UNRESPONSIVE]
                if self.rng.random() < 0.5
                else [ReferralStatus.CONTACTED, ReferralStatus.UNRESPONSIVE]
            )
        if final == ReferralStatus.DECLINED:
            reached = self.rng.choice(REFERRAL_PATH[:3])
            return [*self.referral_route(reached), ReferralStatus.DECLINED]
        return REFERRAL_PATH[: REFERRAL_PATH.index(final) + 1]

    def referral_fields(self, route: list[str], times: list[dt.datetime], final: str) -> dict:
        when = dict(zip(route, times, strict=True))
        fields: dict = {
            "nurture_sequence_status": {
                "sequence": "referral_welcome",
                "step": len(route) + 1,
                "paused": final not in OPEN_REFERRAL,
            }
        }
        if ReferralStatus.APPOINTMENT_BOOKED in when:
            if ReferralStatus.VISITED in when:
                fields.update(
                    appointment_status=AppointmentStatus.COMPLETED,
                    appointment_date=when[ReferralStatus.VISITED],
                )
            elif final == ReferralStatus.DECLINED:
                fields.update(
                    appointment_status=self.rng.choice(
                        (AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED)
                    ),
                    appointment_date=when[ReferralStatus.DECLINED],
                )
            else:
                fields.update(
                    appointment_status=self.weighted(
                        {
                            AppointmentStatus.SCHEDULED: 3,
                            AppointmentStatus.CONFIRMED: 2,
                            AppointmentStatus.RESCHEDULED: 1,
                        }
                    ),
                    appointment_date=self.hours(self.now + days(self.rng.uniform(0.5, 10))),
                    google_calendar_event_id=f"demo{self.rng.randrange(16**12):012x}",
                )
        if final == ReferralStatus.JOINED:
            fields.update(
                conversion_status=ConversionStatus.CONVERTED,
                conversion_date=when[ReferralStatus.JOINED],
                conversion_probability=100,
                incentives_awarded=[self.rng.choice(INCENTIVES)],
            )
        elif final in (ReferralStatus.DECLINED, ReferralStatus.UNRESPONSIVE):
            fields.update(
                conversion_status=ConversionStatus.NOT_CONVERTED,
                conversion_probability=self.rng.randint(0, 10),
            )
        return fields

    def referral_activity(
        self,
        person: Person,
        referrer: Person,
        route: list[str],
        times: list[dt.datetime],
        final: str,
        fields: dict,
    ) -> None:
        for status, at in zip(route, times, strict=True):
            if status == ReferralStatus.CONTACTED:
                self.done(
                    person,
                    self.rng.choice((InteractionType.CALL, InteractionType.SMS)),
                    at,
                    subject=f"Intro: referred by {referrer.first_name}",
                )
            elif status == ReferralStatus.APPOINTMENT_BOOKED:
                self.done(person, InteractionType.CALL, at, subject="Booked a visit")
            elif status == ReferralStatus.VISITED:
                self.done(person, InteractionType.VISIT, at, subject="Visited with their referrer")
            elif status == ReferralStatus.JOINED:
                self.done(
                    person,
                    InteractionType.VISIT,
                    at,
                    subject="Came in to sign up",
                    sentiment=Sentiment.POSITIVE,
                )
                self.message(referrer, "Referral thank-you", at + days(0.2), sender=self.actor_for(person))
            elif status == ReferralStatus.DECLINED:
                if fields.get("appointment_status") == AppointmentStatus.NO_SHOW:
                    self.planned(
                        person, InteractionType.VISIT, at, booked=times[0], status=InteractionStatus.MISSED
                    )
                self.done(
                    person,
                    InteractionType.CALL,
                    at,
                    subject="Not interested for now",
                    sentiment=Sentiment.NEGATIVE,
                )
            elif status == ReferralStatus.UNRESPONSIVE:
                for attempt in range(self.rng.randint(2, 3)):
                    tried = max(person.acquisition_date, at - days(3 * attempt))
                    self.done(person, InteractionType.SMS, tried, subject="No reply to intro", sentiment="")
        if final == ReferralStatus.APPOINTMENT_BOOKED:
            self.planned(person, InteractionType.VISIT, fields["appointment_date"], booked=times[-1])
        elif final in OPEN_REFERRAL:
            self.follow_up(person, times[-1] if times else person.acquisition_date)

    def pick_referrer(self, pool: list[Joined], final: str) -> Joined:
        """A member who joined early enough for this referral's story to fit before now."""
        room = days(45) if final not in OPEN_REFERRAL else days(10)
        eligible = [j for j in pool if j.since < self.now - room] or [
            j for j in self.roots if j.since < self.now - room
        ]
        return self.rng.choice(eligible)

    def refer(self, final: str, parent: Joined) -> tuple[Person, list[str], list[dt.datetime], dict]:
        """A person referred by `parent`, taken through the referral pipeline to `final`."""
        latest = self.now - dt.timedelta(hours=1)
        route = self.referral_route(final)
        gaps = [self.rng.uniform(1, 8) for _ in route]
        floor = max(parent.since + days(1), self.now - days(360))
        if final in OPEN_REFERRAL:
            start = self.hours(max(floor, self.now - days(self.rng.uniform(0.1, 8) + sum(gaps))))
        else:
            start = self.hours(self.between(floor, max(floor, self.now - days(40))))
        times = self.steps(start, gaps, latest)
        referrer = parent.person
        family = self.rng.random() < 0.15
        person = self.new_person(
            acquired=start,
            acquisition_source=AcquisitionSource.REFERRAL,
            referral_source=f"Referred by {referrer.full_name}",
            **({"last_name": referrer.last_name} if family else {}),
        )
        fields = self.referral_fields(route, times, final)
        if family:
            fields["relationship_to_referrer"] = "family"
        ReferralExtensionFactory(
            person=person,
            since=start,
            actor=self.actor_for(person),
            statuses=list(zip(route, times, strict=True)),
            **fields,
        )
        self.credit(person, parent, start, final)
        return person, route, times, fields

    def credit(self, person: Person, parent: Joined, start: dt.datetime, final: str) -> None:
        """Record the referral; now and then a second referrer shares the credit 60/40."""
        status = {
            ReferralStatus.JOINED: RelationshipStatus.CONVERTED,
            ReferralStatus.DECLINED: RelationshipStatus.EXPIRED,
            ReferralStatus.UNRESPONSIVE: RelationshipStatus.EXPIRED,
        }.get(final, RelationshipStatus.PENDING)
        actor = self.actor_for(person)
        second = None
        if self.second_referrers_due > 0 or self.rng.random() < SECOND_REFERRER_SHARE:
            # Non-referred members only: they cannot be below this person in any tree.
            candidates = [j for j in self.roots if j.since < start and j.person.pk != parent.person.pk]
            second = self.rng.choice(candidates) if candidates else None
        referral_record(
            referrer=parent.person,
            referred=person,
            actor=actor,
            attribution_percentage=60 if second else 100,
            referral_date=start,
            status=status,
            relationship_strength=self.rng.choice(("weak", "moderate", "strong")),
            referral_channel=self.rng.choice(
                ("in_person", "referral_link", "sms", "social", "email", "event")
            ),
        )
        if second:
            referral_record(
                referrer=second.person,
                referred=person,
                actor=actor,
                attribution_percentage=40,
                is_primary_referrer=False,
                referral_date=start,
                status=status,
                referral_channel="in_person",
                notes="Came along with both friends",
            )
            self.second_referrers_due -= 1

    def build_referrals(self, n: int) -> None:
        """Referral trees: each generation is referred by members who joined from the one before."""
        sizes = [max(2, round(n * share)) for share in GENERATION_SHARES]
        sizes[0] += n - sum(sizes)
        pool = list(self.roots)
        self.second_referrers_due = 2  # so even a small demo has persons credited to two referrers
        for size in sizes:
            joiners = []
            for final in self.quota(size, REFERRAL_MIX):
                parent = self.pick_referrer(pool, final)
                person, route, times, fields = self.refer(final, parent)
                self.referral_activity(person, parent.person, route, times, final, fields)
                if final == ReferralStatus.JOINED:
                    joiners.append(self.convert(person, "referral", times[-1]))
            pool = joiners or pool

    # --- ties, blasts and the batch inserts -------------------------------------------------

    def build_ties(self) -> None:
        kinds = {
            RelationshipType.FAMILY: 3,
            RelationshipType.PARTNER: 3,
            RelationshipType.FRIEND: 2,
            RelationshipType.COLLEAGUE: 2,
            RelationshipType.TRAINING_PARTNER: 2,
            RelationshipType.CORPORATE: 1,
        }
        done = set()
        for _ in range(max(3, round(len(self.persons) * TIE_SHARE))):
            a, b = self.rng.sample(self.persons, 2)
            kind = self.weighted(kinds)
            if (a.pk, b.pk) in done or (b.pk, a.pk) in done:
                continue
            done.add((a.pk, b.pk))
            relationship_create(
                person_a=a,
                person_b=b,
                relationship_type=kind,
                actor=None,
                relationship_strength=self.rng.choice(("weak", "moderate", "strong")),
            )

    def held(self, role: str | None, person: Person, at: dt.datetime) -> bool:
        """Whether the person was known to the club, in that role if one is given, at `at`."""
        if role is None:
            return person.acquisition_date < at
        start, end = self.spans.get((role, person.pk), (None, None))
        return start is not None and start < at and (end is None or end > at)

    def build_blasts(self) -> None:
        """Sent campaigns over the year, to those who had opted in and were in the segment then."""
        for name, ago, template_name, role in BLASTS:
            at = self.hours(self.now - days(ago))
            template = self.templates[template_name]
            blast = BlastFactory(
                name=name,
                message_type=template.message_type,
                template=template,
                subject=template.subject,
                content=template.content,
                segment={"roles": [role] if role else [], "email_opt_in": True},
                status=BlastStatus.SENT,
                scheduled_at=at,
                started_at=at,
                completed_at=at + dt.timedelta(minutes=4),
                created_by=self.managers[0],
            )
            for person in self.persons:
                if person.email_opt_in and self.held(role, person, at):
                    self.message(
                        person,
                        template_name,
                        at + dt.timedelta(seconds=self.rng.randint(0, 240)),
                        blast=blast,
                        sender=self.managers[0],
                        campaign_id=name.lower().replace(" ", "_"),
                    )
        BlastFactory(
            name="Spring challenge launch",
            message_type=Channel.EMAIL,
            subject="Join the 6-week spring challenge",
            content="Hi {{ person.first_name }}, our 6-week challenge starts soon.",
            status=BlastStatus.DRAFT,
            segment={"roles": ["member"], "email_opt_in": True},
            created_by=self.managers[1],
        )

    def insert_activity(self) -> None:
        rows = self.plan.interactions
        Interaction.objects.bulk_create(rows, batch_size=2000)
        # bulk_create stamps created_at with now; an interaction belongs at the time it happened.
        # One UPDATE joined to the (id, time) pairs rather than a CASE per row.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE interactions AS i SET created_at = v.at, updated_at = v.at"
                " FROM unnest(%s::uuid[], %s::timestamptz[]) AS v(id, at) WHERE i.id = v.id",
                [[row.pk for row in rows], self.plan.interaction_times],
            )
        messages_record_bulk(messages=self.plan.messages)

    def backdate(self) -> None:
        """Rows made through the services are stamped now; move them to when they happened."""
        ids = [p.pk for p in self.persons]
        history_start = RawSQL("(status_history[1]->>'at')::timestamptz", [])
        history_end = RawSQL("(status_history[cardinality(status_history)]->>'at')::timestamptz", [])
        for model in (LeadExtension, ReferralExtension, MemberExtension):
            model.objects.filter(person_id__in=ids).update(created_at=history_start, updated_at=history_end)
        Relationship.objects.filter(person_b_id__in=ids, relationship_type=RelationshipType.REFERRAL).update(
            created_at=F("referral_date"), updated_at=F("referral_date")
        )
        Person.objects.filter(pk__in=ids).update(
            created_at=F("acquisition_date"),
            updated_at=Greatest(F("acquisition_date"), F("last_contacted")),
        )
        # Other ties date from when the later of the two became known to the club.
        known = Person.objects.values("acquisition_date")
        later = Greatest(
            Subquery(known.filter(pk=OuterRef("person_a"))), Subquery(known.filter(pk=OuterRef("person_b")))
        )
        Relationship.objects.filter(person_b_id__in=ids).exclude(
            relationship_type=RelationshipType.REFERRAL
        ).update(created_at=later, updated_at=later)
        Blast.objects.filter(status=BlastStatus.SENT, created_by__in=self.managers).update(
            created_at=F("scheduled_at"), updated_at=F("completed_at")
        )
        # Templates and the staff's accounts existed before anything they were used for.
        earliest = Person.objects.filter(pk__in=ids).aggregate(at=Min("acquisition_date"))["at"] - days(30)
        MessageTemplate.objects.filter(pk__in=[t.pk for t in self.templates.values()]).update(
            created_at=earliest, updated_at=earliest
        )
        User.objects.filter(pk__in=[u.pk for u in self.users]).update(
            created_at=earliest, updated_at=earliest
        )

    def build(self) -> None:
        self.build_users()
        self.build_templates()
        n_members = round(self.size * SHARE_DIRECT_MEMBERS)
        n_leads = round(self.size * SHARE_LEADS)
        self.build_direct_members(n_members)
        self.build_leads(n_leads)
        self.build_referrals(self.size - n_members - n_leads)
        self.build_ties()
        self.build_blasts()
        self.insert_activity()
        ids = [p.pk for p in self.persons]
        person_contact_dates_refresh(person_ids=ids)
        referral_counts_refresh(person_ids=ids)
        self.backdate()


def summary() -> list[str]:
    """Counts per role and stage, as the pipelines will show them."""
    lines = [
        "Users: "
        + ", ".join(
            f"{r['role']} {r['n']}"
            for r in User.objects.values("role").annotate(n=Count("id")).order_by("role")
        )
    ]
    lines.append(f"Persons: {Person.objects.count()}")
    for label, view, field_name in (
        ("Leads", LeadView, "lead_status"),
        ("Referrals", ReferralView, "referral_status"),
        ("Members", MemberView, "membership_status"),
    ):
        counts = dict(view.objects.values_list(field_name).annotate(n=Count("id")).order_by())
        stages = view._meta.get_field(field_name).choices
        lines.append(
            f"{label} ({sum(counts.values())}): "
            + ", ".join(f"{value} {counts.get(value, 0)}" for value, _ in stages)
        )
    referrals = Relationship.objects.filter(relationship_type=RelationshipType.REFERRAL)
    two = referrals.values("person_b").annotate(n=Count("id")).filter(n__gt=1).count()
    depth = referrals.aggregate(depth=Max("relationship_level"))["depth"]
    lines.append(
        f"Referrals recorded: {referrals.count()}, deepest level {depth}, persons with two referrers {two}"
    )
    lines.append(
        f"Other ties: {Relationship.objects.exclude(relationship_type=RelationshipType.REFERRAL).count()}"
    )
    open_ = Interaction.objects.filter(status=InteractionStatus.SCHEDULED)
    lines.append(
        f"Interactions: {Interaction.objects.count()} ({open_.count()} scheduled, "
        f"{open_.filter(scheduled_at__lt=timezone.now()).count()} of them overdue)"
    )
    by_status = Message.objects.values_list("status").annotate(n=Count("id")).order_by("status")
    lines.append(f"Messages: {Message.objects.count()} (" + ", ".join(f"{s} {n}" for s, n in by_status) + ")")
    lines.append(f"Blasts: {Blast.objects.count()}, templates: {MessageTemplate.objects.count()}")
    dropped = Q(lead__isnull=False, is_lead=False) | Q(referral__isnull=False, is_referral=False)
    lines.append(f"Persons who dropped a role but keep its history: {Person.objects.filter(dropped).count()}")
    return lines


class Command(BaseCommand):
    help = "Fill the database with a realistic demo club (once; a second run changes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed: the same seed builds the same club."
        )
        parser.add_argument(
            "--persons", type=int, default=2000, help=f"How many persons (at least {MIN_PERSONS})."
        )
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Build the demo club even with DEBUG off (its users share a published password).",
        )

    def handle(self, *args, seed: int, persons: int, allow_without_debug: bool = False, **options) -> None:
        if not settings.DEBUG and not allow_without_debug:
            # The demo users' password is in the README: never create them on a production
            # database by accident (an empty docker compose install, say).
            raise CommandError(
                "seed_demo creates users whose password is published, so it runs only with DEBUG on. "
                "Pass --allow-without-debug to build the demo club on a server you control."
            )
        if persons < MIN_PERSONS:
            raise CommandError(
                f"--persons must be at least {MIN_PERSONS} for every pipeline stage and referral tree "
                "to appear."
            )
        started = time.monotonic()
        with transaction.atomic():
            # Checked inside the transaction: a concurrent second run fails on the users' unique
            # emails and rolls back whole, rather than adding a second club.
            found = User.objects.filter(email__in=[email for _, email in DEMO_USERS]).first()
            if found is not None:
                self.stdout.write(f"Demo data already present ({found.email} exists); nothing written.")
                self.print_logins()
                return
            if Person.objects.exists():
                raise CommandError(
                    "seed_demo only fills an empty database, and this one already has persons. "
                    "Use a fresh database for the demo."
                )
            DemoClub(seed=seed, size=persons).build()
            # As the nightly job would have: member cards show their churn risk from the start.
            churn_risk_refresh()
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Demo club built in {elapsed:.1f}s (seed {seed})."))
        for line in summary():
            self.stdout.write(f"  {line}")
        self.print_logins()

    def print_logins(self) -> None:
        if not settings.DEBUG:
            self.stdout.write("Demo logins are hidden because DEBUG is off.")
            return
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, email in DEMO_USERS:
            self.stdout.write(f"  {role:<8} {email}")
