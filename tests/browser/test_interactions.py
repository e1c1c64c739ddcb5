"""Logging on the person page in Chromium: a call refused for a missing detail, fixed, and on the
timeline without a reload; a follow-up opened in place and completed."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from interactions.models import Interaction
from interactions.services import interaction_schedule
from persons.models import Person


def open_person_page(page: Page, live_server, person: Person) -> None:
    page.goto(f"{live_server.url}/people/{person.pk}/")
    expect(page.get_by_role("heading", name=person.full_name, level=1)).to_be_visible()


def test_a_call_refused_for_a_missing_detail_is_fixed_and_appears_on_the_timeline_without_a_reload(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = make_person("Ada", "Lovelace", assigned_to=staff_user)
    signed_in(staff_user)
    open_person_page(page, live_server, ada)
    timeline = page.locator("#timeline")
    page.evaluate("window.notReloaded = true")

    timeline.get_by_role("link", name="Log", exact=True).click()
    form = timeline.locator("form.interaction-form")
    form.get_by_label("Type").select_option("call")
    form.get_by_label("Minutes").fill("6")
    form.get_by_role("button", name="Log it").click()

    expect(form.locator(".form-errors")).to_contain_text("Say what happened")
    expect(form.get_by_label("Minutes")).to_have_value("6")  # what was typed stays
    assert not Interaction.objects.filter(person=ada).exists()

    form.get_by_label("Subject").fill("Asked about evening classes")
    form.get_by_label("Outcome").select_option("reached")
    form.get_by_role("button", name="Log it").click()

    expect(timeline.locator("form.interaction-form")).to_have_count(0)
    first = timeline.locator(".timeline__item").first
    expect(first).to_contain_text("Asked about evening classes")
    expect(first).to_contain_text("Spoke with them")
    expect(page.locator("#flash")).to_contain_text("Phone call logged for Ada Lovelace.")
    assert page.evaluate("window.notReloaded") is True
    ada.refresh_from_db()
    assert ada.last_contacted is not None


def test_a_follow_up_opens_in_place_and_is_completed_with_its_outcome(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = make_person("Ada", "Lovelace", assigned_to=staff_user)
    planned = interaction_schedule(
        person=ada,
        user=staff_user,
        interaction_type="call",
        subject="Ring about the trial",
        scheduled_at=timezone.now() + dt.timedelta(hours=5),
    )
    signed_in(staff_user)
    open_person_page(page, live_server, ada)
    entry = page.locator(f"#entry-{planned.pk}")

    entry.get_by_role("link", name="Open").click()
    entry = page.locator(f"#entry-{planned.pk}")
    entry.get_by_role("link", name="Complete…").click()
    entry.get_by_role("button", name="Complete").click()
    # The outcome is required: the browser holds the form back (the server would answer 422 too).
    assert entry.get_by_label("Outcome").evaluate("select => select.validity.valueMissing")
    assert Interaction.objects.get(pk=planned.pk).status == "scheduled"

    entry.get_by_label("Outcome").select_option("booked")
    entry.get_by_role("button", name="Complete").click()
    expect(entry).to_contain_text("Completed")
    expect(entry).to_contain_text("Booked a visit, tour or class")
    planned.refresh_from_db()
    assert (planned.status, planned.outcome) == ("completed", "booked")
