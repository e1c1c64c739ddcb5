"""The person page in Chromium: a section edited in place, and a role added."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from persons.models import Person


def open_person_page(page: Page, live_server, person: Person) -> None:
    page.goto(f"{live_server.url}/people/{person.pk}/")
    expect(page.get_by_role("heading", name=person.full_name, level=1)).to_be_visible()


def test_an_invalid_phone_is_refused_beside_the_field_and_a_valid_one_is_saved_and_formatted(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = make_person("Ada", "Lovelace", email="ada@example.com", assigned_to=staff_user)
    signed_in(staff_user)
    open_person_page(page, live_server, ada)
    profile = page.locator("#section-profile")

    profile.get_by_role("link", name="Edit profile").click()
    phone = profile.get_by_label("Phone", exact=True)
    phone.fill("12345")
    profile.get_by_role("button", name="Save").click()

    # The error sits in the phone field's own block, and the input points at it.
    phone_field = profile.locator(".field").filter(has=page.get_by_label("Phone", exact=True))
    expect(phone_field.locator(".errorlist")).to_have_text("Enter a valid phone number.")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_attribute("aria-describedby", re.compile(r"\bid_phone_error\b"))
    expect(phone).to_have_value("12345")
    ada.refresh_from_db()
    assert ada.phone == ""

    phone.fill("(202) 555-0143")
    profile.get_by_role("button", name="Save").click()

    expect(profile.get_by_role("button", name="Save")).to_have_count(0)
    expect(profile).to_contain_text("(202) 555-0143")
    expect(page.locator("#person-header").get_by_role("link", name="(202) 555-0143")).to_have_attribute(
        "href", "tel:+12025550143"
    )
    expect(page.locator("#flash")).to_contain_text("Profile saved.")
    ada.refresh_from_db()
    assert ada.phone == "+12025550143"


def test_adding_a_role_shows_its_section(page: Page, live_server, staff_user, signed_in, make_person):
    grace = make_person("Grace", "Hopper", assigned_to=staff_user)
    signed_in(staff_user)
    open_person_page(page, live_server, grace)
    expect(page.get_by_role("heading", name="Membership")).to_have_count(0)

    roles = page.locator("#roles")
    roles.get_by_label("Member").check()
    roles.get_by_role("button", name="Save roles").click()

    expect(page.locator("#flash")).to_contain_text("Grace Hopper is now a member.")
    membership = page.locator("#section-member")
    expect(membership.get_by_role("heading", name="Membership")).to_be_visible()
    expect(membership.get_by_role("link", name="Edit membership")).to_be_visible()
    expect(page.locator("#person-header .badge--member")).to_have_text("Member")
    expect(roles.get_by_label("Member")).to_be_checked()
    grace.refresh_from_db()
    assert grace.is_member and hasattr(grace, "member")


def test_a_manager_deletes_a_person_after_seeing_what_goes_with_them(
    page: Page, live_server, manager_user, signed_in, make_person
):
    ada = make_person("Ada", "Lovelace", roles={"lead", "member"})
    signed_in(manager_user)
    open_person_page(page, live_server, ada)

    page.get_by_role("link", name="Delete…").click()
    panel = page.locator(".confirm-delete__panel")
    expect(panel).to_be_visible()
    expect(panel.locator(".confirm-delete__counts li").first).to_have_text("2 role records")
    panel.get_by_role("button", name="Delete Ada Lovelace permanently").click()

    page.wait_for_url(f"{live_server.url}/people/")
    expect(page.locator("#flash")).to_contain_text(
        "Ada Lovelace and everything recorded about them were deleted."
    )
    assert not Person.objects.filter(pk=ada.pk).exists()
