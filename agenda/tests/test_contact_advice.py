"""Contact preferences turned into advice: when contact is fine again, and how they like it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from agenda.contact import contact_advice
from persons.models import Person

NOW = timezone.make_aware(dt.datetime(2026, 12, 3, 10))


def person(**fields) -> Person:
    return Person(first_name="Pat", last_name="Prefs", **fields)


def test_someone_who_asked_for_monthly_contact_and_was_called_last_week_is_not_yet_due():
    advice = contact_advice(
        person(contact_frequency_preference="monthly", last_contacted=NOW - dt.timedelta(days=7)), now=NOW
    )

    assert not advice.fine_now
    assert advice.fine_from == NOW + dt.timedelta(days=23)
    assert "at most once a month" in advice.summary and "Fine from Sat 26 Dec" in advice.summary


def test_monthly_contact_is_fine_again_once_the_month_has_passed():
    advice = contact_advice(
        person(contact_frequency_preference="monthly", last_contacted=NOW - dt.timedelta(days=31)), now=NOW
    )

    assert advice.fine_now and advice.summary == ""


def test_each_frequency_waits_its_own_interval():
    waits = {"weekly": 7, "biweekly": 14, "monthly": 30, "quarterly": 91}
    for frequency, days in waits.items():
        last = NOW - dt.timedelta(days=1)
        advice = contact_advice(person(contact_frequency_preference=frequency, last_contacted=last), now=NOW)
        assert advice.fine_from == last + dt.timedelta(days=days), frequency


def test_a_frequency_without_any_contact_yet_is_fine_now():
    assert contact_advice(
        person(contact_frequency_preference="weekly", last_contacted=None), now=NOW
    ).fine_now


def test_do_not_contact_until_holds_until_its_date_and_the_later_of_two_waits_wins():
    until = NOW + dt.timedelta(days=40)
    advice = contact_advice(
        person(
            do_not_contact_until=until,
            contact_frequency_preference="weekly",
            last_contacted=NOW - dt.timedelta(days=2),
        ),
        now=NOW,
    )

    assert advice.fine_from == until
    assert len(advice.reasons) == 2


def test_a_do_not_contact_date_in_the_past_no_longer_holds():
    assert contact_advice(person(do_not_contact_until=NOW - dt.timedelta(days=1)), now=NOW).fine_now


def test_the_advice_says_how_they_like_to_be_reached():
    advice = contact_advice(
        person(preferred_contact_method="sms", preferred_contact_times=["evening", "weekend"]), now=NOW
    )

    assert advice.how == "Prefers SMS, evenings, weekends"
    assert contact_advice(person(preferred_contact_times=["morning"]), now=NOW).how == "Best mornings"


def test_only_when_needed_is_noted_but_does_not_hold_contact_back():
    advice = contact_advice(person(contact_frequency_preference="only_when_needed"), now=NOW)

    assert advice.fine_now and advice.notes == ("Asked to be contacted only when needed",)
