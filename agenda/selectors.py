"""My day: what one staff member has to do today, in seven sections, each with its count.

Everything is read from that user's own rows: follow-ups they planned (interactions_user_due_idx)
and persons assigned to them (persons_assigned_idx), so the page costs the same at a thousand
persons as at a million; what grows is only the user's own book. A section shows its first
SECTION_ROWS rows; one query counts all seven.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from extensions.choices import AppointmentStatus, ChurnRisk, LeadStatus, MembershipStatus, TrialStatus
from interactions.models import Interaction, InteractionStatus
from orca.users.models import User
from persons.models import Person

from .contact import ContactAdvice, contact_advice

SECTION_ROWS = 10  # a morning's worth per section: each one done brings up the next
TRIAL_DAYS_AHEAD = 3
OPEN_LEAD_STATUSES = [
    status for status in LeadStatus.values if status not in (LeadStatus.WON, LeadStatus.LOST)
]
CURRENT_MEMBERSHIPS = [MembershipStatus.ACTIVE, MembershipStatus.FROZEN, MembershipStatus.PAST_DUE]
BOOKED_APPOINTMENTS = [AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED]

# What a row shows and the contact advice and permission checks read: loading only these (a person
# has some fifty columns, an extension thirty) halves the cost of building a section's rows.
# A field read that is not here costs a query per row; the page's query-count test catches it.
PERSON_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "assigned_to",
    "last_contacted",
    "next_scheduled_contact",
    "do_not_contact_until",
    "contact_frequency_preference",
    "preferred_contact_method",
    "preferred_contact_times",
    "is_lead",
    "is_referral",
    "is_member",
)
INTERACTION_FIELDS = (
    "id",
    "person",
    "user",
    "interaction_type",
    "status",
    "subject",
    "scheduled_at",
    "response_received",
    "response_date",
    "response_content",
    *(f"person__{name}" for name in PERSON_FIELDS),
)


@dataclass(frozen=True)
class Day:
    """The bounds of one local day and the moment it is looked at."""

    now: dt.datetime
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def of(cls, now: dt.datetime | None = None) -> Day:
        now = now or timezone.now()
        local = timezone.localtime(now)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        # Through the calendar, not +24 h, so a day with a DST change still ends at midnight.
        end = timezone.make_aware(dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time()))
        return cls(now=now, start=start, end=end)


@dataclass(frozen=True)
class Row:
    person: Person
    advice: ContactAdvice
    follow_up: Interaction | None = None  # the follow-up to complete or snooze, where the row is one
    reply: Interaction | None = None  # the interaction that carries their unanswered reply


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    empty: str  # what an empty section says
    rows: list[Row]
    count: int

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    empty: str
    rows: Callable[[User, Day], QuerySet]  # persons, or interactions with their person


def _follow_ups(user: User) -> QuerySet[Interaction]:
    return (
        Interaction.objects.filter(user=user, status=InteractionStatus.SCHEDULED)
        .select_related("person")
        .only(*INTERACTION_FIELDS)
    )


def overdue_follow_ups(user: User, day: Day) -> QuerySet[Interaction]:
    return _follow_ups(user).filter(scheduled_at__lt=day.now).order_by("scheduled_at", "id")


def todays_follow_ups(user: User, day: Day) -> QuerySet[Interaction]:
    return (
        _follow_ups(user)
        .filter(scheduled_at__gte=day.now, scheduled_at__lt=day.end)
        .order_by("scheduled_at", "id")
    )


def _persons_of(user: User, role: str, *fields: str) -> QuerySet[Person]:
    """The user's persons with the role's extension, of which only `fields` are loaded."""
    return (
        Person.objects.filter(assigned_to=user)
        .select_related(role)
        .only(*PERSON_FIELDS, *(f"{role}__{name}" for name in fields))
    )


def leads_without_next_step(user: User, day: Day) -> QuerySet[Person]:
    """Open leads of theirs with nothing planned: the ones that go cold unnoticed. Longest
    uncontacted first."""
    return (
        _persons_of(user, "lead", "lead_status")
        .filter(is_lead=True, next_scheduled_contact__isnull=True, lead__lead_status__in=OPEN_LEAD_STATUSES)
        .order_by(F("last_contacted").asc(nulls_first=True), "id")
    )


def trials_ending_soon(user: User, day: Day) -> QuerySet[Person]:
    """Active trials that end between the start of today and three days from now."""
    return (
        _persons_of(user, "lead", "trial_status", "trial_end_date")
        .filter(
            is_lead=True,
            lead__trial_status=TrialStatus.ACTIVE,
            lead__trial_end_date__gte=day.start,
            lead__trial_end_date__lt=day.now + dt.timedelta(days=TRIAL_DAYS_AHEAD),
        )
        .order_by("lead__trial_end_date", "id")
    )


def appointments_today(user: User, day: Day) -> QuerySet[Person]:
    return (
        _persons_of(user, "referral", "appointment_status", "appointment_date")
        .filter(
            is_referral=True,
            referral__appointment_status__in=BOOKED_APPOINTMENTS,
            referral__appointment_date__gte=day.start,
            referral__appointment_date__lt=day.end,
        )
        .order_by("referral__appointment_date", "id")
    )


def members_at_risk(user: User, day: Day) -> QuerySet[Person]:
    """Current members of theirs whose churn risk is high; the longest absent first."""
    return (
        _persons_of(user, "member", "churn_risk", "membership_status", "last_check_in")
        .filter(
            is_member=True,
            member__churn_risk=ChurnRisk.HIGH,
            member__membership_status__in=CURRENT_MEMBERSHIPS,
        )
        .order_by(F("member__last_check_in").asc(nulls_first=True), "id")
    )


def _of_persons_assigned_to(user: User) -> RawSQL:
    """interactions.person_id among the user's persons, as `= ANY(ARRAY(SELECT …))`.

    Written so, PostgreSQL reads the user's few thousand person ids first and probes the replies
    index with each; joined to persons instead, it walked every reply in the table (25,000 at a
    million persons: 335 ms) to keep the user's (bench/README.md, "Interactions, timeline and My
    day").
    """
    return RawSQL(
        '"interactions"."person_id" = ANY(ARRAY(SELECT "id" FROM "persons" WHERE "assigned_to" = %s))',
        [user.pk],
        output_field=BooleanField(),
    )


def unanswered_replies(user: User, day: Day) -> QuerySet[Interaction]:
    """Replies from persons of theirs that nobody has answered: the person responded after the
    club's latest contact with them (persons.last_contacted). Logging a call, visit or text moves
    last_contacted past the reply, and the row goes. Oldest first: they have waited longest."""
    return (
        Interaction.objects.filter(
            _of_persons_assigned_to(user), response_received=True, response_date__isnull=False
        )
        .filter(Q(person__last_contacted__isnull=True) | Q(response_date__gt=F("person__last_contacted")))
        .select_related("person")
        .only(*INTERACTION_FIELDS)
        .order_by("response_date", "id")
    )


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("overdue", "Overdue follow-ups", "Nothing overdue.", overdue_follow_ups),
    SectionSpec("today", "Follow-ups today", "No more follow-ups planned for today.", todays_follow_ups),
    SectionSpec("replies", "Replies not yet answered", "Every reply has been answered.", unanswered_replies),
    SectionSpec(
        "leads", "Leads without a next step", "Every open lead has a next step.", leads_without_next_step
    ),
    SectionSpec("trials", "Trials ending in the next 3 days", "No trial ends soon.", trials_ending_soon),
    SectionSpec(
        "appointments", "Referral appointments today", "No referral appointments today.", appointments_today
    ),
    SectionSpec(
        "churn", "Members at high churn risk", "No member of yours is at high risk.", members_at_risk
    ),
)
SECTION_KEYS = tuple(spec.key for spec in SECTIONS)


def _counts(querysets: list[QuerySet]) -> list[int]:
    """Every section's count in one round trip: SELECT (SELECT count(*) FROM …), (…), …"""
    parts, params = [], []
    for queryset in querysets:
        sql, query_params = queryset.order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM ({sql}) AS section)")
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return list(cursor.fetchone())


def _row(item: Person | Interaction, key: str, day: Day) -> Row:
    if isinstance(item, Person):
        return Row(person=item, advice=contact_advice(item, now=day.now))
    if key == "replies":
        return Row(
            person=item.person, advice=contact_advice(item.person, now=day.now, answering=True), reply=item
        )
    return Row(person=item.person, advice=contact_advice(item.person, now=day.now), follow_up=item)


def my_day(*, user: User, now: dt.datetime | None = None, rows: int = SECTION_ROWS) -> list[Section]:
    """The user's day: each section's first `rows` rows and its full count, in SECTIONS order.

    Eight queries whatever the number of rows: one per section and one for all the counts.
    """
    day = Day.of(now)
    querysets = [spec.rows(user, day) for spec in SECTIONS]
    counts = _counts(querysets)
    return [
        Section(
            key=spec.key,
            title=spec.title,
            empty=spec.empty,
            rows=[_row(item, spec.key, day) for item in queryset[:rows]],
            count=count,
        )
        for spec, queryset, count in zip(SECTIONS, querysets, counts, strict=True)
    ]
