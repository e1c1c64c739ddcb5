"""Writes of messages and templates.

For now this records messages that were already sent (history brought in by an import, and the
demo data); sending through a channel, with claim-before-send, is a separate service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Now
from django.template import Template, TemplateSyntaxError
from django.utils import timezone

from orca.users.models import User
from persons.models import Person
from persons.permissions import require

from .models import Blast, Channel, Message, MessageStatus, MessageTemplate

# Outcomes a recorded message may have. queued/sending belong to the sending pipeline only.
RECORDABLE_STATUSES = {
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.READ,
    MessageStatus.FAILED,
    MessageStatus.BOUNCED,
    MessageStatus.SUPPRESSED,
    MessageStatus.CANCELLED,
}
NOT_ATTEMPTED = {MessageStatus.SUPPRESSED, MessageStatus.CANCELLED}
CLOCK_SKEW = dt.timedelta(minutes=5)


@transaction.atomic
def message_template_create(
    *, name: str, message_type: str, content: str, actor: User | None, subject: str = ""
) -> MessageTemplate:
    """A reusable email or SMS text in Django template syntax ({{ person.first_name }})."""
    if actor is not None:
        require(actor.is_manager, "Only managers can create message templates.")
    name = (name or "").strip()
    if message_type == Channel.EMAIL and not subject.strip():
        raise ValidationError("An email template needs a subject.")
    for label, text in (("subject", subject), ("content", content)):
        try:
            Template(text)
        except TemplateSyntaxError as error:
            raise ValidationError(f"The template's {label} has a syntax error: {error}") from error
    template = MessageTemplate(
        name=name, message_type=message_type, subject=subject, content=content, created_by=actor
    )
    template.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as error:
        raise ValidationError(f"A template called “{name}” already exists.") from error
    return template


def _check_recordable(message: Message, recipient: Person, now: dt.datetime) -> None:
    """The rules a message that already happened must meet, with a message a person can act on."""
    if message.status not in RECORDABLE_STATUSES:
        raise ValidationError(
            f"A recorded message has an outcome; “{message.status}” messages are only made by sending."
        )
    if message.message_type == Channel.EMAIL and not recipient.email:
        raise ValidationError(f"{recipient.full_name} has no email address.")
    if message.message_type == Channel.SMS and not recipient.phone:
        raise ValidationError(f"{recipient.full_name} has no phone number.")
    if message.template_id and message.template.message_type != message.message_type:
        raise ValidationError("The template is for another channel than the message.")
    opted_in = recipient.email_opt_in if message.message_type == Channel.EMAIL else recipient.sms_opt_in
    if message.blast_id and not opted_in and message.status != MessageStatus.SUPPRESSED:
        raise ValidationError(
            f"{recipient.full_name} has not opted in to {message.get_message_type_display()}; "
            "a blast to them can only be recorded as not sent (suppressed)."
        )
    _check_times(message, now)


def _check_times(message: Message, now: dt.datetime) -> None:
    if message.status in NOT_ATTEMPTED:
        if message.sent_at or message.delivered_at or message.read_at:
            raise ValidationError("A message that was never sent has no sent, delivered or read time.")
        return
    if message.sent_at is None:
        raise ValidationError("A recorded message needs the time it was sent.")
    if max(filter(None, (message.sent_at, message.delivered_at, message.read_at))) > now + CLOCK_SKEW:
        raise ValidationError("A recorded message cannot be dated in the future.")
    delivered = message.status in (MessageStatus.DELIVERED, MessageStatus.READ)
    if message.delivered_at and (not delivered or message.delivered_at < message.sent_at):
        raise ValidationError("Only a delivered message has a delivery time, and it follows the sending.")
    if message.read_at and (
        message.status != MessageStatus.READ or message.read_at < (message.delivered_at or message.sent_at)
    ):
        raise ValidationError("Only a read message has a read time, and it follows the delivery.")


def _prepare(message: Message, now: dt.datetime) -> Message:
    message.is_blast = message.blast_id is not None
    _check_recordable(message, message.recipient, now)
    # The related rows are given as saved objects and their foreign keys hold in the database;
    # validating them here would cost a query per message and relation.
    message.full_clean(
        exclude=["sender", "recipient", "template", "blast", "response"],
        validate_unique=False,
        validate_constraints=False,
    )
    return message


def _backdate(ids: Sequence) -> None:
    # created_at is set by the database on insert; a recorded message belongs at its sending time
    # in every timeline (ordered by created_at).
    Message.objects.filter(pk__in=ids).update(
        created_at=Coalesce(F("sent_at"), F("created_at")),
        updated_at=Coalesce(F("read_at"), F("delivered_at"), F("sent_at"), Now()),
    )


def _refresh_blast_counts(blast_ids: set) -> None:
    if not blast_ids:
        return
    counts = (
        Message.objects.filter(blast=OuterRef("pk"))
        .exclude(status=MessageStatus.SUPPRESSED)
        .order_by()
        .values("blast")
        .annotate(n=Count("*"))
        .values("n")
    )
    Blast.objects.filter(pk__in=blast_ids).update(recipient_count=Coalesce(Subquery(counts), Value(0)))


@transaction.atomic
def messages_record_bulk(*, messages: Iterable[Message], batch_size: int = 1000) -> int:
    """Record already-sent messages (unsaved Message objects with recipient loaded), in batches.

    Every message is checked first, so one bad message records none. Blasts they belong to get
    their recipient_count (messages actually attempted) set.
    """
    now = timezone.now()
    prepared = [_prepare(message, now) for message in messages]
    for start in range(0, len(prepared), batch_size):
        batch = Message.objects.bulk_create(prepared[start : start + batch_size])
        _backdate([message.pk for message in batch])
    _refresh_blast_counts({message.blast_id for message in prepared if message.blast_id})
    return len(prepared)


def message_record(
    *,
    recipient: Person,
    message_type: str,
    content: str,
    status: str,
    sent_at: dt.datetime | None,
    sender: User | None = None,
    subject: str = "",
    delivered_at: dt.datetime | None = None,
    read_at: dt.datetime | None = None,
    template: MessageTemplate | None = None,
    blast: Blast | None = None,
    campaign_id: str = "",
    personalization_data: dict | None = None,
    metadata: dict | None = None,
) -> Message:
    """Record one message that was already sent (or deliberately not sent)."""
    message = Message(
        recipient=recipient,
        sender=sender,
        message_type=message_type,
        subject=subject,
        content=content,
        status=status,
        sent_at=sent_at,
        delivered_at=delivered_at,
        read_at=read_at,
        template=template,
        blast=blast,
        campaign_id=campaign_id,
        personalization_data=personalization_data or {},
        metadata=metadata or {},
    )
    messages_record_bulk(messages=[message])
    message.refresh_from_db(fields=["created_at", "updated_at"])
    return message
