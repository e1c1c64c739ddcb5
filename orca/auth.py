"""Sign-in pieces that Django's auth views are configured with."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect


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


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for django-axes, right behind TRUSTED_PROXY_COUNT proxies.

    Behind a proxy REMOTE_ADDR is the proxy, so every user would share one address and one
    attacker's failures would lock the account for everyone. Only the entries the trusted proxies
    appended to X-Forwarded-For are believed; anything a client wrote before them is not.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


class HtmxLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, which also sends an htmx request of an ended session to sign in.

    A plain 302 would be followed inside the XMLHttpRequest and the whole sign-in page swapped into
    the region that asked for a fragment (the people list's results, a section card). HX-Redirect
    makes htmx load the sign-in page as the page, with `next` the page the user was on, not the
    fragment's URL.
    """

    def handle_no_permission(self, request: HttpRequest, view_func) -> HttpResponse:
        if not request.htmx:
            return super().handle_no_permission(request, view_func)
        page = request.htmx.current_url_abs_path or request.get_full_path()
        login_url = resolve_url(self.get_login_url(view_func))
        to_login = redirect_to_login(page, login_url, self.get_redirect_field_name(view_func))
        return HttpResponseClientRedirect(to_login["Location"])
