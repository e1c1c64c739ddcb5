"""The Django admin for persons, built to stay fast at a million rows.

Every write goes through persons.services. The role flags and the three extension inlines are
added by extensions/admin.py, which extends PersonAdmin and registers it in its place: persons
depends on no other app, and the role rules (person_set_roles, extension_change_status) live in
extensions.

Pieces other admins reuse: ``PersonSearchMixin`` (the staff app's search, persons.selectors.
person_search, served by the pg_trgm indexes), ``LargeTableMixin``, ``ServiceErrorsMixin`` and
``RecordTimesMixin``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from orca.pagination import EstimatedCountPaginator
from orca.users.models import User

from . import choices
from .models import ROLE_FLAGS, Person
from .selectors import SEARCH_RANK, person_search
from .services import (
    person_bulk_add_tag,
    person_bulk_assign,
    person_bulk_remove_tag,
    person_bulk_set_do_not_contact,
    person_create,
    person_delete,
    person_update,
)


class PersonSearchMixin:
    """Admin search with persons.selectors.person_search, the staff app's search, so that a name,
    email or phone finds the same persons in both (typos included); for admins whose rows are or
    belong to persons.

    ``person_search_paths`` names the foreign keys to Person (("person",), ("person_a",
    "person_b")); "" means the rows are persons: Person itself, ranked best match first as in
    the staff app, or a role view, whose primary key is its person's. A foreign key is searched
    as ``fk IN (persons matching)``, so the persons' trigram indexes do the work.
    """

    person_search_paths: tuple[str, ...] = ("",)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        if not search_term.strip():
            return queryset, False
        if self.person_search_paths == ("",) and queryset.model is Person:
            found = person_search(queryset=queryset, query=search_term)
            if request.GET.get(ORDER_VAR):
                # The manager sorted by a column (the changelist has ordered the rows already).
                return found, False
            # Best match first, as in the staff app (and in the autocomplete); the matches are
            # few, so ranking them needs no index.
            return found.order_by(f"-{SEARCH_RANK}", *queryset.query.order_by), False
        matching = person_search(queryset=Person.objects.all(), query=search_term).values("pk")
        condition = Q()
        for path in self.person_search_paths:
            condition |= Q(**{f"{path or 'pk'}__in": matching})
        return queryset.filter(condition), False


def without_fields(fieldsets, names) -> tuple:
    """The fieldsets less these fields; lines and fieldsets left empty are dropped."""
    result = []
    for title, options in fieldsets:
        lines = []
        for line in options["fields"]:
            kept = tuple(n for n in (line if isinstance(line, list | tuple) else (line,)) if n not in names)
            if kept:
                lines.append(kept if len(kept) > 1 else kept[0])
        if lines:
            result.append((title, {**options, "fields": tuple(lines)}))
    return tuple(result)


class RecordTimesMixin:
    """created_at / updated_at do not exist before the insert: leave them off add pages (they
    would show an unsaved database default)."""

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets if obj is not None else without_fields(fieldsets, {"created_at", "updated_at"})


class IndexedSortChangeList(ChangeList):
    """Sorts only by the columns the admin offers (``sortable_by``: indexed ones), even when a
    hand-made URL asks for another (?o=2); the default order applies instead."""

    def get_ordering_field(self, field_name):
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)


class LargeTableMixin:
    """For changelists over tables that grow to a million rows (persons, extensions,
    interactions, messages, relationships): no COUNT(*) over the table, neither for the result
    count nor for filter facets, and no sort without an index. Such admins also set no
    date_hierarchy, which runs SELECT DISTINCT date_trunc(...) over the whole table."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def get_changelist(self, request: HttpRequest, **kwargs):
        return IndexedSortChangeList


class ServiceErrorsMixin:
    """Show a rule a service refuses at save time on the form, as typed, instead of a server error.

    Forms check what they can see; a service may still refuse (someone else saved in between, a
    referral that would loop). The admin's transaction has rolled back by then, so nothing was
    written. The view runs once more with the refusal attached to the form, which makes the form
    invalid: the page comes back with the user's input and the reason.
    """

    @staticmethod
    def adopt_saved(obj, saved_pk) -> None:
        """Make the admin's `obj` the row a service saved: the admin goes on with it (inlines, the
        change log, the redirect), so it needs the service's primary key and values."""
        obj.pk = saved_pk
        obj.refresh_from_db()
        obj._state.adding = False

    def changeform_view(
        self, request: HttpRequest, object_id=None, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            request.orca_service_error = error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, "orca_service_error", None)
        if error is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                named = getattr(error, "error_dict", None)
                if named and set(named) <= set(self.fields):
                    # The service named the fields (messaging's template checks do): show each
                    # reason beside its field.
                    for field, errors in named.items():
                        self.add_error(field, errors)
                else:
                    self.add_error(None, error.messages)
                return cleaned

        return RefusedForm


# --- Bulk actions ---------------------------------------------------------------------------------


class BulkValuesForm(forms.Form):
    """The values the bulk actions need; each action requires only its own."""

    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True), required=False, label="User:", empty_label="(choose)"
    )
    tag = forms.CharField(required=False, max_length=50, label="Tag:")
    until = forms.DateTimeField(
        required=False,
        label="Until:",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class PersonActionForm(ActionForm, BulkValuesForm):
    """The action dropdown with the values typed beside it."""

    field_order = ["action", "user", "tag", "until", "select_across"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            # The admin refuses the whole action ("No action selected") if this form is invalid;
            # a bad value must reach the action instead, which checks it and says what is wrong.
            for name in BulkValuesForm.base_fields:
                self.fields[name] = forms.CharField(required=False)


def _persons(count: int) -> str:
    return f"{count} person" if count == 1 else f"{count:,} persons"


# --- The Person admin -----------------------------------------------------------------------------


class LoadedAtField(forms.CharField):
    """The row's updated_at as the form was loaded, sent back so that the service refuses a save
    over someone else's change (ConcurrentEditError). A token, not data: never a change."""

    def __init__(self, **kwargs):
        super().__init__(required=False, widget=forms.HiddenInput, **kwargs)

    def has_changed(self, initial, data) -> bool:
        return False


def parse_loaded_at(value: str | None) -> dt.datetime | None:
    """The token back as a datetime; an edited or missing token just skips the check."""
    try:
        return parse_datetime(value) if value else None
    except ValueError:
        return None


# What person_create / person_update write; the role flags go through the role service only.
PERSON_SERVICE_FIELDS = {f.name for f in Person._meta.concrete_fields} - set(ROLE_FLAGS.values())


class RoleFilter(admin.BooleanFieldListFilter):
    """Titled "By lead role" rather than "By is lead"."""

    def __init__(self, field, *args, **kwargs):
        super().__init__(field, *args, **kwargs)
        self.title = f"{field.name.removeprefix('is_')} role"


class PersonAdminForm(forms.ModelForm):
    """The admin builds the model fields from its fieldsets; services get ticked boxes."""

    interested_services = forms.TypedMultipleChoiceField(
        choices=choices.Service.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    loaded_at = LoadedAtField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.updated_at is not None and not self.instance._state.adding:
            self.fields["loaded_at"].initial = self.instance.updated_at.isoformat()


@admin.register(Person)
class PersonAdmin(ServiceErrorsMixin, RecordTimesMixin, PersonSearchMixin, LargeTableMixin, admin.ModelAdmin):
    form = PersonAdminForm
    list_display = ("name", "email", "phone", "roles", "assigned_to", "last_contacted")
    list_filter = (
        *((flag, RoleFilter) for flag in ROLE_FLAGS.values()),
        "interest_level",
        "acquisition_source",
        "assigned_to",
    )
    search_fields = ("first_name", "last_name", "email", "phone")
    search_help_text = "Name, email or phone number."
    # Sorting only by indexed columns; the default order is persons_name_sort_idx exactly.
    ordering = ("last_name", "first_name", "id")
    sortable_by = ("name", "last_contacted")
    list_select_related = ("assigned_to",)
    autocomplete_fields = ("assigned_to",)
    action_form = PersonActionForm
    actions = (
        "assign_to_user",
        "unassign",
        "add_tag",
        "remove_tag",
        "set_do_not_contact",
        "clear_do_not_contact",
    )
    # Roles change only through the role service; extensions/admin.py makes these editable.
    readonly_fields = (*ROLE_FLAGS.values(), "profile_completeness", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("first_name", "last_name"),
                    ("email", "phone"),
                    "secondary_phone",
                    ("dob", "gender"),
                    "loaded_at",
                )
            },
        ),
        ("Roles and owner", {"fields": (tuple(ROLE_FLAGS.values()), "active_status", "assigned_to", "tags")}),
        (
            "Contact",
            {
                "fields": (
                    ("preferred_contact_method", "contact_frequency_preference"),
                    "do_not_contact_until",
                    ("email_opt_in", "sms_opt_in"),
                    ("last_contacted", "next_scheduled_contact"),
                    "notes",
                )
            },
        ),
        (
            "Interests and budget",
            {
                "classes": ("collapse",),
                "fields": (
                    "interest_level",
                    "goals",
                    "preferred_membership",
                    "interested_services",
                    ("budget_range", "payment_preferences", "price_sensitivity"),
                    "special_requirements",
                    "preferred_schedule",
                ),
            },
        ),
        (
            "Acquisition",
            {
                "classes": ("collapse",),
                "fields": (
                    ("acquisition_source", "acquisition_date"),
                    "acquisition_campaign",
                    "referral_source",
                    "utm_parameters",
                ),
            },
        ),
        (
            "More",
            {
                "classes": ("collapse",),
                "fields": (
                    "address",
                    "preferred_contact_times",
                    "social_profiles",
                    "custom_fields",
                    "profile_completeness",
                    ("created_at", "updated_at"),
                ),
            },
        ),
    )

    @admin.display(description="Name", ordering="last_name")
    def name(self, person: Person) -> str:
        return person.full_name

    @admin.display(description="Roles")
    def roles(self, person: Person) -> str:
        return (
            ", ".join(role.title() for role in ROLE_FLAGS if role in person.roles)
            or self.get_empty_value_display()
        )

    # --- Saving through the services ---------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Person, form: forms.ModelForm, change: bool) -> None:
        """Person fields through person_create / person_update; never the role flags (see module)."""
        fields = {name: value for name, value in form.cleaned_data.items() if name in PERSON_SERVICE_FIELDS}
        if change:
            changed = {name: value for name, value in fields.items() if name in form.changed_data}
            if changed:
                person_update(
                    person=obj,
                    actor=request.user,
                    data=changed,
                    expected_updated_at=parse_loaded_at(form.cleaned_data.get("loaded_at")),
                )
        else:
            person_create(actor=request.user, id=obj.pk, **fields)
        self.adopt_saved(obj, obj.pk)

    def delete_model(self, request: HttpRequest, obj: Person) -> None:
        person_delete(person=obj, actor=request.user)

    def get_actions(self, request: HttpRequest) -> dict:
        """The bulk actions, less Django's "Delete selected".

        That action deletes with QuerySet.delete() (delete_queryset), which skips person_delete
        and its permission rule, and its confirmation page first collects every related row of
        every selected person into memory: with "select all" over a million persons it would
        load the whole database and never render. A person is deleted from their own page
        instead, one at a time, through delete_model and so person_delete.
        """
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_deleted_objects(self, objs, request: HttpRequest):
        """Rows that go with their person (ON DELETE CASCADE) and whose admins refuse deleting
        them on their own (``deleted_with_person``) do not stop deleting the person."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        with_person = {
            str(model._meta.verbose_name)
            for model, model_admin in self.admin_site._registry.items()
            if getattr(model_admin, "deleted_with_person", False)
        }
        return deleted, counts, perms_needed - with_person, protected

    # --- Bulk actions ------------------------------------------------------------------------------

    def _bulk_value(self, request: HttpRequest, name: str, missing: str):
        """The value typed beside the action for this action, or None after telling the user why."""
        form = BulkValuesForm(request.POST)
        form.is_valid()
        if name in form.errors:
            label = form.fields[name].label
            self.message_user(request, f"{label} {' '.join(form.errors[name])}", messages.ERROR)
            return None
        value = form.cleaned_data.get(name)
        if value in (None, ""):
            self.message_user(request, missing, messages.ERROR)
            return None
        return value

    def _run_bulk(self, request: HttpRequest, service, done: Callable[[str], str], **kwargs) -> None:
        """Call one bulk service; `done` words the success message from "N persons"."""
        try:
            count = service(actor=request.user, **kwargs)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, done(_persons(count)), messages.SUCCESS)

    @admin.action(permissions=["change"], description="Assign to the user chosen")
    def assign_to_user(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        user = self._bulk_value(request, "user", "Choose the user to assign the persons to.")
        if user is not None:
            self._run_bulk(
                request,
                person_bulk_assign,
                lambda persons: f"Assigned {persons} to {user}.",
                persons=queryset,
                assignee=user,
            )

    @admin.action(permissions=["change"], description="Unassign")
    def unassign(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        self._run_bulk(
            request,
            person_bulk_assign,
            lambda persons: f"Unassigned {persons}.",
            persons=queryset,
            assignee=None,
        )

    @admin.action(permissions=["change"], description="Add the tag typed")
    def add_tag(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        tag = self._bulk_value(request, "tag", "Type the tag to add.")
        if tag is not None:
            self._run_bulk(
                request,
                person_bulk_add_tag,
                lambda persons: (
                    f"Tagged {persons} “{tag.strip().lower()}” (persons who had it already are not counted)."
                ),
                persons=queryset,
                tag=tag,
            )

    @admin.action(permissions=["change"], description="Remove the tag typed")
    def remove_tag(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        tag = self._bulk_value(request, "tag", "Type the tag to remove.")
        if tag is not None:
            self._run_bulk(
                request,
                person_bulk_remove_tag,
                lambda persons: f"Removed the tag “{tag.strip().lower()}” from {persons}.",
                persons=queryset,
                tag=tag,
            )

    @admin.action(permissions=["change"], description="Do not contact until the date chosen")
    def set_do_not_contact(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        until: dt.datetime | None = self._bulk_value(
            request, "until", "Choose the date and time until which the persons must not be contacted."
        )
        if until is None:
            return
        if until <= timezone.now():
            self.message_user(request, "Until: choose a moment in the future.", messages.ERROR)
            return
        when = timezone.localtime(until).strftime("%Y-%m-%d %H:%M")
        self._run_bulk(
            request,
            person_bulk_set_do_not_contact,
            lambda persons: f"{persons} will not be contacted until {when}.",
            persons=queryset,
            until=until,
        )

    @admin.action(permissions=["change"], description="Clear do-not-contact")
    def clear_do_not_contact(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        self._run_bulk(
            request,
            person_bulk_set_do_not_contact,
            lambda persons: f"{persons} may be contacted again.",
            persons=queryset,
            until=None,
        )
