"""The pipeline numbers: entries, moves on, losses, conversion and median days per stage, from histories."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from extensions.factories import LeadExtensionFactory
from pipelines.rules import LEADS
from pipelines.selectors import pipeline_numbers

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def lead_through(*steps: tuple[str, float], since: float):
    """A lead that became one `since` days ago, then moved through (status, days ago) steps."""
    return LeadExtensionFactory(
        since=days_ago(since), statuses=[(status, days_ago(ago)) for status, ago in steps]
    )


def by_status(numbers) -> dict:
    return {stage.status: stage for stage in numbers}


def test_each_stage_counts_the_cards_that_entered_it_in_the_period_and_what_became_of_them():
    lead_through(("contacted", 18), ("qualified", 10), since=20)  # new 2 days, contacted 8 days
    lead_through(("contacted", 16), ("lost", 12), since=20)  # new 4 days, contacted 4 days then lost
    lead_through(("contacted", 5), since=9)  # still contacted
    lead_through(("contacted", 100), since=120)  # entered long before the period
    numbers = by_status(pipeline_numbers(pipeline=LEADS, start=days_ago(30), end=NOW))
    new, contacted, qualified, lost = (numbers[s] for s in ("new", "contacted", "qualified", "lost"))
    assert (new.entered, new.moved_on, new.lost) == (3, 3, 0)
    assert (contacted.entered, contacted.moved_on, contacted.lost) == (3, 1, 1)
    assert contacted.conversion == 33
    assert (qualified.entered, lost.entered) == (1, 1)
    assert new.median_days == 4.0  # of 2, 4 and 4 days
    assert contacted.median_days == 6.0  # of 8 and 4 days; the one still there has not left
    assert lost.conversion is None  # nothing moves on from a journey's end


def test_a_stage_nobody_entered_shows_zero_and_no_rates():
    numbers = by_status(pipeline_numbers(pipeline=LEADS, start=days_ago(7), end=NOW))
    assert [stage.status for stage in numbers.values()] == list(LEADS.statuses.values)
    assert numbers["trial"].entered == 0 and numbers["trial"].conversion is None
    assert numbers["trial"].median_days is None


def test_a_dropped_role_leaves_the_numbers():
    from extensions.services import person_set_roles

    kept = lead_through(("contacted", 3), since=5)
    dropped = lead_through(("contacted", 3), since=5)
    person_set_roles(person=dropped.person, roles=set(), actor=None)
    numbers = by_status(pipeline_numbers(pipeline=LEADS, start=days_ago(30), end=NOW))
    assert numbers["contacted"].entered == 1 and kept.person.is_lead
