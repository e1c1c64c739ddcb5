"""Writes of messages, templates and blasts.

For now this records messages that were already sent (history brought in by an import, and the
demo data), and keeps templates and blasts; sending through a channel, with claim-before-send, is
a separate service, which picks up the blasts scheduled here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Now
from django.template import Template, TemplateSyntaxError
from django.utils import timezone

from orca.db import CLOCK_SKEW
from orca.users.models import User
from persons.models import Person
from persons.permissions import require

from .models import Blast, BlastStatus, Channel, Message, MessageStatus, MessageTemplate

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


# --- Templates ------------------------------------------------------------------------------------


def template_text_check(*, subject: str, content: str) -> None:
    """Subject and content are Django templates ({{ person.first_name }}); refuse what cannot
    render, naming the field. The one check for templates and blasts alike."""
    for name, text in (("subject", subject), ("content", content)):
        try:
            Template(text or "")
        except TemplateSyntaxError as error:
            raise ValidationError({name: f"Template syntax error: {error}"}) from error


def _check_template(template: MessageTemplate) -> None:
    if template.message_type == Channel.EMAIL and not template.subject.strip():
        raise ValidationError({"subject": "An email template needs a subject."})
    template_text_check(subject=template.subject, content=template.content)
    template.full_clean(validate_unique=False, validate_constraints=False)


def _save_template(template: MessageTemplate) -> None:
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as error:
        raise ValidationError({"name": f"A template called “{template.name}” already exists."}) from error


def _require_manager(actor: User | None, message: str) -> None:
    # None is the system (imports, demo data).
    if actor is not None:
        require(actor.is_active and actor.is_manager, message)


@transaction.atomic
def message_template_create(
    *, name: str, message_type: str, content: str, actor: User | None, subject: str = ""
) -> MessageTemplate:
    """A reusable email or SMS text in Django template syntax ({{ person.first_name }})."""
    _require_manager(actor, "Only managers can create message templates.")
    template = MessageTemplate(
        name=(name or "").strip(),
        message_type=message_type,
        subject=subject or "",
        content=content or "",
        created_by=actor,
    )
    _check_template(template)
    _save_template(template)
    return template


TEMPLATE_EDITABLE_FIELDS = frozenset({"name", "message_type", "subject", "content", "is_active"})


def _check_template_in_use(template: MessageTemplate, changed: set[str]) -> None:
    """A template's channel is fixed once something used it; one a scheduled blast will send
    stays active."""
    if "message_type" in changed and (
        Blast.objects.filter(template=template).exists() or Message.objects.filter(template=template).exists()
    ):
        raise ValidationError(
            {
                "message_type": "Blasts or messages already use this template; "
                "make a new one for the other channel."
            }
        )
    if "is_active" in changed and not template.is_active:
        scheduled = list(
            Blast.objects.filter(template=template, status=BlastStatus.SCHEDULED).values_list(
                "name", flat=True
            )[:3]
        )
        if scheduled:
            raise ValidationError(
                {
                    "is_active": f"Scheduled blasts send with this template ({', '.join(scheduled)}); "
                    "change or cancel them first."
                }
            )


@transaction.atomic
def message_template_update(
    *, template: MessageTemplate, actor: User | None, data: dict[str, Any]
) -> MessageTemplate:
    """Change a template's name, channel, text or whether it is offered."""
    _require_manager(actor, "Only managers can change message templates.")
    unknown = set(data) - TEMPLATE_EDITABLE_FIELDS
    if unknown:
        raise ValidationError(f"These cannot be changed on a template: {', '.join(sorted(unknown))}.")
    locked = MessageTemplate.objects.select_for_update().get(pk=template.pk)
    changed = {name for name, value in data.items() if getattr(locked, name) != value}
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, data[name])
    if "name" in changed:
        locked.name = (locked.name or "").strip()
    _check_template(locked)
    _check_template_in_use(locked, changed)
    _save_template(locked)
    return locked


# --- Blasts ---------------------------------------------------------------------------------------

# A manager drafts, schedules or cancels a blast; from "sending" on it belongs to the sending
# pipeline, which alone moves it on (so it is never sent twice nor left half-sent by an edit).
BLAST_MANAGER_STATUSES = (BlastStatus.DRAFT, BlastStatus.SCHEDULED, BlastStatus.CANCELLED)
BLAST_EDITABLE_FIELDS = frozenset(
    {"name", "message_type", "template", "subject", "content", "segment", "status", "scheduled_at"}
)


def _check_blast(blast: Blast, now: dt.datetime) -> None:
    """What a blast a manager saves must be: complete enough to send if it is scheduled."""
    if blast.status not in BLAST_MANAGER_STATUSES:
        raise ValidationError(
            {"status": "A blast is drafted, scheduled or cancelled here; sending moves it on from there."}
        )
    if not isinstance(blast.segment, dict):
        raise ValidationError({"segment": "The segment is a set of people-list filters (a JSON object)."})
    template = blast.template
    if template is not None and template.message_type != blast.message_type:
        raise ValidationError({"template": "The template is for another channel than the blast."})
    if template is None and not (blast.content or "").strip():
        raise ValidationError({"content": "Choose a template or write the content."})
    if blast.message_type == Channel.EMAIL and template is None and not (blast.subject or "").strip():
        raise ValidationError({"subject": "An email blast needs a subject, or a template that has one."})
    template_text_check(subject=blast.subject, content=blast.content)
    if blast.status == BlastStatus.SCHEDULED:
        if blast.scheduled_at is None:
            raise ValidationError({"scheduled_at": "A scheduled blast needs the time to send it."})
        if blast.scheduled_at < now - CLOCK_SKEW:
            raise ValidationError(
                {"scheduled_at": "A scheduled blast needs a time in the future; keep it a draft until then."}
            )
        if template is not None and not template.is_active:
            raise ValidationError(
                {"template": f"The template “{template.name}” is not active; activate it or choose another."}
            )
    blast.full_clean(exclude=["template", "created_by"], validate_unique=False, validate_constraints=False)


@transaction.atomic
def blast_create(
    *,
    actor: User | None,
    name: str,
    message_type: str,
    template: MessageTemplate | None = None,
    subject: str = "",
    content: str = "",
    segment: dict | None = None,
    status: str = BlastStatus.DRAFT,
    scheduled_at: dt.datetime | None = None,
) -> Blast:
    """Draft a blast, or schedule it at once. Sending it is the sending pipeline's (it picks up
    scheduled blasts when they are due); nothing here sends."""
    _require_manager(actor, "Only managers can create blasts.")
    if status == BlastStatus.CANCELLED:
        raise ValidationError({"status": "A new blast is a draft or scheduled."})
    blast = Blast(
        name=(name or "").strip(),
        message_type=message_type,
        template=template,
        subject=subject or "",
        content=content or "",
        segment={} if segment is None else segment,
        status=status,
        scheduled_at=scheduled_at,
        created_by=actor,
    )
    _check_blast(blast, timezone.now())
    blast.save()
    return blast


@transaction.atomic
def blast_update(*, blast: Blast, actor: User | None, data: dict[str, Any]) -> Blast:
    """Change a draft, scheduled or cancelled blast: its text, recipients, time or status.

    The row is locked first and its status read under the lock: once the pipeline has claimed
    the blast (sending), an edit is refused rather than racing it.
    """
    _require_manager(actor, "Only managers can change blasts.")
    unknown = set(data) - BLAST_EDITABLE_FIELDS
    if unknown:
        raise ValidationError(f"These are kept by sending, not edited: {', '.join(sorted(unknown))}.")
    locked = Blast.objects.select_for_update(of=("self",)).select_related("template").get(pk=blast.pk)
    changed = {name for name, value in data.items() if getattr(locked, name) != value}
    if not changed:
        return locked
    if locked.status not in BLAST_MANAGER_STATUSES:
        raise ValidationError(
            f"“{locked.name}” is {locked.get_status_display().lower()}: sending has it now, "
            "so it can no longer be changed."
        )
    for name in changed:
        setattr(locked, name, data[name])
    if "name" in changed:
        locked.name = (locked.name or "").strip()
    _check_blast(locked, timezone.now())
    locked.save()
    return locked


# --- Messages -------------------------------------------------------------------------------------


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
