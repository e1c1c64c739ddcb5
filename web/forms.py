"""Forms of the person page: one per section, the role extensions, roles, and creating a person.

Forms only parse and validate; the views hand cleaned_data to the services, which write.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from extensions.models import LeadExtension, MemberExtension, ReferralExtension
from extensions.services import ROLES
from orca.users.models import User
from orca.users.selectors import assignable_users
from persons.models import Person, normalize_phone

# The roles a person can hold, for the role checkboxes here and the list's role filter.
ROLE_CHOICES = [(role, spec.label.capitalize()) for role, spec in ROLES.items()]

CONTACT_TIME_CHOICES = [
    ("early_morning", "Early morning (before 9)"),
    ("morning", "Morning (9–12)"),
    ("afternoon", "Afternoon (12–17)"),
    ("evening", "Evening (after 17)"),
    ("weekend", "Weekends"),
]

# Keys of persons.address (jsonb), in the order a postal address is written.
ADDRESS_FIELDS = {
    "line1": "Street address",
    "line2": "Address line 2",
    "city": "City",
    "region": "State / region",
    "postal_code": "Postal code",
    "country": "Country",
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # The browser's date picker sends and shows ISO dates whatever the locale.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def clean_phone_value(raw: str) -> str:
    """E.164, or a ValidationError the form shows beside the field."""
    phone = normalize_phone(raw)
    if phone and not phone.startswith("+"):
        raise ValidationError("Enter a valid phone number.", code="invalid_phone")
    return phone


def assignee_field(field: forms.ModelChoiceField) -> None:
    """Make a model form's assigned_to offer the assignable users, and "Nobody" first."""
    field.queryset = assignable_users()
    field.empty_label = "Nobody (unassigned)"


class PersonContactCleaning:
    """How every person form cleans who the person is: the email trimmed and lower case, phones in
    E.164 (or refused), and a date of birth that is not in the future."""

    cleaned_data: dict[str, Any]

    def clean_email(self) -> str:
        return (self.cleaned_data.get("email") or "").strip().lower()

    def clean_phone(self) -> str:
        return clean_phone_value(self.cleaned_data.get("phone", ""))

    def clean_secondary_phone(self) -> str:
        return clean_phone_value(self.cleaned_data.get("secondary_phone", ""))

    def clean_dob(self) -> dt.date | None:
        dob = self.cleaned_data.get("dob")
        if dob and dob > dt.date.today():
            raise ValidationError("A date of birth cannot be in the future.")
        return dob


def split_list(raw: str) -> list[str]:
    """Comma- or line-separated text to a list without blanks or repeats, order kept."""
    items: list[str] = []
    for part in (raw or "").replace("\n", ",").split(","):
        part = part.strip()
        if part and part not in items:
            items.append(part)
    return items


class ListField(forms.CharField):
    """A text array edited as comma-separated text."""

    def __init__(self, *, max_item_length: int = 200, lowercase: bool = False, **kwargs: Any):
        self.max_item_length = max_item_length
        self.lowercase = lowercase
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Separate items with commas.")
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value or ""

    def to_python(self, value: Any) -> list[str]:
        items = split_list(super().to_python(value))
        if self.lowercase:
            items = list(dict.fromkeys(item.lower() for item in items))
        too_long = [item for item in items if len(item) > self.max_item_length]
        if too_long:
            raise ValidationError(
                f"Each item is at most {self.max_item_length} characters; “{too_long[0][:30]}…” is longer."
            )
        return items

    def run_validators(self, value: list[str]) -> None:
        # CharField's validators are for one string. Given the list, the NUL check would look at
        # str(list), where a NUL shows as the four characters "\x00", and let it reach PostgreSQL.
        for item in value:
            super().run_validators(item)


class ConcurrencyForm(forms.ModelForm):
    """A model form that remembers which version of the row it was loaded from.

    The hidden expected_updated_at goes back to the service, which refuses the save if the row
    changed since (ConcurrentEditError), so a second editor cannot silently overwrite the first.
    """

    expected_updated_at = forms.DateTimeField(
        widget=forms.HiddenInput,
        error_messages={"required": "This form is missing its version; reload the page and try again."},
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk:
            self.initial["expected_updated_at"] = self.instance.updated_at.isoformat()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # A hidden field's error would show nowhere; say it above the fields instead.
        version_errors = self._errors.pop("expected_updated_at", None)
        if version_errors:
            self.add_error(None, version_errors)
        return data

    def changes(self) -> dict[str, Any]:
        """What the service should write: every model field of the form, cleaned."""
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


# --- Person sections ----------------------------------------------------------------------------


class PersonProfileForm(PersonContactCleaning, ConcurrencyForm):
    """Who they are and how to reach them."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        address = self.instance.address or {}
        for key, label in ADDRESS_FIELDS.items():
            self.fields[f"address_{key}"] = forms.CharField(label=label, max_length=200, required=False)
            if not self.is_bound:
                self.initial[f"address_{key}"] = address.get(key, "")

    class Meta:
        model = Person
        fields = ["first_name", "last_name", "email", "phone", "secondary_phone", "dob", "gender"]
        widgets = {"dob": DateInput()}
        labels = {"phone": "Phone", "secondary_phone": "Second phone"}
        help_texts = {"phone": "Any format; saved as +15551234567.", "secondary_phone": ""}

    def changes(self) -> dict[str, Any]:
        data = super().changes()
        # Keys the form does not know (set by an import, say) survive an edit.
        address = dict(self.instance.address or {})
        for key in ADDRESS_FIELDS:
            value = self.cleaned_data.get(f"address_{key}", "").strip()
            if value:
                address[key] = value
            else:
                address.pop(key, None)
        data["address"] = address
        return data


class PersonPreferencesForm(ConcurrencyForm):
    """How and when they want to hear from the club, and what they are looking for."""

    preferred_contact_times = forms.MultipleChoiceField(
        choices=CONTACT_TIME_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    interested_services = forms.MultipleChoiceField(
        choices=Person._meta.get_field("interested_services").base_field.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Person
        fields = [
            "preferred_contact_method",
            "preferred_contact_times",
            "contact_frequency_preference",
            "email_opt_in",
            "sms_opt_in",
            "do_not_contact_until",
            "interest_level",
            "goals",
            "preferred_membership",
            "interested_services",
            "budget_range",
            "payment_preferences",
            "price_sensitivity",
        ]
        widgets = {"do_not_contact_until": DateTimeInput(), "goals": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "email_opt_in": "Agreed to marketing email",
            "sms_opt_in": "Agreed to marketing SMS",
            "do_not_contact_until": "Do not contact until",
            "contact_frequency_preference": "Contact frequency",
            "payment_preferences": "Payment preference",
        }
        help_texts = {"do_not_contact_until": "Leave empty when they may be contacted."}


class PersonNotesForm(ConcurrencyForm):
    """Tags, free notes and who looks after them."""

    tags = ListField(max_item_length=50, lowercase=True)

    class Meta:
        model = Person
        fields = ["tags", "notes", "assigned_to"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 5})}
        labels = {"assigned_to": "Assigned to"}

    def __init__(self, *args: Any, can_reassign: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if can_reassign:
            assignee_field(self.fields["assigned_to"])
        else:
            # The view decides; a form without the field cannot change it, whatever is posted.
            del self.fields["assigned_to"]


# --- Role extensions --------------------------------------------------------------------------


def percent_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=100, required=False)


def money_field(label: str, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=0, max_digits=12, decimal_places=2, required=required)


class ExtensionForm(ConcurrencyForm):
    """A role's data. The status field is handed to extension_change_status by the service."""

    status_field: str = ""
    status_note = forms.CharField(
        label="Note on the status change",
        required=False,
        max_length=500,
        help_text="Kept in the status history when the status changes.",
    )


class LeadExtensionForm(ExtensionForm):
    status_field = "lead_status"
    readiness_score = percent_field("Readiness (0–100)")
    conversion_probability = percent_field("Conversion probability (%)")
    estimated_value = money_field("Estimated value ($)")
    competitor_considerations = ListField(label="Other clubs considered")
    pain_points = ListField()
    motivations = ListField()
    objections = ListField()
    conversion_blockers = ListField()

    class Meta:
        model = LeadExtension
        fields = [
            "lead_status",
            "lead_temperature",
            "readiness_score",
            "conversion_probability",
            "estimated_value",
            "decision_authority",
            "decision_timeline",
            "previous_experience",
            "visit_completed",
            "visit_date",
            "trial_status",
            "trial_start_date",
            "trial_end_date",
            "payment_info_collected",
            "motivations",
            "pain_points",
            "objections",
            "competitor_considerations",
            "conversion_blockers",
        ]
        widgets = {
            "visit_date": DateTimeInput(),
            "trial_start_date": DateTimeInput(),
            "trial_end_date": DateTimeInput(),
        }
        labels = {
            "lead_status": "Status",
            "lead_temperature": "Temperature",
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("trial_start_date"), data.get("trial_end_date")
        if start and end and end < start:
            self.add_error("trial_end_date", "The trial cannot end before it starts.")
        return data


class ReferralExtensionForm(ExtensionForm):
    status_field = "referral_status"
    conversion_probability = percent_field("Conversion probability (%)")
    eligible_incentives = ListField()
    incentives_awarded = ListField()

    class Meta:
        model = ReferralExtension
        fields = [
            "referral_status",
            "relationship_to_referrer",
            "relationship_strength",
            "permission_level",
            "appointment_date",
            "appointment_status",
            "conversion_status",
            "conversion_date",
            "conversion_probability",
            "eligible_incentives",
            "incentives_awarded",
        ]
        widgets = {"appointment_date": DateTimeInput(), "conversion_date": DateTimeInput()}
        labels = {
            "referral_status": "Status",
            "permission_level": "Referrer's permission",
        }


class MemberExtensionForm(ExtensionForm):
    status_field = "membership_status"
    billing_day = forms.IntegerField(label="Billing day (1–28)", min_value=1, max_value=28, required=False)
    current_monthly_spend = money_field("Monthly spend ($)", required=True)
    satisfaction_score = percent_field("Satisfaction (0–100)")
    retention_actions = ListField()

    class Meta:
        model = MemberExtension
        fields = [
            "membership_status",
            "membership_type",
            "join_date",
            "membership_end_date",
            "billing_day",
            "payment_status",
            "current_monthly_spend",
            "satisfaction_score",
            "churn_risk",
            "retention_actions",
        ]
        widgets = {"join_date": DateTimeInput(), "membership_end_date": DateTimeInput()}
        labels = {
            "membership_status": "Status",
            "membership_end_date": "Membership ends",
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("join_date"), data.get("membership_end_date")
        if start and end and end < start:
            self.add_error("membership_end_date", "A membership cannot end before it starts.")
        return data


# --- Roles and creating a person ---------------------------------------------------------------


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )


class PersonCreateForm(PersonContactCleaning, forms.ModelForm):
    roles = forms.MultipleChoiceField(
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Each role gets its own section on the person page.",
    )

    class Meta:
        model = Person
        fields = [
            "first_name",
            "last_name",
            "email",
            "phone",
            "dob",
            "gender",
            "acquisition_source",
            "preferred_contact_method",
            "email_opt_in",
            "sms_opt_in",
            "assigned_to",
            "notes",
        ]
        widgets = {"dob": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "email_opt_in": "Agreed to marketing email",
            "sms_opt_in": "Agreed to marketing SMS",
            "assigned_to": "Assigned to",
        }
        help_texts = {"phone": "Any format; saved as +15551234567."}

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if user.is_manager:
            assignee_field(self.fields["assigned_to"])
        else:
            # Staff look after the persons they add (person_create assigns them); a manager can
            # reassign later.
            del self.fields["assigned_to"]

    def person_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class DuplicateCheckForm(forms.Form):
    """What is typed so far into the new-person form, for the live duplicate warning.

    Nothing is required; CharField refuses NUL characters (PostgreSQL text cannot hold them) and
    anything longer than the column, which the create form's inputs cannot send.
    """

    first_name = forms.CharField(required=False, max_length=150)
    last_name = forms.CharField(required=False, max_length=150)
    email = forms.CharField(required=False, max_length=254)
    phone = forms.CharField(required=False, max_length=32)
