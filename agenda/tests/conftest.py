"""A prepared day: one staff member with a row of every kind on My day, and near misses that must
not show (someone else's, closed, too late, too early, already answered)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from extensions.models import LeadExtension, MemberExtension, ReferralExtension
from extensions.services import person_set_roles
from interactions.models import Interaction, InteractionStatus, InteractionType
from interactions.services import interaction_log, person_contact_dates_refresh
from orca.users.models import User
from persons.factories import PersonFactory
from persons.models import Person


def ten_this_morning() -> dt.datetime:
    """10:00 local, a week ago: far enough back that anything "logged" around it is in the past."""
    day = timezone.localdate() - dt.timedelta(days=7)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def a_person(owner: User | None, name: str, *, roles: set[str] = frozenset(), **fields) -> Person:
    quiet = {
        "do_not_contact_until": None,
        "contact_frequency_preference": "",
        "preferred_contact_method": "",
        "preferred_contact_times": [],
    }
    person = PersonFactory(first_name=name, last_name="Day", assigned_to=owner, **{**quiet, **fields})
    if roles:
        person_set_roles(person=person, roles=set(roles), actor=None)
    return person


def a_follow_up(person: Person, user: User, at: dt.datetime, subject: str) -> Interaction:
    """Written directly: interaction_schedule refuses a time in the past, and overdue ones are."""
    follow_up = Interaction.objects.create(
        person=person,
        user=user,
        interaction_type=InteractionType.FOLLOW_UP,
        status=InteractionStatus.SCHEDULED,
        scheduled_at=at,
        subject=subject,
    )
    person_contact_dates_refresh(person_ids=[person.pk])
    return follow_up


def a_reply(person: Person, user: User, texted_at: dt.datetime, said: str) -> Interaction:
    """A text the club sent, which the person answered an hour later."""
    return interaction_log(
        person=person,
        user=user,
        interaction_type="sms",
        completed_at=texted_at,
        response_received=True,
        response_date=texted_at + dt.timedelta(hours=1),
        response_content=said,
    )


@dataclass
class PreparedDay:
    now: dt.datetime
    user: User
    other: User
    shown: dict[str, set[str]] = field(default_factory=dict)  # section key → first names expected


@pytest.fixture
def prepared_day(staff_user, other_staff_user) -> PreparedDay:
    return prepare_day(staff_user, other_staff_user)


def prepare_day(staff_user: User, other_staff_user: User) -> PreparedDay:
    now = ten_this_morning()
    day = PreparedDay(now=now, user=staff_user, other=other_staff_user)
    me, other = staff_user, other_staff_user
    hours = lambda n: now + dt.timedelta(hours=n)  # noqa: E731

    # Follow-ups: overdue (yesterday's), today's (this afternoon); not tomorrow's, not a colleague's,
    # not a completed one.
    a_follow_up(a_person(me, "Olga"), me, hours(-20), "Yesterday's call")
    a_follow_up(a_person(me, "Tara"), me, hours(4), "This afternoon")
    a_follow_up(a_person(me, "Tomas"), me, hours(30), "Tomorrow")
    a_follow_up(a_person(other, "Colin"), other, hours(-3), "A colleague's")
    done = a_follow_up(a_person(me, "Dora"), me, hours(-5), "Done already")
    Interaction.objects.filter(pk=done.pk).update(status=InteractionStatus.COMPLETED, completed_at=hours(-4))

    # Leads: open without a next step; not one with a step planned, not a won one, not a colleague's.
    a_person(me, "Lena", roles={"lead"})
    planned = a_person(me, "Luis", roles={"lead"})
    a_follow_up(planned, me, hours(50), "Next step")
    won = a_person(me, "Walt", roles={"lead"})
    LeadExtension.objects.filter(person=won).update(lead_status="won")
    a_person(other, "Lars", roles={"lead"})

    # Trials: ending tomorrow; not in five days, not a cancelled one.
    for name, ends, status in (
        ("Tina", 26, "active"),
        ("Tobias", 5 * 24, "active"),
        ("Tess", 20, "cancelled"),
    ):
        trial = a_person(me, name, roles={"lead"})
        a_follow_up(trial, me, hours(200), "Keeps it off the leads section")
        LeadExtension.objects.filter(person=trial).update(trial_status=status, trial_end_date=hours(ends))

    # Referral appointments: today at noon; not tomorrow, not a cancelled one today.
    for name, at, status in (("Ana", 2, "confirmed"), ("Abe", 26, "scheduled"), ("Ada", 3, "cancelled")):
        referral = a_person(me, name, roles={"referral"})
        ReferralExtension.objects.filter(person=referral).update(
            appointment_date=hours(at), appointment_status=status
        )

    # Members: high churn risk; not medium, not a cancelled member at high risk.
    for name, risk, status in (
        ("Mia", "high", "active"),
        ("Max", "medium", "active"),
        ("Mel", "high", "cancelled"),
    ):
        member = a_person(me, name, roles={"member"})
        MemberExtension.objects.filter(person=member).update(churn_risk=risk, membership_status=status)

    # Replies: texted, answered an hour later, nobody back yet; not one answered by a later call.
    a_reply(a_person(me, "Rita"), me, hours(-3), "Can you call me after six?")
    answered = a_person(me, "Rob")
    a_reply(answered, me, hours(-3), "Is the pool open?")
    interaction_log(person=answered, user=me, interaction_type="call", completed_at=hours(-1))

    day.shown = {
        "overdue": {"Olga"},
        "today": {"Tara"},
        "replies": {"Rita"},
        "leads": {"Lena"},
        "trials": {"Tina"},
        "appointments": {"Ana"},
        "churn": {"Mia"},
    }
    return day
