"""Messages, templates and blasts for tests and the demo data.

A built Message (MessageFactory.build) is what messaging.services.messages_record_bulk records.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from persons.factories import PersonFactory, email_for, rng, us_phone

from .models import Blast, BlastStatus, Channel, Message, MessageStatus, MessageTemplate


class MessageTemplateFactory(DjangoModelFactory):
    class Meta:
        model = MessageTemplate
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Template {n}")
    message_type = Channel.EMAIL
    subject = "Hi {{ person.first_name }}"
    content = "Hi {{ person.first_name }}, we would love to see you at the club this week."
    is_active = True


class BlastFactory(DjangoModelFactory):
    class Meta:
        model = Blast

    name = factory.Sequence(lambda n: f"Campaign {n}")
    message_type = Channel.EMAIL
    subject = "News from the club"
    content = "Hi {{ person.first_name }}, new classes start next week."
    status = BlastStatus.DRAFT
    segment = factory.LazyFunction(dict)


def _sent_at() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=rng().randint(1, 60), minutes=rng().randint(0, 600))


class MessageFactory(DjangoModelFactory):
    """A delivered email to a person."""

    class Meta:
        model = Message

    recipient = factory.SubFactory(
        PersonFactory,
        email=factory.LazyAttribute(lambda p: email_for(p.first_name, p.last_name)),
        phone=factory.LazyFunction(us_phone),
        email_opt_in=True,
        sms_opt_in=True,
    )
    message_type = Channel.EMAIL
    subject = "Your visit to the club"
    content = factory.LazyAttribute(lambda o: f"Hi {o.recipient.first_name}, thanks for stopping by!")
    status = MessageStatus.DELIVERED
    sent_at = factory.LazyFunction(_sent_at)
    delivered_at = factory.LazyAttribute(lambda o: o.sent_at + dt.timedelta(seconds=rng().randint(2, 90)))
    personalization_data = factory.LazyAttribute(lambda o: {"first_name": o.recipient.first_name})
