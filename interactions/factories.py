"""Interactions for tests and the demo data.

`create()` goes through interactions.services, so the person's last_contacted and
next_scheduled_contact follow; `build()` gives unsaved rows for bulk_create (then call
interactions.services.person_contact_dates_refresh for the persons concerned).
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from orca.users.factories import UserFactory
from persons.factories import PersonFactory, rng, weighted

from .models import Interaction, InteractionStatus, InteractionType, Sentiment
from .services import interaction_log, interaction_schedule

SUBJECTS = {
    InteractionType.CALL: ("Intro call", "Follow-up call", "Returned their call", "Checked in on progress"),
    InteractionType.EMAIL: ("Sent price list", "Answered question about classes", "Sent timetable"),
    InteractionType.SMS: ("Reminder about tour", "Quick check-in", "Sent trial pass"),
    InteractionType.VISIT: ("Dropped in at front desk", "Came in to sign up", "Visited with a friend"),
    InteractionType.TOUR: ("Club tour", "Tour of pool and studios"),
    InteractionType.TRIAL_CLASS: ("Trial spin class", "Trial HIIT class", "Trial yoga class"),
    InteractionType.CONSULTATION: ("Fitness consultation", "Goal-setting session", "Onboarding session"),
    InteractionType.FOLLOW_UP: ("Follow up on trial", "Follow up on pricing", "Follow up after tour"),
    InteractionType.MEETING: ("Corporate plan meeting", "Membership options meeting"),
    InteractionType.NOTE: ("Note", "Front desk note"),
}
DURATIONS = {
    InteractionType.CALL: (3, 20),
    InteractionType.VISIT: (10, 45),
    InteractionType.TOUR: (20, 45),
    InteractionType.TRIAL_CLASS: (45, 60),
    InteractionType.CONSULTATION: (30, 60),
    InteractionType.MEETING: (20, 60),
    InteractionType.FOLLOW_UP: (3, 15),
}


def subject_for(kind: str) -> str:
    return rng().choice(SUBJECTS[kind])


def duration_for(kind: str) -> int | None:
    bounds = DURATIONS.get(kind)
    return rng().randint(*bounds) if bounds else None


class InteractionFactory(DjangoModelFactory):
    """A completed phone call by default; `InteractionFactory(scheduled=True)` plans one for tomorrow."""

    class Meta:
        model = Interaction

    class Params:
        scheduled = factory.Trait(
            status=InteractionStatus.SCHEDULED,
            interaction_type=InteractionType.FOLLOW_UP,
            scheduled_at=factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1)),
            completed_at=None,
            sentiment="",
        )

    person = factory.SubFactory(PersonFactory)
    user = factory.SubFactory(UserFactory)
    interaction_type = InteractionType.CALL
    status = InteractionStatus.COMPLETED
    subject = factory.LazyAttribute(lambda o: subject_for(o.interaction_type))
    content = factory.Faker("sentence", nb_words=14)
    completed_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=rng().randint(1, 72)))
    scheduled_at = None
    duration_minutes = factory.LazyAttribute(lambda o: duration_for(o.interaction_type))
    sentiment = factory.LazyFunction(
        lambda: weighted({Sentiment.POSITIVE: 50, Sentiment.NEUTRAL: 35, Sentiment.NEGATIVE: 10, "": 5})
    )

    @classmethod
    def _create(
        cls, model_class, *args, status, scheduled_at=None, completed_at=None, **fields
    ) -> Interaction:
        if status == InteractionStatus.COMPLETED:
            return interaction_log(completed_at=completed_at, **fields)
        if status == InteractionStatus.SCHEDULED:
            fields.pop("sentiment", None)
            return interaction_schedule(scheduled_at=scheduled_at, **fields)
        # Cancelled and missed interactions move neither of the person's contact dates.
        return model_class.objects.create(
            status=status, scheduled_at=scheduled_at, completed_at=completed_at, **fields
        )
