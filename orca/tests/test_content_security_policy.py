"""The Content-Security-Policy header (django-csp) on every page, and templates it would not refuse.

The browser tests run every page they open under this policy and fail on a violation
(tests/browser/conftest.py); these tests read the header itself and keep the templates free of
what it refuses, so a new template is caught before any browser opens it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from csp.middleware import CSPMiddleware
from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from persons.models import Person

# Everything from ORCA's own origin; nothing inline, no eval, no framing, no plugins.
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}


def policy_of(response: HttpResponse) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


@pytest.mark.django_db
def test_the_sign_in_page_sends_the_policy(client):
    assert policy_of(client.get(reverse("login"))) == POLICY


def test_the_staff_pages_send_the_policy_full_pages_and_htmx_partials_alike(staff_client):
    person = Person.objects.create(first_name="Ada", last_name="Lovelace")
    pages = [
        (reverse("persons:list"), {}),
        (reverse("persons:list"), {"HTTP_HX_REQUEST": "true"}),
        (reverse("persons:detail", args=[person.pk]), {}),
        (reverse("persons:section_edit", args=[person.pk, "notes"]), {"HTTP_HX_REQUEST": "true"}),
        (reverse("persons:create"), {}),
    ]
    for path, headers in pages:
        response = staff_client.get(path, **headers)
        assert response.status_code == 200, path
        assert policy_of(response) == POLICY, path


def test_the_admin_sends_the_policy(admin_client):
    for path in (reverse("admin:index"), reverse("admin:persons_person_changelist")):
        assert policy_of(admin_client.get(path)) == POLICY, path


def test_refusals_and_missing_pages_send_the_policy_too(staff_client):
    assert policy_of(staff_client.get("/people/no-such-page/")) == POLICY
    assert policy_of(staff_client.get(reverse("admin:index"))) == POLICY


def test_a_template_that_uses_the_nonce_puts_it_in_the_policy_for_scripts_and_styles():
    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}"></script>')

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(template.render({}, request))

    response = CSPMiddleware(view)(RequestFactory().get("/"))

    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    policy = policy_of(response)
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy["style-src"] == ["'self'", f"'nonce-{nonce}'"]


# --- Templates ----------------------------------------------------------------------------------

# What the policy refuses, as it appears in a template: inline <script> and <style> without a
# nonce, style and on* attributes, and what htmx runs through eval (hx-on, js: values, hx-vars,
# [filters] in hx-trigger).
REFUSED = {
    "an inline <script> without a nonce": re.compile(r"<script\b(?![^>]*\b(?:src|nonce)=)[^>]*>", re.I),
    "a <style> without a nonce": re.compile(r"<style\b(?![^>]*\bnonce=)", re.I),
    "a style attribute": re.compile(r"\sstyle\s*=", re.I),
    "an on* event attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "an hx-on attribute": re.compile(r"\s(?:data-)?hx-on", re.I),
    "hx-vars": re.compile(r"\s(?:data-)?hx-vars\s*=", re.I),
    "a javascript: or js: value": re.compile(r"""=\s*["']\s*(?:javascript|js):""", re.I),
    "an hx-trigger [filter]": re.compile(r"""\shx-trigger\s*=\s*["'][^"']*\[""", re.I),
}


def project_template_files() -> list[Path]:
    """Every template of ORCA's own: the templates/ folder and its apps' templates folders."""
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [
        Path(config.path) / "templates"
        for config in apps.get_app_configs()
        # Not the installed packages, even when the virtualenv lives inside the project (.venv).
        if Path(config.path).is_relative_to(settings.BASE_DIR)
        and "site-packages" not in Path(config.path).parts
    ]
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*.html"))


TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.S)


def without_comments(text: str) -> str:
    """The template without its {# #} and {% comment %} text (which may name what it avoids), lines kept."""
    return TEMPLATE_COMMENT.sub(lambda match: "\n" * match.group(0).count("\n"), text)


def test_the_template_scan_sees_the_frame_the_people_list_and_the_admin_overrides():
    names = {path.relative_to(settings.BASE_DIR).as_posix() for path in project_template_files()}
    assert {
        "templates/base.html",
        "templates/persons/list.html",
        "templates/admin/persons/person/change_form.html",
    } <= names


def test_no_template_has_inline_script_or_style_or_anything_htmx_would_eval():
    found = [
        f"{path.relative_to(settings.BASE_DIR)}:{text.count(chr(10), 0, match.start()) + 1}: {what}"
        for path in project_template_files()
        for text in [without_comments(path.read_text())]
        for what, pattern in REFUSED.items()
        for match in pattern.finditer(text)
    ]
    assert not found, (
        "The Content-Security-Policy refuses these; use a static file and a class (or a handler in "
        'static/js), or for a true exception nonce="{{ request.csp_nonce }}":\n' + "\n".join(found)
    )
