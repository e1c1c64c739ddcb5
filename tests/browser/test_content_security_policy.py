"""ORCA's Content-Security-Policy in Chromium: a violation is caught, and the admin works under it.

Every browser test fails on a violation (tests/browser/conftest.py csp_violations); the first test
here shows that check at work, the others walk the Django admin, whose pages ORCA does not write.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from persons.models import Person


def test_an_inline_style_added_to_a_page_is_refused_and_reported(
    page: Page, live_server, staff_user, signed_in, csp_violations
):
    signed_in(staff_user)

    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p id=\"styled\" style=\"color: red\">x</p>')"
    )

    expect(page.locator("#styled")).not_to_have_css("color", "rgb(255, 0, 0)")
    page.wait_for_function("() => true")  # let the violation event reach the test
    assert [violation["directive"] for violation in csp_violations] == ["style-src-attr"]
    csp_violations.clear()


def test_an_element_a_script_styled_is_swapped_by_htmx_without_copying_its_style_attribute(
    page: Page, live_server, staff_user, signed_in, make_person
):
    make_person("Ada", "Lovelace")
    make_person("Grace", "Hopper")
    signed_in(staff_user)
    # As a library does (SortableJS animating a card): a style set through the DOM, which the
    # policy allows, but which htmx would copy onto the swapped-in element as an attribute.
    page.evaluate("document.getElementById('bulk-form').style.outline = '1px solid red'")

    page.get_by_role("searchbox", name="Search people by name, email or phone").press_sequentially("hopper")

    expect(page.locator("#results tbody th a")).to_have_text(["Grace Hopper"])
    expect(page.locator("#bulk-form")).not_to_have_attribute("style", re.compile(r"."))


def test_the_person_admin_lists_edits_and_saves_under_the_policy(
    page: Page, live_server, manager_user, staff_user, signed_in, make_person
):
    ada = make_person("Ada", "Lovelace", roles={"lead", "member"})
    signed_in(manager_user)

    page.goto(f"{live_server.url}/admin/persons/person/")
    # The bulk action bar (actions.js) counts the ticked rows.
    page.get_by_role("checkbox", name="Select this object for an action - Ada Lovelace").check()
    expect(page.locator(".action-counter")).to_have_text("1 of 1 selected")

    page.get_by_role("link", name="Ada Lovelace", exact=True).click()
    expect(page.get_by_role("heading", name="Change person")).to_be_visible()
    # The date picker (DateTimeShortcuts.js) and the owner's autocomplete (select2).
    page.locator("#calendarlink0").click()
    page.locator(".calendarbox").get_by_role("link", name="Today").click()
    page.locator(".field-assigned_to .select2-selection").click()
    page.locator(".select2-search__field").fill("staff")
    page.locator(".select2-results__option", has_text=str(staff_user)).click()
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    ada = Person.objects.get(pk=ada.pk)
    assert ada.assigned_to == staff_user and ada.dob is not None
