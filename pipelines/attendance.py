"""Members at the club: check-ins with their attendance streak, and the nightly churn risk.

A streak counts consecutive club days with a check-in: a day the club is closed (a weekday in
settings.CLUB_CLOSED_WEEKDAYS, or a ClubClosedDay) neither breaks it nor adds to it, and a second
check-in on the same day adds to check_in_count only.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import connection, transaction
from django.utils import timezone

from extensions.choices import MembershipStatus
from extensions.models import MemberExtension
from orca.db import CLOCK_SKEW
from orca.users.models import User
from persons.models import Person
from persons.permissions import can_view_person, require
from persons.services import person_lock

from .models import ClubClosedDay

# Members let in at the desk: a past-due member still trains while the payment is chased.
CHECK_IN_STATUSES = (MembershipStatus.ACTIVE, MembershipStatus.PAST_DUE)
# How far back a streak looks for the previous club day (a long closure, e.g. a refit).
_CLOSURE_HORIZON = 60


def previous_club_day(day: dt.date) -> dt.date:
    """The last day before `day` that the club was open."""
    earliest = day - dt.timedelta(days=_CLOSURE_HORIZON)
    closed = set(
        ClubClosedDay.objects.filter(date__gte=earliest, date__lt=day).values_list("date", flat=True)
    )
    candidate = day - dt.timedelta(days=1)
    while candidate > earliest and (
        candidate.weekday() in settings.CLUB_CLOSED_WEEKDAYS or candidate in closed
    ):
        candidate -= dt.timedelta(days=1)
    return candidate


def _class_name(value: str) -> str:
    name = " ".join(value.split())
    if len(name) > 200:
        raise ValidationError({"class_name": "A class name has at most 200 characters."})
    ProhibitNullCharactersValidator()(name)
    return name


@transaction.atomic
def member_check_in(
    *, person: Person, actor: User, at: dt.datetime | None = None, class_name: str = ""
) -> MemberExtension:
    """Record that the member came in (to a class, if named): count, last check-in, streak, classes.

    Any signed-in staff member may check anyone in: the front desk greets every member, not only
    their own. Check-ins are recorded in order; one dated before the last is refused.
    """
    locked = person_lock(person)
    require(can_view_person(actor, locked), "Sign in to record check-ins.")
    if not locked.is_member:
        raise ValidationError(f"{locked.full_name} is not a member; only members check in.")
    member = MemberExtension.objects.select_for_update().get(person=locked)
    if member.membership_status not in CHECK_IN_STATUSES:
        raise ValidationError(
            f"{locked.full_name}'s membership is {member.get_membership_status_display().lower()}; "
            "only active and past-due members check in."
        )
    now = timezone.now()
    at = at or now
    if at > now + CLOCK_SKEW:
        raise ValidationError("A check-in cannot be in the future.")
    if member.last_check_in and at < member.last_check_in:
        last = timezone.localtime(member.last_check_in)
        raise ValidationError(
            f"{locked.full_name} last checked in at {last:%Y-%m-%d %H:%M}; "
            "a check-in cannot be dated before that."
        )
    name = _class_name(class_name)
    day = timezone.localdate(at)
    last_day = timezone.localdate(member.last_check_in) if member.last_check_in else None
    if last_day == day:
        member.attendance_streak = max(member.attendance_streak, 1)
    # On or after the previous club day: a visit on a closed day in between (let in on a holiday,
    # or a closure recorded afterwards) must not break the streak of someone who came every day.
    elif last_day is not None and last_day >= previous_club_day(day):
        member.attendance_streak += 1
    else:
        member.attendance_streak = 1
    member.check_in_count += 1
    member.last_check_in = at
    if name and name not in member.classes_attended:
        member.classes_attended = [*member.classes_attended, name]
    member.save()
    return member


# Churn risk, from attendance, payment and satisfaction. High: a payment overdue or failed, no
# visit in 21 days, or satisfaction under 40. Medium: no visit in 10 days, a payment pending, or
# satisfaction under 60. The reason names what counted, worst first ("no visit in 23 days").
# Only active and past-due members are scored: a frozen member is away by agreement, a cancelled
# one has already gone. Rows are written only when risk or reason change, and updated_at is left
# alone: a nightly score is not an edit, and must not make a board's open card look changed
# (updated_at is the version a move is checked against).
HIGH_DAYS, MEDIUM_DAYS = 21, 10
_CHURN_SQL = """
WITH scored AS (
    SELECT m.id,
           floor(extract(epoch FROM %(as_of)s::timestamptz
                 - COALESCE(m.last_check_in, m.join_date, m.created_at)) / 86400)::int AS idle,
           m.payment_status AS payment,
           m.satisfaction_score AS satisfaction,
           m.last_check_in IS NULL AS never
    FROM member_extensions m
    JOIN persons p ON p.id = m.person_id
    WHERE p.is_member AND m.membership_status IN ('active', 'past_due')
), reasons AS (
    SELECT id,
           concat_ws('; ',
               CASE WHEN payment IN ('overdue', 'failed') THEN 'payment ' || payment END,
               CASE WHEN idle >= %(high_days)s THEN
                   CASE WHEN never THEN 'no visit since joining ' || idle || ' days ago'
                        ELSE 'no visit in ' || idle || ' days' END END,
               CASE WHEN satisfaction < 40 THEN 'satisfaction ' || satisfaction || '/100' END
           ) AS high,
           concat_ws('; ',
               CASE WHEN idle >= %(medium_days)s THEN
                   CASE WHEN never THEN 'no visit since joining ' || idle || ' days ago'
                        ELSE 'no visit in ' || idle || ' days' END END,
               CASE WHEN payment = 'pending' THEN 'payment pending' END,
               CASE WHEN satisfaction < 60 THEN 'satisfaction ' || satisfaction || '/100' END
           ) AS medium
    FROM scored
), risk AS (
    SELECT id,
           CASE WHEN high <> '' THEN 'high' WHEN medium <> '' THEN 'medium' ELSE 'low' END AS risk,
           CASE WHEN high <> '' THEN high WHEN medium <> '' THEN medium ELSE '' END AS reason
    FROM reasons
)
UPDATE member_extensions m
SET churn_risk = risk.risk, churn_reason = risk.reason
FROM risk
WHERE m.id = risk.id AND (m.churn_risk, m.churn_reason) IS DISTINCT FROM (risk.risk, risk.reason)
"""


def churn_risk_refresh(*, as_of: dt.datetime | None = None) -> int:
    """Score every active and past-due member in one statement; the number of members changed."""
    with connection.cursor() as cursor:
        cursor.execute(
            _CHURN_SQL,
            {"as_of": as_of or timezone.now(), "high_days": HIGH_DAYS, "medium_days": MEDIUM_DAYS},
        )
        return cursor.rowcount
