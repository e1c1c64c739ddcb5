"""The search selector behind the people list's search box: names (with typos), emails and phone
numbers in any format. The list page around it is tested in people/tests/test_search.py."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from persons.models import Person
from persons.selectors import NAME_WORD_SIMILARITY, SEARCH_RANK, person_find_duplicates, person_search

pytestmark = pytest.mark.django_db


def make_person(first: str, last: str = "", **fields) -> Person:
    return Person.objects.create(first_name=first, last_name=last, **fields)


def found(query: str) -> list[str]:
    """Who the search finds, best match first: the people list's "relevance" order."""
    results = person_search(queryset=Person.objects.all(), query=query).order_by(f"-{SEARCH_RANK}", "-id")
    return [person.full_name for person in results]


@pytest.fixture
def people():
    make_person("John", "Smith", email="john.smith@example.com", phone="+15550104477")
    make_person("Jane", "Smith", email="jane@example.org", phone="(201) 555-0147")
    make_person("John", "Doe", email="jdoe@example.net", phone="+442079460958")
    make_person("Grace", "Hopper", email="grace@navy.example.com", phone="201-555-0199")
    make_person("Dennis", "Hopper", email="dennis@example.com")
    make_person("Grace", "Kelly", email="kelly@example.com")


# --- Names -----------------------------------------------------------------------------------------


def test_a_first_name_finds_everyone_called_that(people):
    assert set(found("grace")) == {"Grace Hopper", "Grace Kelly"}


def test_a_last_name_finds_everyone_of_that_family(people):
    assert set(found("Hopper")) == {"Grace Hopper", "Dennis Hopper"}


def test_the_full_name_ranks_the_exact_person_first(people):
    results = found("Grace Hopper")

    assert results[0] == "Grace Hopper"
    assert set(results) == {"Grace Hopper", "Grace Kelly", "Dennis Hopper"}


def test_a_name_with_typos_still_finds_the_person_and_ranks_them_first(people):
    results = found("Jonh Smiht")

    assert results[0] == "John Smith"
    assert "Grace Hopper" not in results


def test_a_misspelt_single_name_is_found(people):
    assert "Grace Hopper" in found("Hoper")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("smtih", {"John Smith", "Jane Smith"}),
        ("Hpoper", {"Grace Hopper", "Dennis Hopper"}),
        ("Kelyl", {"Grace Kelly"}),
    ],
)
def test_letters_swapped_near_the_start_of_a_name_are_forgiven(people, typed, expected):
    # Trigrams miss these (few shared); the near-spelling fallback finds them.
    assert set(found(typed)) == expected


def test_the_near_spelling_fallback_waits_for_an_empty_search(people):
    make_person("Jon", "Smyth")
    # "smith" finds the Smiths by trigram, so Smyth (one letter off) is not added.
    assert set(found("smith")) == {"John Smith", "Jane Smith"}


def test_a_short_word_is_forgiven_one_typo_but_not_two(people):
    assert found("Kely") == ["Grace Kelly"]
    assert found("Kyle") == []


def test_the_start_of_a_name_finds_it_while_typing(people):
    assert found("Denn") == ["Dennis Hopper"]


def test_search_is_case_insensitive(people):
    assert found("KELLY") == ["Grace Kelly"]


# --- Emails ----------------------------------------------------------------------------------------


def test_a_whole_email_finds_its_person_first(people):
    assert found("John.Smith@Example.com")[0] == "John Smith"


def test_part_of_an_email_finds_its_person(people):
    assert found("navy.example") == ["Grace Hopper"]
    assert found("jdoe@") == ["John Doe"]


def test_an_email_with_a_typo_finds_its_person(people):
    assert "Grace Hopper" in found("grace@navy.exmaple.com")


# --- Phones ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["(555) 010-4477", "555.010.4477", "+1 555 010 4477", "5550104477", "1-555-010-4477", "+15550104477"],
)
def test_a_phone_number_in_any_format_finds_the_e164_number(people, query):
    assert found(query) == ["John Smith"]


@pytest.mark.parametrize(("query", "expected"), [("0104477", ["John Smith"]), ("555-0147", ["Jane Smith"])])
def test_part_of_a_phone_number_finds_it(people, query, expected):
    assert found(query) == expected


def test_a_number_shared_by_the_start_of_two_phones_finds_both_and_the_exact_one_first(people):
    assert set(found("201 555")) == {"Jane Smith", "Grace Hopper"}
    assert found("(201) 555-0199")[0] == "Grace Hopper"


def test_a_foreign_number_typed_in_international_form_is_found(people):
    assert found("+44 20 7946 0958") == ["John Doe"]


# --- Edges -----------------------------------------------------------------------------------------


def test_an_empty_or_blank_search_lists_everyone(people):
    results = person_search(queryset=Person.objects.all(), query="   ")

    assert {person.pk for person in results} == set(Person.objects.values_list("pk", flat=True))


def test_like_wildcards_in_the_query_match_literally(people):
    assert found("%%%") == []
    assert found("j_hn") == []


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
        ("Jonh Smiht", {"persons_full_name_trgm"}),
        ("Hopper", {"persons_full_name_trgm", "persons_email_trgm"}),
        ("navy.example", {"persons_email_trgm"}),
        ("grace@navy.exmaple.com", {"persons_email_trgm"}),
        ("(555) 010-4477", {"persons_phone_trgm"}),
    ],
)
def test_name_email_and_phone_searches_are_answered_by_the_trigram_indexes(people, query, indexes):
    plan = _bitmap_plan(person_search(queryset=Person.objects.all(), query=query))

    assert "Seq Scan" not in plan, plan
    for index in indexes:
        assert index in plan, plan


# --- Query shapes: what the text looks like decides which index answers ---------------------------


def _plan_of_captured(queries: list[dict], **settings: str) -> str:
    """EXPLAIN of the last captured query that reads persons, with planner `settings` applied."""
    sql = [q["sql"] for q in queries if 'FROM "persons"' in q["sql"]][-1]
    with connection.cursor() as cursor:
        for name, value in settings.items():
            cursor.execute(f"SET LOCAL {name} = {value}")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_name_search_reads_one_index_scan_per_word_and_no_email_or_single_name_index(people):
    plan = _bitmap_plan(person_search(queryset=Person.objects.all(), query="Jonh Smiht"))

    assert plan.count("Bitmap Index Scan on persons_full_name_trgm") == 2, plan
    for index in ("persons_first_name_trgm", "persons_last_name_trgm", "persons_email_trgm"):
        assert index not in plan, plan


def test_every_connection_gets_the_word_similarity_the_name_search_is_tuned_for(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW pg_trgm.word_similarity_threshold")
        assert float(cursor.fetchone()[0]) == NAME_WORD_SIMILARITY


def test_a_lone_word_also_finds_a_person_whose_email_contains_it(people):
    make_person("Katherine", "Long", email="kitty@example.com")

    assert found("kitty") == ["Katherine Long"]


def test_a_dotted_word_is_looked_for_in_emails_only(people):
    make_person("Navy", "Example")

    assert found("navy.example") == ["Grace Hopper"]


def test_an_address_someone_has_finds_only_addresses_containing_it(people):
    make_person("Grace", "Hopkins", email="grace@navy.example.co")

    with CaptureQueriesContext(connection) as captured:
        results = found("grace@navy.example.com")

    assert results == ["Grace Hopper"]
    assert not any("%>>" in q["sql"] for q in captured.captured_queries)


def test_a_misspelt_address_ranks_the_closest_email_first(people):
    make_person("Grace", "Hopkins", email="grace@army.example.com")

    assert found("grace@navy.exmaple.com")[0] == "Grace Hopper"


def test_an_exact_email_is_one_lookup_in_the_lower_email_btree(people):
    with CaptureQueriesContext(connection) as captured:
        duplicates = person_find_duplicates(email="Grace@Navy.Example.com")

    assert [d.person.full_name for d in duplicates] == ["Grace Hopper"]
    plan = _plan_of_captured(captured.captured_queries, enable_seqscan="off")
    assert "persons_email_lower_idx" in plan, plan


TRIGRAM_FUNCTIONS = importlib.import_module("persons.migrations.0003_search_indexes").TRIGRAM_FUNCTIONS


def test_the_planner_is_told_that_trigram_similarity_is_costly(db):
    # pg_trgm declares these functions as cheap as an integer comparison; trusting that, the
    # planner scanned a table of 50,000 persons and scored every row (about 260 ms) instead of
    # reading persons_full_name_trgm (about 30 ms). Migration 0003 gives them their real cost.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, procost FROM pg_proc WHERE proname = ANY(%s) AND pronargs = 2",
            [list(TRIGRAM_FUNCTIONS)],
        )
        costs = dict(cursor.fetchall())

    assert costs == dict.fromkeys(TRIGRAM_FUNCTIONS, 100)


# --- Short queries: too short to narrow an index, or whole short names ----------------------------


def test_a_single_letter_finds_nobody(people):
    assert found("j") == []
    assert found("g h") == []


def test_a_two_letter_word_finds_that_whole_name_and_not_every_name_starting_with_it(people):
    make_person("Anna", "Wu")
    make_person("Wulf", "Berg")
    make_person("Wu", "Chen")

    assert set(found("wu")) == {"Anna Wu", "Wu Chen"}
    plan = _bitmap_plan(person_search(queryset=Person.objects.all(), query="wu"))
    assert "persons_full_name_trgm" in plan and "Seq Scan" not in plan, plan


def test_an_email_search_with_fewer_than_three_letters_or_digits_finds_nobody(people):
    assert found("@") == []
    assert found("@e") == []
    assert found("55") == []
