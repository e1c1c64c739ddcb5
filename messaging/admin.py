"""The admin for messaging: templates and blasts are edited here; messages are only looked at.

Messages are records of what was sent, written by the sending pipeline (claim before send): a
message typed or edited here could be sent twice or lost, so the message admin is read-only.
The blast's sending fields (started, completed, recipient count) belong to that pipeline too.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from persons.admin import LargeTableMixin, PersonSearchMixin, RecordTimesMixin, ServiceErrorsMixin

from .models import Blast, Message, MessageTemplate
from .services import (
    BLAST_EDITABLE_FIELDS,
    BLAST_MANAGER_STATUSES,
    TEMPLATE_EDITABLE_FIELDS,
    blast_create,
    blast_update,
    message_template_create,
    message_template_update,
)


def changed_values(form: forms.ModelForm, names: frozenset[str]) -> dict:
    """The fields the manager changed, as the form cleaned them: what an update service takes."""
    return {name: form.cleaned_data[name] for name in form.changed_data if name in names}


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    # The service checks the text (messaging.services.template_text_check); a refusal comes back
    # on the form through ServiceErrorsMixin, beside the field it names.
    list_display = ("name", "message_type", "subject", "is_active", "created_by", "updated_at")
    list_filter = ("message_type", "is_active")
    search_fields = ("name", "subject")
    list_select_related = ("created_by",)
    # A few hundred templates at most, so the date drill-down's SELECT DISTINCT is cheap here.
    date_hierarchy = "created_at"
    readonly_fields = ("created_by", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": (("name", "message_type"), "subject", "content", "is_active")}),
        ("Record", {"fields": ("created_by", ("created_at", "updated_at"))}),
    )
    add_fieldsets = ((None, {"fields": (("name", "message_type"), "subject", "content")}),)

    def get_fieldsets(self, request: HttpRequest, obj: MessageTemplate | None = None):
        return self.fieldsets if obj is not None else self.add_fieldsets

    def save_model(
        self, request: HttpRequest, obj: MessageTemplate, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            message_template_update(
                template=obj, actor=request.user, data=changed_values(form, TEMPLATE_EDITABLE_FIELDS)
            )
            obj.refresh_from_db()
            return
        saved = message_template_create(
            name=obj.name,
            message_type=obj.message_type,
            subject=obj.subject,
            content=obj.content,
            actor=request.user,
        )
        self.adopt_saved(obj, saved.pk)


class BlastAdminForm(forms.ModelForm):
    """Offers the statuses a manager may set; blast_create / blast_update check the rest."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "status" in self.fields:
            self.fields["status"].choices = [
                (value, label)
                for value, label in self.fields["status"].choices
                if value in BLAST_MANAGER_STATUSES
            ]


@admin.register(Blast)
class BlastAdmin(ServiceErrorsMixin, RecordTimesMixin, admin.ModelAdmin):
    form = BlastAdminForm
    list_display = (
        "name",
        "message_type",
        "status",
        "scheduled_at",
        "recipient_count",
        "created_by",
        "created_at",
    )
    list_filter = ("status", "message_type")
    search_fields = ("name", "subject")
    autocomplete_fields = ("template",)
    list_select_related = ("created_by", "template")
    # Blasts number in the hundreds, so the date drill-down's SELECT DISTINCT is cheap here.
    date_hierarchy = "created_at"
    readonly_fields = (
        "started_at",
        "completed_at",
        "recipient_count",
        "created_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": (("name", "message_type"), "template", "subject", "content", "segment")}),
        (
            "Sending",
            {"fields": (("status", "scheduled_at"), ("started_at", "completed_at"), "recipient_count")},
        ),
        ("Record", {"fields": ("created_by", ("created_at", "updated_at"))}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Blast | None = None):
        if obj is not None and obj.status not in BLAST_MANAGER_STATUSES:
            # Sending, sent or failed: the pipeline's now (blast_update refuses any change).
            return (
                *self.readonly_fields,
                "name",
                "message_type",
                "status",
                "scheduled_at",
                "segment",
                "template",
                "subject",
                "content",
            )
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Blast, form: forms.ModelForm, change: bool) -> None:
        if change:
            blast_update(blast=obj, actor=request.user, data=changed_values(form, BLAST_EDITABLE_FIELDS))
            obj.refresh_from_db()
            return
        saved = blast_create(
            actor=request.user, **{name: getattr(obj, name) for name in BLAST_EDITABLE_FIELDS}
        )
        self.adopt_saved(obj, saved.pk)


class OneToOneFilter(admin.SimpleListFilter):
    """Messages staff sent themselves, not as part of a blast: a small share of a table that
    blasts fill, indexed on their own (messages_one_to_one_idx). A blast's messages are listed
    by the blast filter instead, so the other side of is_blast is not offered."""

    title = "origin"
    parameter_name = "one_to_one"

    def lookups(self, request: HttpRequest, model_admin) -> tuple:
        return (("1", "One-to-one (not a blast)"),)

    def queryset(self, request: HttpRequest, queryset):
        if self.value() == "1":
            return queryset.filter(is_blast=False)
        return queryset


@admin.register(Message)
class MessageAdmin(PersonSearchMixin, LargeTableMixin, admin.ModelAdmin):
    list_display = (
        "recipient",
        "message_type",
        "subject",
        "status",
        "is_blast",
        "sender",
        "sent_at",
        "created_at",
    )
    # Status and one-to-one are served by an index in the list's order (newest first): messages_status_idx and
    # messages_one_to_one_idx; a blast by messages_blast_idx, its messages then sorted. There is no filter by
    # channel: with two channels each is a large share of the table, so the list would be no shorter, and an
    # index on the largest table for it would cost every message a blast inserts.
    list_filter = ("status", OneToOneFilter, "blast")
    search_fields = ("recipient__first_name", "recipient__last_name", "recipient__email")
    search_help_text = "The recipient's name, email or phone number."
    person_search_paths = ("recipient",)
    autocomplete_fields = ("sender", "recipient", "blast", "template", "response")
    list_select_related = ("recipient", "sender")
    # messages_created_idx, read backwards.
    ordering = ("-created_at", "-id")
    sortable_by = ()
    fieldsets = (
        (None, {"fields": (("recipient", "sender"), ("message_type", "status"), "subject", "content")}),
        ("Delivery", {"fields": (("sent_at", "delivered_at", "read_at"), ("has_response", "response"))}),
        (
            "Origin",
            {
                "fields": (
                    ("is_blast", "blast"),
                    ("template", "campaign_id"),
                    "personalization_data",
                    "metadata",
                )
            },
        ),
        ("Record", {"fields": (("created_at", "updated_at"),)}),
    )

    # A message record goes only with its recipient (deleting the person deletes their messages).
    deleted_with_person = True

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
