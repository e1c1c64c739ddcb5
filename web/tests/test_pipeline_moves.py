"""Moving cards on a pipeline board, checking members in, appointment files: every answer a user can get."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from extensions.factories import LeadExtensionFactory, MemberExtensionFactory, ReferralExtensionFactory
from extensions.models import LeadExtension, MemberExtension, ReferralExtension
from persons.factories import PersonFactory
from pipelines.calendar import appointment_uid
from pipelines.rules import LEADS, REFERRALS
from pipelines.services import MoveDetails, pipeline_move
from relationships.services import referral_record

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def move_url(person, pipeline: str = "leads", query: str = "") -> str:
    url = reverse("pipelines:move", args=[pipeline, person.pk])
    return f"{url}?{query}" if query else url


def a_lead(owner, statuses=()) -> LeadExtension:
    return LeadExtensionFactory(
        person=PersonFactory(assigned_to=owner), statuses=[(s, None) for s in statuses]
    )


def version(extension) -> str:
    return extension.updated_at.isoformat()


def snapshot(extension) -> tuple:
    fresh = type(extension).objects.get(pk=extension.pk)
    return (fresh.updated_at, list(fresh.status_history))


# --- Moves with htmx (the board's script) -------------------------------------------------------


def test_a_move_answers_with_the_card_in_its_new_stage_and_every_count(staff_client, staff_user):
    lead = a_lead(staff_user)
    a_lead(staff_user)
    response = staff_client.post(move_url(lead.person), {"to": "contacted", "version": version(lead)}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="card-{lead.person_id}"' in body and 'data-status="contacted"' in body
    assert 'id="count-new" aria-label="1 cards" hx-swap-oob="true">1<' in body
    assert 'id="count-contacted" aria-label="1 cards" hx-swap-oob="true">1<' in body
    assert "moved to Contacted" in body
    moved = LeadExtension.objects.get(pk=lead.pk)
    assert moved.lead_status == "contacted"
    assert [entry["status"] for entry in moved.status_history] == ["new", "contacted"]
    assert moved.status_history[-1]["by"] == str(staff_user.pk)
    assert "new" in moved.stage_duration_days


def test_counts_after_a_move_follow_the_boards_filters(staff_client, staff_user, other_staff_user):
    lead = a_lead(staff_user)
    a_lead(other_staff_user)
    mine = staff_client.post(move_url(lead.person), {"to": "contacted", "version": version(lead)}, **HTMX)
    assert 'id="count-new" aria-label="0 cards"' in mine.content.decode()
    lead = a_lead(staff_user)
    everyone = staff_client.post(
        move_url(lead.person, query="assigned=everyone"),
        {"to": "contacted", "version": version(lead)},
        **HTMX,
    )
    assert 'id="count-new" aria-label="1 cards"' in everyone.content.decode()


def test_a_move_that_needs_details_opens_the_dialog_and_writes_nothing(staff_client, staff_user):
    lead = a_lead(staff_user, ["contacted"])
    before = snapshot(lead)
    response = staff_client.post(move_url(lead.person), {"to": "lost", "version": version(lead)}, **HTMX)
    assert response.status_code == 422
    assert response["X-Orca-Dialog"] == "move"
    body = response.content.decode()
    assert 'name="reason"' in body and "data-dialog-form" in body
    assert "errorlist" not in body  # the first drop sent no details: the dialog asks, nothing was wrong
    assert snapshot(lead) == before


def test_details_sent_but_not_enough_are_shown_with_their_error(staff_client, staff_user):
    lead = a_lead(staff_user, ["contacted"])
    before = snapshot(lead)
    data = {"to": "trial", "version": version(lead), "end_date": "2026-01-01T10:00"}
    response = staff_client.post(move_url(lead.person), data, **HTMX)
    assert response.status_code == 422 and "Choose the day the trial starts." in response.content.decode()
    assert snapshot(lead) == before


def test_the_dialog_sent_with_its_details_makes_the_move(staff_client, staff_user):
    lead = a_lead(staff_user, ["contacted"])
    data = {"to": "lost", "version": version(lead), "reason": "Chose another club"}
    response = staff_client.post(move_url(lead.person), data, **HTMX)
    assert response.status_code == 200
    lost = LeadExtension.objects.get(pk=lead.pk)
    assert (lost.lead_status, lost.lost_reason, lost.conversion_probability) == (
        "lost",
        "Chose another club",
        0,
    )


def test_a_refused_move_says_why_and_writes_nothing(staff_client, staff_user):
    lead = a_lead(staff_user)
    before = snapshot(lead)
    response = staff_client.post(move_url(lead.person), {"to": "won", "version": version(lead)}, **HTMX)
    assert response.status_code == 422
    assert response["HX-Reswap"] == "none"
    assert "cannot move to Won" in response.content.decode()
    assert snapshot(lead) == before


def test_a_card_moved_by_someone_else_meanwhile_is_refused_with_409(staff_client, staff_user, manager_user):
    lead = a_lead(staff_user)
    loaded = version(lead)
    pipeline_move(pipeline=LEADS, person=lead.person, status="qualified", actor=manager_user)
    before = snapshot(lead)
    response = staff_client.post(move_url(lead.person), {"to": "contacted", "version": loaded}, **HTMX)
    assert response.status_code == 409 and response["X-Orca-Card"] == "current"
    body = response.content.decode()
    assert "changed by someone else" in body and "now in Qualified" in body
    assert 'data-status="qualified"' in body  # the card as it is now, for the board to show
    assert snapshot(lead) == before


def test_staff_cannot_move_a_card_of_someone_elses_person(staff_client, other_staff_user):
    lead = a_lead(other_staff_user)
    before = snapshot(lead)
    response = staff_client.post(move_url(lead.person), {"to": "contacted", "version": version(lead)}, **HTMX)
    assert response.status_code == 403
    assert "assigned to you or unassigned" in response.content.decode()
    assert (
        staff_client.post(move_url(lead.person), {"to": "contacted", "version": version(lead)}).status_code
        == 403
    )
    assert snapshot(lead) == before


def test_a_manager_may_move_anyones_card(manager_client, other_staff_user):
    lead = a_lead(other_staff_user)
    response = manager_client.post(
        move_url(lead.person), {"to": "contacted", "version": version(lead)}, **HTMX
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "data, message",
    [
        ({"to": "promoted"}, "is not a stage here"),
        ({"to": "contacted", "version": ""}, "missing its version"),
        ({"to": "contacted", "version": "yesterday"}, "version is not valid"),
        ({"to": "lost", "reason": "x" * 201}, "at most 200 characters"),
        ({"to": "lost", "reason": "bad\x00"}, "Null characters are not allowed"),
    ],
)
def test_bad_input_answers_422_with_a_message_and_writes_nothing(staff_client, staff_user, data, message):
    lead = a_lead(staff_user)
    before = snapshot(lead)
    response = staff_client.post(move_url(lead.person), {"version": version(lead), **data}, **HTMX)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert snapshot(lead) == before


def test_a_person_who_is_not_in_the_pipeline_or_does_not_exist_is_not_found(staff_client, staff_user):
    member = MemberExtensionFactory(person=PersonFactory(assigned_to=staff_user))
    assert staff_client.post(move_url(member.person), {"to": "contacted"}, **HTMX).status_code == 404
    missing = reverse("pipelines:move", args=["leads", "00000000-0000-0000-0000-000000000000"])
    assert staff_client.get(missing).status_code == 404
    assert (
        staff_client.get(reverse("pipelines:move", args=["prospects", member.person_id])).status_code == 404
    )


# --- Moves without JavaScript -------------------------------------------------------------------


def test_without_javascript_move_to_opens_a_page_asking_for_what_the_move_needs(staff_client, staff_user):
    lead = a_lead(staff_user, ["contacted"])
    response = staff_client.get(move_url(lead.person) + "?to=tour_scheduled")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Tour date and time" in body and 'name="date"' in body and 'name="reason"' not in body


def test_without_javascript_the_move_page_posts_and_returns_to_the_board(staff_client, staff_user):
    lead = a_lead(staff_user)
    board = reverse("pipelines:board", args=["leads"]) + "?temperature=hot"
    response = staff_client.post(
        move_url(lead.person), {"to": "contacted", "version": version(lead), "next": board}
    )
    assert response.status_code == 303 and response["Location"] == board
    assert LeadExtension.objects.get(pk=lead.pk).lead_status == "contacted"


def test_the_move_page_never_sends_the_user_to_another_site(staff_client, staff_user):
    lead = a_lead(staff_user)
    data = {"to": "contacted", "version": version(lead), "next": "https://evil.example/"}
    response = staff_client.post(move_url(lead.person), data)
    assert response["Location"] == reverse("pipelines:board", args=["leads"])


def test_without_javascript_a_refused_move_shows_the_page_again_with_the_reason(staff_client, staff_user):
    lead = a_lead(staff_user, ["contacted"])
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    before = snapshot(lead)
    # The page's form, as a browser posts it: the date field is there, empty.
    data = {"to": "tour_scheduled", "version": version(lead), "date": "", "note": ""}
    response = staff_client.post(move_url(lead.person), data)
    assert response.status_code == 422 and "Choose when the tour is." in response.content.decode()
    assert snapshot(lead) == before
    data = {"to": "tour_scheduled", "version": version(lead), "date": future}
    assert staff_client.post(move_url(lead.person), data).status_code == 303
    booked = LeadExtension.objects.get(pk=lead.pk)
    assert booked.lead_status == "tour_scheduled" and booked.visit_date is not None


def test_winning_a_lead_from_the_board_makes_them_a_member(staff_client, staff_user):
    lead = a_lead(staff_user, ["contacted", "qualified"])
    data = {"to": "won", "version": version(lead), "membership_type": "premium"}
    response = staff_client.post(move_url(lead.person), data, **HTMX)
    assert response.status_code == 200
    member = MemberExtension.objects.get(person=lead.person)
    assert (member.membership_type, member.membership_status) == ("premium", "active")
    assert LeadExtension.objects.get(pk=lead.pk).lead_status == "won"


# --- Check-ins ---------------------------------------------------------------------------------------


def active_member(owner=None) -> MemberExtension:
    return MemberExtensionFactory(person=PersonFactory(assigned_to=owner), statuses=[("active", None)])


def test_a_check_in_from_the_member_card_answers_with_the_updated_card(staff_client, other_staff_user):
    member = active_member(other_staff_user)
    MemberExtension.objects.filter(pk=member.pk).update(
        check_in_count=3, last_check_in=None, classes_attended=[]
    )
    url = reverse("pipelines:check_in", args=[member.person_id])
    response = staff_client.post(url, {"class_name": "Spin"}, **HTMX)
    assert response.status_code == 200
    assert f'id="card-{member.person_id}"' in response.content.decode()
    checked = MemberExtension.objects.get(pk=member.pk)
    assert (checked.check_in_count, checked.attendance_streak, checked.classes_attended) == (4, 1, ["Spin"])


def test_a_check_in_from_the_person_page_returns_there(staff_client):
    member = active_member()
    detail = reverse("persons:detail", args=[member.person_id])
    response = staff_client.post(reverse("pipelines:check_in", args=[member.person_id]), {"next": detail})
    assert response.status_code == 303 and response["Location"] == detail
    assert "Record check-in" in staff_client.get(detail).content.decode()


def test_a_frozen_member_cannot_check_in_and_nothing_is_written(staff_client):
    member = MemberExtensionFactory(statuses=[("active", None), ("frozen", None)])
    before = snapshot(member)
    response = staff_client.post(reverse("pipelines:check_in", args=[member.person_id]), **HTMX)
    assert response.status_code == 422 and "frozen" in response.content.decode()
    assert snapshot(member) == before


def test_someone_who_is_not_a_member_cannot_be_checked_in(staff_client):
    lead = a_lead(None)
    assert staff_client.post(reverse("pipelines:check_in", args=[lead.person_id])).status_code == 404


# --- Appointment files --------------------------------------------------------------------------------


def test_a_booked_appointment_downloads_as_an_ics_that_parses_back(staff_client, staff_user, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    referral = ReferralExtensionFactory(person=PersonFactory(assigned_to=staff_user, first_name="Rita"))
    referrer = PersonFactory(first_name="Max", last_name="Referrer")
    referral_record(
        referrer=referrer,
        referred=referral.person,
        actor=None,
        attribution_percentage=100,
        is_primary_referrer=True,
    )
    when = timezone.now().replace(microsecond=0, second=0) + dt.timedelta(days=3)
    pipeline_move(
        pipeline=REFERRALS,
        person=referral.person,
        status="appointment_booked",
        actor=staff_user,
        details=MoveDetails(date=when),
    )
    response = staff_client.get(reverse("pipelines:appointment_ics", args=[referral.person_id]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    booked = ReferralExtension.objects.get(pk=referral.pk)
    assert str(event["UID"]) == appointment_uid(booked)
    start = event.decoded("DTSTART")
    assert start == when and start.tzinfo == zoneinfo.ZoneInfo("Europe/Amsterdam")
    assert "Rita" in str(event["SUMMARY"]) and "Max Referrer" in str(event["DESCRIPTION"])
    assert calendar.walk("VTIMEZONE"), "the club's time zone travels with the event"
    again = icalendar.Calendar.from_ical(
        staff_client.get(reverse("pipelines:appointment_ics", args=[referral.person_id])).content
    )
    assert str(again.walk("VEVENT")[0]["UID"]) == str(event["UID"])
    assert settings.TIME_ZONE == "Europe/Amsterdam"


def test_a_referral_without_an_appointment_has_no_ics(staff_client):
    referral = ReferralExtensionFactory()
    assert (
        staff_client.get(reverse("pipelines:appointment_ics", args=[referral.person_id])).status_code == 404
    )
