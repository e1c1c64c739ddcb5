"""The pipeline boards in Chromium: dragging cards, the "Move to…" control, refusals, the move
dialog, a card changed by someone else, more cards per column, a narrow screen, the board without
JavaScript and a member's check-in."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from conftest import PASSWORD
from extensions.factories import LeadExtensionFactory, MemberExtensionFactory
from extensions.models import LeadExtension, MemberExtension
from persons.models import Person
from pipelines.rules import LEADS
from pipelines.services import pipeline_move


def board_url(live_server, pipeline: str = "leads", query: str = "") -> str:
    return f"{live_server.url}/pipelines/{pipeline}/" + (f"?{query}" if query else "")


def open_board(page: Page, live_server, pipeline: str = "leads", query: str = "") -> None:
    page.goto(board_url(live_server, pipeline, query))
    # board.js has made every column a SortableJS list: dragging works from here on.
    expect(page.locator("[data-cards]").first).to_have_attribute("data-sortable", "on")


def card_of(page: Page, person: Person) -> Locator:
    return page.locator(f"#card-{person.pk}")


def column(page: Page, status: str) -> Locator:
    return page.locator(f"#cards-{status}")


def lead_status(person: Person) -> str:
    return LeadExtension.objects.get(person=person).lead_status


def a_lead(make_person, owner, first_name: str, last_name: str, *statuses: str) -> Person:
    person = make_person(first_name, last_name, assigned_to=owner)
    LeadExtensionFactory(person=person, statuses=[(status, None) for status in statuses])
    return person


def drag(page: Page, card: Locator, target: Locator) -> None:
    """Drag a card by its padding (not its name link or its controls) and drop it on a column."""
    card.drag_to(target, source_position={"x": 6, "y": 6})


def move_with_select(card: Locator, label: str) -> None:
    card.get_by_role("combobox").select_option(label=label)
    card.get_by_role("button", name=re.compile(r"^Move\b")).click()


# --- 1. Dragging -------------------------------------------------------------------------------------


def test_a_lead_dragged_from_new_to_contacted_moves_there_and_stays_after_a_reload(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    a_lead(make_person, staff_user, "Grace", "Hopper")
    signed_in(staff_user)
    open_board(page, live_server)
    card = card_of(page, ada)
    expect(column(page, "new").locator("[data-card]")).to_have_count(2)
    expect(page.locator("#count-new")).to_have_text("2")
    expect(page.locator("#count-contacted")).to_have_text("0")
    history_before = len(LeadExtension.objects.get(person=ada).status_history)

    drag(page, card, column(page, "contacted"))

    expect(column(page, "contacted").locator(f"#card-{ada.pk}")).to_be_visible()
    expect(page.locator("#count-contacted")).to_have_text("1")
    expect(page.locator("#count-new")).to_have_text("1")
    expect(card).to_contain_text("in contacted")
    expect(page.locator("#flash")).to_contain_text("Ada Lovelace moved to Contacted.")
    expect(card).not_to_have_class(re.compile(r"board-card--moving"))

    page.reload()
    expect(column(page, "contacted").locator(f"#card-{ada.pk}")).to_be_visible()
    expect(column(page, "new").locator("[data-card]")).to_have_count(1)
    expect(page.locator("#count-contacted")).to_have_text("1")
    lead = LeadExtension.objects.get(person=ada)
    assert lead.lead_status == "contacted"
    assert len(lead.status_history) == history_before + 1
    assert lead.status_history[-1]["status"] == "contacted"


# --- 2. The keyboard ------------------------------------------------------------------------------


def test_a_card_moves_with_the_keyboard_through_its_move_to_control(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    signed_in(staff_user)
    open_board(page, live_server)
    card = card_of(page, ada)
    select = card.get_by_label("Move Ada Lovelace to")

    select.focus()
    select.select_option("contacted")
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name="Move Ada Lovelace")).to_be_focused()
    page.keyboard.press("Enter")

    expect(column(page, "contacted").locator(f"#card-{ada.pk}")).to_be_visible()
    expect(page.locator("#count-contacted")).to_have_text("1")
    expect(page.locator("#count-new")).to_have_text("0")
    # Focus stays on the moved card, so a keyboard user can carry on from it.
    expect(card).to_be_focused()
    assert lead_status(ada) == "contacted"


# --- 3. Refusals and the move dialog ------------------------------------------------------------------


def test_a_card_dragged_where_it_may_not_go_goes_back_with_the_reason(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    signed_in(staff_user)
    open_board(page, live_server)
    card = card_of(page, ada)

    drag(page, card, column(page, "won"))

    expect(page.locator("#flash")).to_contain_text("A card in New cannot move to Won (joined).")
    expect(column(page, "new").locator(f"#card-{ada.pk}")).to_be_visible()
    expect(column(page, "won").locator("[data-card]")).to_have_count(0)
    expect(page.locator("#count-new")).to_have_text("1")
    expect(page.locator("#count-won")).to_have_text("0")
    assert lead_status(ada) == "new"


def test_a_move_to_lost_asks_why_and_a_cancelled_dialog_puts_the_card_back(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    signed_in(staff_user)
    open_board(page, live_server)
    card = card_of(page, ada)
    dialog = page.locator("#move-dialog")
    reason = dialog.get_by_label("Why was the lead lost?")

    # Cancel button.
    move_with_select(card, "Lost")
    expect(dialog).to_be_visible()
    expect(reason).to_be_focused()
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(column(page, "new").locator(f"#card-{ada.pk}")).to_be_visible()
    expect(column(page, "lost").locator("[data-card]")).to_have_count(0)

    # Escape.
    move_with_select(card, "Lost")
    expect(reason).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(column(page, "new").locator(f"#card-{ada.pk}")).to_be_visible()
    assert lead_status(ada) == "new"

    # A reason given: the move is made.
    move_with_select(card, "Lost")
    reason.fill("Moved away")
    dialog.get_by_role("button", name="Move", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(column(page, "lost").locator(f"#card-{ada.pk}")).to_be_visible()
    expect(card).to_contain_text("Moved away")
    expect(page.locator("#count-lost")).to_have_text("1")
    expect(page.locator("#count-new")).to_have_text("0")
    lead = LeadExtension.objects.get(person=ada)
    assert (lead.lead_status, lead.lost_reason) == ("lost", "Moved away")


# --- 4. Someone else moved the card ---------------------------------------------------------------


def test_a_card_changed_by_someone_else_since_the_board_loaded_is_not_moved(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    signed_in(staff_user)
    open_board(page, live_server)
    card = card_of(page, ada)

    # A colleague moves the card behind this page's back.
    pipeline_move(pipeline=LEADS, person=ada, status="contacted", actor=staff_user)

    move_with_select(card, "Qualified")

    expect(page.locator("#flash")).to_contain_text("was changed by someone else")
    expect(column(page, "new").locator(f"#card-{ada.pk}")).to_be_visible()
    expect(column(page, "qualified").locator("[data-card]")).to_have_count(0)
    expect(card).not_to_have_class(re.compile(r"board-card--moving"))
    assert lead_status(ada) == "contacted"


# --- 5. More cards -------------------------------------------------------------------------------------


def test_a_long_column_shows_25_cards_and_the_next_ones_on_request(
    page: Page, live_server, staff_user, signed_in, make_person
):
    for number in range(30):
        a_lead(make_person, staff_user, "Lead", f"Number {number:02}")
    signed_in(staff_user)
    open_board(page, live_server)
    cards = column(page, "new").locator("[data-card]")
    more = page.get_by_role("link", name="Show 25 more in New")
    expect(cards).to_have_count(25)
    expect(page.locator("#count-new")).to_have_text("30")

    more.click()

    expect(cards).to_have_count(30)
    expect(more).to_have_count(0)
    ids = cards.evaluate_all("cards => cards.map(card => card.id)")
    assert len(set(ids)) == 30
    # The cards that came later can be moved like the first ones.
    last = cards.nth(29)
    move_with_select(last, "Contacted")
    expect(column(page, "contacted").locator("[data-card]")).to_have_count(1)
    expect(page.locator("#count-new")).to_have_text("29")


# --- 6. Narrow and wide screens -----------------------------------------------------------------------


def test_on_a_375_pixel_screen_only_the_board_scrolls_sideways_and_a_card_can_be_moved(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    a_lead(make_person, staff_user, "Grace", "Hopper", "contacted")
    a_lead(make_person, staff_user, "Katherine", "Johnson-Hamilton-Wollstonecraft", "contacted", "qualified")
    signed_in(staff_user)

    page.set_viewport_size({"width": 375, "height": 800})
    open_board(page, live_server)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    board = page.locator("[data-board]")
    assert board.evaluate("board => board.scrollWidth > board.clientWidth")
    assert board.evaluate("board => getComputedStyle(board).overflowX") == "auto"
    page.screenshot(path="/tmp/board-375.png", full_page=True)

    card = card_of(page, ada)
    select = card.get_by_label("Move Ada Lovelace to")
    button = card.get_by_role("button", name="Move Ada Lovelace")
    expect(select).to_be_in_viewport()
    expect(button).to_be_in_viewport()
    move_with_select(card, "Contacted")
    expect(column(page, "contacted").locator(f"#card-{ada.pk}")).to_be_attached()
    expect(page.locator("#count-contacted")).to_have_text("2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    assert lead_status(ada) == "contacted"

    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(column(page, "contacted").locator("[data-card]")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280 + 1
    page.screenshot(path="/tmp/board-1280.png", full_page=True)


# --- 7. Without JavaScript ------------------------------------------------------------------------


def test_without_javascript_a_card_moves_through_the_move_page(browser, live_server, staff_user, make_person):
    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(staff_user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/people/**")

        page.goto(board_url(live_server))
        card = card_of(page, ada)
        move_with_select(card, "Contacted")

        page.wait_for_url(re.compile(rf"/pipelines/leads/{ada.pk}/move/"))
        expect(page.get_by_role("heading", name="Move Ada Lovelace", level=1)).to_be_visible()
        expect(page.get_by_label("Move to")).to_have_value("contacted")
        page.get_by_role("button", name="Move", exact=True).click()

        page.wait_for_url(re.compile(r"/pipelines/leads/(\?.*)?$"))
        expect(page.locator("#flash")).to_contain_text("Ada Lovelace moved to Contacted.")
        expect(column(page, "contacted").locator(f"#card-{ada.pk}")).to_be_visible()
        expect(page.locator("#count-contacted")).to_have_text("1")
        assert lead_status(ada) == "contacted"
    finally:
        context.close()


# --- 8. Check-in --------------------------------------------------------------------------------------


def test_a_member_cards_check_in_button_records_a_visit_and_the_card_shows_it(
    page: Page, live_server, staff_user, signed_in, make_person
):
    mary = make_person("Mary", "Jackson", assigned_to=staff_user)
    MemberExtensionFactory(person=mary, statuses=[("active", None)], attendance_streak=0, check_in_count=0)
    signed_in(staff_user)
    open_board(page, live_server, "members")
    card = card_of(page, mary)
    facts = card.locator(".board-card__facts")
    expect(column(page, "active").locator(f"#card-{mary.pk}")).to_be_visible()
    expect(facts).to_contain_text("Never")
    expect(facts).to_contain_text("0 days")

    card.get_by_role("button", name="Check in Mary Jackson").click()

    expect(page.locator("#flash")).to_contain_text("Mary Jackson checked in")
    expect(facts).not_to_contain_text("Never")
    expect(facts.locator("dd").filter(has=page.locator("time"))).to_be_visible()
    expect(facts).to_contain_text("1 day")
    member = MemberExtension.objects.get(person=mary)
    assert member.check_in_count == 1 and member.attendance_streak == 1 and member.last_check_in


def test_zz_debug(live_server, staff_user, make_person):
    from django.test import Client

    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    c = Client()
    c.force_login(staff_user)
    lead = LeadExtension.objects.get(person=ada)
    r = c.post(
        f"/pipelines/leads/{ada.pk}/move/",
        {"to": "won", "version": lead.updated_at.isoformat()},
        HTTP_HX_REQUEST="true",
    )
    print("STATUS", r.status_code, dict(r.headers))
    print("CTX", r.context and [list(d.keys())[:50] for d in r.context.dicts if "messages" in d])
    r2 = c.get("/pipelines/leads/")
    html = r2.content.decode()
    print("NEXT PAGE HAS IT", "cannot move to" in html)
