"""The people list: access, columns, every filter, sorting, keyset paging, htmx and query counts."""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
import uuid

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from extensions.services import extension_change_status, person_set_roles
from persons.models import Person
from web.filters import PersonFilter
from web.pagination import InvalidCursor, KeysetOrdering, keyset_paginate
from web.selectors import PERSON_ORDERINGS

pytestmark = pytest.mark.django_db

LIST_URL = "/people/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")


def make_person(
    first: str, last: str = "", *, roles: set[str] = frozenset(), created: dt.datetime | None = None, **fields
) -> Person:
    person = Person.objects.create(first_name=first, last_name=last, **fields)
    if roles:
        person_set_roles(person=person, roles=set(roles), actor=None)
    if created is not None:
        Person.objects.filter(pk=person.pk).update(created_at=created)
        person.created_at = created
    return person


def names(response) -> list[str]:
    return [row.person.full_name for row in response.context["rows"]]


# --- Access ----------------------------------------------------------------------------------------


def test_the_list_lives_at_people_under_the_name_persons_list():
    assert reverse("persons:list") == LIST_URL
    assert reverse("persons:bulk") == "/people/bulk/"


@pytest.mark.django_db
def test_anonymous_is_redirected_to_login(client):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("client_fixture", ["staff_client", "manager_client", "admin_client"])
def test_staff_managers_and_admins_all_see_the_list(request, client_fixture):
    make_person("Ada", "Lovelace")
    client = request.getfixturevalue(client_fixture)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert names(response) == ["Ada Lovelace"]
    assert b"<html" in response.content


# --- Columns ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_row_shows_name_link_roles_statuses_contact_owner_and_contact_dates(staff_client, staff_user):
    now = timezone.now()
    person = make_person(
        "Grace",
        "Hopper",
        roles={"lead", "member"},
        email="grace@example.com",
        phone="(201) 555-0147",
        assigned_to=staff_user,
        last_contacted=at("2026-02-03"),
        next_scheduled_contact=now - dt.timedelta(hours=2),
    )
    extension_change_status(person=person, role="lead", status="qualified", actor=None)

    response = staff_client.get(LIST_URL)

    html = response.content.decode()
    assert f'href="{reverse("persons:detail", args=[person.pk])}"' in html
    assert "Grace Hopper" in html
    assert "badge--lead" in html and "badge--member" in html and "badge--referral" not in html
    assert "Qualified" in html  # lead status
    assert "Pending start" in html  # membership status
    assert "grace@example.com" in html
    assert "(201) 555-0147" in html and 'href="tel:+12015550147"' in html
    assert str(staff_user) in html
    assert "3 Feb 2026" in html
    assert ">Due<" in html


@pytest.mark.django_db
def test_a_dropped_roles_status_is_not_shown(staff_client):
    person = make_person("Kept", "Data", roles={"lead"})
    extension_change_status(person=person, role="lead", status="negotiating", actor=None)
    person_set_roles(person=person, roles=set(), actor=None)

    response = staff_client.get(LIST_URL)

    assert response.context["rows"][0].roles == []
    results = response.content.decode().split('<section id="results"')[1]
    assert "Negotiating" not in results and "badge--lead" not in results


@pytest.mark.django_db
def test_the_list_shows_no_total_count(staff_client):
    for i in range(30):
        make_person(f"P{i:02d}", "Person")

    response = staff_client.get(LIST_URL)

    html = response.content.decode()
    assert "25 on this page, more on the next" in html
    assert "of 30" not in html and "30 people" not in html


# --- Filters ---------------------------------------------------------------------------------------


@pytest.fixture
def cast(staff_user, other_staff_user, manager_user):
    """Five people who differ in every filtered attribute."""
    now = timezone.now()
    lena = make_person(
        "Lena",
        "Lead",
        roles={"lead"},
        assigned_to=staff_user,
        tags=["vip", "morning"],
        interest_level="high",
        acquisition_source="website",
        email_opt_in=True,
        created=at("2026-01-10"),
        last_contacted=at("2026-02-01", 9),
        next_scheduled_contact=now - dt.timedelta(days=1),
    )
    extension_change_status(person=lena, role="lead", status="contacted", actor=None)
    rita = make_person(
        "Rita",
        "Referral",
        roles={"referral"},
        assigned_to=other_staff_user,
        tags=["vip"],
        interest_level="low",
        acquisition_source="referral",
        active_status=False,
        sms_opt_in=True,
        created=at("2026-03-05", 23),
        next_scheduled_contact=now + dt.timedelta(days=3),
    )
    extension_change_status(person=rita, role="referral", status="visited", actor=None)
    mark = make_person(
        "Mark",
        "Member",
        roles={"member"},
        interest_level="medium",
        acquisition_source="walk_in",
        email_opt_in=True,
        sms_opt_in=True,
        created=at("2026-04-20"),
        last_contacted=at("2026-04-25"),
    )
    extension_change_status(person=mark, role="member", status="active", actor=None)
    dora = make_person(
        "Dora", "Dropped", roles={"lead", "member"}, assigned_to=manager_user, created=at("2025-12-01")
    )
    extension_change_status(person=dora, role="lead", status="qualified", actor=None)
    extension_change_status(person=dora, role="member", status="frozen", actor=None)
    person_set_roles(person=dora, roles={"member"}, actor=None)  # the lead data stays behind
    make_person("Nina", "Nobody", created=at("2025-11-01"))
    return {"lena": lena, "rita": rita, "mark": mark, "dora": dora}


EVERYONE = {"Lena Lead", "Rita Referral", "Mark Member", "Dora Dropped", "Nina Nobody"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("role=lead", {"Lena Lead"}),
        ("role=lead&role=member", {"Lena Lead", "Mark Member", "Dora Dropped"}),
        ("role=referral&role=member", {"Rita Referral", "Mark Member", "Dora Dropped"}),
        ("assigned_to=me", {"Lena Lead"}),
        ("assigned_to=unassigned", {"Mark Member", "Nina Nobody"}),
        ("tags=vip", {"Lena Lead", "Rita Referral"}),
        ("tags=vip,morning", {"Lena Lead"}),
        ("tags=+VIP+,+Morning+", {"Lena Lead"}),
        ("tags=morning,nonexistent", set()),
        ("lead_status=contacted", {"Lena Lead"}),
        ("lead_status=qualified", set()),  # Dora's lead data is kept but she is no lead now
        ("referral_status=visited&referral_status=joined", {"Rita Referral"}),
        ("membership_status=active&membership_status=frozen", {"Mark Member", "Dora Dropped"}),
        ("membership_status=frozen", {"Dora Dropped"}),
        ("interest_level=high", {"Lena Lead"}),
        ("interest_level=low&interest_level=medium", {"Rita Referral", "Mark Member"}),
        ("acquisition_source=website&acquisition_source=walk_in", {"Lena Lead", "Mark Member"}),
        ("active=no", {"Rita Referral"}),
        ("active=yes", EVERYONE - {"Rita Referral"}),
        ("email_opt_in=yes", {"Lena Lead", "Mark Member"}),
        ("email_opt_in=no", {"Rita Referral", "Dora Dropped", "Nina Nobody"}),
        ("sms_opt_in=yes", {"Rita Referral", "Mark Member"}),
        ("created_after=2026-03-05", {"Rita Referral", "Mark Member"}),
        ("created_before=2026-03-05", {"Lena Lead", "Rita Referral", "Dora Dropped", "Nina Nobody"}),
        ("created_after=2026-01-01&created_before=2026-03-04", {"Lena Lead"}),
        ("last_contacted_after=2026-02-02", {"Mark Member"}),
        ("last_contacted_before=2026-02-01", {"Lena Lead"}),
        # The last day a date field accepts has no next day to stop before.
        ("created_before=9999-12-31", EVERYONE),
        ("last_contacted_before=9999-12-31", {"Lena Lead", "Mark Member"}),
        ("created_after=0001-01-01&last_contacted_after=0001-01-01", {"Lena Lead", "Mark Member"}),
        ("follow_up_due=on", {"Lena Lead"}),
        ("role=member&assigned_to=unassigned", {"Mark Member"}),
        # What a form submitted without JavaScript sends for untouched fields.
        ("q=&assigned_to=&tags=&active=&email_opt_in=&created_after=&last_contacted_before=", EVERYONE),
    ],
)
def test_each_filter_keeps_exactly_the_matching_people(staff_client, cast, query, expected):
    response = staff_client.get(f"{LIST_URL}?{query}")

    assert response.status_code == 200
    assert set(names(response)) == expected


def test_assigned_to_a_named_user_shows_their_people(staff_client, cast, other_staff_user):
    response = staff_client.get(LIST_URL, {"assigned_to": str(other_staff_user.pk)})

    assert set(names(response)) == {"Rita Referral"}


def test_assigned_to_me_means_the_signed_in_user(manager_client, cast):
    response = manager_client.get(LIST_URL, {"assigned_to": "me"})

    assert set(names(response)) == {"Dora Dropped"}


def test_the_role_filter_says_any_ticked_role_matches(staff_client, cast):
    response = staff_client.get(LIST_URL)

    assert "Shows people who hold any of the ticked roles." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("created_after=2026-13-45", "created_after", "Enter a valid date."),
        ("last_contacted_before=yesterday", "last_contacted_before", "Enter a valid date."),
        ("role=wizard", "role", "Select a valid choice."),
        ("lead_status=dreaming", "lead_status", "Select a valid choice."),
        ("membership_status=gold", "membership_status", "Select a valid choice."),
        ("active=maybe", "active", "Select a valid choice."),
        ("assigned_to=nobody-we-know", "assigned_to", "Select a valid choice."),
        ("created_after=2026-05-01&created_before=2026-04-01", "created_before", "before the"),
    ],
)
def test_invalid_filter_input_shows_the_error_beside_the_field_and_no_list(
    staff_client, cast, query, field, message
):
    response = staff_client.get(f"{LIST_URL}?tags=vip&{query}")

    assert response.status_code == 422
    assert response.context["rows"] == []
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert "Some filters are not valid" in html


def test_assigning_to_an_unknown_user_id_is_an_error_not_an_empty_list(staff_client, cast):
    response = staff_client.get(LIST_URL, {"assigned_to": str(uuid.uuid4())})

    assert response.status_code == 422
    assert 'id="id_assigned_to_error"' in response.content.decode()


def test_invalid_filters_in_an_htmx_request_update_the_errors_out_of_band(staff_client, cast):
    response = staff_client.get(f"{LIST_URL}?created_after=nope", **HTMX)

    assert response.status_code == 422
    html = response.content.decode()
    assert '<div id="filter-fields" hx-swap-oob="innerHTML">' in html
    assert 'id="id_created_after_error"' in html
    assert "<html" not in html


def test_active_filters_are_counted_in_the_panel_summary(staff_client, cast):
    response = staff_client.get(f"{LIST_URL}?role=lead&tags=vip&q=lena")

    assert response.context["filter_count"] == 2
    assert "(2 active)" in response.content.decode()


# --- Sorting ---------------------------------------------------------------------------------------


@pytest.fixture
def sortable_people():
    make_person(
        "Cara",
        "Brown",
        created=at("2026-01-03"),
        last_contacted=at("2026-02-02"),
        next_scheduled_contact=at("2026-12-03"),
    )
    make_person(
        "Abe", "Brown", created=at("2026-01-01"), last_contacted=None, next_scheduled_contact=at("2026-12-01")
    )
    make_person(
        "Zed", "Adams", created=at("2026-01-02"), last_contacted=at("2026-02-03"), next_scheduled_contact=None
    )
    make_person(
        "Moe",
        "Young",
        created=at("2026-01-04"),
        last_contacted=at("2026-02-01"),
        next_scheduled_contact=at("2026-12-02"),
    )


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Zed Adams", "Abe Brown", "Cara Brown", "Moe Young"]),
        ("-name", ["Moe Young", "Cara Brown", "Abe Brown", "Zed Adams"]),
        ("created", ["Abe Brown", "Zed Adams", "Cara Brown", "Moe Young"]),
        ("-created", ["Moe Young", "Cara Brown", "Zed Adams", "Abe Brown"]),
        # Never contacted comes last in both directions.
        ("last_contacted", ["Moe Young", "Cara Brown", "Zed Adams", "Abe Brown"]),
        ("-last_contacted", ["Zed Adams", "Cara Brown", "Moe Young", "Abe Brown"]),
        ("next_contact", ["Abe Brown", "Moe Young", "Cara Brown", "Zed Adams"]),
        ("-next_contact", ["Cara Brown", "Moe Young", "Abe Brown", "Zed Adams"]),
    ],
)
def test_each_sortable_column_sorts_both_ways_with_nulls_last(staff_client, sortable_people, sort, expected):
    response = staff_client.get(LIST_URL, {"sort": sort})

    assert names(response) == expected


def test_the_default_order_is_by_name(staff_client, sortable_people):
    response = staff_client.get(LIST_URL)

    assert names(response) == ["Zed Adams", "Abe Brown", "Cara Brown", "Moe Young"]


def sort_headers(response) -> dict[str, tuple[str, str]]:
    """Each sortable column header of the page: its label → (aria-sort or "", the link)."""
    found = re.findall(
        r'<th scope="col"(?: aria-sort="(\w+)")? class="sortable[^"]*">\s*<a href="([^"]+)"[^>]*>([^<]+)<',
        response.content.decode(),
    )
    return {label: (direction, html.unescape(url)) for direction, url, label in found}


def test_sort_headers_toggle_direction_and_drop_the_cursor(staff_client, sortable_people):
    response = staff_client.get(LIST_URL, {"sort": "name", "active": "yes", "after": "abc"})

    headers = sort_headers(response)
    assert list(headers) == ["Name", "Last contacted", "Next contact", "Added"]
    assert headers["Name"] == ("ascending", f"{LIST_URL}?sort=-name&active=yes")
    assert headers["Added"] == ("", f"{LIST_URL}?sort=created&active=yes")


def test_the_default_order_shows_on_the_name_header_and_a_search_on_none(staff_client, sortable_people):
    assert sort_headers(staff_client.get(LIST_URL, {"tags": ""}))["Name"] == (
        "ascending",
        f"{LIST_URL}?sort=-name",
    )

    searched = sort_headers(staff_client.get(LIST_URL, {"q": "brown"}))
    assert {direction for direction, _ in searched.values()} == {""}
    assert searched["Name"][1] == f"{LIST_URL}?q=brown&sort=name"


def test_sort_headers_after_a_bulk_action_link_to_the_list(staff_client, sortable_people):
    person = Person.objects.get(first_name="Abe")
    response = staff_client.post(
        f"{reverse('persons:bulk')}?sort=-created",
        {"action": "add_tag", "scope": "selected", "ids": [str(person.pk)], "tag": "vip"},
        **HTMX,
    )

    assert response.status_code == 200
    assert sort_headers(response)["Added"] == ("descending", f"{LIST_URL}?sort=created")


def test_an_unknown_sort_falls_back_to_name_with_a_notice(staff_client, sortable_people):
    response = staff_client.get(LIST_URL, {"sort": "salary"})

    assert response.status_code == 200
    assert names(response)[0] == "Zed Adams"
    assert "That sort order is not offered" in response.content.decode()


# --- Keyset paging ---------------------------------------------------------------------------------


@pytest.fixture
def tied_people():
    """23 people whose sort keys tie a lot: 3 surnames, 2 first names, 4 contact times and NULLs."""
    base = at("2026-03-01")
    for i in range(23):
        make_person(
            ["Kim", "Lee"][i % 2],
            ["Park", "Choi", "Kang"][i % 3],
            last_contacted=None if i % 5 == 0 else base + dt.timedelta(hours=i % 4),
            next_scheduled_contact=base if i % 2 else None,
        )


def _walk(client, params: dict, *, forward: bool = True) -> tuple[list[uuid.UUID], list]:
    """Follow Next links to the end (and then Previous links back); the ids in reading order."""
    response = client.get(LIST_URL, params)
    pages = [[row.person.pk for row in response.context["rows"]]]
    while response.context["page"].has_next:
        response = client.get(LIST_URL, {**params, "after": response.context["page"].next_cursor})
        pages.append([row.person.pk for row in response.context["rows"]])
    backwards = [pages[-1]]
    while not forward and response.context["page"].has_previous:
        response = client.get(LIST_URL, {**params, "before": response.context["page"].previous_cursor})
        backwards.append([row.person.pk for row in response.context["rows"]])
    return [pk for page in pages for pk in page], backwards


@pytest.mark.parametrize("sort", sorted(set(PERSON_ORDERINGS) - {"relevance"}))
def test_paging_forwards_and_back_through_ties_skips_and_repeats_nobody(staff_client, tied_people, sort):
    ordering = PERSON_ORDERINGS[sort]
    ids, backwards = _walk(staff_client, {"sort": sort, "per_page": 10}, forward=False)

    assert len(ids) == 23 and len(set(ids)) == 23
    # The walk equals one query of the whole ordering: the key with NULLs last, then the id.
    direction = "desc" if ordering.descending else "asc"
    order = [getattr(F(field), direction)(nulls_last=True) for field in ordering.fields]
    order.append(getattr(F("pk"), direction)())
    assert ids == list(Person.objects.order_by(*order).values_list("pk", flat=True))
    # Previous pages come back as the same pages; the first page is full again.
    assert [pk for page in reversed(backwards) for pk in page] == ids
    assert [len(page) for page in backwards] == [3, 10, 10]


def test_page_size_can_be_10_25_50_or_100_and_defaults_to_25(staff_client):
    for i in range(60):
        make_person(f"P{i:02d}", "Many")

    sizes = {
        size: len(staff_client.get(LIST_URL, {"per_page": size}).context["rows"])
        for size in (10, 25, 50, 100)
    }
    default = staff_client.get(LIST_URL)
    odd = staff_client.get(LIST_URL, {"per_page": 7})

    assert sizes == {10: 10, 25: 25, 50: 50, 100: 60}
    assert len(default.context["rows"]) == 25
    assert len(odd.context["rows"]) == 25
    assert "That page size is not offered" in odd.content.decode()


def test_next_and_previous_links_keep_filters_and_carry_the_cursor(staff_client):
    for i in range(12):
        make_person(f"P{i:02d}", "Tagged", tags=["vip"])

    first = staff_client.get(LIST_URL, {"tags": "vip", "per_page": 10})
    second = staff_client.get(first.context["next_url"])

    assert first.context["prev_url"] == ""
    assert first.context["next_url"].startswith(f"{LIST_URL}?tags=vip&per_page=10&after=")
    assert len(second.context["rows"]) == 2
    assert second.context["prev_url"].startswith(f"{LIST_URL}?tags=vip&per_page=10&before=")
    assert second.context["next_url"] == ""
    back = staff_client.get(second.context["prev_url"])
    assert [r.person.pk for r in back.context["rows"]] == [r.person.pk for r in first.context["rows"]]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJvIjoibmFtZSJ9", "!!!"])
def test_a_broken_page_link_shows_the_first_page_with_a_notice(staff_client, sortable_people, cursor):
    response = staff_client.get(LIST_URL, {"after": cursor})

    assert response.status_code == 200
    assert names(response)[0] == "Zed Adams"
    assert "Showing the first page." in response.content.decode()


def hand_made_cursor(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize("direction", ["after", "before"])
def test_a_page_link_edited_to_hold_a_nul_character_shows_the_first_page_with_a_notice(
    staff_client, sortable_people, direction
):
    cursor = hand_made_cursor({"o": "name", "s": 0, "v": ["Ad\u0000ams", "Zed", str(uuid.uuid4())]})

    response = staff_client.get(LIST_URL, {direction: cursor})

    assert response.status_code == 200
    assert names(response)[0] == "Zed Adams"
    assert "The page link is not valid. Showing the first page." in response.content.decode()


def test_the_keyset_paginator_refuses_a_cursor_holding_a_nul_character():
    cursor = hand_made_cursor({"o": "name", "s": 0, "v": ["Adams", "Z\u0000ed", str(uuid.uuid4())]})

    with pytest.raises(InvalidCursor):
        keyset_paginate(Person.objects.all(), ordering=PERSON_ORDERINGS["name"], per_page=5, after=cursor)


def test_a_cursor_from_another_sort_order_is_refused(staff_client, sortable_people):
    first = staff_client.get(LIST_URL, {"sort": "created", "per_page": 10})
    name_cursor = keyset_paginate(
        Person.objects.all(), ordering=PERSON_ORDERINGS["name"], per_page=1
    ).next_cursor

    response = staff_client.get(LIST_URL, {"sort": "created", "after": name_cursor})

    assert names(response) == names(first)
    assert "another sort order" in response.content.decode()


@pytest.mark.django_db
def test_the_keyset_paginator_pages_any_queryset_and_refuses_bad_cursors():
    for _ in range(7):
        make_person("Same", "Name", created=at("2026-01-01"))
    ordering = KeysetOrdering("created", ("created_at",))
    queryset = Person.objects.all()

    first = keyset_paginate(queryset, ordering=ordering, per_page=3)
    second = keyset_paginate(queryset, ordering=ordering, per_page=3, after=first.next_cursor)
    third = keyset_paginate(queryset, ordering=ordering, per_page=3, after=second.next_cursor)

    ids = [p.pk for page in (first, second, third) for p in page]
    assert ids == sorted(p.pk for p in queryset)
    assert (first.has_previous, first.has_next, third.has_next, len(third)) == (False, True, False, 1)
    with pytest.raises(InvalidCursor):
        keyset_paginate(
            queryset, ordering=KeysetOrdering("other", ("created_at",)), per_page=3, after=first.next_cursor
        )
    with pytest.raises(InvalidCursor):
        keyset_paginate(
            queryset, ordering=ordering, per_page=3, after=first.next_cursor, before=first.next_cursor
        )


def test_keyset_orderings_refuse_nullable_composite_keys():
    with pytest.raises(ValueError):
        KeysetOrdering("bad", ("last_contacted", "created_at"), nullable=True)
    with pytest.raises(ValueError):
        KeysetOrdering("empty", ())


# --- htmx and history ------------------------------------------------------------------------------


def test_an_htmx_request_gets_only_the_results_and_the_out_of_band_parts(staff_client, sortable_people):
    response = staff_client.get(LIST_URL, {"sort": "-name"}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="results"' not in html
    assert "Moe Young" in html
    assert '<div id="filter-fields" hx-swap-oob="innerHTML">' in html
    assert '<input type="hidden" name="sort" value="-name">' in html
    assert 'id="flash"' in html and 'hx-swap-oob="true"' in html
    assert "HX-Request" in response["Vary"]


def test_a_plain_request_gets_the_whole_page_with_htmx_wiring(staff_client, sortable_people):
    response = staff_client.get(LIST_URL)

    html = response.content.decode()
    assert "<html" in html and '<section id="results"' in html
    assert 'hx-push-url="true"' in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'action="/people/"' in html  # the filter form works without JavaScript
    assert "hx-swap-oob" not in html.split('<section id="results"')[1]


def test_a_history_restore_gets_the_whole_page(staff_client, sortable_people):
    response = staff_client.get(LIST_URL, {"sort": "-name"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)

    html = response.content.decode()
    assert "<html" in html and '<section id="results"' in html
    assert names(response)[0] == "Moe Young"


def test_the_search_box_keeps_best_match_unless_a_column_was_chosen(staff_client, sortable_people):
    plain = staff_client.get(LIST_URL).content.decode()
    chosen = staff_client.get(LIST_URL, {"sort": "created", "per_page": 50}).content.decode()

    assert 'name="sort"' not in plain
    assert '<input type="hidden" name="sort" value="created">' in chosen
    assert '<input type="hidden" name="per_page" value="50">' in chosen


# --- Query counts ----------------------------------------------------------------------------------


def _people_with_everything(count: int, owner) -> None:
    for i in range(count):
        person = make_person(
            f"Q{i:03d}",
            "Count",
            roles={"lead", "referral", "member"},
            assigned_to=owner,
            email=f"q{i}@example.com",
            phone="+15550100000",
        )
        extension_change_status(person=person, role="lead", status="contacted", actor=None)


@pytest.mark.parametrize("count", [10, 100])
@pytest.mark.parametrize("sort", ["name", "-last_contacted"])
def test_the_list_makes_the_same_number_of_queries_for_10_and_100_rows(
    staff_client, staff_user, django_assert_max_num_queries, count, sort
):
    _people_with_everything(count, staff_user)

    # session, user, the assignable users, then the page itself (two for a nullable key that
    # runs into its NULL rows).
    with django_assert_max_num_queries(5):
        response = staff_client.get(LIST_URL, {"per_page": 100, "sort": sort, "role": "lead", "tags": ""})

    assert len(response.context["rows"]) == count


def test_the_filterset_needs_no_query_to_build(django_assert_num_queries, rf, staff_user):
    request = rf.get(LIST_URL)
    request.user = staff_user
    with django_assert_num_queries(0):
        PersonFilter(
            {"q": "x"}, queryset=Person.objects.all(), request=request, users=[staff_user]
        ).is_valid()


def test_the_url_pushed_after_an_htmx_filter_leaves_out_the_empty_fields(staff_client):
    response = staff_client.get(
        reverse("persons:list"), {"q": "hopper", "assigned_to": "", "tags": "", "role": "lead"}, **HTMX
    )

    assert response.status_code == 200
    assert response["HX-Push-Url"] == reverse("persons:list") + "?q=hopper&role=lead"


def test_no_filter_asks_the_database_for_distinct_rows(staff_client):
    params = {"interest_level": ["high", "low"], "acquisition_source": ["event"], "role": ["lead"]}
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(reverse("persons:list"), params)
    assert response.status_code == 200
    assert not [q["sql"] for q in captured.captured_queries if "DISTINCT" in q["sql"].upper()]
