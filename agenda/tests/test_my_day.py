"""What My day lists for a user: every kind of row, and nothing that is not theirs or not due."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from agenda.selectors import SECTION_KEYS, Day, my_day
from interactions.services import interaction_log

from .conftest import a_follow_up, a_person

pytestmark = pytest.mark.django_db


def names(sections) -> dict[str, set[str]]:
    return {section.key: {row.person.first_name for row in section.rows} for section in sections}


def test_a_prepared_day_shows_one_row_of_every_kind_and_none_of_the_near_misses(prepared_day):
    sections = my_day(user=prepared_day.user, now=prepared_day.now)

    assert [section.key for section in sections] == list(SECTION_KEYS)
    assert names(sections) == prepared_day.shown
    assert {section.key: section.count for section in sections} == {key: 1 for key in SECTION_KEYS}


def test_a_colleagues_day_holds_only_their_own_rows(prepared_day):
    sections = my_day(user=prepared_day.other, now=prepared_day.now)

    assert names(sections)["overdue"] == {"Colin"}
    assert names(sections)["leads"] == {"Lars"}
    assert all(not section.rows for section in sections if section.key not in ("overdue", "leads"))


def test_a_follow_up_row_carries_the_follow_up_and_a_reply_row_the_reply(prepared_day):
    sections = {section.key: section for section in my_day(user=prepared_day.user, now=prepared_day.now)}

    (overdue,) = sections["overdue"].rows
    (reply,) = sections["replies"].rows
    assert overdue.follow_up.subject == "Yesterday's call" and overdue.reply is None
    assert reply.reply.response_content == "Can you call me after six?" and reply.follow_up is None


def test_a_section_shows_its_first_rows_and_counts_them_all(staff_user):
    now = timezone.now()
    for hour in range(1, 6):
        a_follow_up(a_person(staff_user, f"Late{hour}"), staff_user, now - dt.timedelta(hours=hour), "Late")

    overdue = my_day(user=staff_user, now=now, rows=3)[0]

    assert overdue.count == 5 and len(overdue.rows) == 3 and overdue.more == 2
    # The longest overdue first.
    assert [row.person.first_name for row in overdue.rows] == ["Late5", "Late4", "Late3"]


def test_answering_a_reply_takes_it_off_the_day(prepared_day):
    from persons.models import Person

    rita = Person.objects.get(first_name="Rita")
    interaction_log(person=rita, user=prepared_day.user, interaction_type="call")

    sections = my_day(user=prepared_day.user, now=timezone.now())

    assert "Rita" not in names(sections)["replies"]


def test_the_day_takes_the_same_number_of_queries_for_one_row_or_many(
    staff_user, django_assert_max_num_queries
):
    now = timezone.now()
    a_follow_up(a_person(staff_user, "One"), staff_user, now - dt.timedelta(hours=1), "One")
    with django_assert_max_num_queries(8) as one:
        my_day(user=staff_user, now=now)
    for index in range(20):
        person = a_person(staff_user, f"Many{index}", roles={"lead", "member"})
        a_follow_up(person, staff_user, now - dt.timedelta(hours=2 + index), "Many")
    with django_assert_max_num_queries(8) as many:
        my_day(user=staff_user, now=now)

    assert len(many.captured_queries) == len(one.captured_queries)


def test_the_day_ends_at_local_midnight_even_on_the_night_the_clocks_change(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    timezone.activate("Europe/Berlin")
    try:
        # 2026-10-25: the clocks go back, the day is 25 hours long.
        noon = timezone.make_aware(dt.datetime(2026, 10, 25, 12))
        day = Day.of(noon)
    finally:
        timezone.deactivate()

    # Aware datetimes of one zone subtract as wall clocks; timestamps count the real hours.
    assert day.end.timestamp() - day.start.timestamp() == 25 * 3600
    assert (day.start.hour, day.end.hour, day.end.day) == (0, 0, 26)
