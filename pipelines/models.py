"""What a club sets about its pipelines: how long a card may sit in a stage, and its closed days."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from orca.db import TimeStampedModel


class PipelineKey(models.TextChoices):
    LEADS = "leads", "Leads"
    REFERRALS = "referrals", "Referrals"
    MEMBERS = "members", "Members"


class StageLimit(TimeStampedModel):
    """A card in this stage for more than `days` is stale ("rotten") on the board.

    Migration 0002 creates the club's defaults for the stages where waiting means something is
    wrong (every open lead and referral stage; a member pending, frozen or past due). A stage
    without a row never goes stale: an active member is not "stale".
    """

    pipeline = models.CharField(max_length=16, choices=PipelineKey.choices)
    status = models.CharField(max_length=32)
    days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(3650)])

    class Meta:
        db_table = "pipeline_stage_limits"
        ordering = ["pipeline", "status"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "status"], name="stage_limit_once"),
            models.CheckConstraint(
                condition=models.Q(days__gte=1, days__lte=3650), name="stage_limit_days_1_3650"
            ),
            models.CheckConstraint(
                condition=models.Q(pipeline__in=PipelineKey.values), name="stage_limit_pipeline_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_pipeline_display()}: {self.status} after {self.days} days"


class ClubClosedDay(TimeStampedModel):
    """A day the club is closed (a holiday): it does not break a member's attendance streak.

    Days closed every week are settings.CLUB_CLOSED_WEEKDAYS.
    """

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "club_closed_days"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}".strip()
