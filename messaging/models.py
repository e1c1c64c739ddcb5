"""What the club sends: one message per recipient, from a template or a blast or one-to-one."""

from django.conf import settings
from django.db import models

from interactions.models import Interaction
from orca.db import TimeStampedModel, choices_check
from persons.models import Person


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"  # claimed by a worker; a sweeper retries with the same key
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    FAILED = "failed", "Failed"
    BOUNCED = "bounced", "Bounced"
    SUPPRESSED = "suppressed", "Not sent (no consent)"
    CANCELLED = "cancelled", "Cancelled"


class BlastStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class MessageTemplate(TimeStampedModel):
    name = models.CharField(max_length=200, unique=True)
    message_type = models.CharField(max_length=16, choices=Channel.choices)
    subject = models.CharField(max_length=255, blank=True)
    content = models.TextField(help_text="Django template syntax; {{ person.first_name }} and so on.")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "message_templates"
        ordering = ["name"]
        constraints = [choices_check("message_type", Channel)]

    def __str__(self) -> str:
        return self.name


class Blast(TimeStampedModel):
    name = models.CharField(max_length=200)
    message_type = models.CharField(max_length=16, choices=Channel.choices)
    template = models.ForeignKey(
        MessageTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="blasts"
    )
    subject = models.CharField(max_length=255, blank=True)
    content = models.TextField(blank=True)
    segment = models.JSONField(
        default=dict, blank=True, help_text="The people-list filter that picks the recipients."
    )
    status = models.CharField(max_length=16, choices=BlastStatus.choices, default=BlastStatus.DRAFT)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="blasts"
    )

    class Meta:
        db_table = "blasts"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "scheduled_at"], name="blasts_due_idx"),
        ]
        constraints = [
            choices_check("message_type", Channel),
            choices_check("status", BlastStatus),
        ]

    def __str__(self) -> str:
        return self.name


class Message(TimeStampedModel):
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sent_messages",
    )
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="messages")
    message_type = models.CharField(max_length=16, choices=Channel.choices)
    subject = models.CharField(max_length=255, blank=True)
    content = models.TextField()
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    is_blast = models.BooleanField(default=False)
    blast = models.ForeignKey(
        Blast, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    template = models.ForeignKey(
        MessageTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    personalization_data = models.JSONField(default=dict, blank=True)
    campaign_id = models.CharField(max_length=100, blank=True)
    has_response = models.BooleanField(default=False)
    # The person's reply, logged as an interaction.
    response = models.ForeignKey(
        Interaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="responded_messages"
    )
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "messages"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="messages_recipient_time_idx"),
            # Lists across all recipients (the admin) read newest first along this.
            models.Index(fields=["created_at", "id"], name="messages_created_idx"),
            models.Index(fields=["blast", "status"], name="messages_blast_idx"),
            models.Index(
                fields=["status", "updated_at"],
                name="messages_in_flight_idx",
                condition=models.Q(status__in=["queued", "sending"]),
            ),
            # The admin's status filter, newest first: failed and bounced messages are the ones
            # looked for, and they are rare, so without it the page would walk the whole table.
            models.Index(fields=["status", "created_at", "id"], name="messages_status_idx"),
            # The admin's "one-to-one" filter: messages staff sent themselves, a small share of a
            # table that blasts fill. Blast messages are found by their blast instead.
            models.Index(
                fields=["created_at", "id"],
                name="messages_one_to_one_idx",
                condition=models.Q(is_blast=False),
            ),
        ]
        constraints = [
            choices_check("message_type", Channel),
            choices_check("status", MessageStatus),
            models.UniqueConstraint(
                fields=["blast", "recipient"],
                condition=models.Q(blast__isnull=False),
                name="messages_one_per_blast_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_message_type_display()} to {self.recipient}"
