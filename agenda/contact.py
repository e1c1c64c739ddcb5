"""What a person asked for about being contacted, turned into advice for whoever is about to call.

do_not_contact_until and contact_frequency_preference say *when* contact is fine again;
preferred_contact_method and preferred_contact_times say *how*. My day and the morning summary show
the advice beside each row, so nobody calls someone who asked for monthly contact a week after the
last call without seeing that they did.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import formats, timezone

from persons.choices import ContactFrequency, ContactMethod
from persons.models import Person

# How long after the last contact each frequency allows the next one, and how to say it.
FREQUENCY_PHRASES = {
    ContactFrequency.WEEKLY: "once a week",
    ContactFrequency.BIWEEKLY: "every two weeks",
    ContactFrequency.MONTHLY: "once a month",
    ContactFrequency.QUARTERLY: "once a quarter",
}
FREQUENCY_INTERVALS = {
    ContactFrequency.WEEKLY: dt.timedelta(days=7),
    ContactFrequency.BIWEEKLY: dt.timedelta(days=14),
    ContactFrequency.MONTHLY: dt.timedelta(days=30),
    ContactFrequency.QUARTERLY: dt.timedelta(days=91),
}

PREFERRED_METHODS = {
    ContactMethod.EMAIL: "email",
    ContactMethod.SMS: "SMS",
    ContactMethod.PHONE: "a phone call",
    ContactMethod.WHATSAPP: "WhatsApp",
    ContactMethod.IN_PERSON: "in person",
}

CONTACT_TIMES = {
    "early_morning": "early mornings",
    "morning": "mornings",
    "lunchtime": "lunchtime",
    "afternoon": "afternoons",
    "evening": "evenings",
    "weekend": "weekends",
}


@dataclass(frozen=True)
class ContactAdvice:
    fine_from: dt.datetime | None  # None: contact is fine now
    reasons: tuple[str, ...] = ()  # why not yet, in the person's words
    how: str = ""  # "Prefers SMS, evenings"
    notes: tuple[str, ...] = field(default=())  # e.g. "only when needed"

    @property
    def fine_now(self) -> bool:
        return self.fine_from is None

    @property
    def summary(self) -> str:
        """One line: "Not yet: asked for monthly contact, last contacted 26 Nov. Fine from 26 Dec."."""
        if self.fine_now:
            return ""
        return f"Not yet: {'; '.join(self.reasons)}. Fine from {_day(self.fine_from)}."


def _day(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "D j M")


def _how(person: Person) -> str:
    method = PREFERRED_METHODS.get(person.preferred_contact_method, "")
    times = ", ".join(CONTACT_TIMES.get(value, value) for value in person.preferred_contact_times or [])
    if method and times:
        return f"Prefers {method}, {times}"
    if method:
        return f"Prefers {method}"
    return f"Best {times}" if times else ""


def contact_advice(person: Person, *, now: dt.datetime) -> ContactAdvice:
    """When and how the person may be contacted, from their own row (no query)."""
    waits: list[tuple[dt.datetime, str]] = []
    if person.do_not_contact_until and person.do_not_contact_until > now:
        waits.append((person.do_not_contact_until, "asked not to be contacted before then"))
    interval = FREQUENCY_INTERVALS.get(person.contact_frequency_preference)
    if interval and person.last_contacted and person.last_contacted + interval > now:
        phrase = FREQUENCY_PHRASES[person.contact_frequency_preference]
        waits.append(
            (
                person.last_contacted + interval,
                f"asked to be contacted at most {phrase}, last contacted {_day(person.last_contacted)}",
            )
        )
    notes = ()
    if person.contact_frequency_preference == ContactFrequency.ONLY_WHEN_NEEDED:
        notes = ("Asked to be contacted only when needed",)
    return ContactAdvice(
        fine_from=max((until for until, _ in waits), default=None),
        reasons=tuple(reason for _, reason in waits),
        how=_how(person),
        notes=notes,
    )
