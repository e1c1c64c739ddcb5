"""Person: everyone the club knows, in one table, whatever roles they hold."""

import phonenumbers
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Func, TextField
from django.db.models.functions import Lower

from orca.db import TimeStampedModel, choices_check, percent_check

from . import choices

# What a club needs to know to serve someone well; each present field earns an equal share of
# profile_completeness.
COMPLETENESS_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "dob",
    "gender",
    "address",
    "preferred_contact_method",
    "goals",
    "interest_level",
    "interested_services",
    "acquisition_source",
)

ROLE_FLAGS = {"lead": "is_lead", "referral": "is_referral", "member": "is_member"}


class FullNameLower(Func):
    """lower(first_name || ' ' || last_name): the text the name search matches against.

    The trigram index persons_full_name_trgm is built on this very expression; PostgreSQL uses an
    expression index only for the identical expression, so the search must use this class too.
    """

    function = "LOWER"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self, **extra) -> None:
        super().__init__(F("first_name"), F("last_name"), **extra)


def normalize_phone(raw: str, region: str | None = None) -> str:
    """E.164 for a valid number; the stripped input when it cannot be parsed (forms refuse those)."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return raw
    if not phonenumbers.is_possible_number(number):
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Person(TimeStampedModel):
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=32, blank=True, help_text="Stored in E.164 (+15551234567).")
    secondary_phone = models.CharField(max_length=32, blank=True)
    address = models.JSONField(default=dict, blank=True)
    dob = models.DateField("date of birth", null=True, blank=True)
    gender = models.CharField(max_length=32, choices=choices.Gender.choices, blank=True)
    preferred_contact_method = models.CharField(
        max_length=16, choices=choices.ContactMethod.choices, blank=True
    )
    preferred_contact_times = models.JSONField(default=list, blank=True)
    contact_frequency_preference = models.CharField(
        max_length=32, choices=choices.ContactFrequency.choices, blank=True
    )
    do_not_contact_until = models.DateTimeField(null=True, blank=True)
    email_opt_in = models.BooleanField(default=False)
    sms_opt_in = models.BooleanField(default=False)
    social_profiles = models.JSONField(default=dict, blank=True)

    is_lead = models.BooleanField(default=False)
    is_referral = models.BooleanField(default=False)
    is_member = models.BooleanField(default=False)
    active_status = models.BooleanField(default=True)

    acquisition_source = models.CharField(
        max_length=32, choices=choices.AcquisitionSource.choices, blank=True
    )
    acquisition_campaign = models.CharField(max_length=200, blank=True)
    acquisition_date = models.DateTimeField(null=True, blank=True)
    utm_parameters = models.JSONField(default=dict, blank=True)
    referral_source = models.CharField(max_length=200, blank=True)

    interest_level = models.CharField(max_length=16, choices=choices.InterestLevel.choices, blank=True)
    goals = models.TextField(blank=True)
    preferred_membership = models.CharField(max_length=32, choices=choices.MembershipType.choices, blank=True)
    interested_services = ArrayField(
        models.CharField(max_length=32, choices=choices.Service.choices), default=list, blank=True
    )
    preferred_schedule = models.JSONField(default=dict, blank=True)
    special_requirements = models.TextField(blank=True)
    budget_range = models.CharField(max_length=16, choices=choices.BudgetRange.choices, blank=True)
    payment_preferences = models.CharField(
        max_length=32, choices=choices.PaymentPreference.choices, blank=True
    )
    price_sensitivity = models.CharField(max_length=16, choices=choices.PriceSensitivity.choices, blank=True)
    profile_completeness = models.PositiveSmallIntegerField(default=0, editable=False)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_column="assigned_to",
        related_name="assigned_persons",
    )
    last_contacted = models.DateTimeField(null=True, blank=True)
    next_scheduled_contact = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        db_table = "persons"
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["is_lead"], name="persons_is_lead_idx", condition=models.Q(is_lead=True)),
            models.Index(
                fields=["is_referral"], name="persons_is_referral_idx", condition=models.Q(is_referral=True)
            ),
            models.Index(
                fields=["is_member"], name="persons_is_member_idx", condition=models.Q(is_member=True)
            ),
            models.Index(fields=["assigned_to", "last_name", "first_name"], name="persons_assigned_idx"),
            # A pipeline board joins each card to its person and filters by owner and source: for
            # one role's persons, these answer both from the index alone (bench/README.md).
            *(
                models.Index(
                    fields=["id"],
                    include=["assigned_to", "acquisition_source"],
                    condition=models.Q(**{flag: True}),
                    name=f"persons_{role}_cover_idx",
                )
                for role, flag in ROLE_FLAGS.items()
            ),
            *(
                models.Index(
                    fields=["assigned_to", "id"],
                    condition=models.Q(**{flag: True}),
                    name=f"persons_{role}_owner_idx",
                )
                for role, flag in ROLE_FLAGS.items()
            ),
            models.Index(fields=["last_name", "first_name", "id"], name="persons_name_sort_idx"),
            models.Index(fields=["created_at", "id"], name="persons_created_idx"),
            models.Index(fields=["last_contacted", "id"], name="persons_last_contacted_idx"),
            models.Index(fields=["next_scheduled_contact", "id"], name="persons_next_contact_idx"),
            models.Index(fields=["interest_level"], name="persons_interest_idx"),
            models.Index(fields=["acquisition_source"], name="persons_source_idx"),
            GinIndex(fields=["tags"], name="persons_tags_gin"),
            # Each name on its own: the duplicate check (`%`) and the admin's search (LIKE).
            GinIndex(OpClass(Lower("first_name"), name="gin_trgm_ops"), name="persons_first_name_trgm"),
            GinIndex(OpClass(Lower("last_name"), name="gin_trgm_ops"), name="persons_last_name_trgm"),
            GinIndex(OpClass(Lower("email"), name="gin_trgm_ops"), name="persons_email_trgm"),
            # The name search: one bitmap scan per word over first and last name together.
            GinIndex(OpClass(FullNameLower(), name="gin_trgm_ops"), name="persons_full_name_trgm"),
            # Exact email (the duplicate check) and email prefixes (LIKE 'x%' under any collation).
            models.Index(OpClass(Lower("email"), name="text_pattern_ops"), name="persons_email_lower_idx"),
            GinIndex(OpClass("phone", name="gin_trgm_ops"), name="persons_phone_trgm"),
        ]
        constraints = [
            choices_check("gender", choices.Gender, blank=True),
            choices_check("preferred_contact_method", choices.ContactMethod, blank=True),
            choices_check("contact_frequency_preference", choices.ContactFrequency, blank=True),
            choices_check("acquisition_source", choices.AcquisitionSource, blank=True),
            choices_check("interest_level", choices.InterestLevel, blank=True),
            choices_check("preferred_membership", choices.MembershipType, blank=True),
            choices_check("budget_range", choices.BudgetRange, blank=True),
            choices_check("payment_preferences", choices.PaymentPreference, blank=True),
            choices_check("price_sensitivity", choices.PriceSensitivity, blank=True),
            percent_check("profile_completeness"),
            # Each element of the array, not only the column, is one of the services a club offers.
            models.CheckConstraint(
                condition=models.Q(interested_services__contained_by=choices.Service.values),
                name="person_interested_services_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def roles(self) -> set[str]:
        return {role for role, flag in ROLE_FLAGS.items() if getattr(self, flag)}

    def compute_profile_completeness(self) -> int:
        filled = sum(1 for name in COMPLETENESS_FIELDS if getattr(self, name) not in (None, "", [], {}))
        return round(100 * filled / len(COMPLETENESS_FIELDS))

    def save(self, *args, **kwargs):
        # Every path that saves a person (forms, admin, services, seed) keeps these right.
        self.email = (self.email or "").strip().lower()
        self.phone = normalize_phone(self.phone)
        self.secondary_phone = normalize_phone(self.secondary_phone)
        self.profile_completeness = self.compute_profile_completeness()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields,
                "email",
                "phone",
                "secondary_phone",
                "profile_completeness",
                "updated_at",
            }
        super().save(*args, **kwargs)
