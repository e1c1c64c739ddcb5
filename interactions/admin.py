"""The admin for interactions: calls, visits and follow-ups, done or planned.

A new interaction is logged (completed) or scheduled through interactions.services, which keep the
person's last_contacted and next_scheduled_contact; a change goes through interaction_update,
which keeps them too. Deleting one here recomputes those two columns for the persons concerned
(person_contact_dates_refresh), so they never drift.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from persons.admin import LargeTableMixin, PersonSearchMixin, ServiceErrorsMixin

from .models import Interaction, InteractionStatus, Sentiment
from .services import (
    EDITABLE_FIELDS,
    interaction_log,
    interaction_schedule,
    interaction_update,
    person_contact_dates_refresh,
)

NEW_STATUSES = (InteractionStatus.COMPLETED, InteractionStatus.SCHEDULED)


class InteractionAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding and cleaned.get("status") not in (None, *NEW_STATUSES):
            self.add_error(
                "status",
                "A new interaction is either completed (logged) or scheduled; "
                "mark it cancelled or missed once it exists.",
            )
        return cleaned


class NegativeSentimentFilter(admin.SimpleListFilter):
    """Interactions where the person came across unhappy, to follow up. Positive and neutral ones
    are most of the table and no one's work list, so only "negative" is offered, and only its
    rows are indexed (interactions_negative_idx)."""

    title = "sentiment"
    parameter_name = "sentiment"

    def lookups(self, request: HttpRequest, model_admin) -> tuple:
        return ((Sentiment.NEGATIVE, Sentiment.NEGATIVE.label),)

    def queryset(self, request: HttpRequest, queryset):
        if self.value() == Sentiment.NEGATIVE:
            return queryset.filter(sentiment=Sentiment.NEGATIVE)
        return queryset


@admin.register(Interaction)
class InteractionAdmin(ServiceErrorsMixin, PersonSearchMixin, LargeTableMixin, admin.ModelAdmin):
    form = InteractionAdminForm
    list_display = ("interaction_type", "subject", "person", "user", "status", "scheduled_at", "completed_at")
    list_display_links = ("interaction_type", "subject")
    # Status and negative sentiment are served by an index in the list's order (newest first):
    # interactions_status_idx and interactions_negative_idx; a user by the foreign key's index, their
    # interactions then sorted. There is no filter by type: ten kinds spread over the whole table, browsing
    # "all calls" across the club is nobody's task (a person's timeline shows their calls), and one more index
    # here would cost every insert.
    list_filter = ("status", NegativeSentimentFilter, "user")
    search_fields = ("person__first_name", "person__last_name", "person__email")
    search_help_text = "The person's name, email or phone number."
    person_search_paths = ("person",)
    autocomplete_fields = ("person", "user")
    list_select_related = ("person", "user")
    # interactions_created_idx, read backwards.
    ordering = ("-created_at", "-id")
    sortable_by = ()
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": (("person", "user"), ("interaction_type", "status"), "subject", "content")}),
        ("When", {"fields": (("scheduled_at", "completed_at"), "duration_minutes")}),
        (
            "Response",
            {"fields": (("response_received", "response_date"), "response_content", "sentiment")},
        ),
        (
            "More",
            {
                "classes": ("collapse",),
                "fields": (
                    "notes",
                    ("campaign_id", "template_id"),
                    "attachments",
                    "custom_fields",
                    ("created_at", "updated_at"),
                ),
            },
        ),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Interaction | None = None):
        if obj is not None:
            return self.fieldsets
        # What logging or scheduling takes; attachments and custom fields are added afterwards.
        return (
            *self.fieldsets[:-1],
            ("More", {"classes": ("collapse",), "fields": ("notes", ("campaign_id", "template_id"))}),
        )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {"user": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: Interaction, form: forms.ModelForm, change: bool) -> None:
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
            interaction_update(interaction=obj, actor=request.user, data=data)
            obj.refresh_from_db()
            return
        common = {
            "person": obj.person,
            "user": obj.user,
            "interaction_type": obj.interaction_type,
            "subject": obj.subject,
            "content": obj.content,
            "duration_minutes": obj.duration_minutes,
            "notes": obj.notes,
        }
        if obj.status == InteractionStatus.SCHEDULED:
            saved = interaction_schedule(scheduled_at=obj.scheduled_at, **common)
        else:
            saved = interaction_log(
                completed_at=obj.completed_at,
                sentiment=obj.sentiment,
                response_received=obj.response_received,
                response_date=obj.response_date,
                response_content=obj.response_content,
                campaign_id=obj.campaign_id,
                template_id=obj.template_id,
                **common,
            )
        self.adopt_saved(obj, saved.pk)

    def delete_model(self, request: HttpRequest, obj: Interaction) -> None:
        super().delete_model(request, obj)
        person_contact_dates_refresh(person_ids=[obj.person_id])

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        person_ids = set(queryset.values_list("person_id", flat=True))
        super().delete_queryset(request, queryset)
        person_contact_dates_refresh(person_ids=person_ids)
