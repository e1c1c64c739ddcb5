"""The morning summary's claim: one row per user and day, taken before the email goes out."""

from django.conf import settings
from django.db import models

from orca.db import choices_check


class SummaryStatus(models.TextChoices):
    SENDING = "sending", "Sending"  # claimed; a crash mid-send leaves it here, visible, never resent
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"  # the mail server refused: a later run may claim it again
    NOTHING = "nothing", "Nothing to send"  # an empty day: no email, and no second look


class MorningSummary(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    status = models.CharField(max_length=16, choices=SummaryStatus.choices, default=SummaryStatus.SENDING)
    claimed_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        db_table = "morning_summaries"
        ordering = ["-day", "user"]
        verbose_name_plural = "morning summaries"
        constraints = [
            # The claim itself: a second run for the same user and day finds the row and stops.
            models.UniqueConstraint(fields=["user", "day"], name="morning_summary_once_per_day"),
            choices_check("status", SummaryStatus),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.day:%Y-%m-%d} · {self.get_status_display()}"
