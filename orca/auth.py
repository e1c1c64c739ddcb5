"""Sign-in pieces that Django's auth views are configured with."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.http import HttpRequest


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form with an email input (the right keyboard on phones) and an error
    that does not claim the email is case-sensitive: it is not (users.email is matched with iexact).
    """

    username = UsernameField(widget=forms.EmailInput(attrs={"autofocus": True}))

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account. Passwords are case-sensitive.",
    }


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The sign-in name django-axes counts failures under: the email, lowercased.

    Emails sign in case-insensitively, so "Ann@x.com" and "ann@x.com" are one account; counted
    apart, each spelling would get its own five tries and the lockout could be walked around.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    source = credentials if credentials is not None else getattr(request, "data", request.POST)
    username = source.get(field) if source else None
    return username.strip().lower() if isinstance(username, str) else username
