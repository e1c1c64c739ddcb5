"""The people list in Chromium: search as you type, filters, opening a person, the back button.

The results region is swapped by htmx and the URL pushed; a marker set on `window` before acting
survives only if the page was not reloaded.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from extensions.services import extension_change_status


@pytest.fixture
def club(make_person, staff_user):
    """Five people: two leads (one contacted), two members (one frozen), one with no role."""
    people = {
        "ada": make_person("Ada", "Lovelace", roles={"lead"}, assigned_to=staff_user),
        "alan": make_person("Alan", "Turing", roles={"lead"}),
        "grace": make_person("Grace", "Hopper", roles={"member"}),
        "linus": make_person("Linus", "Torvalds", roles={"member"}),
        "edsger": make_person("Edsger", "Dijkstra"),
    }
    extension_change_status(person=people["alan"], role="lead", status="contacted", actor=None)
    extension_change_status(person=people["linus"], role="member", status="frozen", actor=None)
    return people


def results(page: Page) -> Locator:
    return page.locator("#results")


def expect_names(page: Page, *names: str) -> None:
    """The results list exactly these people, in the list's order (by last name)."""
    expect(results(page).locator("tbody th a")).to_have_text(list(names))


def mark_page(page: Page) -> None:
    page.evaluate("window.notReloaded = true")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.notReloaded === true"), "the page was reloaded instead of swapped"


def open_filters(page: Page) -> Locator:
    page.locator(".people-filters__summary").click()
    return page.locator("#filter-fields")


def query_of(page: Page) -> dict[str, list[str]]:
    """The page URL's query string, without the empty parameters a GET form also sends."""
    return parse_qs(urlsplit(page.url).query)


ALL = ["Edsger Dijkstra", "Grace Hopper", "Ada Lovelace", "Linus Torvalds", "Alan Turing"]


def test_typing_in_the_search_box_updates_the_results_in_place_and_the_url(
    page: Page, live_server, staff_user, signed_in, club
):
    signed_in(staff_user)
    expect_names(page, *ALL)
    mark_page(page)

    page.get_by_role("searchbox", name="Search people by name, email or phone").press_sequentially("hopper")

    expect_names(page, "Grace Hopper")
    expect(page).to_have_url(re.compile(r"[?&]q=hopper(&|$)"))
    assert_not_reloaded(page)


def test_ticking_a_role_and_a_status_narrows_the_results_in_place(
    page: Page, live_server, staff_user, signed_in, club
):
    signed_in(staff_user)
    expect_names(page, *ALL)
    mark_page(page)
    filters = open_filters(page)

    filters.get_by_role("group", name="Role", exact=True).get_by_label("Lead").check()

    expect_names(page, "Ada Lovelace", "Alan Turing")
    expect(page).to_have_url(re.compile(r"[?&]role=lead(&|$)"))
    expect(page.locator("#filter-count")).to_have_text("(1 active)")

    filters.get_by_role("group", name="Lead status").get_by_label("Contacted").check()

    expect_names(page, "Alan Turing")
    expect(page).to_have_url(re.compile(r"[?&]lead_status=contacted(&|$)"))
    assert query_of(page)["role"] == ["lead"]
    expect(page.locator("#filter-count")).to_have_text("(2 active)")
    assert_not_reloaded(page)


def test_clicking_a_name_opens_the_person_page(page: Page, live_server, staff_user, signed_in, club):
    signed_in(staff_user)

    results(page).get_by_role("link", name="Grace Hopper").click()

    expect(page).to_have_url(f"{live_server.url}/people/{club['grace'].pk}/")
    expect(page.get_by_role("heading", name="Grace Hopper", level=1)).to_be_visible()
    expect(page.locator("#section-member")).to_be_visible()


def test_the_back_button_after_two_filters_restores_the_first_filters_results_and_url(
    page: Page, live_server, staff_user, signed_in, club
):
    signed_in(staff_user)
    mark_page(page)
    filters = open_filters(page)
    filters.get_by_role("group", name="Role", exact=True).get_by_label("Member").check()
    expect_names(page, "Grace Hopper", "Linus Torvalds")
    expect(page).to_have_url(re.compile(r"[?&]role=member(&|$)"))
    first_url = page.url

    filters.get_by_role("group", name="Membership status").get_by_label("Frozen").check()
    expect_names(page, "Linus Torvalds")
    expect(page).to_have_url(re.compile(r"[?&]membership_status=frozen(&|$)"))

    page.go_back()

    expect(page).to_have_url(first_url)
    expect_names(page, "Grace Hopper", "Linus Torvalds")
    expect(filters.get_by_role("group", name="Role", exact=True).get_by_label("Member")).to_be_checked()
    expect(filters.get_by_role("group", name="Membership status").get_by_label("Frozen")).not_to_be_checked()
    # htmx restored the earlier results in place; the browser did not load the page again.
    assert_not_reloaded(page)


def test_the_header_checkbox_ticks_and_clears_every_person_on_the_page(
    page: Page, live_server, staff_user, signed_in, club
):
    signed_in(staff_user)
    rows = results(page).locator('tbody input[name="ids"]')
    expect(rows).to_have_count(len(ALL))
    every = page.get_by_role("checkbox", name="Tick every person on this page")

    every.check()
    for index in range(len(ALL)):
        expect(rows.nth(index)).to_be_checked()

    every.uncheck()
    for index in range(len(ALL)):
        expect(rows.nth(index)).not_to_be_checked()


def test_a_refused_bulk_action_says_why_in_the_flash_region_and_keeps_the_ticks(
    page: Page, live_server, staff_user, other_staff_user, signed_in, make_person
):
    make_person("Ada", "Lovelace", assigned_to=staff_user)
    make_person("Grace", "Hopper", assigned_to=other_staff_user)
    signed_in(staff_user)
    mark_page(page)
    page.get_by_role("checkbox", name="Tick every person on this page").check()
    bulk = page.locator("#bulk-form")

    bulk.get_by_label("Action").select_option("add_tag")
    bulk.get_by_label("Tag").fill("vip")
    bulk.get_by_role("button", name="Apply").click()

    # The 403's own message, not the generic one orca.js shows for a refusal that swaps nothing.
    expect(page.locator("#flash")).to_contain_text("only a manager can change them")
    expect(results(page).get_by_role("checkbox", name="Tick Grace Hopper")).to_be_checked()
    assert_not_reloaded(page)
