"""Logging and changing interactions from the person page: the forms in place, the timeline that
follows, bad input (4xx with a message, nothing written), `next`, the type filter, query counts.

Who may use each URL is walked for every role in tests/test_permissions.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from extensions.services import person_set_roles
from interactions.models import Interaction
from interactions.services import Snooze, interaction_log, interaction_schedule, snooze_until
from messaging.factories import MessageFactory
from persons.factories import PersonFactory
from persons.models import Person
from tests.test_permissions import database_state

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def ahead(**kwargs) -> dt.datetime:
    return timezone.now() + dt.timedelta(**kwargs)


def local_input(when: dt.datetime) -> str:
    """A time as the browser's datetime-local input sends it."""
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def person(staff_user) -> Person:
    return PersonFactory(first_name="Ada", last_name="Lovelace", assigned_to=staff_user)


@pytest.fixture
def follow_up(person, staff_user) -> Interaction:
    return interaction_schedule(
        person=person,
        user=staff_user,
        interaction_type="call",
        subject="Ring about the trial",
        scheduled_at=ahead(days=1),
    )


def new_url(person: Person) -> str:
    return reverse("persons:interaction_new", args=[person.pk])


def url(name: str, interaction: Interaction) -> str:
    return reverse(f"persons:{name}", args=[interaction.person_id, interaction.pk])


def dates_of(person: Person) -> tuple:
    return Person.objects.values_list("last_contacted", "next_scheduled_contact").get(pk=person.pk)


# --- Logging ---------------------------------------------------------------------------------------


def test_the_log_form_opens_in_the_timeline_card_with_the_type_asked_for(staff_client, person):
    response = staff_client.get(f"{new_url(person)}?type=sms", **HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content  # the form alone, for the card
    assert response.context["form"]["interaction_type"].value() == "sms"
    assert b'hx-target="#timeline"' in response.content


def test_logging_a_call_puts_it_on_the_timeline_and_moves_last_contacted(staff_client, person, staff_user):
    data = {
        "kind": "log",
        "interaction_type": "call",
        "subject": "Asked about classes",
        "content": "Wants evening spin.",
        "outcome": "reached",
        "duration_minutes": "7",
        "sentiment": "positive",
        "response_content": "Will come Thursday",
    }
    response = staff_client.post(new_url(person), data, **HTMX)

    assert response.status_code == 200
    call = Interaction.objects.get(person=person)
    assert (call.user, call.outcome, call.duration_minutes, call.response_received) == (
        staff_user,
        "reached",
        7,
        True,
    )
    assert dates_of(person)[0] == call.completed_at
    assert response.context["timeline"].entries[0].item == call
    assert (
        b"Asked about classes" in response.content
        and b"Phone call logged for Ada Lovelace" in response.content
    )


def test_a_log_without_anything_said_is_refused_with_the_typed_values_kept_and_nothing_written(
    staff_client, person
):
    before = database_state()
    response = staff_client.post(
        new_url(person), {"kind": "log", "interaction_type": "visit", "duration_minutes": "12"}, **HTMX
    )
    assert response.status_code == 422
    assert "Say what happened" in response.content.decode()
    assert response.context["form"]["duration_minutes"].value() == "12"
    assert response.context["form"]["interaction_type"].value() == "visit"
    assert database_state() == before


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"interaction_type": "telepathy", "subject": "x"}, "interaction_type", "Select a valid choice"),
        (
            {"interaction_type": "call", "subject": "x", "duration_minutes": "2000"},
            "duration_minutes",
            "less than",
        ),
        (
            {"interaction_type": "call", "subject": "x", "completed_at": "yesterday"},
            "completed_at",
            "valid date",
        ),
        ({"interaction_type": "call", "subject": "x" * 300}, "subject", "at most 255"),
    ],
)
def test_bad_log_input_is_refused_beside_its_field(staff_client, person, data, field, message):
    before = database_state()
    response = staff_client.post(new_url(person), {"kind": "log", **data})
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    assert database_state() == before


def test_a_call_logged_in_the_future_is_refused_by_the_service_beside_the_form(staff_client, person):
    before = database_state()
    data = {
        "kind": "log",
        "interaction_type": "call",
        "subject": "x",
        "completed_at": local_input(ahead(days=2)),
    }
    response = staff_client.post(new_url(person), data, **HTMX)
    assert response.status_code == 422
    assert "schedule it instead" in response.content.decode()
    assert database_state() == before


def test_scheduling_a_follow_up_sets_next_scheduled_contact(staff_client, person):
    when = (timezone.localtime() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    data = {
        "kind": "schedule",
        "interaction_type": "call",
        "scheduled_at": local_input(when),
        "subject": "Check in",
    }
    response = staff_client.post(new_url(person), data)
    assert response.status_code == 303
    assert response["Location"] == reverse("persons:detail", args=[person.pk]) + "#timeline"
    assert dates_of(person)[1] == when


def test_a_follow_up_without_a_time_is_refused(staff_client, person):
    response = staff_client.post(new_url(person), {"kind": "schedule", "interaction_type": "call"})
    assert response.status_code == 422
    assert response.context["form"].errors["scheduled_at"]
    assert not Interaction.objects.exists()


def test_after_saving_the_form_goes_back_to_a_local_next_but_never_elsewhere(staff_client, person):
    data = {"kind": "log", "interaction_type": "call", "subject": "From the board"}
    local = staff_client.post(new_url(person), {**data, "next": "/pipelines/leads/"})
    assert local["Location"] == "/pipelines/leads/"
    elsewhere = staff_client.post(new_url(person), {**data, "next": "https://evil.example/phish"})
    assert elsewhere["Location"] == reverse("persons:detail", args=[person.pk]) + "#timeline"


def test_without_javascript_the_log_form_is_a_page_of_its_own(staff_client, person):
    response = staff_client.get(f"{new_url(person)}?kind=schedule&next=/pipelines/leads/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Schedule a follow-up" in page and 'name="next" value="/pipelines/leads/"' in page
    assert "hx-post" not in page.split('class="form form-grid interaction-form"')[1].split(">")[0]


# --- One entry ---------------------------------------------------------------------------------------


def test_an_entry_opens_in_place_with_its_whole_content_and_actions(staff_client, person, staff_user):
    call = interaction_log(
        person=person, user=staff_user, interaction_type="call", subject="Long one", content="word " * 100
    )
    response = staff_client.get(url("interaction", call), **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("word") == 100  # not truncated
    assert "Edit" in page and "Delete…" in page
    closed = staff_client.get(url("interaction", call) + "?closed=1", **HTMX).content.decode()
    assert "timeline__item--open" not in closed and "Open" in closed


def test_a_message_opens_in_place(staff_client, person):
    message = MessageFactory(recipient=person, subject="Welcome", content="Hello Ada")
    response = staff_client.get(reverse("persons:message", args=[person.pk, message.pk]), **HTMX)
    assert response.status_code == 200
    assert "Hello Ada" in response.content.decode() and person.email in response.content.decode()


def test_another_persons_interaction_is_not_found_under_this_person(staff_client, person, follow_up):
    stranger = PersonFactory()
    response = staff_client.get(reverse("persons:interaction", args=[stranger.pk, follow_up.pk]))
    assert response.status_code == 404


def test_completing_from_the_entry_asks_for_the_outcome(staff_client, person, follow_up):
    form = staff_client.get(url("interaction_complete", follow_up), **HTMX)
    assert form.status_code == 200 and 'name="outcome"' in form.content.decode()

    refused = staff_client.post(url("interaction_complete", follow_up), {"notes": "n"}, **HTMX)
    assert refused.status_code == 422 and "Say what came of it" in refused.content.decode()
    assert Interaction.objects.get(pk=follow_up.pk).status == "scheduled"

    done = staff_client.post(url("interaction_complete", follow_up), {"outcome": "booked"}, **HTMX)
    assert done.status_code == 200 and "Phone call completed" in done.content.decode()
    assert Interaction.objects.get(pk=follow_up.pk).status == "completed"
    assert dates_of(person) == (Interaction.objects.get(pk=follow_up.pk).completed_at, None)


def test_completing_twice_is_refused_with_a_message(staff_client, person, follow_up):
    staff_client.post(url("interaction_complete", follow_up), {"outcome": "booked"})
    again = staff_client.post(url("interaction_complete", follow_up), {"outcome": "reached"}, **HTMX)
    assert again.status_code == 422 and "already completed" in again.content.decode()
    assert Interaction.objects.get(pk=follow_up.pk).outcome == "booked"


def test_snoozing_until_tomorrow_moves_the_follow_up_and_says_until_when(staff_client, person, follow_up):
    response = staff_client.post(url("interaction_snooze", follow_up), {"until": "tomorrow"}, **HTMX)
    assert response.status_code == 200
    moved = Interaction.objects.get(pk=follow_up.pk).scheduled_at
    assert moved == snooze_until(Snooze.TOMORROW)
    assert "snoozed until" in response.content.decode()
    assert dates_of(person)[1] == moved


def test_a_bad_snooze_is_refused_with_a_message_and_changes_nothing(staff_client, person, follow_up):
    before = database_state()
    response = staff_client.post(url("interaction_snooze", follow_up), {"until": "forever"}, **HTMX)
    assert response.status_code == 422 and "Choose how long to snooze" in response.content.decode()
    assert database_state() == before


def test_rescheduling_into_the_past_is_refused_beside_the_field(staff_client, person, follow_up):
    past = local_input(timezone.now() - dt.timedelta(days=1))
    response = staff_client.post(url("interaction_reschedule", follow_up), {"scheduled_at": past}, **HTMX)
    assert response.status_code == 422 and "must be in the future" in response.content.decode()
    assert Interaction.objects.get(pk=follow_up.pk).scheduled_at == follow_up.scheduled_at


def test_cancelling_clears_next_scheduled_contact(staff_client, person, follow_up):
    response = staff_client.post(url("interaction_cancel", follow_up))
    assert response.status_code == 303
    assert Interaction.objects.get(pk=follow_up.pk).status == "cancelled"
    assert dates_of(person)[1] is None


def test_editing_keeps_the_typed_values_on_a_refusal_and_saves_a_correction(staff_client, person, staff_user):
    call = interaction_log(person=person, user=staff_user, interaction_type="call", subject="Typo")
    bad = staff_client.post(
        url("interaction_edit", call),
        {
            "interaction_type": "call",
            "subject": "Fixed",
            "duration_minutes": "-4",
            "completed_at": local_input(call.completed_at),
        },
        **HTMX,
    )
    assert bad.status_code == 422 and bad.context["form"]["subject"].value() == "Fixed"
    assert Interaction.objects.get(pk=call.pk).subject == "Typo"
    good = staff_client.post(
        url("interaction_edit", call),
        {"interaction_type": "call", "subject": "Fixed", "completed_at": local_input(call.completed_at)},
        **HTMX,
    )
    assert good.status_code == 200 and Interaction.objects.get(pk=call.pk).subject == "Fixed"


def test_deleting_asks_first_then_removes_the_entry_and_corrects_the_dates(staff_client, person, staff_user):
    call = interaction_log(person=person, user=staff_user, interaction_type="call", subject="Wrong person")
    confirm = staff_client.get(url("interaction_delete", call), **HTMX)
    assert "cannot be undone" in confirm.content.decode()
    assert Interaction.objects.filter(pk=call.pk).exists()
    response = staff_client.post(url("interaction_delete", call), **HTMX)
    assert response.status_code == 200 and "Phone call deleted" in response.content.decode()
    assert not Interaction.objects.filter(pk=call.pk).exists()
    assert dates_of(person) == (None, None)


def test_a_colleagues_entry_about_someone_else_cannot_be_changed_by_staff(staff_client, other_staff_user):
    theirs = PersonFactory(assigned_to=other_staff_user)
    call = interaction_log(person=theirs, user=other_staff_user, interaction_type="call", subject="Theirs")
    before = database_state()
    assert staff_client.post(url("interaction_delete", call)).status_code == 403
    assert staff_client.post(url("interaction_edit", call), {"subject": "Mine"}).status_code == 403
    assert database_state() == before
    opened = staff_client.get(url("interaction", call), **HTMX).content.decode()
    assert "Delete…" not in opened and "Theirs" in opened  # seen, not changeable


# --- The timeline ------------------------------------------------------------------------------------


def test_the_timeline_filters_by_type_and_to_messages_only(staff_client, person, staff_user):
    interaction_log(person=person, user=staff_user, interaction_type="call", subject="A call")
    interaction_log(person=person, user=staff_user, interaction_type="visit", subject="A visit")
    MessageFactory(recipient=person, subject="An email")
    timeline = reverse("persons:timeline", args=[person.pk])

    calls = staff_client.get(f"{timeline}?type=call", **HTMX)
    assert [e.item.subject for e in calls.context["timeline"].entries] == ["A call"]
    sent = staff_client.get(f"{timeline}?type=messages", **HTMX)
    assert [e.item.subject for e in sent.context["timeline"].entries] == ["An email"]
    page = staff_client.get(reverse("persons:detail", args=[person.pk]) + "?type=visit")
    assert [e.item.subject for e in page.context["timeline"].entries] == ["A visit"]


def test_an_unknown_timeline_type_is_a_400_with_a_message(staff_client, person):
    response = staff_client.get(reverse("persons:detail", args=[person.pk]) + "?type=telepathy")
    assert response.status_code == 400 and b"not valid" in response.content


def test_older_pages_of_a_filtered_timeline_keep_the_filter(staff_client, person, staff_user):
    for i in range(25):
        interaction_log(person=person, user=staff_user, interaction_type="call", subject=f"Call {i}")
    interaction_log(person=person, user=staff_user, interaction_type="visit", subject="Visit")
    first = staff_client.get(reverse("persons:timeline", args=[person.pk]) + "?type=call", **HTMX)
    assert "type=call" in first.context["timeline_older_url"]
    older = staff_client.get(first.context["timeline_older_url"], **HTMX)
    assert {e.item.interaction_type for e in older.context["timeline"].entries} == {"call"}
    assert len(older.context["timeline"].entries) == 5


def test_logging_and_filtering_ask_a_bounded_number_of_queries_however_long_the_history(
    staff_client, person, staff_user, django_assert_max_num_queries
):
    for i in range(60):
        interaction_log(person=person, user=staff_user, interaction_type="call", subject=f"Call {i}")
    for _ in range(10):
        MessageFactory(recipient=person)
    data = {"kind": "log", "interaction_type": "note", "subject": "Quick note"}
    with django_assert_max_num_queries(14):
        staff_client.post(new_url(person), data, **HTMX)
    with django_assert_max_num_queries(6):
        staff_client.get(reverse("persons:timeline", args=[person.pk]) + "?type=call", **HTMX)
    follow_up = interaction_schedule(
        person=person, user=staff_user, interaction_type="call", scheduled_at=ahead(days=1)
    )
    with django_assert_max_num_queries(14):
        staff_client.post(url("interaction_complete", follow_up), {"outcome": "reached"}, **HTMX)


def test_a_board_card_links_to_the_log_form_which_comes_back_to_the_board(staff_client, person):
    person_set_roles(person=person, roles={"lead"}, actor=None)
    board = staff_client.get(reverse("pipelines:board", args=["leads"]) + "?assigned=everyone")
    log_url = next(
        card.log_url
        for column in board.context["columns"]
        for card in column.cards
        if card.row.pk == person.pk
    )
    assert log_url.startswith(new_url(person)) and "next=%2Fpipelines%2Fleads%2F" in log_url
    assert log_url in board.content.decode().replace("&amp;", "&")
    saved = staff_client.post(
        new_url(person),
        {
            "kind": "log",
            "interaction_type": "call",
            "subject": "From the card",
            "next": "/pipelines/leads/?assigned=everyone",
        },
    )
    assert saved["Location"] == "/pipelines/leads/?assigned=everyone"
