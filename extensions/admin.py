"""The admin for role data: the Person page with its roles and extension inlines, the three
extension admins, and the three role views (read-only).

An extension exists only because its person took the role (extensions.services.person_set_roles
creates it; a database trigger refuses any other insert), so no admin page adds one: a manager
gives the role on the person. Every change goes through the services, so status_history and the
stage durations stay true: extension_update for a role's fields and, with a new status,
extension_change_status (which it calls). A role the person has dropped keeps its data,
shown read-only until the role is given again.
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from orca.users.models import User
from persons.admin import (
    LargeTableMixin,
    LoadedAtField,
    PersonAdmin,
    PersonSearchMixin,
    ServiceErrorsMixin,
    parse_loaded_at,
    without_fields,
)
from persons.models import ROLE_FLAGS, Person

from .models import LeadExtension, LeadView, MemberExtension, MemberView, ReferralExtension, ReferralView
from .selectors import StatusHistoryRow, status_history_rows
from .services import ROLES, extension_update, person_set_roles

ROLE_OF_MODEL: dict[type[models.Model], str] = {spec.extension: role for role, spec in ROLES.items()}

# --- Reading status_history -----------------------------------------------------------------------


def _who(row: StatusHistoryRow) -> str:
    if row.by is not None:
        return str(row.by)
    if row.by_system:
        return "system"
    try:
        uuid.UUID(row.by_id)
    except ValueError:
        return row.by_id  # what an import wrote ("import", a name), as written
    return "a removed user"


def status_history_html(history: list[dict], statuses: type[models.TextChoices]) -> str:
    """status_history as a small table: status, when, by whom, note (oldest first).

    The rows come from extensions.selectors.status_history_rows, which the staff app's person
    page reads too, so both show the same history the same way.
    """
    rows = status_history_rows(history, statuses=statuses)
    if not rows:
        return "No status changes recorded."

    def cells(row: StatusHistoryRow) -> tuple[str, str, str, str]:
        when = date_format(timezone.localtime(row.at), "DATETIME_FORMAT") if row.at else row.at_text
        return row.label, when, _who(row), row.note

    body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", map(cells, rows))
    return format_html(
        '<table class="status-history"><thead><tr><th scope="col">Status</th><th scope="col">When</th>'
        '<th scope="col">By</th><th scope="col">Note</th></tr></thead><tbody>{}</tbody></table>',
        body,
    )


def durations_text(durations: dict, statuses: type[models.TextChoices]) -> str:
    if not durations:
        return "—"
    labels = dict(statuses.choices)
    return " · ".join(f"{labels.get(status, status)}: {days:g} days" for status, days in durations.items())


class RoleDisplayMixin:
    """The readonly history columns, for any admin showing extension rows or role-view rows."""

    role: str

    @admin.display(description="Status history")
    def status_history_table(self, obj) -> str:
        return status_history_html(obj.status_history or [], ROLES[self.role].statuses)

    @admin.display(description="Days in each status")
    def durations(self, obj) -> str:
        spec = ROLES[self.role]
        return durations_text(getattr(obj, spec.durations_field) or {}, spec.statuses)


# --- What each role shows -------------------------------------------------------------------------

HISTORY = ("History", {"fields": ("status_history_table", "durations")})
READONLY = ("status_history_table", "durations", "created_at", "updated_at")
RECORD = ("Record", {"classes": ("collapse",), "fields": (("created_at", "updated_at"),)})

FIELDSETS: dict[str, tuple] = {
    "lead": (
        (
            "Status",
            {
                "fields": (
                    ("lead_status", "status_note"),
                    ("lead_temperature", "readiness_score", "conversion_probability"),
                    "estimated_value",
                    "loaded_at",
                )
            },
        ),
        HISTORY,
        (
            "Decision, visit and trial",
            {
                "fields": (
                    ("decision_authority", "decision_timeline", "previous_experience"),
                    ("visit_completed", "visit_date"),
                    ("trial_status", "trial_start_date", "trial_end_date"),
                    "payment_info_collected",
                )
            },
        ),
        (
            "What they said",
            {
                "classes": ("collapse",),
                "fields": (
                    "motivations",
                    "pain_points",
                    "objections",
                    "competitor_considerations",
                    "conversion_blockers",
                    "documents_shared",
                    "forms_completed",
                ),
            },
        ),
        RECORD,
    ),
    "referral": (
        (
            "Status",
            {
                "fields": (
                    ("referral_status", "status_note"),
                    ("permission_level", "conversion_probability"),
                    ("relationship_to_referrer", "relationship_strength"),
                    "loaded_at",
                )
            },
        ),
        HISTORY,
        (
            "Appointment and conversion",
            {
                "fields": (
                    ("appointment_status", "appointment_date"),
                    "google_calendar_event_id",
                    ("conversion_status", "conversion_date"),
                )
            },
        ),
        (
            "Incentives and nurture",
            {
                "classes": ("collapse",),
                "fields": (
                    "eligible_incentives",
                    "incentives_awarded",
                    "marketing_materials_sent",
                    "campaign_enrollments",
                    "nurture_sequence_status",
                ),
            },
        ),
        RECORD,
    ),
    "member": (
        (
            "Status",
            {
                "fields": (
                    ("membership_status", "status_note"),
                    ("membership_type", "payment_status", "billing_day"),
                    ("join_date", "membership_end_date"),
                    "loaded_at",
                )
            },
        ),
        HISTORY,
        (
            "Attendance and value",
            {
                "fields": (
                    ("check_in_count", "last_check_in", "attendance_streak"),
                    ("lifetime_value", "current_monthly_spend"),
                    ("satisfaction_score", "churn_risk"),
                    "classes_attended",
                    "retention_actions",
                )
            },
        ),
        (
            "Referrals",
            {"fields": (("referral_count", "successful_referrals", "referral_rewards_earned"),)},
        ),
        RECORD,
    ),
}
# Kept by other services (relationships counts the referrals, the conversion pipeline the successes).
DERIVED: dict[str, tuple[str, ...]] = {
    "lead": (),
    "referral": (),
    "member": ("referral_count", "successful_referrals"),
}


FORM_ONLY = ("status_note", "loaded_at")


def role_fieldsets(role: str, *, editable: bool) -> tuple:
    """The role's fieldsets; read-only ones leave out the form's own fields (note, loaded_at)."""
    return FIELDSETS[role] if editable else without_fields(FIELDSETS[role], FORM_ONLY)


def all_fields(role: str) -> list[str]:
    return list(flatten_fieldsets(role_fieldsets(role, editable=False)))


# --- Editing an extension -------------------------------------------------------------------------


class ExtensionForm(forms.ModelForm):
    """A role's fields. The status may only change while the person holds the role."""

    status_note = forms.CharField(
        required=False,
        max_length=500,
        label="Note",
        help_text="Saved in the status history with a new status.",
    )
    loaded_at = LoadedAtField()

    def __init__(self, *args, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if person is not None:
            # The Person being saved on the same page, with the role flags as posted.
            self.instance.person = person
        if self.instance.pk:
            self.fields["loaded_at"].initial = self.instance.updated_at.isoformat()

    @property
    def role(self) -> str:
        return ROLE_OF_MODEL[self._meta.model]

    def clean(self):
        cleaned = super().clean()
        role, spec = self.role, ROLES[self.role]
        changes = [name for name in self.changed_data if name != "status_note"]
        if cleaned.get("status_note") and spec.status_field not in changes:
            self.add_error(
                "status_note", "A note is saved with a new status: change the status or clear the note."
            )
        if changes and self.instance.pk and not getattr(self.instance.person, ROLE_FLAGS[role]):
            self.add_error(
                None,
                f"{self.instance.person.full_name} would no longer be a {spec.label}, so their {spec.label} "
                f"data cannot change in the same save. Save the role change and the {spec.label} changes "
                "separately.",
            )
        return cleaned

    def save_through_services(self, *, actor: User) -> None:
        """Write the changed fields with extension_update (which moves the status itself)."""
        spec = ROLES[self.role]
        data = {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in {f.name for f in self._meta.model._meta.fields}
        }
        if not data:
            return
        extension_update(
            person=self.instance.person,
            role=self.role,
            data=data,
            actor=actor,
            expected_updated_at=parse_loaded_at(self.cleaned_data.get("loaded_at")),
            note=self.cleaned_data.get("status_note", "") if spec.status_field in data else "",
        )


class ExtensionInlineFormSet(BaseInlineFormSet):
    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "person": self.instance}


def _holds_role(person: Person, role: str) -> bool:
    return bool(getattr(person, ROLE_FLAGS[role]))


class ExtensionInline(RoleDisplayMixin, admin.StackedInline):
    form = ExtensionForm
    formset = ExtensionInlineFormSet
    extra = 0
    max_num = 1
    can_delete = False
    role: str

    def get_fieldsets(self, request, obj: Person | None = None):
        return role_fieldsets(self.role, editable=obj is None or _holds_role(obj, self.role))

    def get_readonly_fields(self, request, obj: Person | None = None):
        if obj is not None and not _holds_role(obj, self.role):
            # A dropped role keeps its data, read-only until the role is given again.
            return all_fields(self.role)
        return (*READONLY, *DERIVED[self.role])

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        # An extension exists only because its person took the role: ticking the role on the
        # person creates it through person_set_roles. An inline "add" would skip that rule.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Dropping a role keeps its data (so taking it again brings the history back).
        return False


class LeadInline(ExtensionInline):
    model = LeadExtension
    role = "lead"
    verbose_name = verbose_name_plural = "lead"


class ReferralInline(ExtensionInline):
    model = ReferralExtension
    role = "referral"
    verbose_name = verbose_name_plural = "referral"


class MemberInline(ExtensionInline):
    model = MemberExtension
    role = "member"
    verbose_name = verbose_name_plural = "membership"


# --- The Person admin, with roles -----------------------------------------------------------------

ROLE_FLAG_NAMES = set(ROLE_FLAGS.values())


class PersonWithRolesAdmin(PersonAdmin):
    """PersonAdmin with the role flags editable (through person_set_roles) and the extensions inline."""

    inlines = (LeadInline, ReferralInline, MemberInline)
    readonly_fields = tuple(name for name in PersonAdmin.readonly_fields if name not in ROLE_FLAG_NAMES)

    def get_inline_instances(self, request: HttpRequest, obj: Person | None = None):
        # Only the roles the person has held: a role never taken has no data to show, and the
        # add page has none at all (roles are given by ticking them).
        if obj is None:
            return []
        return [
            inline
            for inline in super().get_inline_instances(request, obj)
            if inline.model.objects.filter(person=obj).exists()
        ]

    def save_model(self, request: HttpRequest, obj: Person, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if ROLE_FLAG_NAMES & set(form.changed_data):
            roles = {role for role, flag in ROLE_FLAGS.items() if form.cleaned_data.get(flag)}
            person_set_roles(person=obj, roles=roles, actor=request.user)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model not in ROLE_OF_MODEL:
            super().save_formset(request, form, formset, change)
            return
        # commit=False writes nothing; it lists the changed objects for the admin's change log.
        formset.save(commit=False)
        for inline_form in formset.initial_forms:
            if inline_form.has_changed():
                inline_form.save_through_services(actor=request.user)


admin.site.unregister(Person)
admin.site.register(Person, PersonWithRolesAdmin)


# --- The extension admins -------------------------------------------------------------------------


class ExtensionAdmin(
    ServiceErrorsMixin, RoleDisplayMixin, PersonSearchMixin, LargeTableMixin, admin.ModelAdmin
):
    form = ExtensionForm
    role: str
    person_search_paths = ("person",)
    search_fields = ("person__first_name", "person__last_name", "person__email")
    search_help_text = "The person's name, email or phone number."
    list_select_related = ("person",)
    # The persons name index, then the extension's unique person_id index.
    ordering = ("person__last_name", "person__first_name", "person_id")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("person")

    def get_fieldsets(self, request, obj=None):
        editable = obj is None or _holds_role(obj.person, self.role)
        return ((None, {"fields": ("person", "holds_role")}), *role_fieldsets(self.role, editable=editable))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not _holds_role(obj.person, self.role):
            return ("person", "holds_role", *all_fields(self.role))
        return ("person", "holds_role", *READONLY, *DERIVED[self.role])

    @admin.display(description="Person", ordering="person__last_name")
    def person_name(self, obj) -> str:
        return obj.person.full_name

    @admin.display(description="Holds the role now", boolean=True)
    def holds_role(self, obj) -> bool:
        return _holds_role(obj.person, self.role)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # An extension exists because its person took the role: give the role on the person.
        return False

    # A role's data goes with its person only: a held role needs it, a dropped one keeps it.
    deleted_with_person = True

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj, form: ExtensionForm, change: bool) -> None:
        form.save_through_services(actor=request.user)


@admin.register(LeadExtension)
class LeadExtensionAdmin(ExtensionAdmin):
    role = "lead"
    list_display = (
        "person_name",
        "lead_status",
        "lead_temperature",
        "readiness_score",
        "trial_status",
        "holds_role",
    )
    list_filter = ("lead_status", "lead_temperature")
    sortable_by = ("person_name", "lead_status", "lead_temperature")


@admin.register(ReferralExtension)
class ReferralExtensionAdmin(ExtensionAdmin):
    role = "referral"
    list_display = (
        "person_name",
        "referral_status",
        "appointment_status",
        "appointment_date",
        "conversion_status",
        "holds_role",
    )
    list_filter = ("referral_status", "appointment_status", "conversion_status")
    sortable_by = ("person_name", "referral_status", "conversion_status")


@admin.register(MemberExtension)
class MemberExtensionAdmin(ExtensionAdmin):
    role = "member"
    list_display = (
        "person_name",
        "membership_status",
        "membership_type",
        "payment_status",
        "churn_risk",
        "holds_role",
    )
    list_filter = ("membership_status", "payment_status", "churn_risk")
    sortable_by = ("person_name", "membership_status", "payment_status", "churn_risk")


# --- The role views, read-only --------------------------------------------------------------------


class RoleViewAdmin(RoleDisplayMixin, PersonSearchMixin, LargeTableMixin, admin.ModelAdmin):
    """Browse leads_view / referrals_view / members_view. Changes are made on the person's page."""

    role: str
    role_fields: tuple = ()
    search_fields = ("first_name", "last_name", "email", "phone")
    search_help_text = "Name, email or phone number."
    list_select_related = ("assigned_to",)
    ordering = ("last_name", "first_name", "id")

    def get_fieldsets(self, request, obj=None):
        return (
            (
                None,
                {"fields": ("person_link", ("first_name", "last_name"), ("email", "phone"), "assigned_to")},
            ),
            (ROLES[self.role].label.title(), {"fields": self.role_fields}),
            HISTORY,
        )

    @admin.display(description="Name", ordering="last_name")
    def name(self, obj) -> str:
        return f"{obj.first_name} {obj.last_name}".strip()

    @admin.display(description="Edit")
    def person_link(self, obj) -> str:
        url = reverse("admin:persons_person_change", args=[obj.pk])
        return format_html('<a href="{}">Open {} on the person page</a>', url, self.name(obj))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(LeadView)
class LeadViewAdmin(RoleViewAdmin):
    role = "lead"
    role_fields = (
        ("lead_status", "lead_temperature"),
        ("readiness_score", "conversion_probability", "estimated_value"),
        ("trial_status", "visit_completed"),
    )
    list_display = (
        "name",
        "email",
        "phone",
        "lead_status",
        "lead_temperature",
        "readiness_score",
        "assigned_to",
    )
    list_filter = ("lead_status", "lead_temperature")
    sortable_by = ("name",)


@admin.register(ReferralView)
class ReferralViewAdmin(RoleViewAdmin):
    role = "referral"
    role_fields = (
        ("referral_status", "permission_level"),
        ("appointment_status", "appointment_date"),
        ("conversion_status", "conversion_date"),
    )
    list_display = ("name", "email", "phone", "referral_status", "appointment_status", "conversion_status")
    list_filter = ("referral_status", "appointment_status", "conversion_status")
    sortable_by = ("name",)


@admin.register(MemberView)
class MemberViewAdmin(RoleViewAdmin):
    role = "member"
    role_fields = (
        ("membership_status", "membership_type"),
        ("join_date", "membership_end_date"),
        ("payment_status", "churn_risk"),
        ("check_in_count", "last_check_in"),
    )
    list_display = (
        "name",
        "email",
        "phone",
        "membership_status",
        "membership_type",
        "payment_status",
        "churn_risk",
    )
    list_filter = ("membership_status", "payment_status", "churn_risk")
    sortable_by = ("name",)
