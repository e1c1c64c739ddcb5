"""The admin for ORCA's users: email sign-in, a role instead of groups and permission boxes.

User.has_perm encodes who may do what: admins hold every permission; managers may only look
users up (users.view_user, which the person form's owner autocomplete needs); staff never reach
the admin (User.is_staff is False for them).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .models import User

# Roles (User.role) are ORCA's permission model; groups are never used, so not offered.
admin.site.unregister(Group)
admin.site.site_header = "ORCA administration"
admin.site.site_title = "ORCA admin"
admin.site.index_title = "Data"
# Changelists of persons need the width more than a second navigation (breadcrumbs remain).
admin.site.enable_nav_sidebar = False

ROLE_HELP = (
    "Staff use the staff app only. Managers also use this admin for persons, roles, relationships, "
    "interactions and messaging, and may look users up. Admins may do everything, including users."
)


def _clean_unique_email(form: forms.ModelForm) -> str:
    """Emails are unique whatever their case (users_email_ci_unique); say so in words."""
    email = User.objects.normalize_email(form.cleaned_data["email"]).strip().lower()
    others = User.objects.filter(email__iexact=email)
    if form.instance.pk:
        others = others.exclude(pk=form.instance.pk)
    if others.exists():
        raise ValidationError("A user with this email address already exists.")
    return email


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "phone", "role")

    def clean_email(self) -> str:
        return _clean_unique_email(self)


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = ("email", "password", "first_name", "last_name", "phone", "role", "is_active")

    def clean_email(self) -> str:
        return _clean_unique_email(self)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    # Django's template for it adds the "usable password" switch, which this add form leaves out.
    add_form_template = None
    list_display = ("email", "full_name", "role", "is_active", "last_login")
    list_display_links = ("email",)
    list_filter = ("role", "is_active")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("first_name", "last_name", "email")
    filter_horizontal = ()
    readonly_fields = ("last_login", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name and phone", {"fields": (("first_name", "last_name"), "phone")}),
        ("Access", {"fields": ("role", "is_active"), "description": ROLE_HELP}),
        ("Dates", {"fields": ("last_login", ("created_at", "updated_at"))}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    ("first_name", "last_name"),
                    "phone",
                    "role",
                    "password1",
                    "password2",
                ),
                "description": ROLE_HELP,
            },
        ),
    )

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, user: User) -> str:
        return user.get_full_name()

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Viewing only (managers): the password hash summary is no business of theirs.
            return tuple(
                (title, {**options, "fields": tuple(f for f in options["fields"] if f != "password")})
                for title, options in fieldsets
            )
        return fieldsets
