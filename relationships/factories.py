"""Ties between persons for tests and the demo data, created through relationships.services."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from persons.choices import Strength
from persons.factories import PersonFactory, rng, weighted

from .models import ReferralChannel, Relationship, RelationshipType
from .services import SYMMETRIC_TYPES, referral_record, relationship_create


class RelationshipFactory(DjangoModelFactory):
    """A tie other than a referral (friend by default), through relationship_create."""

    class Meta:
        model = Relationship

    actor = None  # not a field: the user recording the tie
    person_a = factory.SubFactory(PersonFactory)
    person_b = factory.SubFactory(PersonFactory)
    relationship_type = RelationshipType.FRIEND
    relationship_strength = factory.LazyFunction(lambda: rng().choice(Strength.values))
    notes = ""

    @classmethod
    def _create(cls, model_class, *args, actor=None, **fields) -> Relationship:
        return relationship_create(actor=actor, **fields)

    @classmethod
    def _build(cls, model_class, *args, actor=None, **fields) -> Relationship:
        kind = fields.get("relationship_type")
        fields.setdefault("direction", "mutual" if kind in SYMMETRIC_TYPES else "a_to_b")
        return model_class(*args, **fields)


class ReferralFactory(DjangoModelFactory):
    """person_a referred person_b, through referral_record (so every referral rule holds)."""

    class Meta:
        model = Relationship

    actor = None
    person_a = factory.SubFactory(PersonFactory)
    person_b = factory.SubFactory(PersonFactory)
    attribution_percentage = 100
    is_primary_referrer = True
    referral_channel = factory.LazyFunction(
        lambda: weighted(
            {
                ReferralChannel.IN_PERSON: 35,
                ReferralChannel.REFERRAL_LINK: 25,
                ReferralChannel.SMS: 12,
                ReferralChannel.SOCIAL: 10,
                ReferralChannel.EMAIL: 8,
                ReferralChannel.EVENT: 6,
                ReferralChannel.PHONE: 4,
            }
        )
    )
    referral_date = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=rng().randint(1, 90)))
    referral_link_id = factory.LazyAttribute(
        lambda o: (
            f"ref-{rng().randrange(16**8):08x}" if o.referral_channel == ReferralChannel.REFERRAL_LINK else ""
        )
    )
    relationship_strength = factory.LazyFunction(lambda: rng().choice(Strength.values))

    @classmethod
    def _create(cls, model_class, *args, actor=None, person_a, person_b, **fields) -> Relationship:
        return referral_record(referrer=person_a, referred=person_b, actor=actor, **fields)

    @classmethod
    def _build(cls, model_class, *args, actor=None, **fields) -> Relationship:
        return model_class(*args, relationship_type=RelationshipType.REFERRAL, direction="a_to_b", **fields)
