"""The pipeline boards in Chromium: dragging cards, the "Move to…" control, refusals, the move
dialog, a card changed by someone else, more cards per column, narrow and wide screens, the board
without JavaScript and a member's check-in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from conftest import PASSWORD
from extensions.factories import LeadExtensionFactory, MemberExtensionFactory
from extensions.models import LeadExtension, MemberExtension
from persons.models import Person
from pipelines.rules import LEADS, MEMBERS
from pipelines.services import pipeline_move


def board_url(live_server, pipeline: str = "leads", query: str = "") -> str:
    return f"{live_server.url}/pipelines/{pipeline}/" + (f"?{query}" if query else "")


def open_board(page: Page, live_server, pipeline: str = "leads", query: str = "") -> None:
    page.goto(board_url(live_server, pipeline, query))
    # board.js has made every column a SortableJS list: dragging works from here on.
    expect(page.locator("[data-cards]").last).to_have_attribute("data-sortable", "on")


def sign_in_without_javascript(browser: Browser, live_server, user) -> Page:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/my-day/")  # home: the user's day
    return page


def card_of(page: Page, person: Person) -> Locator:
    return page.locator(f"#card-{person.pk}")


def column(page: Page, status: str) -> Locator:
    return page.locator(f"#cards-{status}")


def in_column(page: Page, status: str, person: Person) -> Locator:
    return column(page, status).locator(f"#card-{person.pk}")


def lead_of(person: Person) -> LeadExtension:
    return LeadExtension.objects.get(person=person)


def a_lead(make_person, owner, first_name: str, last_name: str, *statuses: str) -> Person:
    person = make_person(first_name, last_name, assigned_to=owner)
    LeadExtensionFactory(person=person, statuses=[(status, None) for status in statuses])
    return person


def drag(card: Locator, target: Locator) -> None:
    """Drag a card by its padding (SortableJS ignores drags that start on a link or a control)."""
    card.drag_to(target, source_position={"x": 6, "y": 6})


def drag_far(page: Page, card: Locator, target: Locator) -> None:
    """Drag a card to a column out of sight, as a person would: pick it up, move along while the
    board scrolls sideways, drop it. Headless Chromium does not autoscroll during a drag, so the
    board is scrolled here, between the mouse steps."""
    card.hover(position={"x": 6, "y": 6})
    page.mouse.down()
    start = card.bounding_box()
    page.mouse.move(start["x"] + 120, start["y"] + 40, steps=5)
    target.evaluate("list => list.scrollIntoView({inline: 'center', block: 'nearest'})")
    box = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=10)
    page.mouse.up()


def move_with_select(card: Locator, label: str) -> None:
    card.get_by_role("combobox").select_option(label=label)
    card.get_by_role("button", name=re.compile(r"^Move\b")).click()


def mark_page(page: Page) -> None:
    """Set a flag that a reload or a navigation would lose."""
    page.evaluate("window.boardNotReloaded = true")


def page_was_not_reloaded(page: Page) -> bool:
    return page.evaluate("window.boardNotReloaded === true")


def document_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def numbers_loaded(page: Page) -> Locator:
    """The pipeline numbers the board loads into itself after the page (htmx, on load)."""
    numbers = page.locator("#numbers .pipeline-numbers")
    expect(numbers).to_be_visible()
    return numbers


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
    history_before = len(lead_of(ada).status_history)
    mark_page(page)

    drag(card, column(page, "contacted"))

    expect(in_column(page, "contacted", ada)).to_be_visible()
    expect(page.locator("#count-contacted")).to_have_text("1")
    expect(page.locator("#count-new")).to_have_text("1")
    expect(card).to_contain_text("0 days in contacted")
    expect(card).to_have_attribute("data-status", "contacted")
    expect(card).not_to_have_class(re.compile(r"board-card--moving"))
    expect(page.locator("#flash")).to_contain_text("Ada Lovelace moved to Contacted.")
    assert page_was_not_reloaded(page)
    lead = lead_of(ada)
    assert lead.lead_status == "contacted"
    assert len(lead.status_history) == history_before + 1
    assert lead.status_history[-1]["status"] == "contacted"

    page.reload()
    expect(in_column(page, "contacted", ada)).to_be_visible()
    expect(column(page, "new").locator("[data-card]")).to_have_count(1)
    expect(page.locator("#count-contacted")).to_have_text("1")
    expect(page.locator("#count-new")).to_have_text("1")


# --- 2. The keyboard ------------------------------------------------------------------------------


def test_a_card_moves_with_the_keyboard_through_its_move_to_control(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    signed_in(staff_user)
    open_board(page, live_server)
    card = card_of(page, ada)
    select = card.get_by_label("Move Ada Lovelace to")
    mark_page(page)

    select.focus()
    page.keyboard.press("ArrowDown")  # "Move to…" → the first move offered, Contacted
    expect(select).to_have_value("contacted")
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name="Move Ada Lovelace")).to_be_focused()
    page.keyboard.press("Enter")

    expect(in_column(page, "contacted", ada)).to_be_visible()
    expect(page.locator("#count-contacted")).to_have_text("1")
    expect(page.locator("#count-new")).to_have_text("0")
    # Focus is on the moved card, so a keyboard user carries on from where it went.
    expect(card).to_be_focused()
    assert page_was_not_reloaded(page)
    assert lead_of(ada).lead_status == "contacted"


# --- 3. Refusals and the move dialog ------------------------------------------------------------------


def test_a_card_dragged_where_it_may_not_go_goes_back_with_the_reason(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    before = lead_of(ada)
    signed_in(staff_user)
    open_board(page, live_server)
    card = card_of(page, ada)
    expect(column(page, "won")).not_to_be_in_viewport()  # eight columns away, out of sight

    drag_far(page, card, column(page, "won"))

    expect(page.locator("#flash")).to_contain_text(
        "A card in New cannot move to Won (joined). From New it can go to: Contacted, Qualified"
    )
    expect(in_column(page, "new", ada)).to_be_visible()
    expect(column(page, "won").locator("[data-card]")).to_have_count(0)
    expect(card).not_to_have_class(re.compile(r"board-card--moving"))
    expect(page.locator("#count-new")).to_have_text("1")
    expect(page.locator("#count-won")).to_have_text("0")
    after = lead_of(ada)
    assert (after.lead_status, after.updated_at) == ("new", before.updated_at)


def test_a_move_to_lost_asks_why_and_a_cancelled_dialog_puts_the_card_back(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    signed_in(staff_user)
    open_board(page, live_server)
    card = card_of(page, ada)
    dialog = page.locator("#move-dialog")
    reason = dialog.get_by_label("Why was the lead lost?")

    # Cancelled with its Cancel button.
    move_with_select(card, "Lost")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="Move Ada Lovelace")).to_be_visible()
    expect(reason).to_be_visible()
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(in_column(page, "new", ada)).to_be_visible()
    expect(column(page, "lost").locator("[data-card]")).to_have_count(0)
    expect(card).to_be_focused()

    # Cancelled with Escape.
    move_with_select(card, "Lost")
    expect(reason).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(in_column(page, "new", ada)).to_be_visible()
    expect(page.locator("#count-new")).to_have_text("1")
    assert lead_of(ada).lead_status == "new"

    # With a reason: the move is made.
    move_with_select(card, "Lost")
    reason.fill("Moved away")
    dialog.get_by_role("button", name="Move", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(in_column(page, "lost", ada)).to_be_visible()
    expect(card).to_contain_text("Lost because")
    expect(card).to_contain_text("Moved away")
    expect(page.locator("#count-lost")).to_have_text("1")
    expect(page.locator("#count-new")).to_have_text("0")
    lead = lead_of(ada)
    assert (lead.lead_status, lead.lost_reason) == ("lost", "Moved away")


def test_the_dialog_asks_only_for_what_the_move_needs_its_stage_is_the_one_chosen(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    signed_in(staff_user)
    open_board(page, live_server)
    dialog = page.locator("#move-dialog")

    move_with_select(card_of(page, ada), "Lost")

    expect(dialog.get_by_role("heading", name="Move Ada Lovelace to Lost")).to_be_visible()
    expect(dialog.get_by_label("Move to")).to_have_count(0)
    expect(dialog.locator(".errorlist")).to_have_count(0)  # it asks; nothing was wrong yet
    expect(dialog.get_by_label("Why was the lead lost?")).to_be_focused()


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
    changed = lead_of(ada)

    move_with_select(card, "Qualified")

    expect(page.locator("#flash")).to_contain_text(
        "Ada Lovelace was changed by someone else after you loaded the board (now in Contacted)."
    )
    expect(in_column(page, "contacted", ada)).to_be_visible()
    expect(column(page, "qualified").locator("[data-card]")).to_have_count(0)
    expect(card_of(page, ada)).not_to_have_class(re.compile(r"board-card--moving"))
    after = lead_of(ada)
    assert (after.lead_status, after.updated_at) == ("contacted", changed.updated_at)


def test_a_card_refused_as_changed_by_someone_else_shows_where_it_is_now(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    signed_in(staff_user)
    open_board(page, live_server)
    pipeline_move(pipeline=LEADS, person=ada, status="contacted", actor=staff_user)

    move_with_select(card_of(page, ada), "Qualified")

    expect(page.locator("#flash")).to_contain_text("the card shows where it is now")
    expect(in_column(page, "contacted", ada)).to_be_visible(timeout=2000)


# --- 5. More cards -------------------------------------------------------------------------------------


def test_a_long_column_shows_its_first_10_cards_and_the_next_ones_on_request(
    page: Page, live_server, staff_user, signed_in, make_person
):
    for number in range(30):
        a_lead(make_person, staff_user, "Lead", f"Number {number:02}")
    signed_in(staff_user)
    open_board(page, live_server)
    cards = column(page, "new").locator("[data-card]")
    more = page.get_by_role("link", name="Show 25 more in New")
    expect(cards).to_have_count(10)
    expect(page.locator("#count-new")).to_have_text("30")
    mark_page(page)

    more.click()

    expect(cards).to_have_count(30)
    expect(more).to_have_count(0)
    assert page_was_not_reloaded(page)
    ids = cards.evaluate_all("cards => cards.map(card => card.id)")
    assert len(set(ids)) == 30
    # A card that came with the next ones moves like the first ones.
    last = cards.nth(29)
    move_with_select(last, "Contacted")
    expect(column(page, "contacted").locator("[data-card]")).to_have_count(1)
    expect(page.locator("#count-new")).to_have_text("29")


# --- 6. Narrow and wide screens -----------------------------------------------------------------------


def test_on_a_375_pixel_screen_the_board_scrolls_in_its_own_box_and_a_card_can_be_moved(
    page: Page, live_server, staff_user, signed_in, make_person
):
    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    a_lead(make_person, staff_user, "Grace", "Hopper", "contacted")
    a_lead(make_person, staff_user, "Katherine", "Johnson-Wollstonecraft-Hamilton", "contacted", "qualified")
    signed_in(staff_user)

    page.set_viewport_size({"width": 375, "height": 800})
    open_board(page, live_server)
    board = page.locator("[data-board]")
    assert board.evaluate("board => getComputedStyle(board).overflowX") == "auto"
    assert board.evaluate("board => board.scrollWidth > board.clientWidth")
    assert board.evaluate("board => board.getBoundingClientRect().right") <= 375
    numbers_loaded(page)
    page.screenshot(path="/tmp/board-375.png", full_page=True)

    card = card_of(page, ada)
    select = card.get_by_label("Move Ada Lovelace to")
    button = card.get_by_role("button", name="Move Ada Lovelace")
    card.scroll_into_view_if_needed()
    # Wholly on screen: neither the board's box nor the screen's edge cuts them off.
    expect(select).to_be_in_viewport(ratio=1)
    expect(button).to_be_in_viewport(ratio=1)
    assert button.bounding_box()["height"] >= 32  # a finger-sized target
    move_with_select(card, "Contacted")
    expect(in_column(page, "contacted", ada)).to_be_attached()
    expect(page.locator("#count-contacted")).to_have_text("2")
    assert lead_of(ada).lead_status == "contacted"

    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(column(page, "contacted").locator("[data-card]")).to_have_count(2)
    numbers_loaded(page)
    page.screenshot(path="/tmp/board-1280.png", full_page=True)


def test_on_a_375_pixel_screen_with_only_new_cards_the_page_does_not_scroll_sideways(
    page: Page, live_server, staff_user, signed_in, make_person
):
    a_lead(make_person, staff_user, "Ada", "Lovelace")
    signed_in(staff_user)
    page.set_viewport_size({"width": 375, "height": 800})
    open_board(page, live_server)
    numbers = numbers_loaded(page)
    assert document_width(page) <= 375 + 1
    numbers.locator("summary").click()  # the numbers table, opened, scrolls in its own box
    expect(numbers.locator("table")).to_be_visible()
    assert document_width(page) <= 375 + 1


@pytest.mark.parametrize("width", [375, 1280])
def test_cards_in_columns_off_to_the_right_do_not_make_the_page_scroll_sideways(
    page: Page, live_server, staff_user, signed_in, make_person, width
):
    a_lead(make_person, staff_user, "Ada", "Lovelace", "lost")
    signed_in(staff_user)
    page.set_viewport_size({"width": width, "height": 800})
    open_board(page, live_server)
    expect(column(page, "lost").locator("[data-card]")).to_have_count(1)
    assert document_width(page) <= width + 1


# --- 7. Without JavaScript ------------------------------------------------------------------------


def test_without_javascript_a_card_moves_through_the_move_page(browser, live_server, staff_user, make_person):
    ada = a_lead(make_person, staff_user, "Ada", "Lovelace")
    page = sign_in_without_javascript(browser, live_server, staff_user)
    try:
        page.goto(board_url(live_server))
        move_with_select(card_of(page, ada), "Contacted")

        page.wait_for_url(re.compile(rf"/pipelines/leads/{ada.pk}/move/"))
        expect(page.get_by_role("heading", name="Move Ada Lovelace", level=1)).to_be_visible()
        expect(page.get_by_role("heading", name="Move Ada Lovelace to Contacted")).to_be_visible()
        page.get_by_role("button", name="Move", exact=True).click()

        page.wait_for_url(re.compile(r"/pipelines/leads/(\?.*)?$"))
        expect(page.locator("#flash")).to_contain_text("Ada Lovelace moved to Contacted.")
        expect(in_column(page, "contacted", ada)).to_be_visible()
        expect(page.locator("#count-contacted")).to_have_text("1")
        expect(page.locator("#count-new")).to_have_text("0")
        assert lead_of(ada).lead_status == "contacted"
    finally:
        page.context.close()


def test_without_javascript_a_move_returns_to_the_board_with_its_filters(
    browser, live_server, staff_user, other_staff_user, make_person
):
    ada = a_lead(make_person, None, "Ada", "Lovelace")  # unassigned: on "Everyone", not on "Me"
    a_lead(make_person, other_staff_user, "Grace", "Hopper")
    page = sign_in_without_javascript(browser, live_server, staff_user)
    try:
        page.goto(board_url(live_server, query="assigned=everyone"))
        move_with_select(card_of(page, ada), "Contacted")
        page.get_by_role("button", name="Move", exact=True).click()
        page.wait_for_url(re.compile(r"/pipelines/leads/(\?.*)?$"))
        expect(page.locator("#flash")).to_contain_text("Ada Lovelace moved to Contacted.")
        assert "to=" not in page.url
        expect(page.get_by_label("Assigned to")).to_have_value("everyone", timeout=2000)
        expect(in_column(page, "contacted", ada)).to_be_visible(timeout=2000)
    finally:
        page.context.close()


# --- 8. Check-in --------------------------------------------------------------------------------------


def an_active_member(make_person, owner, first_name: str, last_name: str) -> Person:
    person = make_person(first_name, last_name, assigned_to=owner)
    MemberExtensionFactory(person=person, statuses=[("active", None)], attendance_streak=0, check_in_count=0)
    return person


def test_a_member_cards_check_in_button_records_a_visit_and_the_card_shows_it(
    page: Page, live_server, staff_user, signed_in, make_person
):
    mary = an_active_member(make_person, staff_user, "Mary", "Jackson")
    signed_in(staff_user)
    open_board(page, live_server, "members")
    card = card_of(page, mary)
    last_check_in = card.locator(".board-card__facts div").filter(has_text="Last check-in").locator("dd")
    streak = card.locator(".board-card__facts div").filter(has_text="Streak").locator("dd")
    expect(in_column(page, "active", mary)).to_be_visible()
    expect(last_check_in).to_have_text("Never")
    expect(streak).to_have_text("0 days")
    mark_page(page)

    card.get_by_role("button", name="Check in Mary Jackson").click()

    expect(page.locator("#flash")).to_contain_text("Mary Jackson checked in")
    expect(streak).to_have_text("1 day")
    expect(last_check_in.locator("time")).to_be_visible()
    member = MemberExtension.objects.get(person=mary)
    assert (member.check_in_count, member.attendance_streak) == (1, 1)
    assert member.last_check_in is not None
    expect(last_check_in).to_have_text(f"{member.last_check_in.day} {member.last_check_in:%b}")
    expect(in_column(page, "active", mary)).to_be_visible()
    expect(page.locator("#count-active")).to_have_text("1")
    assert page_was_not_reloaded(page)


def test_a_refused_check_in_says_why_and_leaves_the_card_in_place(
    page: Page, live_server, staff_user, signed_in, make_person
):
    mary = an_active_member(make_person, staff_user, "Mary", "Jackson")
    signed_in(staff_user)
    open_board(page, live_server, "members")
    card = card_of(page, mary)
    # Frozen at the front desk after the board was loaded: a frozen member does not check in.
    pipeline_move(pipeline=MEMBERS, person=mary, status="frozen", actor=staff_user)

    card.get_by_role("button", name="Check in Mary Jackson").click()

    expect(page.locator("#flash")).to_contain_text(
        "Mary Jackson's membership is frozen; only active and past-due members check in."
    )
    expect(in_column(page, "active", mary)).to_be_visible()
    assert MemberExtension.objects.get(person=mary).check_in_count == 0
