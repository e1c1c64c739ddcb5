"""Signing in through the real form and signing out, in Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from conftest import PASSWORD


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_page_asked_for(
    page: Page, live_server, staff_user
):
    page.goto(f"{live_server.url}/people/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/people/")

    page.get_by_label("Email").fill(staff_user.email.upper())
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("That email and password do not match an account.")
    expect(page.get_by_label("Email")).to_have_value(staff_user.email.upper())
    expect(page.get_by_label("Password")).to_have_value("")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/people/")
    expect(page.get_by_role("heading", name="People", level=1)).to_be_visible()
    expect(page.locator(".site-nav__name")).to_have_text(str(staff_user))


def test_signing_out_ends_the_session(page: Page, live_server, staff_user, signed_in):
    signed_in(staff_user)

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", name="Sign in to ORCA")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto(f"{live_server.url}/people/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/people/")


def test_a_search_after_the_session_ended_opens_sign_in_as_a_page_and_comes_back_to_the_list(
    page: Page, live_server, staff_user, signed_in, make_person
):
    make_person("Grace", "Hopper")
    signed_in(staff_user)
    page.context.clear_cookies()

    page.get_by_role("searchbox", name="Search people by name, email or phone").press_sequentially("hopper")

    # The sign-in page replaces the whole page (it is not swapped into the results region) and
    # leads back to the page the user was on, not to the fragment the search asked for.
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/people/")
    expect(page.get_by_role("heading", name="Sign in to ORCA", level=1)).to_be_visible()
    expect(page.locator("#results")).to_have_count(0)
    page.get_by_label("Email").fill(staff_user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/people/")
    page.get_by_role("searchbox", name="Search people by name, email or phone").press_sequentially("hopper")
    expect(page.locator("#results tbody th a")).to_have_text(["Grace Hopper"])
