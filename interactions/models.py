"""Interaction: what staff did with a person (calls, visits, follow-ups), done or scheduled."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from orca.db import TimeStampedModel, choices_check
from persons.models import Person


class InteractionType(models.TextChoices):
    CALL = "call", "Phone call"
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    VISIT = "visit", "Visit"
    TOUR = "tour", "Club tour"
    TRIAL_CLASS = "trial_class", "Trial class"
    CONSULTATION = "consultation", "Consultation"
    FOLLOW_UP = "follow_up", "Follow-up"
    MEETING = "meeting", "Meeting"
    CLASS = "class", "Class"
    NOTE = "note", "Note"
    TASK = "task", "Task"


class InteractionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    MISSED = "missed", "Missed / no-show"


class Outcome(models.TextChoices):
    """What came of it: asked when a follow-up is completed, offered when anything is logged."""

    REACHED = "reached", "Spoke with them"
    NO_ANSWER = "no_answer", "No answer"
    LEFT_MESSAGE = "left_message", "Left a message"
    BOOKED = "booked", "Booked a visit, tour or class"
    CALL_BACK = "call_back", "Asked to be contacted later"
    NOT_INTERESTED = "not_interested", "Not interested"
    WRONG_DETAILS = "wrong_details", "Wrong number or address"
    DONE = "done", "Done"


class Sentiment(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"


class Interaction(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="interactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
    )
    interaction_type = models.CharField(max_length=32, choices=InteractionType.choices)
    subject = models.CharField(max_length=255, blank=True)
    content = models.TextField(blank=True)
    attachments = ArrayField(models.CharField(max_length=500), default=list, blank=True)
    status = models.CharField(
        max_length=16, choices=InteractionStatus.choices, default=InteractionStatus.COMPLETED
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    response_received = models.BooleanField(default=False)
    response_date = models.DateTimeField(null=True, blank=True)
    response_content = models.TextField(blank=True)
    sentiment = models.CharField(max_length=16, choices=Sentiment.choices, blank=True)
    # Not in the schema document: what came of the interaction (see Outcome).
    outcome = models.CharField(max_length=32, choices=Outcome.choices, blank=True)
    campaign_id = models.CharField(max_length=100, blank=True)
    template_id = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "interactions"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["person", "scheduled_at"], name="interactions_person_sched_idx"),
            models.Index(fields=["person", "-created_at"], name="interactions_person_time_idx"),
            # The timeline filtered by type: one person's calls, newest first, without reading
            # the rest of a long history.
            models.Index(
                fields=["person", "interaction_type", "-created_at", "-id"],
                name="interactions_person_type_idx",
            ),
            # My day's "replies not yet answered": the few interactions that carry a reply.
            models.Index(
                fields=["person", "response_date"],
                name="interactions_replies_idx",
                condition=models.Q(response_received=True),
            ),
            # Lists across all persons (the admin) read newest first along this.
            models.Index(fields=["created_at", "id"], name="interactions_created_idx"),
            models.Index(
                fields=["user", "scheduled_at"],
                name="interactions_user_due_idx",
                condition=models.Q(status="scheduled"),
            ),
            # The admin's status filter, newest first: missed and cancelled ones are rare, and
            # without it the page would walk interactions_created_idx past every completed one.
            models.Index(fields=["status", "created_at", "id"], name="interactions_status_idx"),
            # The admin's "negative sentiment" filter (unhappy persons to follow up). Only that
            # value is worth a list, so only its rows are indexed: a tenth of the table.
            models.Index(
                fields=["created_at", "id"],
                name="interactions_negative_idx",
                condition=models.Q(sentiment="negative"),
            ),
        ]
        constraints = [
            choices_check("interaction_type", InteractionType),
            choices_check("status", InteractionStatus),
            choices_check("sentiment", Sentiment, blank=True),
            choices_check("outcome", Outcome, blank=True),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__lte=24 * 60) | models.Q(duration_minutes__isnull=True),
                name="interaction_duration_within_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_interaction_type_display()} with {self.person}"
