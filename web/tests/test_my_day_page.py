"""The My day page: whose day, the rows' in-place actions, bad input, and its query count."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from agenda.tests.conftest import a_follow_up, a_person, prepare_day
from interactions.models import Interaction, InteractionStatus

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
MY_DAY = reverse("my_day:day")


def day_of(user) -> str:
    return reverse("my_day:user_day", args=[user.pk])


@pytest.fixture
def overdue(staff_user):
    person = a_person(staff_user, "Olga")
    return a_follow_up(person, staff_user, timezone.now() - dt.timedelta(hours=3), "Promised a call back")


def action_url(name: str, follow_up: Interaction) -> str:
    return reverse(f"persons:{name}", args=[follow_up.person_id, follow_up.pk])


def test_my_day_shows_each_section_with_its_count_and_the_rows_actions(staff_client, overdue):
    html = staff_client.get(MY_DAY).content.decode()

    assert "Overdue follow-ups" in html and "Members at high churn risk" in html
    assert "Olga Day" in html and "Promised a call back" in html
    assert action_url("interaction_complete", overdue) in html
    assert action_url("interaction_snooze", overdue) in html
    assert f'name="next" value="{MY_DAY}"' in html
    assert reverse("persons:interaction_new", args=[overdue.person_id]) + "?type=call" in html


def test_completing_a_row_in_place_answers_with_the_day_without_it(staff_client, overdue):
    response = staff_client.post(
        action_url("interaction_complete", overdue),
        {"outcome": "reached", "next": MY_DAY},
        follow=True,
        **HTMX,
    )

    assert response.redirect_chain == [(MY_DAY, 303)]
    html = response.content.decode()
    assert 'id="day"' in html and "<html" not in html
    assert "Olga Day" not in html and "Nothing overdue." in html
    assert "completed" in html  # the flash message, swapped in out of band
    overdue.refresh_from_db()
    assert overdue.status == InteractionStatus.COMPLETED and overdue.outcome == "reached"


def test_snoozing_a_row_until_tomorrow_moves_it_off_today(staff_client, overdue):
    response = staff_client.post(
        action_url("interaction_snooze", overdue), {"until": "tomorrow", "next": MY_DAY}, follow=True, **HTMX
    )

    assert "Olga Day" not in response.content.decode()
    overdue.refresh_from_db()
    assert timezone.localtime(overdue.scheduled_at).date() == timezone.localdate() + dt.timedelta(days=1)


def test_completing_without_an_outcome_keeps_the_day_as_it_is_says_why_and_writes_nothing(
    staff_client, overdue
):
    response = staff_client.post(action_url("interaction_complete", overdue), {"next": MY_DAY}, **HTMX)

    assert response.status_code == 422
    assert response["HX-Reswap"] == "none"
    assert "Outcome: Say what came of it." in response.content.decode()
    overdue.refresh_from_db()
    assert overdue.status == InteractionStatus.SCHEDULED


def test_a_bad_snooze_choice_from_my_day_is_refused_with_a_message(staff_client, overdue):
    response = staff_client.post(
        action_url("interaction_snooze", overdue), {"until": "never", "next": MY_DAY}, **HTMX
    )

    assert response.status_code == 422 and response["HX-Reswap"] == "none"
    assert "Choose how long to snooze." in response.content.decode()
    before = overdue.scheduled_at
    overdue.refresh_from_db()
    assert overdue.scheduled_at == before


def test_without_javascript_an_action_returns_to_my_day(staff_client, overdue):
    response = staff_client.post(
        action_url("interaction_complete", overdue), {"outcome": "booked", "next": MY_DAY}
    )

    assert response.status_code == 303 and response["Location"] == MY_DAY


def test_a_manager_looks_at_a_colleagues_day_and_may_act_on_it(manager_client, staff_user, overdue):
    html = manager_client.get(day_of(staff_user)).content.decode()

    assert f"{staff_user}'s day" in html and "Olga Day" in html
    assert action_url("interaction_complete", overdue) in html
    assert f'name="next" value="{day_of(staff_user)}"' in html


def test_a_managers_picker_goes_to_the_chosen_colleagues_day(manager_client, staff_user):
    response = manager_client.get(MY_DAY, {"user": str(staff_user.pk)})

    assert response.status_code == 303 and response["Location"] == day_of(staff_user)


def test_staff_are_refused_a_colleagues_day(staff_client, other_staff_user):
    response = staff_client.get(day_of(other_staff_user))

    assert response.status_code == 403


def test_staff_see_no_picker_and_a_manager_does(client, staff_user, manager_user):
    client.force_login(staff_user)
    assert 'name="user"' not in client.get(MY_DAY).content.decode()
    client.force_login(manager_user)
    assert 'name="user"' in client.get(MY_DAY).content.decode()


def test_a_picker_value_that_is_no_id_is_a_400_with_a_message(manager_client):
    response = manager_client.get(MY_DAY, {"user": "nobody"})

    assert response.status_code == 400
    assert "There is no such colleague" in response.content.decode()


def test_an_unknown_colleague_is_not_found(manager_client):
    assert manager_client.get(reverse("my_day:user_day", args=[uuid.uuid4()])).status_code == 404


def test_the_page_takes_the_same_queries_for_one_row_or_many(
    staff_client, staff_user, django_assert_max_num_queries
):
    now = timezone.now()
    a_follow_up(a_person(staff_user, "One"), staff_user, now - dt.timedelta(hours=1), "One")
    with django_assert_max_num_queries(14) as one:
        staff_client.get(MY_DAY)
    for index in range(15):
        person = a_person(staff_user, f"Many{index}", roles={"lead", "member", "referral"})
        a_follow_up(person, staff_user, now - dt.timedelta(hours=2 + index), "Many")
    with django_assert_max_num_queries(14) as many:
        staff_client.get(MY_DAY)

    assert len(many.captured_queries) == len(one.captured_queries)


def test_the_morning_summary_can_be_turned_off_and_on_in_the_users_settings(staff_client, staff_user):
    settings_url = reverse("account:settings")
    assert "checked" in staff_client.get(settings_url).content.decode()

    response = staff_client.post(settings_url, {})

    assert response.status_code == 303
    staff_user.refresh_from_db()
    assert staff_user.settings["morning_summary"] is False
    assert (
        "checked"
        not in staff_client.get(settings_url).content.decode().split('name="morning_summary"')[1][:40]
    )
    staff_client.post(settings_url, {"morning_summary": "on"})
    staff_user.refresh_from_db()
    assert staff_user.settings["morning_summary"] is True


def test_a_row_of_every_kind_renders_without_a_query_per_row(
    client, staff_user, other_staff_user, django_assert_max_num_queries
):
    day = prepare_day(staff_user, other_staff_user)
    client.force_login(staff_user)
    with django_assert_max_num_queries(14):
        html = client.get(MY_DAY).content.decode()

    # The prepared day is a week ago; the page is today: the rows that do not depend on the hour.
    for key in ("overdue", "replies", "leads", "churn"):
        (name,) = day.shown[key]
        assert f"{name} Day" in html, key
    assert "Can you call me after six?" in html and "last check-in" in html
