"""Reads the people list shares between its view, its bulk actions and its tests."""

from __future__ import annotations

from django.db.models import CharField, F, Func, QuerySet

from extensions.services import ROLES
from persons.models import Person
from persons.selectors import SEARCH_RANK

from .pagination import KeysetOrdering

PERSON_ORDERINGS: dict[str, KeysetOrdering] = {
    # Each key is backed by a (key, id) btree index on persons; the reversed orders read it backwards.
    "name": KeysetOrdering("name", ("last_name", "first_name")),
    "-name": KeysetOrdering("-name", ("last_name", "first_name"), descending=True),
    "created": KeysetOrdering("created", ("created_at",)),
    "-created": KeysetOrdering("-created", ("created_at",), descending=True),
    "last_contacted": KeysetOrdering("last_contacted", ("last_contacted",), nullable=True),
    "-last_contacted": KeysetOrdering("-last_contacted", ("last_contacted",), descending=True, nullable=True),
    "next_contact": KeysetOrdering("next_contact", ("next_scheduled_contact",), nullable=True),
    "-next_contact": KeysetOrdering(
        "-next_contact", ("next_scheduled_contact",), descending=True, nullable=True
    ),
    # Only with a search (persons.selectors.person_search annotates SEARCH_RANK): the matches are
    # few, so ranking them needs no index of its own.
    "relevance": KeysetOrdering("relevance", (SEARCH_RANK,), descending=True),
}


# While a search is active, the name orders sort the matches by `last_name || ''` (and the same for
# first_name): the same values in the same order, but an expression persons_name_sort_idx does not
# hold. Otherwise the planner walks that index and tests each row until 26 match, and a name
# search's matches sit together in name order: "Yamamoto" tested 970,000 rows (2.5 s). Forced to
# read the trigram bitmap and sort the matches, it pays what the relevance order pays (170 ms of
# SQL for "Yamamoto"; the 87,000 matches of "John Smith" cost as much as by relevance). The keyset
# comparison uses the same expressions, and the cursor holds the same values under the same name,
# so page links keep working whether or not a search is active. The date orders keep their
# indexes: a search's matches are spread over the dates, so walking a date index finds 26 quickly.
_SEARCH_NAME_KEYS = {
    f"search_sort_{field}": Func(F(field), template="(%(expressions)s || '')", output_field=CharField())
    for field in ("last_name", "first_name")
}
_SEARCH_NAME_ORDERINGS: dict[str, KeysetOrdering] = {
    "name": KeysetOrdering("name", tuple(_SEARCH_NAME_KEYS)),
    "-name": KeysetOrdering("-name", tuple(_SEARCH_NAME_KEYS), descending=True),
}


def person_list_searched(queryset: QuerySet[Person]) -> bool:
    """Whether a search narrowed the queryset (persons.selectors.person_search annotates SEARCH_RANK)."""
    return SEARCH_RANK in queryset.query.annotations


def person_list_ordering(queryset: QuerySet[Person], sort: str) -> tuple[QuerySet[Person], KeysetOrdering]:
    """The queryset to page for the list's `sort` (a key of PERSON_ORDERINGS), and its ordering."""
    if person_list_searched(queryset) and sort in _SEARCH_NAME_ORDERINGS:
        return queryset.annotate(**_SEARCH_NAME_KEYS), _SEARCH_NAME_ORDERINGS[sort]
    return queryset, PERSON_ORDERINGS[sort]


def person_list_queryset() -> QuerySet[Person]:
    """Persons with their owner and every role extension, each a LEFT JOIN on a unique person_id."""
    return Person.objects.select_related("assigned_to", *ROLES)
