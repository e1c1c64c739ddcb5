"""The frame every page shares: base.html, the navigation, the components and the stylesheet."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django_htmx.middleware import HtmxMiddleware

from orca.navigation import NAV_ENTRIES
from orca.templatetags.orca_ui import minutes, status_tone

# A signed-in page that renders base.html and that this issue owns.
SIGNED_IN_PAGE = "/accounts/password_change/"


def make_request(path: str = "/people/", user=None, htmx: bool = False, **get):
    headers = {"HX-Request": "true"} if htmx else {}
    request = RequestFactory().get(path, get, headers=headers)
    HtmxMiddleware(lambda r: None)(request)
    if user is not None:
        request.user = user
    return request


# ---- the page frame -------------------------------------------------------------------------


def test_signed_in_page_has_skip_link_main_nav_and_flash_region(staff_client):
    html = staff_client.get(SIGNED_IN_PAGE).content.decode()

    assert '<a class="skip-link" href="#main">Skip to content</a>' in html
    assert '<main id="main" tabindex="-1">' in html
    assert '<nav class="site-nav__sections" aria-label="Main">' in html
    assert '<div id="flash" class="flash" role="status" aria-live="polite">' in html
    assert "hx-swap-oob" not in html
    assert '<html lang="en">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_every_page_loads_htmx_2_and_sends_csrf_with_htmx_requests(staff_client):
    response = staff_client.get(SIGNED_IN_PAGE)
    html = response.content.decode()

    assert re.search(r'<script src="/static/django_htmx/htmx-2\.min\.js" defer></script>', html)
    assert '<script src="/static/js/orca.js" defer></script>' in html
    token = response.context["csrf_token"]
    assert f'<body hx-headers=\'{{"X-CSRFToken": "{token}"}}\'' in html


def test_page_title_ends_with_the_app_name(staff_client):
    html = staff_client.get(SIGNED_IN_PAGE).content.decode()

    assert "<title>Change your password · ORCA</title>" in html


def test_nav_shows_the_signed_in_user_role_and_a_post_sign_out_button(staff_client):
    html = staff_client.get(SIGNED_IN_PAGE).content.decode()

    assert '<span class="site-nav__name">Staff</span> <span class="site-nav__role">Staff</span>' in html
    assert re.search(r'<form method="post" action="/accounts/logout/" class="inline-form">', html)
    assert 'name="csrfmiddlewaretoken"' in html
    assert ">Sign out</button>" in html


def nav_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="site-nav__sections".*?</nav>', html, re.S).group(0)
    return re.findall(r'<a href="[^"]+"[^>]*>([^<]+)</a>', nav)


def test_nav_shows_people_but_not_admin_to_staff(staff_client):
    html = staff_client.get(SIGNED_IN_PAGE).content.decode()

    assert nav_links(html) == ["My day", "People", "Leads", "Referrals", "Members"]
    assert 'href="/admin/"' not in html


@pytest.mark.parametrize("client_fixture", ["manager_client", "admin_client"])
def test_nav_shows_admin_to_managers_and_admins(request, client_fixture):
    client = request.getfixturevalue(client_fixture)

    html = client.get(SIGNED_IN_PAGE).content.decode()

    assert nav_links(html) == ["My day", "People", "Leads", "Referrals", "Members", "Admin"]
    assert '<a href="/admin/">Admin</a>' in html


@pytest.mark.django_db
def test_anonymous_pages_show_no_navigation(client):
    html = client.get(reverse("login")).content.decode()

    assert "site-nav" not in html
    assert "Sign out" not in html


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/people/", "People"),
        ("/people/42/", "People"),
        ("/pipelines/leads/", "Leads"),
        ("/pipelines/leads/table/", "Leads"),
        ("/pipelines/members/", "Members"),
        ("/accounts/password_change/", None),
    ],
)
def test_nav_marks_the_current_section(manager_user, path, current):
    html = render_to_string("base.html", request=make_request(path, user=manager_user))

    marked = re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', html)
    assert marked == ([current] if current else [])


def test_every_nav_entry_names_a_url_that_exists():
    for entry in NAV_ENTRIES:
        assert reverse(entry.url_name, args=entry.args).startswith("/"), entry


# ---- flash messages -------------------------------------------------------------------------


def render_flash(htmx: bool, oob=None) -> str:
    context = {"messages": [Message(constants.SUCCESS, "Saved."), Message(constants.ERROR, "Nope.")]}
    if oob is not None:
        context["oob"] = oob
    return render_to_string("components/flash.html", context, request=make_request(htmx=htmx))


def test_flash_partial_swaps_out_of_band_in_an_htmx_response():
    html = render_flash(htmx=True)

    assert '<div id="flash" class="flash" role="status" aria-live="polite" hx-swap-oob="true">' in html
    assert 'class="flash__item flash__item--success"' in html
    assert "Saved." in html
    assert '<span class="visually-hidden">Error: </span>Nope.' in html


def test_flash_partial_is_plain_in_a_full_page_or_when_told_so():
    assert "hx-swap-oob" not in render_flash(htmx=False)
    assert "hx-swap-oob" not in render_flash(htmx=True, oob=False)
    assert 'hx-swap-oob="true"' in render_flash(htmx=False, oob=True)


def test_invalid_password_change_shows_each_error_beside_its_field(staff_client):
    response = staff_client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-invalid="true"' in html
    assert 'id="id_old_password_error"' in html


# ---- components -----------------------------------------------------------------------------


def render(source: str, context: dict | None = None, request=None) -> str:
    ctx = Context(context or {})
    if request is not None:
        ctx["request"] = request
    return Template("{% load orca_ui %}" + source).render(ctx)


def test_sortable_header_sorts_ascending_first_and_keeps_filters_but_not_the_page():
    request = make_request("/people/", q="ann", role="lead", after="abc", sort="created")

    html = render('{% sortable_th "Name" "name" hx_target="#results" %}', request=request)

    assert "aria-sort" not in html
    assert 'href="/people/?q=ann&amp;role=lead&amp;sort=name"' in html
    assert (
        'hx-get="/people/?q=ann&amp;role=lead&amp;sort=name" hx-target="#results" hx-push-url="true"' in html
    )
    assert "after=" not in html


def test_sortable_header_toggles_direction_and_announces_it():
    ascending = render('{% sortable_th "Name" "name" %}', request=make_request("/people/", sort="name"))
    descending = render('{% sortable_th "Name" "name" %}', request=make_request("/people/", sort="-name"))

    assert 'aria-sort="ascending"' in ascending
    assert 'href="/people/?sort=-name"' in ascending
    assert "hx-get" not in ascending
    assert 'aria-sort="descending"' in descending
    assert 'href="/people/?sort=name"' in descending


def test_sortable_header_shows_the_order_the_list_is_in_when_the_url_names_none():
    request = make_request("/people/", q="")

    html = render('{% sortable_th "Name" "name" current="name" %}', request=request)

    assert 'aria-sort="ascending"' in html
    assert 'href="/people/?sort=-name"' in html


def test_sortable_header_links_to_the_list_from_a_page_that_answered_a_form_elsewhere():
    request = make_request("/people/bulk/", role="lead", tags="", sort="name")

    html = render('{% sortable_th "Added" "created" path="/people/" %}', request=request)

    assert 'href="/people/?role=lead&amp;sort=created"' in html


@pytest.mark.parametrize(
    ("value", "tone"),
    [("won", "success"), ("lost", "danger"), ("frozen", "warning"), ("new", "info"), ("", "neutral")],
)
def test_status_tone_maps_pipeline_values_to_badge_tones(value, tone):
    assert status_tone(value) == tone


def test_status_badge_uses_an_explicit_tone_over_the_status():
    html = render_to_string("components/status_badge.html", {"label": "Won (joined)", "status": "won"})
    forced = render_to_string(
        "components/status_badge.html", {"label": "Late", "status": "won", "tone": "danger"}
    )

    assert '<span class="badge badge--status badge--success">Won (joined)</span>' in html
    assert 'badge--danger">Late</span>' in forced


def test_role_badges_show_each_role_in_a_fixed_order():
    html = render_to_string("components/role_badges.html", {"roles": {"member", "lead"}})

    assert re.findall(r'badge--(lead|referral|member)">(\w+)<', html) == [
        ("lead", "Lead"),
        ("member", "Member"),
    ]
    assert "No role" in render_to_string(
        "components/role_badges.html", {"roles": set(), "empty_label": "No role"}
    )


class SampleForm(forms.Form):
    email = forms.EmailField(help_text="Where we send receipts.")
    newsletter = forms.BooleanField(required=False, label="Send the newsletter")
    channels = forms.MultipleChoiceField(
        choices=[("email", "Email"), ("sms", "SMS")], widget=forms.CheckboxSelectMultiple, required=False
    )


def test_form_field_links_label_help_and_error_to_the_input():
    form = SampleForm(data={"email": "not-an-email"})
    form.is_valid()

    html = render_to_string("components/form_field.html", {"field": form["email"]})

    assert '<label class="field__label" for="id_email">Email</label>' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_email_helptext id_email_error"' in html
    assert '<ul class="errorlist" id="id_email_error"><li>Enter a valid email address.</li></ul>' in html
    assert '<p class="field__help" id="id_email_helptext">Where we send receipts.</p>' in html
    assert "field--invalid" in html and "field--required" in html


def test_form_fields_render_checkboxes_after_their_label_and_groups_as_fieldsets():
    html = render_to_string("components/form_fields.html", {"form": SampleForm()})

    assert re.search(
        r'<input type="checkbox" name="newsletter"[^>]*>\s*<label class="field__label" for="id_newsletter">',
        html,
    )
    assert '<legend class="field__label">Channels</legend>' in html
    assert "aria-invalid" not in html


def test_section_card_in_view_mode_links_to_edit_with_and_without_htmx():
    html = render_to_string(
        "components/section_card.html",
        {
            "section_id": "section-contact",
            "title": "Contact details",
            "body": "components/empty_state.html",
            "can_edit": True,
            "edit_url": "/people/1/contact/edit/",
        },
    )

    assert '<section class="card section-card section-card--view" id="section-contact"' in html
    edit = "/people/1/contact/edit/"
    assert f'href="{edit}" hx-get="{edit}" hx-target="#section-contact" hx-swap="outerHTML"' in html
    assert '<span class="visually-hidden"> contact details</span>' in html
    assert "autofocus" not in html


def test_section_card_hides_edit_when_the_view_says_no():
    html = render_to_string(
        "components/section_card.html",
        {
            "section_id": "s",
            "title": "T",
            "body": "components/empty_state.html",
            "can_edit": False,
            "edit_url": "/e/",
        },
    )

    assert "/e/" not in html


def test_section_card_in_edit_mode_posts_with_a_plain_form_and_htmx_and_takes_focus():
    html = render_to_string(
        "components/section_card.html",
        {
            "section_id": "section-contact",
            "title": "Contact details",
            "mode": "edit",
            "body": "components/form_fields.html",
            "form": SampleForm(),
            "edit_url": "/people/1/contact/edit/",
            "view_url": "/people/1/contact/",
        },
        request=make_request("/people/1/contact/edit/", htmx=True),
    )

    assert 'method="post" action="/people/1/contact/edit/" hx-post="/people/1/contact/edit/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="email"' in html
    assert 'href="/people/1/contact/" hx-get="/people/1/contact/"' in html
    assert 'tabindex="-1" autofocus' in html


def test_pagination_disables_the_missing_direction():
    html = render_to_string(
        "components/pagination.html", {"next_url": "/people/?after=x", "hx_target": "#results"}
    )

    disabled_prev = '<span class="btn btn--secondary" aria-disabled="true"><span aria-hidden="true">←</span>'
    assert disabled_prev + " Previous</span>" in html
    assert 'rel="next" href="/people/?after=x" hx-get="/people/?after=x" hx-target="#results"' in html


def test_confirm_delete_asks_before_a_post():
    html = render_to_string(
        "components/confirm_delete.html",
        {"action_url": "/people/1/delete/", "object_label": "Ann Lee"},
        request=make_request("/people/1/"),
    )

    assert '<details class="confirm-delete">' in html
    assert '<form class="confirm-delete__panel" method="post" action="/people/1/delete/">' in html
    assert "Delete Ann Lee?" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_confirm_delete_expanded_is_the_panel_alone_with_counts_and_a_cancel_link():
    html = render_to_string(
        "components/confirm_delete.html",
        {
            "action_url": "/people/1/delete/",
            "object_label": "Ann Lee",
            "counts": [("message", 3), ("relationship", 1)],
            "cancel_url": "/people/1/",
            "expanded": True,
        },
        request=make_request("/people/1/delete/"),
    )

    assert "<details" not in html and "<summary" not in html
    assert '<form class="confirm-delete__panel" method="post" action="/people/1/delete/">' in html
    assert "<li><strong>3</strong> messages</li><li><strong>1</strong> relationship</li>" in html
    assert '<a class="btn btn--secondary" href="/people/1/">Cancel</a>' in html


def test_page_header_renders_title_back_link_and_only_the_given_actions():
    html = render_to_string(
        "components/page_header.html",
        {
            "title": "Ann Lee",
            "back_url": "/people/",
            "back_label": "People",
            "actions": [
                {"label": "Edit", "url": "/people/1/edit/", "style": "primary"},
                {"label": "Archive", "url": "/people/1/archive/", "method": "post"},
            ],
        },
    )

    assert '<h1 class="page-header__title">Ann Lee</h1>' in html
    assert '<a href="/people/"><span aria-hidden="true">←</span> People</a>' in html
    assert '<a class="btn btn--primary" href="/people/1/edit/">Edit</a>' in html
    assert re.search(
        r'<form method="post" action="/people/1/archive/" class="inline-form">.*?Archive</button>', html, re.S
    )


def test_lockout_minutes_round_up():
    assert minutes(timedelta(minutes=15)) == 15
    assert minutes(timedelta(seconds=61)) == 2
    assert minutes(None) == 0


# ---- the stylesheet -------------------------------------------------------------------------

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "orca.css").read_text()
CSS_VARS = dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def colour(name: str) -> str:
    return "#ffffff" if name == "white" else CSS_VARS[name]


TEXT_PAIRS = [
    ("--color-text", "--color-surface"),
    ("--color-text", "--color-bg"),
    ("--color-text-muted", "--color-surface"),
    ("--color-text-muted", "--color-bg"),
    ("--color-primary", "--color-surface"),
    ("--color-primary-hover", "--color-surface"),
    ("white", "--color-primary"),
    ("white", "--color-primary-hover"),
    ("white", "--color-danger"),
    ("white", "--color-danger-hover"),
    ("--color-danger", "--color-surface"),
    ("--color-danger", "--color-danger-soft"),
    ("--color-text", "--color-danger-soft"),
    ("--color-text", "--color-success-soft"),
    ("--color-text", "--color-warning-soft"),
    ("--color-text", "--color-info-soft"),
    ("--color-success", "--color-success-soft"),
    ("--color-warning", "--color-warning-soft"),
    ("--color-info", "--color-info-soft"),
    ("--color-header-text", "--color-header"),
    ("--color-header-muted", "--color-header"),
    ("--color-focus-on-dark", "--color-header"),
    ("--badge-lead-fg", "--badge-lead-bg"),
    ("--badge-referral-fg", "--badge-referral-bg"),
    ("--badge-member-fg", "--badge-member-bg"),
    ("--badge-neutral-fg", "--badge-neutral-bg"),
]


@pytest.mark.parametrize(("foreground", "background"), TEXT_PAIRS)
def test_text_colours_meet_wcag_aa_contrast(foreground, background):
    assert contrast(colour(foreground), colour(background)) >= 4.5


def test_input_borders_and_focus_ring_are_visible_against_the_page():
    # WCAG 1.4.11: user-interface components need 3:1 against what is next to them.
    assert contrast(colour("--color-border-strong"), colour("--color-surface")) >= 3
    assert contrast(colour("--color-focus"), colour("--color-surface")) >= 3
    assert contrast(colour("--color-focus"), colour("--color-bg")) >= 3


def test_stylesheet_has_a_visible_focus_style_and_a_phone_layout():
    assert ":focus-visible {\n  outline: 3px solid var(--color-focus);" in CSS
    assert "@media (min-width: 48em)" in CSS
    assert ".table-wrap {\n  position: relative;\n  overflow-x: auto;" in CSS
