"""Members at the club: check-ins and their streak over closed days, and the nightly churn risk."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from extensions.factories import RolePersonFactory
from extensions.models import MemberExtension
from extensions.services import extension_change_status, person_set_roles
from persons.models import Person
from pipelines.attendance import churn_risk_refresh, member_check_in
from pipelines.models import ClubClosedDay
from pipelines.tasks import churn_risk_refresh as churn_risk_refresh_task

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def a_monday_weeks_ago() -> dt.date:
    day = timezone.localdate() - dt.timedelta(weeks=5)
    return day - dt.timedelta(days=day.weekday())


MONDAY = a_monday_weeks_ago()


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def on(weekday_offset: int, hour: int = 10) -> dt.datetime:
    """A time on the day `weekday_offset` days after MONDAY (5 = its Saturday, 7 = the next Monday)."""
    return at(MONDAY + dt.timedelta(days=weekday_offset), hour)


def member(status: str = "active", *, since: dt.datetime | None = None) -> Person:
    """A member who joined two months ago (or `since`) and is now in `status`."""
    since = since or timezone.now() - dt.timedelta(days=60)
    person = RolePersonFactory(member=True, roles_at=since)
    if status != "pending":
        extension_change_status(person=person, role="member", status="active", actor=None, at=since)
    if status not in ("pending", "active"):
        extension_change_status(person=person, role="member", status=status, actor=None, at=since + DAY)
    return person


def check_in(person: Person, when: dt.datetime, actor, class_name: str = "") -> MemberExtension:
    return member_check_in(person=person, actor=actor, at=when, class_name=class_name)


def attendance(person: Person) -> tuple:
    row = MemberExtension.objects.get(person=person)
    return row.attendance_streak, row.check_in_count


def row(person: Person) -> dict:
    return MemberExtension.objects.filter(person=person).values().get()


# --- The streak -------------------------------------------------------------------------------------


def test_a_first_check_in_starts_a_streak_of_one(staff_user):
    person = member()
    checked_in = check_in(person, on(0), staff_user)
    assert (checked_in.attendance_streak, checked_in.check_in_count, checked_in.last_check_in) == (
        1,
        1,
        on(0),
    )
    assert attendance(person) == (1, 1)


def test_check_ins_on_consecutive_days_add_to_the_streak(staff_user):
    person = member()
    for offset in range(3):
        check_in(person, on(offset), staff_user)
    assert attendance(person) == (3, 3)


def test_a_second_check_in_on_the_same_day_counts_but_keeps_the_streak(staff_user):
    person = member()
    check_in(person, on(0), staff_user)
    check_in(person, on(1, 7), staff_user)
    check_in(person, on(1, 19), staff_user)
    assert attendance(person) == (2, 3)
    assert MemberExtension.objects.get(person=person).last_check_in == on(1, 19)


def test_two_check_ins_on_a_first_day_make_a_streak_of_one(staff_user):
    person = member()
    check_in(person, on(0, 8), staff_user)
    check_in(person, on(0, 8), staff_user)
    assert attendance(person) == (1, 2)


def test_a_day_the_club_was_open_without_a_visit_resets_the_streak(staff_user):
    person = member()
    check_in(person, on(0), staff_user)
    check_in(person, on(1), staff_user)
    check_in(person, on(3), staff_user)
    assert attendance(person) == (1, 3)


def test_a_weekend_is_a_gap_when_the_club_opens_every_day(settings, staff_user):
    settings.CLUB_CLOSED_WEEKDAYS = frozenset()
    person = member()
    check_in(person, on(5), staff_user)
    check_in(person, on(7), staff_user)
    assert attendance(person) == (1, 2)


def test_a_weekday_the_club_is_closed_does_not_break_the_streak(settings, staff_user):
    settings.CLUB_CLOSED_WEEKDAYS = frozenset({6})  # closed on Sundays
    person = member()
    check_in(person, on(5), staff_user)
    check_in(person, on(7), staff_user)
    assert attendance(person) == (2, 2)


def test_a_closed_weekday_does_not_excuse_an_open_day_missed_before_it(settings, staff_user):
    settings.CLUB_CLOSED_WEEKDAYS = frozenset({6})
    person = member()
    check_in(person, on(4), staff_user)  # Friday; Saturday is open and missed
    check_in(person, on(7), staff_user)
    assert attendance(person) == (1, 2)


def test_a_holiday_the_club_is_closed_does_not_break_the_streak(settings, staff_user):
    settings.CLUB_CLOSED_WEEKDAYS = frozenset()
    ClubClosedDay.objects.create(date=MONDAY + DAY, reason="Independence Day")
    person = member()
    check_in(person, on(0), staff_user)
    check_in(person, on(2), staff_user)
    assert attendance(person) == (2, 2)


def test_closed_weekdays_and_holidays_next_to_each_other_are_skipped_together(settings, staff_user):
    settings.CLUB_CLOSED_WEEKDAYS = frozenset({6})
    ClubClosedDay.objects.create(date=MONDAY + 7 * DAY, reason="Memorial Day")
    person = member()
    check_in(person, on(5), staff_user)  # Saturday; Sunday closed weekly, Monday a holiday
    check_in(person, on(8), staff_user)
    assert attendance(person) == (2, 2)


def test_a_visit_on_a_day_the_club_counts_as_closed_does_not_break_the_streak(settings, staff_user):
    # A holiday entered after the fact, or the desk letting someone in on a closed Sunday: the
    # member came three days running, and Monday must not start their streak again.
    settings.CLUB_CLOSED_WEEKDAYS = frozenset({6})
    person = member()
    check_in(person, on(5), staff_user)
    check_in(person, on(6), staff_user)
    check_in(person, on(7), staff_user)
    assert attendance(person) == (3, 3)


def test_a_streak_restarts_after_a_long_absence(staff_user):
    person = member()
    check_in(person, on(0), staff_user)
    check_in(person, on(1), staff_user)
    check_in(person, on(20), staff_user)
    assert attendance(person) == (1, 3)


# --- Classes ----------------------------------------------------------------------------------------


def test_a_class_is_recorded_once_however_often_the_member_attends_it(staff_user):
    person = member()
    check_in(person, on(0), staff_user, "Spin")
    check_in(person, on(1), staff_user, "  Yoga   Flow ")
    check_in(person, on(2), staff_user, "Spin")
    check_in(person, on(3), staff_user)
    member_row = MemberExtension.objects.get(person=person)
    assert member_row.classes_attended == ["Spin", "Yoga Flow"]
    assert member_row.check_in_count == 4


# --- Check-ins refused ------------------------------------------------------------------------------


def test_someone_who_is_not_a_member_cannot_check_in(staff_user):
    lead = RolePersonFactory(lead=True)
    with pytest.raises(ValidationError, match="not a member"):
        check_in(lead, on(0), staff_user)
    assert not MemberExtension.objects.filter(person=lead).exists()


def test_a_former_member_cannot_check_in(staff_user):
    person = member()
    person_set_roles(person=person, roles=set(), actor=None)
    before = row(person)
    with pytest.raises(ValidationError, match="not a member"):
        check_in(person, on(0), staff_user)
    assert row(person) == before


@pytest.mark.parametrize("status", ["pending", "frozen", "cancelled", "expired"])
def test_a_member_whose_membership_is_not_running_cannot_check_in(status, staff_user):
    person = member(status)
    before = row(person)
    with pytest.raises(ValidationError, match="only active and past-due members check in"):
        check_in(person, on(0), staff_user)
    assert row(person) == before


def test_a_past_due_member_still_checks_in(staff_user):
    person = member("past_due")
    check_in(person, on(0), staff_user)
    assert attendance(person) == (1, 1)


def test_a_check_in_cannot_be_in_the_future(staff_user):
    person = member()
    before = row(person)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        check_in(person, timezone.now() + dt.timedelta(hours=1), staff_user)
    assert row(person) == before


def test_a_check_in_cannot_be_dated_before_the_last_one(staff_user):
    person = member()
    check_in(person, on(1), staff_user)
    before = row(person)
    with pytest.raises(ValidationError, match="a check-in cannot be dated before that"):
        check_in(person, on(0), staff_user)
    assert row(person) == before


@pytest.mark.parametrize(
    ("class_name", "message"),
    [("Spin\x00", "Null characters are not allowed."), ("x" * 201, "at most 200 characters")],
    ids=["NUL byte", "too long"],
)
def test_a_class_name_the_database_would_not_keep_is_refused(class_name, message, staff_user):
    person = member()
    before = row(person)
    with pytest.raises(ValidationError, match=message):
        check_in(person, on(0), staff_user, class_name)
    assert row(person) == before


def test_a_signed_out_user_cannot_check_anyone_in():
    person = member()
    before = row(person)
    with pytest.raises(PermissionDenied):
        check_in(person, on(0), AnonymousUser())
    assert row(person) == before


def test_staff_check_in_members_assigned_to_other_staff(staff_user, other_staff_user):
    person = member()
    Person.objects.filter(pk=person.pk).update(assigned_to=other_staff_user)
    check_in(person, on(0), staff_user)
    assert attendance(person) == (1, 1)


# --- Churn risk -------------------------------------------------------------------------------------

AS_OF = timezone.now().replace(microsecond=0)


def scored_member(status: str = "active", *, idle_days: int | None = 1, **fields) -> Person:
    """A member last seen `idle_days` before AS_OF (never, if None: joined 30 days before it)."""
    person = member(status, since=AS_OF - dt.timedelta(days=90))
    MemberExtension.objects.filter(person=person).update(
        last_check_in=None if idle_days is None else AS_OF - dt.timedelta(days=idle_days),
        join_date=AS_OF - dt.timedelta(days=30),
        **{"payment_status": "current", "satisfaction_score": 80, **fields},
    )
    return person


def churn(person: Person) -> tuple[str, str]:
    found = MemberExtension.objects.get(person=person)
    return found.churn_risk, found.churn_reason


@pytest.fixture
def members() -> dict[str, Person]:
    return {
        "away 23 days": scored_member(idle_days=23),
        "payment failed": scored_member(payment_status="failed"),
        "unhappy": scored_member(satisfaction_score=30),
        "overdue and away": scored_member("past_due", idle_days=25, payment_status="overdue"),
        "never came": scored_member(idle_days=None),
        "away 12 days": scored_member(idle_days=12),
        "payment pending": scored_member(payment_status="pending"),
        "lukewarm": scored_member(satisfaction_score=55),
        "no score": scored_member(satisfaction_score=None),
        "regular": scored_member(),
        "away 9 days": scored_member(idle_days=9),
        "frozen": scored_member("frozen", idle_days=40, churn_risk="medium", churn_reason="kept"),
        "cancelled": scored_member(
            "cancelled", idle_days=40, payment_status="failed", churn_risk="low", churn_reason=""
        ),
    }


EXPECTED = {
    "away 23 days": ("high", "no visit in 23 days"),
    "payment failed": ("high", "payment failed"),
    "unhappy": ("high", "satisfaction 30/100"),
    "overdue and away": ("high", "payment overdue; no visit in 25 days"),
    "never came": ("high", "no visit since joining 30 days ago"),
    "away 12 days": ("medium", "no visit in 12 days"),
    "payment pending": ("medium", "payment pending"),
    "lukewarm": ("medium", "satisfaction 55/100"),
    "no score": ("low", ""),
    "regular": ("low", ""),
    "away 9 days": ("low", ""),
    "frozen": ("medium", "kept"),
    "cancelled": ("low", ""),
}


def test_churn_risk_is_high_medium_or_low_with_the_reason_that_counted(members):
    changed = churn_risk_refresh(as_of=AS_OF)
    assert {name: churn(person) for name, person in members.items()} == EXPECTED
    # Those already low with no reason (the default) were left as they were.
    assert changed == 8


def test_frozen_and_cancelled_members_are_not_scored(members):
    before = {name: row(members[name]) for name in ("frozen", "cancelled")}
    churn_risk_refresh(as_of=AS_OF)
    assert {name: row(members[name]) for name in ("frozen", "cancelled")} == before


def test_a_former_member_is_not_scored():
    person = scored_member(idle_days=40)
    person_set_roles(person=person, roles=set(), actor=None)
    churn_risk_refresh(as_of=AS_OF)
    assert churn(person) == ("low", "")


def test_a_member_who_became_well_again_is_scored_low_with_no_reason():
    person = scored_member(idle_days=30, churn_risk="high", churn_reason="no visit in 29 days")
    MemberExtension.objects.filter(person=person).update(last_check_in=AS_OF - DAY)
    assert churn_risk_refresh(as_of=AS_OF) == 1
    assert churn(person) == ("low", "")


def test_scoring_twice_at_the_same_time_gives_the_same_result_and_changes_nothing_the_second_time(members):
    churn_risk_refresh(as_of=AS_OF)
    first = {name: row(person) for name, person in members.items()}

    assert churn_risk_refresh(as_of=AS_OF) == 0

    assert {name: row(person) for name, person in members.items()} == first


def test_scoring_does_not_make_an_open_card_look_edited(members):
    before = {name: row(person)["updated_at"] for name, person in members.items()}
    churn_risk_refresh(as_of=AS_OF)
    assert {name: row(person)["updated_at"] for name, person in members.items()} == before


def test_the_reason_follows_the_days_as_they_pass():
    person = scored_member(idle_days=23)
    churn_risk_refresh(as_of=AS_OF)
    assert churn_risk_refresh(as_of=AS_OF + DAY) == 1
    assert churn(person) == ("high", "no visit in 24 days")


def test_the_nightly_task_scores_members_as_of_now():
    away = RolePersonFactory(member=True, roles_at=timezone.now() - dt.timedelta(days=90))
    extension_change_status(person=away, role="member", status="active", actor=None)
    MemberExtension.objects.filter(person=away).update(
        last_check_in=timezone.now() - dt.timedelta(days=30, hours=1), satisfaction_score=None
    )

    changed = churn_risk_refresh_task.apply().get()

    assert changed == 1
    assert churn(away) == ("high", "no visit in 30 days")
    assert churn_risk_refresh_task.apply().get() == 0


def test_beat_runs_the_churn_job_every_night():
    from celery.schedules import crontab
    from django.conf import settings

    from orca.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["churn-risk-nightly"]
    assert isinstance(entry["schedule"], crontab)
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
