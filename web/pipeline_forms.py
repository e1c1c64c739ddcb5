"""The pipeline pages' forms: the board and table filters, the move dialog and the check-in.

Every filter is answered by an index: assigned_to by persons_assigned_idx, the source by
persons_source_idx, the temperature by lead_ext_temperature_idx, the stage-entered range by the
(status, stage_entered_at) board indexes, the added range by persons_created_idx, the name search
by the trigram index on the full name (persons.selectors.person_search).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from extensions.choices import LeadTemperature
from orca.users.models import User
from persons.choices import AcquisitionSource, MembershipType
from persons.selectors import person_search
from pipelines.rules import DATE, END_DATE, MEMBERSHIP_TYPE, REASON, Pipeline
from pipelines.services import MoveDetails

from .filters import UNASSIGNED, DateRangesForm, _on_or_before, _start_of_day, user_choices
from .forms import DateInput, DateTimeInput

MINE, EVERYONE = "mine", "everyone"


class PipelineFilterForm(DateRangesForm):
    date_ranges = (("created", "added"), ("entered", "stage entered"))


class PipelineFilter(django_filters.FilterSet):
    """Filters of a board and its table. Without `assigned`, a board shows the user's own cards."""

    q = django_filters.CharFilter(
        method="filter_search",
        label="Search by name",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name", "autocomplete": "off"}),
    )
    assigned = django_filters.ChoiceFilter(
        choices=[], method="filter_assigned", label="Assigned to", empty_label=None
    )
    source = django_filters.MultipleChoiceFilter(
        choices=AcquisitionSource.choices,
        field_name="acquisition_source",
        label="Source",
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    temperature = django_filters.MultipleChoiceFilter(
        choices=LeadTemperature.choices,
        field_name="lead_temperature",
        label="Temperature",
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    status = django_filters.MultipleChoiceFilter(
        choices=[], method="filter_status", label="Stage", widget=forms.CheckboxSelectMultiple
    )
    created_after = django_filters.DateFilter(
        method="filter_created_after", label="Added from", widget=DateInput()
    )
    created_before = django_filters.DateFilter(
        method="filter_created_before", label="Added to", widget=DateInput()
    )
    entered_after = django_filters.DateFilter(
        method="filter_entered_after", label="In this stage since (from)", widget=DateInput()
    )
    entered_before = django_filters.DateFilter(
        method="filter_entered_before", label="In this stage since (to)", widget=DateInput()
    )

    class Meta:
        fields: list[str] = []
        form = PipelineFilterForm

    def __init__(
        self, data=None, queryset=None, *, request, pipeline: Pipeline, users: Iterable[User] = (), **kwargs
    ):
        data = data.copy() if data is not None else None
        if data is not None and not data.get("assigned"):
            data["assigned"] = MINE
        super().__init__(data, queryset, request=request, **kwargs)
        self.pipeline = pipeline
        self.filters["assigned"].extra["choices"] = [
            (MINE, "Me"),
            (EVERYONE, "Everyone"),
            (UNASSIGNED, "Unassigned"),
            *user_choices(users),
        ]
        self.filters["status"].extra["choices"] = pipeline.statuses.choices
        if pipeline.role != "lead":
            del self.filters["temperature"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return person_search(queryset=queryset, query=value)

    def filter_assigned(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == EVERYONE:
            return queryset
        if value == MINE:
            return queryset.filter(assigned_to=self.request.user)
        if value == UNASSIGNED:
            return queryset.filter(assigned_to__isnull=True)
        return queryset.filter(assigned_to_id=value)

    def filter_status(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(**{f"{self.pipeline.status_field}__in": value})

    def filter_created_after(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset.filter(created_at__gte=_start_of_day(value))

    def filter_created_before(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset.filter(_on_or_before("created_at", value))

    def filter_entered_after(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset.filter(stage_entered_at__gte=_start_of_day(value))

    def filter_entered_before(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset.filter(_on_or_before("stage_entered_at", value))

    def shown_on_board(self) -> list[str]:
        """The filter fields a board shows (its columns are the stages, so no stage filter)."""
        return [name for name in self.form.fields if name not in ("q", "status")]

    def active_filter_count(self) -> int:
        if not self.is_bound or not self.form.is_valid():
            return 0
        return sum(
            1
            for name, value in self.form.cleaned_data.items()
            if name not in ("q", "assigned") and value not in (None, "", [])
        )


WHEN_LABELS = {
    "tour_scheduled": "Tour date and time",
    "tour_completed": "When the tour took place (empty: now)",
    "trial": "Trial starts",
    "won": "Membership starts (empty: now)",
    "appointment_booked": "Appointment date and time",
    "joined": "Membership starts (empty: now)",
    "cancelled": "Membership ends (empty: now)",
}
END_LABELS = {
    "trial": "Trial ends (empty: the club's usual trial length)",
    "active": "Membership ends (optional)",
}


class MoveForm(forms.Form):
    """A move of one card: where to, the version it was loaded at, and what the move asks for."""

    to = forms.ChoiceField(
        choices=[], label="Move to", error_messages={"invalid_choice": "“%(value)s” is not a stage here."}
    )
    version = forms.DateTimeField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This card is missing its version; reload the board and try again.",
            "invalid": "This card's version is not valid; reload the board and try again.",
        },
    )
    date = forms.DateTimeField(required=False, label="When", widget=DateTimeInput())
    end_date = forms.DateTimeField(required=False, label="Ends", widget=DateTimeInput())
    membership_type = forms.ChoiceField(
        choices=[("", "Choose…"), *MembershipType.choices], required=False, label="Membership"
    )
    reason = forms.CharField(required=False, max_length=200, label="Why was the lead lost?")
    note = forms.CharField(required=False, max_length=500, label="Note (optional)")

    def __init__(self, *args: Any, pipeline: Pipeline, reasons: Iterable[str] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.pipeline = pipeline
        self.fields["to"].choices = pipeline.statuses.choices
        self.reasons = list(dict.fromkeys(reason for reason in reasons if reason))
        self._label_for_move()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        version_errors = self._errors.pop("version", None)
        if version_errors:
            self.add_error(None, version_errors)
        return cleaned

    @property
    def target(self) -> str:
        return (self.data.get("to") if self.is_bound else self.initial.get("to")) or ""

    def asks(self) -> tuple[str, ...]:
        """The detail fields the chosen move shows, in the order of the form."""
        return self.pipeline.asks.get(self.target, ())

    def _label_for_move(self) -> None:
        """What the date fields mean depends on the move: a tour's time, a trial's start…"""
        target = self.target
        self.fields[DATE].label = WHEN_LABELS.get(target, "When")
        self.fields[END_DATE].label = END_LABELS.get(target, "Ends")
        self.fields[REASON].widget.attrs["list"] = "lost-reasons"

    def details(self) -> MoveDetails:
        data = self.cleaned_data
        return MoveDetails(
            date=data.get("date"),
            end_date=data.get("end_date"),
            membership_type=data.get("membership_type") or "",
            reason=data.get("reason") or "",
            note=data.get("note") or "",
        )


DETAIL_FIELDS = (DATE, END_DATE, MEMBERSHIP_TYPE, REASON)


class CheckInForm(forms.Form):
    class_name = forms.CharField(required=False, max_length=200, label="Class (optional)")


def lost_reasons(extension: Any) -> list[str]:
    """What the move dialog offers as a lost lead's reason: their own objections and blockers first."""
    own = [
        *(getattr(extension, "objections", None) or []),
        *(getattr(extension, "conversion_blockers", None) or []),
    ]
    usual = ["Price", "Chose another club", "Moved away", "No time", "Not interested any more", "No response"]
    return list(dict.fromkeys([*own, *usual]))
