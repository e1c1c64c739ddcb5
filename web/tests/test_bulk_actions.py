"""Bulk actions on the people list: on ticked rows or on everyone matching the filters."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from persons.models import Person

pytestmark = pytest.mark.django_db

BULK_URL = "/people/bulk/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def make_person(first: str, last: str = "Bulk", **fields) -> Person:
    return Person.objects.create(first_name=first, last_name=last, **fields)


def snapshot() -> dict:
    """Every person's bulk-editable columns, to show that a refused action wrote nothing."""
    return {
        pk: (assigned, tuple(tags), until, updated)
        for pk, assigned, tags, until, updated in Person.objects.values_list(
            "pk", "assigned_to", "tags", "do_not_contact_until", "updated_at"
        )
    }


@pytest.fixture
def mine(staff_user):
    return [
        make_person("Mina", assigned_to=staff_user, tags=["vip"]),
        make_person("Milo", assigned_to=staff_user),
    ]


@pytest.fixture
def free():
    return [make_person("Una", tags=["vip", "trial"]), make_person("Ugo")]


@pytest.fixture
def theirs(other_staff_user):
    return [make_person("Theo", assigned_to=other_staff_user, tags=["vip"])]


def ids(*people: Person) -> list[str]:
    return [str(p.pk) for p in people]


# --- Each action on ticked rows --------------------------------------------------------------------


def test_staff_tag_their_own_and_unassigned_people(staff_client, mine, free, theirs):
    response = staff_client.post(
        BULK_URL, {"action": "add_tag", "scope": "selected", "ids": ids(*mine, *free), "tag": " Morning "}
    )

    assert response.status_code == 303
    for person in [*mine, *free]:
        person.refresh_from_db()
        assert "morning" in person.tags
    theirs[0].refresh_from_db()
    assert "morning" not in theirs[0].tags


def test_adding_a_tag_someone_already_has_does_not_repeat_it(staff_client, mine):
    staff_client.post(BULK_URL, {"action": "add_tag", "scope": "selected", "ids": ids(*mine), "tag": "vip"})

    mine[0].refresh_from_db()
    assert mine[0].tags == ["vip"]


def test_staff_remove_a_tag(staff_client, mine, free):
    staff_client.post(
        BULK_URL, {"action": "remove_tag", "scope": "selected", "ids": ids(mine[0], free[0]), "tag": "VIP"}
    )

    mine[0].refresh_from_db()
    free[0].refresh_from_db()
    assert mine[0].tags == [] and free[0].tags == ["trial"]


def test_staff_assign_unassigned_people_to_themselves(staff_client, staff_user, free):
    staff_client.post(
        BULK_URL, {"action": "assign", "scope": "selected", "ids": ids(*free), "assignee": str(staff_user.pk)}
    )

    assert set(Person.objects.filter(pk__in=ids(*free)).values_list("assigned_to", flat=True)) == {
        staff_user.pk
    }


def test_assigning_to_nobody_unassigns(staff_client, mine):
    staff_client.post(
        BULK_URL, {"action": "assign", "scope": "selected", "ids": ids(*mine), "assignee": "unassigned"}
    )

    assert list(Person.objects.filter(pk__in=ids(*mine)).values_list("assigned_to", flat=True)) == [
        None,
        None,
    ]


def test_do_not_contact_until_is_set_from_the_start_of_that_day_and_can_be_cleared(staff_client, mine):
    day = timezone.localdate() + dt.timedelta(days=45)
    staff_client.post(
        BULK_URL,
        {"action": "set_do_not_contact", "scope": "selected", "ids": ids(*mine), "until": day.isoformat()},
    )

    mine[0].refresh_from_db()
    assert mine[0].do_not_contact_until == dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)

    staff_client.post(BULK_URL, {"action": "clear_do_not_contact", "scope": "selected", "ids": ids(*mine)})

    mine[0].refresh_from_db()
    assert mine[0].do_not_contact_until is None


def test_managers_reassign_anyones_people(manager_client, manager_user, mine, theirs):
    response = manager_client.post(
        BULK_URL,
        {
            "action": "assign",
            "scope": "selected",
            "ids": ids(*mine, *theirs),
            "assignee": str(manager_user.pk),
        },
    )

    assert response.status_code == 303
    assert set(Person.objects.values_list("assigned_to", flat=True)) == {manager_user.pk}


# --- Everyone matching the filters ------------------------------------------------------------------


def test_everyone_matching_the_filters_is_changed_and_nobody_else(manager_client, mine, free, theirs):
    response = manager_client.post(
        f"{BULK_URL}?tags=vip&sort=-name&per_page=10",
        {"action": "add_tag", "scope": "matching", "tag": "gala"},
    )

    assert response.status_code == 303
    tagged = set(Person.objects.filter(tags__contains=["gala"]).values_list("first_name", flat=True))
    assert tagged == {"Mina", "Una", "Theo"}


def test_everyone_matching_a_search_is_changed(manager_client, mine, free, theirs):
    manager_client.post(f"{BULK_URL}?q=mina", {"action": "add_tag", "scope": "matching", "tag": "found"})

    assert list(Person.objects.filter(tags__contains=["found"]).values_list("first_name", flat=True)) == [
        "Mina"
    ]


def test_everyone_matching_ignores_ticked_rows_outside_the_filter(manager_client, mine, free):
    manager_client.post(
        f"{BULK_URL}?tags=trial", {"action": "add_tag", "scope": "matching", "tag": "x", "ids": ids(*mine)}
    )

    assert list(Person.objects.filter(tags__contains=["x"]).values_list("first_name", flat=True)) == ["Una"]


def test_everyone_matching_with_invalid_filters_writes_nothing(manager_client, mine, free):
    before = snapshot()

    response = manager_client.post(
        f"{BULK_URL}?created_after=someday", {"action": "add_tag", "scope": "matching", "tag": "x"}
    )

    assert response.status_code == 422
    assert "filters are not valid" in response.content.decode()
    assert snapshot() == before


# --- Responses ---------------------------------------------------------------------------------------


def test_a_plain_post_redirects_back_to_the_same_filtered_list_with_a_message(staff_client, mine):
    response = staff_client.post(
        f"{BULK_URL}?tags=vip&sort=-created&after=abc",
        {"action": "add_tag", "scope": "selected", "ids": ids(*mine), "tag": "new"},
    )

    assert response.status_code == 303
    assert response["Location"] == "/people/?tags=vip&sort=-created&after=abc"
    page = staff_client.get(response["Location"])
    assert "Tag “new” added to 2 people who did not have it yet." in page.content.decode()


def test_an_htmx_post_returns_the_refreshed_results_and_the_flash_out_of_band(staff_client, mine):
    response = staff_client.post(
        f"{BULK_URL}?sort=name",
        {"action": "add_tag", "scope": "selected", "ids": ids(*mine), "tag": "htmx"},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'name="ids"' in html  # the results table, ready for the next action
    assert '<div id="flash" class="flash" role="status" aria-live="polite" hx-swap-oob="true">' in html
    assert "Tag “htmx” added to 2 people who did not have it yet." in html
    # Links in the refreshed results point at the list, not at the bulk URL.
    assert 'href="/people/?sort=-name"' in html
    assert 'action="/people/bulk/?sort=name"' in html


# --- Permissions ----------------------------------------------------------------------------------


def test_staff_cannot_reassign_another_staff_members_person(staff_client, staff_user, mine, theirs):
    before = snapshot()

    response = staff_client.post(
        BULK_URL,
        {"action": "assign", "scope": "selected", "ids": ids(*mine, *theirs), "assignee": str(staff_user.pk)},
    )

    assert response.status_code == 403
    assert "only a manager can change them" in response.content.decode()
    assert snapshot() == before


def test_staff_cannot_tag_everyone_matching_when_that_includes_others_people(staff_client, mine, theirs):
    before = snapshot()

    response = staff_client.post(
        f"{BULK_URL}?tags=vip", {"action": "add_tag", "scope": "matching", "tag": "x"}, **HTMX
    )

    assert response.status_code == 403
    assert response["HX-Reswap"] == "none"
    assert "only a manager can change them" in response.content.decode()
    assert snapshot() == before


def test_anonymous_bulk_posts_are_sent_to_sign_in_and_write_nothing(client, mine):
    before = snapshot()

    response = client.post(
        BULK_URL, {"action": "add_tag", "scope": "selected", "ids": ids(*mine), "tag": "x"}
    )

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert snapshot() == before


def test_bulk_actions_need_a_csrf_token(staff_user, mine):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    before = snapshot()

    response = client.post(
        BULK_URL, {"action": "add_tag", "scope": "selected", "ids": ids(*mine), "tag": "x"}
    )

    assert response.status_code == 403
    assert snapshot() == before


def test_bulk_actions_are_post_only(staff_client):
    assert staff_client.get(BULK_URL).status_code == 405


# --- Bad input writes nothing --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "add_tag", "scope": "selected", "tag": "x"}, "No rows are ticked"),
        ({"action": "add_tag", "scope": "selected", "ids": "MINE", "tag": "   "}, "Type the tag"),
        ({"action": "add_tag", "scope": "selected", "ids": "MINE", "tag": "x" * 51}, "at most 50 characters"),
        (
            {"action": "set_do_not_contact", "scope": "selected", "ids": "MINE", "until": "2027-02-30"},
            "Enter a valid date.",
        ),
        ({"action": "set_do_not_contact", "scope": "selected", "ids": "MINE"}, "Choose the date"),
        (
            {"action": "set_do_not_contact", "scope": "selected", "ids": "MINE", "until": "0001-01-01"},
            "Choose a date in the future, or clear it.",
        ),
        (
            {
                "action": "set_do_not_contact",
                "scope": "selected",
                "ids": "MINE",
                "until": str(timezone.localdate()),
            },
            "Choose a date in the future, or clear it.",
        ),
        (
            {"action": "assign", "scope": "selected", "ids": "MINE", "assignee": str(uuid.uuid4())},
            "That user does not exist",
        ),
        ({"action": "assign", "scope": "selected", "ids": "MINE"}, "Choose whom to assign"),
        (
            {"action": "delete_everyone", "scope": "selected", "ids": "MINE"},
            "is not an action this list offers",
        ),
        ({"scope": "selected", "ids": "MINE", "tag": "x"}, "Choose an action."),
        ({"action": "add_tag", "scope": "everything", "ids": "MINE", "tag": "x"}, "Select a valid choice."),
        ({"action": "add_tag", "scope": "selected", "ids": ["not-a-uuid"], "tag": "x"}, "not a person"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_input_is_refused_with_a_clear_message_and_writes_nothing(
    staff_client, mine, data, message, htmx
):
    data = {key: (ids(*mine) if value == "MINE" else value) for key, value in data.items()}
    before = snapshot()

    response = staff_client.post(f"{BULK_URL}?tags=vip", data, **(HTMX if htmx else {}))

    assert response.status_code == 422
    assert message in response.content.decode()
    assert snapshot() == before
    if htmx:
        assert response["HX-Reswap"] == "none"
        assert 'hx-swap-oob="true"' in response.content.decode()
    else:
        assert "<html" in response.content.decode() and 'name="ids"' in response.content.decode()


def test_more_than_a_pages_worth_of_ticked_rows_is_refused(staff_client):
    response = staff_client.post(
        BULK_URL,
        {
            "action": "add_tag",
            "scope": "selected",
            "ids": [str(uuid.uuid4()) for _ in range(101)],
            "tag": "x",
        },
    )

    assert response.status_code == 422
    assert "Select at most 100 rows" in response.content.decode()


def test_ticked_rows_that_no_longer_exist_are_simply_not_counted(staff_client, mine):
    response = staff_client.post(
        BULK_URL,
        {"action": "add_tag", "scope": "selected", "ids": [*ids(mine[1]), str(uuid.uuid4())], "tag": "x"},
        **HTMX,
    )

    assert "Tag “x” added to 1 person who did not have it yet." in response.content.decode()


def test_a_bulk_action_touches_updated_at(staff_client, mine):
    stamp = timezone.now() - dt.timedelta(days=1)
    Person.objects.filter(pk=mine[1].pk).update(updated_at=stamp)

    staff_client.post(BULK_URL, {"action": "add_tag", "scope": "selected", "ids": ids(mine[1]), "tag": "x"})

    mine[1].refresh_from_db()
    assert mine[1].updated_at > stamp


@pytest.mark.parametrize("name", ["created_before", "last_contacted_before"])
def test_everyone_matching_a_filter_up_to_the_last_possible_day_is_changed(manager_client, mine, free, name):
    Person.objects.filter(pk=mine[0].pk).update(last_contacted=timezone.now())

    response = manager_client.post(
        f"{BULK_URL}?{name}=9999-12-31", {"action": "add_tag", "scope": "matching", "tag": "far"}
    )

    assert response.status_code == 303
    tagged = set(Person.objects.filter(tags__contains=["far"]).values_list("first_name", flat=True))
    # Nobody was ever contacted but Mina; everyone was added before the end of 9999.
    assert tagged == ({"Mina"} if name == "last_contacted_before" else {"Mina", "Milo", "Una", "Ugo"})
