"""Role data: one extension row per role a person has ever held (created on first taking it).

Dropping a role keeps its extension, so taking the role again brings the history back. A database
trigger (sql/extension_role_guard_v1.sql) refuses an extension for a role the person does not hold.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

from orca.db import TimeStampedModel, choices_check, percent_check
from persons.choices import MembershipType, Strength
from persons.models import Person

from . import choices


def text_array():
    return ArrayField(models.CharField(max_length=200), default=list, blank=True)


def stage_entered_at_field():
    """When the current status began: the `at` of status_history's last entry, kept as a column
    (not in the schema document) so boards sort, filter and count days in stage along an index."""
    return models.DateTimeField(default=timezone.now, db_default=Now(), editable=False)


def money(**kwargs):
    return models.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class LeadExtension(TimeStampedModel):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="lead")
    decision_authority = models.CharField(
        max_length=32, choices=choices.DecisionAuthority.choices, blank=True
    )
    decision_timeline = models.CharField(max_length=32, choices=choices.DecisionTimeline.choices, blank=True)
    previous_experience = models.CharField(max_length=32, choices=choices.Experience.choices, blank=True)
    competitor_considerations = text_array()
    pain_points = text_array()
    motivations = text_array()
    objections = text_array()
    readiness_score = models.PositiveSmallIntegerField(null=True, blank=True)
    lead_temperature = models.CharField(
        max_length=16, choices=choices.LeadTemperature.choices, default=choices.LeadTemperature.WARM
    )
    lead_status = models.CharField(
        max_length=32, choices=choices.LeadStatus.choices, default=choices.LeadStatus.NEW
    )
    status_history = ArrayField(models.JSONField(), default=list, blank=True, editable=False)
    stage_duration_days = models.JSONField(default=dict, blank=True, editable=False)
    stage_entered_at = stage_entered_at_field()
    # Not in the schema document: why a lost lead was lost (one of their objections or blockers).
    lost_reason = models.CharField(max_length=200, blank=True, db_default="")
    visit_completed = models.BooleanField(default=False)
    visit_date = models.DateTimeField(null=True, blank=True)
    trial_status = models.CharField(
        max_length=16, choices=choices.TrialStatus.choices, default=choices.TrialStatus.NOT_STARTED
    )
    trial_start_date = models.DateTimeField(null=True, blank=True)
    trial_end_date = models.DateTimeField(null=True, blank=True)
    forms_completed = models.JSONField(default=dict, blank=True)
    documents_shared = text_array()
    payment_info_collected = models.BooleanField(default=False)
    conversion_probability = models.PositiveSmallIntegerField(null=True, blank=True)
    estimated_value = money(null=True, blank=True)
    conversion_blockers = text_array()

    class Meta:
        db_table = "lead_extensions"
        indexes = [
            models.Index(fields=["lead_status"], name="lead_ext_status_idx"),
            # A board column: one status, longest in the stage first (and keyset paging on it).
            models.Index(fields=["lead_status", "stage_entered_at", "person"], name="lead_ext_board_idx"),
            # The pipeline numbers read only the rows changed since the period began.
            models.Index(fields=["updated_at"], name="lead_ext_updated_idx"),
            # The pipeline table sorted by days in stage, across statuses.
            models.Index(fields=["stage_entered_at", "person"], name="lead_ext_entered_idx"),
            models.Index(fields=["lead_temperature"], name="lead_ext_temperature_idx"),
        ]
        constraints = [
            choices_check("lead_status", choices.LeadStatus),
            choices_check("lead_temperature", choices.LeadTemperature),
            choices_check("decision_authority", choices.DecisionAuthority, blank=True),
            choices_check("decision_timeline", choices.DecisionTimeline, blank=True),
            choices_check("previous_experience", choices.Experience, blank=True),
            choices_check("trial_status", choices.TrialStatus),
            percent_check("readiness_score"),
            percent_check("conversion_probability"),
            models.CheckConstraint(
                condition=models.Q(estimated_value__gte=0) | models.Q(estimated_value__isnull=True),
                name="leadextension_estimated_value_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Lead: {self.person}"


class ReferralExtension(TimeStampedModel):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="referral")
    relationship_to_referrer = models.CharField(
        max_length=32, choices=choices.RelationshipToReferrer.choices, blank=True
    )
    relationship_strength = models.CharField(max_length=16, choices=Strength.choices, blank=True)
    permission_level = models.CharField(
        max_length=32, choices=choices.PermissionLevel.choices, default=choices.PermissionLevel.NOT_ASKED
    )
    referral_status = models.CharField(
        max_length=32, choices=choices.ReferralStatus.choices, default=choices.ReferralStatus.RECEIVED
    )
    status_history = ArrayField(models.JSONField(), default=list, blank=True, editable=False)
    time_in_stage_days = models.JSONField(default=dict, blank=True, editable=False)
    stage_entered_at = stage_entered_at_field()
    appointment_date = models.DateTimeField(null=True, blank=True)
    appointment_status = models.CharField(
        max_length=16,
        choices=choices.AppointmentStatus.choices,
        default=choices.AppointmentStatus.NOT_SCHEDULED,
    )
    google_calendar_event_id = models.CharField(max_length=255, blank=True)
    conversion_status = models.CharField(
        max_length=16, choices=choices.ConversionStatus.choices, default=choices.ConversionStatus.PENDING
    )
    conversion_date = models.DateTimeField(null=True, blank=True)
    conversion_probability = models.PositiveSmallIntegerField(null=True, blank=True)
    eligible_incentives = text_array()
    incentives_awarded = text_array()
    marketing_materials_sent = text_array()
    campaign_enrollments = text_array()
    nurture_sequence_status = models.JSONField(default=dict, blank=True)

    class Meta:
        db_table = "referral_extensions"
        indexes = [
            models.Index(fields=["referral_status"], name="referral_ext_status_idx"),
            models.Index(
                fields=["referral_status", "stage_entered_at", "person"], name="referral_ext_board_idx"
            ),
            models.Index(fields=["updated_at"], name="referral_ext_updated_idx"),
            # The pipeline table sorted by days in stage, across statuses.
            models.Index(fields=["stage_entered_at", "person"], name="referral_ext_entered_idx"),
            models.Index(fields=["appointment_status", "appointment_date"], name="referral_ext_appt_idx"),
            models.Index(fields=["conversion_status"], name="referral_ext_conversion_idx"),
        ]
        constraints = [
            choices_check("referral_status", choices.ReferralStatus),
            choices_check("relationship_to_referrer", choices.RelationshipToReferrer, blank=True),
            choices_check("relationship_strength", Strength, blank=True),
            choices_check("permission_level", choices.PermissionLevel),
            choices_check("appointment_status", choices.AppointmentStatus),
            choices_check("conversion_status", choices.ConversionStatus),
            percent_check("conversion_probability"),
        ]

    def __str__(self) -> str:
        return f"Referral: {self.person}"


class MemberExtension(TimeStampedModel):
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="member")
    membership_type = models.CharField(
        max_length=32, choices=MembershipType.choices, default=MembershipType.STANDARD
    )
    membership_status = models.CharField(
        max_length=16, choices=choices.MembershipStatus.choices, default=choices.MembershipStatus.PENDING
    )
    # Not in the schema document: members move through statuses too, and keep the same history
    # as leads and referrals (see extensions.services.extension_change_status).
    status_history = ArrayField(models.JSONField(), default=list, blank=True, editable=False)
    stage_duration_days = models.JSONField(default=dict, blank=True, editable=False)
    stage_entered_at = stage_entered_at_field()
    join_date = models.DateTimeField(null=True, blank=True)
    membership_end_date = models.DateTimeField(null=True, blank=True)
    billing_day = models.PositiveSmallIntegerField(null=True, blank=True)
    check_in_count = models.PositiveIntegerField(default=0)
    last_check_in = models.DateTimeField(null=True, blank=True)
    attendance_streak = models.PositiveIntegerField(default=0)
    classes_attended = text_array()
    lifetime_value = money(default=0)
    current_monthly_spend = money(default=0)
    payment_status = models.CharField(
        max_length=16, choices=choices.PaymentStatus.choices, default=choices.PaymentStatus.CURRENT
    )
    satisfaction_score = models.PositiveSmallIntegerField(null=True, blank=True)
    churn_risk = models.CharField(
        max_length=16, choices=choices.ChurnRisk.choices, default=choices.ChurnRisk.LOW
    )
    # Not in the schema document: what the nightly churn job based churn_risk on, for the card.
    churn_reason = models.CharField(max_length=200, blank=True, editable=False, db_default="")
    retention_actions = text_array()
    referral_count = models.PositiveIntegerField(default=0)
    successful_referrals = models.PositiveIntegerField(default=0)
    referral_rewards_earned = money(default=0)

    class Meta:
        db_table = "member_extensions"
        indexes = [
            models.Index(fields=["membership_status"], name="member_ext_status_idx"),
            models.Index(
                fields=["membership_status", "stage_entered_at", "person"], name="member_ext_board_idx"
            ),
            models.Index(fields=["updated_at"], name="member_ext_updated_idx"),
            # The pipeline table sorted by days in stage, across statuses.
            models.Index(fields=["stage_entered_at", "person"], name="member_ext_entered_idx"),
            models.Index(fields=["payment_status"], name="member_ext_payment_idx"),
            models.Index(fields=["churn_risk"], name="member_ext_churn_idx"),
        ]
        constraints = [
            choices_check("membership_type", MembershipType),
            choices_check("membership_status", choices.MembershipStatus),
            choices_check("payment_status", choices.PaymentStatus),
            choices_check("churn_risk", choices.ChurnRisk),
            percent_check("satisfaction_score"),
            models.CheckConstraint(
                condition=models.Q(billing_day__gte=1, billing_day__lte=28)
                | models.Q(billing_day__isnull=True),
                name="memberextension_billing_day_1_28",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    lifetime_value__gte=0, current_monthly_spend__gte=0, referral_rewards_earned__gte=0
                ),
                name="memberextension_money_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(successful_referrals__lte=models.F("referral_count")),
                name="memberextension_successful_le_referrals",
            ),
        ]

    def __str__(self) -> str:
        return f"Member: {self.person}"


# --- The three SQL views (sql/*_view_v1.sql), read-only -------------------------------------------


def _view_model(name: str, view: str, extension: type[models.Model], prefix: str, extra: dict | None = None):
    """An unmanaged model over a role view: every person column, then the extension's columns.

    The fields are cloned from Person and the extension so the two cannot drift apart silently;
    extensions/tests/test_views.py checks the view's columns against this model.
    """
    from django.conf import settings as django_settings

    attrs: dict = {"__module__": __name__}
    for field in Person._meta.concrete_fields:
        if field.name == "assigned_to":
            attrs[field.name] = models.ForeignKey(
                django_settings.AUTH_USER_MODEL,
                on_delete=models.DO_NOTHING,
                null=True,
                db_column="assigned_to",
                related_name="+",
            )
        else:
            attrs[field.name] = field.clone()
    for field in extension._meta.concrete_fields:
        if field.name == "person":
            continue
        if field.name in ("id", "created_at", "updated_at"):
            attrs[f"{prefix}_{field.name}"] = type(field)(null=True)
        else:
            attrs[field.name] = field.clone()
    attrs.update(extra or {})
    attrs["Meta"] = type(
        "Meta", (), {"managed": False, "db_table": view, "ordering": ["last_name", "first_name"]}
    )
    return type(name, (models.Model,), attrs)


LeadView = _view_model("LeadView", "leads_view", LeadExtension, "lead")
ReferralView = _view_model(
    "ReferralView",
    "referrals_view",
    ReferralExtension,
    "referral",
    extra={
        # Who referred them (sql/referrals_view_v2.sql): the primary referrer, and every
        # referrer's name, primary first.
        "primary_referrer_id": models.UUIDField(null=True),
        "referrer_names": ArrayField(models.TextField(), default=list),
    },
)
MemberView = _view_model("MemberView", "members_view", MemberExtension, "member")
