"""The people list's search box: names (with typos), emails and phone numbers in any format."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext

from persons.models import Person
from persons.pagination import keyset_paginate
from persons.selectors import PERSON_ORDERINGS, SEARCH_RANK, person_search

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


# --- Names -----------------------------------------------------------------------------------------


def test_a_first_name_finds_everyone_called_that(staff_client, people):
    assert set(found(staff_client, "grace")) == {"Grace Hopper", "Grace Kelly"}


def test_a_last_name_finds_everyone_of_that_family(staff_client, people):
    assert set(found(staff_client, "Hopper")) == {"Grace Hopper", "Dennis Hopper"}


def test_the_full_name_ranks_the_exact_person_first(staff_client, people):
    results = found(staff_client, "Grace Hopper")

    assert results[0] == "Grace Hopper"
    assert set(results) == {"Grace Hopper", "Grace Kelly", "Dennis Hopper"}


def test_a_name_with_typos_still_finds_the_person_and_ranks_them_first(staff_client, people):
    results = found(staff_client, "Jonh Smiht")

    assert results[0] == "John Smith"
    assert "Grace Hopper" not in results


def test_a_misspelt_single_name_is_found(staff_client, people):
    assert "Grace Hopper" in found(staff_client, "Hoper")


def test_the_start_of_a_name_finds_it_while_typing(staff_client, people):
    assert found(staff_client, "Denn") == ["Dennis Hopper"]


def test_search_is_case_insensitive(staff_client, people):
    assert found(staff_client, "KELLY") == ["Grace Kelly"]


# --- Emails ----------------------------------------------------------------------------------------


def test_a_whole_email_finds_its_person_first(staff_client, people):
    assert found(staff_client, "John.Smith@Example.com")[0] == "John Smith"


def test_part_of_an_email_finds_its_person(staff_client, people):
    assert found(staff_client, "navy.example") == ["Grace Hopper"]
    assert found(staff_client, "jdoe@") == ["John Doe"]


def test_an_email_with_a_typo_finds_its_person(staff_client, people):
    assert "Grace Hopper" in found(staff_client, "grace@navy.exmaple.com")


# --- Phones ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["(555) 010-4477", "555.010.4477", "+1 555 010 4477", "5550104477", "1-555-010-4477", "+15550104477"],
)
def test_a_phone_number_in_any_format_finds_the_e164_number(staff_client, people, query):
    assert found(staff_client, query) == ["John Smith"]


@pytest.mark.parametrize(("query", "expected"), [("0104477", ["John Smith"]), ("555-0147", ["Jane Smith"])])
def test_part_of_a_phone_number_finds_it(staff_client, people, query, expected):
    assert found(staff_client, query) == expected


def test_a_number_shared_by_the_start_of_two_phones_finds_both_and_the_exact_one_first(staff_client, people):
    assert set(found(staff_client, "201 555")) == {"Jane Smith", "Grace Hopper"}
    assert found(staff_client, "(201) 555-0199")[0] == "Grace Hopper"


def test_a_foreign_number_typed_in_international_form_is_found(staff_client, people):
    assert found(staff_client, "+44 20 7946 0958") == ["John Doe"]


# --- Edges -----------------------------------------------------------------------------------------


def test_an_empty_or_blank_search_lists_everyone(staff_client, people):
    assert len(found(staff_client, "   ")) == 6


def test_like_wildcards_in_the_query_match_literally(staff_client, people):
    assert found(staff_client, "%%%") == []
    assert found(staff_client, "j_hn") == []


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


def test_relevance_is_not_offered_without_a_search(staff_client, people):
    response = staff_client.get(LIST_URL, {"sort": "relevance"})

    assert response.context["sort"] == "name"


# --- The selector and the indexes it relies on ---------------------------------------------------


def test_the_search_selector_annotates_a_rank_between_0_and_1(people):
    results = list(
        person_search(queryset=Person.objects.all(), query="John Smith").order_by(f"-{SEARCH_RANK}")
    )

    assert results[0].full_name == "John Smith"
    assert all(0 <= getattr(p, SEARCH_RANK) <= 1 for p in results)


def _bitmap_plan(queryset) -> str:
    """The plan PostgreSQL picks when only bitmap index scans are allowed.

    On a tiny table the planner would rather scan everything; ruling that out shows which indexes
    answer each OR branch (a branch no index can answer would force the disabled seq scan back).
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    return queryset.explain()


@pytest.mark.parametrize(
    ("query", "indexes"),
    [
        ("Jonh Smiht", {"persons_first_name_trgm", "persons_last_name_trgm", "persons_email_trgm"}),
        ("(555) 010-4477", {"persons_phone_trgm"}),
    ],
)
def test_name_email_and_phone_searches_are_answered_by_the_trigram_indexes(people, query, indexes):
    plan = _bitmap_plan(person_search(queryset=Person.objects.all(), query=query))

    assert "Seq Scan" not in plan, plan
    for index in indexes:
        assert index in plan, plan


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
