"""Reads the people list shares between its view, its bulk actions and its tests."""

from __future__ import annotations

from django.db.models import QuerySet

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


def person_list_queryset() -> QuerySet[Person]:
    """Persons with their owner and every role extension, each a LEFT JOIN on a unique person_id."""
    return Person.objects.select_related("assigned_to", *ROLES)
