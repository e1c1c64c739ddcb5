"""My day in Chromium: a next step planned for a lead, then snoozed, and an overdue follow-up
completed, each from its row, with the counts following without a reload."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from agenda.tests.conftest import a_follow_up
from interactions.models import Interaction, InteractionStatus


def count_of(page: Page, key: str):
    return page.locator(f"#section-{key} .day-section__title .count-badge")


def soon_today() -> dt.datetime:
    """Half an hour from now, but still today (a test run just before midnight stays in today)."""
    now = timezone.localtime()
    last_minute = now.replace(hour=23, minute=59, second=0, microsecond=0)
    return min(now + dt.timedelta(minutes=30), last_minute)


def test_a_lead_gets_a_next_step_from_my_day_which_is_then_snoozed_and_another_completed(
    page: Page, live_server, staff_user, signed_in, make_person
):
    lena = make_person("Lena", "Lead", roles={"lead"}, assigned_to=staff_user)
    olga = make_person("Olga", "Overdue", assigned_to=staff_user)
    overdue = a_follow_up(olga, staff_user, timezone.now() - dt.timedelta(hours=3), "Promised a call back")
    signed_in(staff_user, then="/")  # home is the user's day
    expect(page.get_by_role("heading", name="My day", level=1)).to_be_visible()
    expect(count_of(page, "leads")).to_have_text("1")
    expect(count_of(page, "overdue")).to_have_text("1")

    # Plan the lead's next step: the schedule form, and back to My day.
    page.locator("#section-leads").get_by_role("link", name="Plan next step").click()
    form = page.locator("form.interaction-form")
    form.get_by_label("Type").select_option("call")
    form.get_by_label("When").fill(soon_today().strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Subject").fill("Talk through the plans")
    form.get_by_role("button", name="Schedule it").click()
    page.wait_for_url(f"{live_server.url}/my-day/")
    expect(count_of(page, "leads")).to_have_text("0")
    expect(count_of(page, "today")).to_have_text("1")
    today = page.locator("#section-today")
    expect(today).to_contain_text("Lena Lead")
    planned = Interaction.objects.get(person=lena, status=InteractionStatus.SCHEDULED)

    # Snooze it until tomorrow, in place.
    page.evaluate("window.notReloaded = true")
    today.get_by_label("Snooze until").select_option("tomorrow")
    today.get_by_role("button", name="Snooze").click()
    expect(count_of(page, "today")).to_have_text("0")
    expect(page.locator("#section-today")).to_contain_text("No more follow-ups planned for today.")
    expect(page.locator("#flash")).to_contain_text("snoozed until")
    planned.refresh_from_db()
    assert timezone.localtime(planned.scheduled_at).date() == timezone.localdate() + dt.timedelta(days=1)

    # Complete the overdue one: the outcome is asked for first.
    row = page.locator("#section-overdue .day-row").first
    row.get_by_role("button", name="Complete").click()
    assert row.get_by_label("Outcome").evaluate("select => select.validity.valueMissing")
    row.get_by_label("Outcome").select_option("reached")
    row.get_by_role("button", name="Complete").click()
    expect(count_of(page, "overdue")).to_have_text("0")
    expect(page.locator("#flash")).to_contain_text("completed")
    assert page.evaluate("window.notReloaded") is True
    overdue.refresh_from_db()
    assert overdue.status == InteractionStatus.COMPLETED and overdue.outcome == "reached"
