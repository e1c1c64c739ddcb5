"""The people list's search box on the page: errors, filters, sort orders and paging with a search.

What the search finds is the selector's business (persons/tests/test_search.py); this is the list
around it, and the sort orders' indexes the list pages through.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from extensions.services import person_set_roles
from persons.models import Person
from persons.selectors import person_search
from web.pagination import keyset_paginate
from web.selectors import PERSON_ORDERINGS, person_list_ordering, person_list_queryset

pytestmark = pytest.mark.django_db

LIST_URL = "/people/"


def make_person(first: str, last: str = "", **fields) -> Person:
    return Person.objects.create(first_name=first, last_name=last, **fields)


def found(client, query: str, **params) -> list[str]:
    response = client.get(LIST_URL, {"q": query, **params})
    assert response.status_code == 200
    return [row.person.full_name for row in response.context["rows"]]


@pytest.fixture
def people():
    make_person("John", "Smith", email="john.smith@example.com", phone="+15550104477")
    make_person("Jane", "Smith", email="jane@example.org", phone="(201) 555-0147")
    make_person("John", "Doe", email="jdoe@example.net", phone="+442079460958")
    make_person("Grace", "Hopper", email="grace@navy.example.com", phone="201-555-0199")
    make_person("Dennis", "Hopper", email="dennis@example.com")
    make_person("Grace", "Kelly", email="kelly@example.com")


def test_the_list_shows_the_best_match_first(staff_client, people):
    assert found(staff_client, "Jonh Smiht")[0] == "John Smith"


def test_a_query_matching_nobody_shows_the_empty_state(staff_client, people):
    response = staff_client.get(LIST_URL, {"q": "zzqxv"})

    assert response.context["rows"] == []
    assert "No people match" in response.content.decode()


def test_an_overlong_search_is_refused_with_a_message(staff_client, people):
    response = staff_client.get(LIST_URL, {"q": "a" * 201})

    assert response.status_code == 422
    assert "Ensure this value has at most 200 characters" in response.content.decode()


def test_search_combines_with_filters(staff_client, people):
    Person.objects.filter(first_name="Jane").update(tags=["vip"])

    assert found(staff_client, "smith", tags="vip") == ["Jane Smith"]


def test_search_results_can_be_sorted_by_a_column_instead_of_relevance(staff_client, people):
    assert found(staff_client, "grace hopper", sort="-name") == [
        "Grace Kelly",
        "Grace Hopper",
        "Dennis Hopper",
    ]


def test_paging_through_equally_ranked_matches_skips_and_repeats_nobody(staff_client):
    for i in range(15):
        make_person(f"Twin{i:02d}", "Smith")

    first = staff_client.get(LIST_URL, {"q": "smith", "per_page": 10})
    second = staff_client.get(
        LIST_URL, {"q": "smith", "per_page": 10, "after": first.context["page"].next_cursor}
    )

    ids = [r.person.pk for r in first.context["rows"]] + [r.person.pk for r in second.context["rows"]]
    assert len(ids) == 15 and len(set(ids)) == 15
    assert second.context["page"].has_next is False


def _page_ids(response) -> list:
    return [row.person.pk for row in response.context["rows"]]


@pytest.mark.parametrize("sort", ["name", "-name"])
def test_paging_forwards_and_back_through_a_search_sorted_by_name_skips_and_repeats_nobody(
    staff_client, sort
):
    # 23 matches whose names tie a lot, among people the search leaves out.
    for i in range(23):
        make_person(["Ann", "Bob"][i % 2], ["Smith", "Smithson", "Smithers"][i % 3])
        make_person(["Ann", "Bob"][i % 2], "Jones")
    params = {"q": "smith", "sort": sort, "per_page": 10}

    response = staff_client.get(LIST_URL, params)
    pages = [_page_ids(response)]
    while response.context["page"].has_next:
        response = staff_client.get(LIST_URL, {**params, "after": response.context["page"].next_cursor})
        pages.append(_page_ids(response))
    backwards = [pages[-1]]
    while response.context["page"].has_previous:
        response = staff_client.get(LIST_URL, {**params, "before": response.context["page"].previous_cursor})
        backwards.append(_page_ids(response))

    ids = [pk for page in pages for pk in page]
    # The walk equals one query of the whole order: last name, first name, then the id.
    keys = ("last_name", "first_name", "pk")
    order = [f"-{key}" for key in keys] if sort.startswith("-") else list(keys)
    assert ids == list(
        Person.objects.exclude(last_name="Jones").order_by(*order).values_list("pk", flat=True)
    )
    assert len(ids) == 23
    # Previous pages come back as the same pages; the first page is full again.
    assert [pk for page in reversed(backwards) for pk in page] == ids
    assert [len(page) for page in backwards] == [3, 10, 10]


def test_a_name_order_page_link_keeps_working_when_a_search_is_added(staff_client):
    for i in range(15):
        make_person(f"Twin{i:02d}", "Smith")
    unsearched = staff_client.get(LIST_URL, {"sort": "name", "per_page": 10})

    searched = staff_client.get(
        LIST_URL,
        {"q": "smith", "sort": "name", "per_page": 10, "after": unsearched.context["page"].next_cursor},
    )

    assert searched.context["notices"] == []
    everyone = Person.objects.order_by("last_name", "first_name", "pk").values_list("pk", flat=True)
    assert _page_ids(searched) == list(everyone[10:])


def test_relevance_is_not_offered_without_a_search(staff_client, people):
    response = staff_client.get(LIST_URL, {"sort": "relevance"})

    assert response.context["sort"] == "name"


@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("name", "persons_name_sort_idx"),
        ("-name", "persons_name_sort_idx"),
        ("created", "persons_created_idx"),
        ("-created", "persons_created_idx"),
        ("last_contacted", "persons_last_contacted_idx"),
        ("-last_contacted", "persons_last_contacted_idx"),
        ("next_contact", "persons_next_contact_idx"),
        ("-next_contact", "persons_next_contact_idx"),
    ],
)
def test_every_page_query_of_each_sort_order_reads_its_index(people, sort, index):
    Person.objects.filter(last_name="Smith").update(last_contacted=Now(), next_scheduled_contact=Now())
    ordering = PERSON_ORDERINGS[sort]
    with CaptureQueriesContext(connection) as captured:
        first = keyset_paginate(Person.objects.all(), ordering=ordering, per_page=1)
        keyset_paginate(Person.objects.all(), ordering=ordering, per_page=1, after=first.next_cursor)
        last = keyset_paginate(Person.objects.all(), ordering=ordering, per_page=5, after=first.next_cursor)
        keyset_paginate(Person.objects.all(), ordering=ordering, per_page=1, before=last.previous_cursor)

    assert captured.captured_queries
    for query in captured.captured_queries:
        with connection.cursor() as cursor:
            # A tiny table makes any plan cheap; switching the alternatives off asks the real
            # question: can an index deliver rows in this order? (A Sort would then remain.)
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                cursor.execute(f"SET LOCAL {setting} = off")
            cursor.execute(f"EXPLAIN {query['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert index in plan, (query["sql"], plan)
        assert "Sort" not in plan.split("->")[0] + plan.split("->")[1], plan


def _walk(queryset, ordering, *, ids_first: bool, per_page: int) -> tuple[list, list]:
    """Every page forwards, then back from the last page: the ids of each walk in reading order."""
    page = keyset_paginate(queryset, ordering=ordering, per_page=per_page, ids_first=ids_first)
    forwards = [page.object_list]
    while page.has_next:
        page = keyset_paginate(
            queryset, ordering=ordering, per_page=per_page, ids_first=ids_first, after=page.next_cursor
        )
        forwards.append(page.object_list)
    backwards = [page.object_list]
    while page.has_previous:
        page = keyset_paginate(
            queryset, ordering=ordering, per_page=per_page, ids_first=ids_first, before=page.previous_cursor
        )
        backwards.append(page.object_list)
    return (
        [p.pk for rows in forwards for p in rows],
        [p.pk for rows in reversed(backwards) for p in rows],
    )


@pytest.mark.parametrize("sort", [*PERSON_ORDERINGS])
def test_picking_a_searched_pages_ids_first_shows_the_same_pages_in_every_order(sort):
    # Ties in names and dates, NULL and non-NULL contact dates, and people the search leaves out.
    for i in range(23):
        make_person(
            ["Ann", "Bob"][i % 2],
            ["Smith", "Smithson", "Smithers"][i % 3],
            last_contacted=None if i % 4 == 0 else timezone.now() - dt.timedelta(days=i % 5),
            next_scheduled_contact=None if i % 3 == 0 else timezone.now() + dt.timedelta(days=i % 2),
        )
        make_person(["Ann", "Bob"][i % 2], "Jones")
    queryset, ordering = person_list_ordering(
        person_search(queryset=person_list_queryset(), query="smith"), sort
    )

    plain_forwards, plain_backwards = _walk(queryset, ordering, ids_first=False, per_page=5)
    forwards, backwards = _walk(queryset, ordering, ids_first=True, per_page=5)

    assert len(plain_forwards) == len(set(plain_forwards)) == 23
    assert forwards == plain_forwards
    assert backwards == plain_backwards == plain_forwards


def test_a_searched_page_picks_its_ids_in_a_subquery_before_joining_owner_and_roles(staff_client, staff_user):
    for i in range(12):
        person = make_person(f"Twin{i:02d}", "Smith", assigned_to=staff_user)
        person_set_roles(person=person, roles={"lead", "member"}, actor=None)

    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(LIST_URL, {"q": "twin smith", "per_page": 10})

    assert len(response.context["rows"]) == 10
    page_queries = [q["sql"] for q in captured.captured_queries if 'FROM "persons"' in q["sql"]]
    assert len(page_queries) == 1
    # Only the inner query is limited and sorts the matches; the outer one joins the 11 rows.
    assert re.search(r'"persons"\."id" IN \(SELECT U0\."id" .* LIMIT 11\)', page_queries[0])
    assert "LEFT OUTER JOIN" in page_queries[0].split("IN (SELECT")[0]


def test_an_unsearched_page_reads_its_index_without_a_subquery(staff_client):
    for i in range(12):
        make_person(f"Twin{i:02d}", "Smith")

    with CaptureQueriesContext(connection) as captured:
        staff_client.get(LIST_URL, {"per_page": 10})

    page_queries = [q["sql"] for q in captured.captured_queries if 'FROM "persons"' in q["sql"]]
    assert len(page_queries) == 1 and "IN (SELECT" not in page_queries[0]


@pytest.mark.parametrize("count", [10, 100])
@pytest.mark.parametrize("sort", ["relevance", "name", "-last_contacted"])
def test_a_searched_list_makes_the_same_number_of_queries_for_10_and_100_rows(
    staff_client, staff_user, django_assert_max_num_queries, count, sort
):
    for i in range(count):
        person = make_person(f"Q{i:03d}", "Smith", assigned_to=staff_user)
        person_set_roles(person=person, roles={"lead", "referral", "member"}, actor=None)

    # session, user, the assignable users, then the page itself (two for a nullable key that
    # runs into its NULL rows).
    with django_assert_max_num_queries(5):
        response = staff_client.get(LIST_URL, {"q": "quinn smith", "per_page": 100, "sort": sort})

    assert len(response.context["rows"]) == count
