"""Editing the person page in place: sections, validation, concurrent edits, permissions, roles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.urls import reverse

from extensions.models import LeadExtension, MemberExtension
from extensions.services import extension_change_status, person_set_roles
from persons.models import Person

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def make_person(**fields) -> Person:
    fields.setdefault("first_name", "Ada")
    fields.setdefault("last_name", "Lovelace")
    return Person.objects.create(**fields)


def edit_url(person: Person, section: str) -> str:
    return reverse("persons:section_edit", args=[person.pk, section])


def version(row) -> str:
    return row.updated_at.isoformat()


def profile_data(person: Person, **changes) -> dict:
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "phone": person.phone,
        "secondary_phone": person.secondary_phone,
        "dob": "",
        "gender": person.gender,
        "expected_updated_at": version(person),
    }
    data.update(changes)
    return data


def preferences_data(person: Person, **changes) -> dict:
    data = {
        "preferred_contact_method": "sms",
        "preferred_contact_times": ["evening", "weekend"],
        "contact_frequency_preference": "monthly",
        "email_opt_in": "on",
        "do_not_contact_until": "",
        "interest_level": "high",
        "goals": "Run a marathon",
        "preferred_membership": "premium",
        "interested_services": ["yoga", "swimming"],
        "budget_range": "60_100",
        "payment_preferences": "card",
        "price_sensitivity": "low",
        "expected_updated_at": version(person),
    }
    data.update(changes)
    return data


def notes_data(person: Person, **changes) -> dict:
    data = {
        "tags": "VIP, early-bird, vip",
        "notes": "Prefers mornings.",
        "assigned_to": str(person.assigned_to_id or ""),
        "expected_updated_at": version(person),
    }
    data.update(changes)
    return data


# --- Viewing and opening a section ----------------------------------------------------------------


@pytest.mark.parametrize("section", ["profile", "preferences", "notes"])
def test_a_section_opens_in_edit_mode_in_place_with_htmx(staff_client, section):
    person = make_person()
    response = staff_client.get(edit_url(person, section), **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert f'id="section-{section}"' in response.text
    assert 'name="expected_updated_at"' in response.text
    assert f'hx-post="{edit_url(person, section)}"' in response.text


@pytest.mark.parametrize("section", ["profile", "preferences", "notes", "lead"])
def test_a_section_edit_link_without_javascript_opens_a_full_page_form(staff_client, section):
    person = make_person()
    person_set_roles(person=person, roles={"lead"}, actor=None)
    response = staff_client.get(edit_url(person, section))
    assert response.status_code == 200
    assert "<html" in response.text
    assert f'action="{edit_url(person, section)}"' in response.text


def test_cancel_shows_the_card_in_view_mode(staff_client):
    person = make_person(goals="Get strong")
    url = reverse("persons:section", args=[person.pk, "preferences"])
    response = staff_client.get(url, **HTMX)
    assert response.status_code == 200 and "Get strong" in response.text and "<form" not in response.text
    plain = staff_client.get(url)
    assert plain.status_code == 302 and plain["Location"].endswith("#section-preferences")


@pytest.mark.parametrize("section", ["notes", "lead"])
def test_opening_and_saving_a_section_costs_few_queries(staff_client, section, django_assert_max_num_queries):
    person = make_person()
    person_set_roles(person=person, roles={"lead"}, actor=None)
    with django_assert_max_num_queries(6):
        assert staff_client.get(edit_url(person, section), **HTMX).status_code == 200


def test_an_unknown_section_is_404(staff_client):
    person = make_person()
    assert staff_client.get(edit_url(person, "finances")).status_code == 404


# --- Saving -------------------------------------------------------------------------------------------


def test_profile_saves_in_place_with_phone_in_e164_and_email_normalised(staff_client):
    person = make_person()
    data = profile_data(person, email="  Ada@Example.COM ", phone="(202) 555-0123", address_city="London")
    response = staff_client.post(edit_url(person, "profile"), data, **HTMX)
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.email == "ada@example.com"
    assert person.phone == "+12025550123"
    assert person.address == {"city": "London"}
    # the card comes back in view mode, the flash and the header out of band
    assert "<form" not in response.text.split('id="flash"')[0]
    assert "Profile saved." in response.text
    assert 'id="person-header" hx-swap-oob="true"' in response.text
    assert "(202) 555-0123" in response.text


def test_profile_saves_without_javascript_and_redirects_to_the_section(staff_client):
    person = make_person()
    response = staff_client.post(edit_url(person, "profile"), profile_data(person, phone="+44 20 7946 0958"))
    assert response.status_code == 302
    assert response["Location"] == reverse("persons:detail", args=[person.pk]) + "#section-profile"
    person.refresh_from_db()
    assert person.phone == "+442079460958"


def test_preferences_save_consents_services_and_times(staff_client):
    person = make_person()
    response = staff_client.post(edit_url(person, "preferences"), preferences_data(person), **HTMX)
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.preferred_contact_method == "sms"
    assert person.preferred_contact_times == ["evening", "weekend"]
    assert person.interested_services == ["yoga", "swimming"]
    assert person.email_opt_in and not person.sms_opt_in
    assert person.goals == "Run a marathon"
    assert "Evening (after 17), Weekends" in response.text


def test_do_not_contact_until_is_saved_from_the_form(staff_client):
    person = make_person()
    data = preferences_data(person, do_not_contact_until="2030-03-01T09:30")
    staff_client.post(edit_url(person, "preferences"), data)
    person.refresh_from_db()
    assert person.do_not_contact_until == dt.datetime(2030, 3, 1, 9, 30, tzinfo=dt.UTC)


def test_notes_save_tags_cleaned_and_the_owner(manager_client, staff_user):
    person = make_person()
    response = manager_client.post(
        edit_url(person, "notes"), notes_data(person, assigned_to=str(staff_user.pk))
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.tags == ["vip", "early-bird"]
    assert person.assigned_to == staff_user


# --- Validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [True, False])
def test_an_invalid_phone_is_refused_beside_the_field_with_422_and_nothing_written(staff_client, htmx):
    person = make_person(phone="+12025550123")
    data = profile_data(person, first_name="Changed", phone="12")
    response = staff_client.post(edit_url(person, "profile"), data, **(HTMX if htmx else {}))
    assert response.status_code == 422
    html = response.text
    assert "Enter a valid phone number." in html
    # the error sits in the phone field's block, and the input keeps what was typed
    phone_block = html.split('for="id_phone"')[1].split('class="field ')[0]
    assert "Enter a valid phone number." in phone_block
    assert 'value="Changed"' in html
    assert ("<html" in html) is not htmx
    person.refresh_from_db()
    assert person.first_name == "Ada" and person.phone == "+12025550123"


def field_block(html: str, name: str) -> str:
    """The rendered field `name`: its label, input, errors and help, up to the next field."""
    return html.split(f'for="id_{name}"')[1].split('class="field ')[0]


@pytest.mark.parametrize("htmx", [True, False])
def test_a_nul_byte_in_a_tag_is_refused_beside_the_field_with_422_and_nothing_written(staff_client, htmx):
    person = make_person(tags=["regular"])
    data = notes_data(person, tags="good, ba\x00d", notes="Changed")
    response = staff_client.post(edit_url(person, "notes"), data, **(HTMX if htmx else {}))
    assert response.status_code == 422
    assert "Null characters are not allowed." in field_block(response.text, "tags")
    person.refresh_from_db()
    assert person.tags == ["regular"] and person.notes == ""


ROLE_LIST_FIELDS = [
    ("lead", "motivations"),
    ("lead", "pain_points"),
    ("lead", "objections"),
    ("lead", "competitor_considerations"),
    ("lead", "conversion_blockers"),
    ("referral", "eligible_incentives"),
    ("referral", "incentives_awarded"),
    ("member", "retention_actions"),
]


@pytest.mark.parametrize(("section", "name"), ROLE_LIST_FIELDS)
def test_a_nul_byte_in_a_role_list_field_is_refused_beside_the_field_with_422(staff_client, section, name):
    person = make_person()
    person_set_roles(person=person, roles={section}, actor=None)
    person = Person.objects.select_related(section).get(pk=person.pk)
    before = getattr(person, section).updated_at
    data, _ = valid_post(person, section)
    response = staff_client.post(edit_url(person, section), {**data, name: "good, ba\x00d"}, **HTMX)
    assert response.status_code == 422
    assert "Null characters are not allowed." in field_block(response.text, name)
    extension = getattr(Person.objects.select_related(section).get(pk=person.pk), section)
    assert extension.updated_at == before and getattr(extension, name) == []


def test_a_bad_email_and_a_missing_first_name_are_refused(staff_client):
    person = make_person(email="ada@example.com")
    response = staff_client.post(
        edit_url(person, "profile"), profile_data(person, first_name="", email="not-an-email"), **HTMX
    )
    assert response.status_code == 422
    assert "Not saved: check the fields marked below." in response.text
    assert "Enter a valid email address." in response.text
    assert "This field is required." in response.text
    person.refresh_from_db()
    assert person.email == "ada@example.com"


def test_a_form_without_its_version_is_refused(staff_client):
    person = make_person()
    data = profile_data(person, first_name="Eve")
    del data["expected_updated_at"]
    response = staff_client.post(edit_url(person, "profile"), data, **HTMX)
    assert response.status_code == 422
    assert "missing its version" in response.text
    person.refresh_from_db()
    assert person.first_name == "Ada"


# --- Two people editing the same person ---------------------------------------------------------------


def test_a_second_save_from_an_old_form_is_refused_with_409_and_keeps_the_input(staff_client, manager_client):
    person = make_person()
    stale = profile_data(person, first_name="Second")
    first = manager_client.post(edit_url(person, "profile"), profile_data(person, first_name="First"), **HTMX)
    assert first.status_code == 200
    response = staff_client.post(edit_url(person, "profile"), stale, **HTMX)
    assert response.status_code == 409
    assert "Not saved." in response.text
    assert "changed by someone else" in response.text
    assert 'value="Second"' in response.text  # the user's input is kept
    assert f'hx-get="{edit_url(person, "profile")}"' in response.text  # and a reload
    person.refresh_from_db()
    assert person.first_name == "First"


def test_a_stale_plain_post_is_refused_with_409_on_a_full_page(staff_client):
    person = make_person()
    stale = profile_data(person, first_name="Late")
    Person.objects.get(pk=person.pk).save()  # someone else saved in between
    response = staff_client.post(edit_url(person, "profile"), stale)
    assert response.status_code == 409
    assert "<html" in response.text and "Reload their version" in response.text
    person.refresh_from_db()
    assert person.first_name == "Ada"


def test_a_stale_extension_form_is_refused_too(staff_client, manager_user):
    person = make_person()
    person_set_roles(person=person, roles={"lead"}, actor=None)
    lead = LeadExtension.objects.get(person=person)
    stale = lead_data(lead, lead_temperature="cold")
    extension_change_status(person=person, role="lead", status="contacted", actor=manager_user)
    response = staff_client.post(edit_url(person, "lead"), stale, **HTMX)
    assert response.status_code == 409
    lead.refresh_from_db()
    assert lead.lead_temperature == "warm" and lead.lead_status == "contacted"


# --- Role extensions ----------------------------------------------------------------------------------


def lead_data(lead: LeadExtension, **changes) -> dict:
    data = {
        "lead_status": lead.lead_status,
        "lead_temperature": lead.lead_temperature,
        "readiness_score": "",
        "conversion_probability": "",
        "estimated_value": "",
        "trial_status": lead.trial_status,
        "motivations": "",
        "expected_updated_at": version(lead),
    }
    data.update(changes)
    return data


def test_changing_a_lead_status_grows_its_history(staff_client, staff_user):
    person = make_person()
    person_set_roles(person=person, roles={"lead"}, actor=None)
    lead = LeadExtension.objects.get(person=person)
    data = lead_data(
        lead,
        lead_status="qualified",
        status_note="Booked a tour",
        motivations="health, friends",
        readiness_score="80",
    )
    response = staff_client.post(edit_url(person, "lead"), data, **HTMX)
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.lead_status == "qualified"
    assert lead.motivations == ["health", "friends"]
    assert lead.readiness_score == 80
    assert [entry["status"] for entry in lead.status_history] == ["new", "qualified"]
    assert lead.status_history[-1]["note"] == "Booked a tour"
    assert lead.status_history[-1]["by"] == str(staff_user.pk)
    assert "Booked a tour" in response.text and "Status history (2)" in response.text


def test_saving_a_lead_without_a_status_change_adds_no_history(staff_client):
    person = make_person()
    person_set_roles(person=person, roles={"lead"}, actor=None)
    lead = LeadExtension.objects.get(person=person)
    staff_client.post(edit_url(person, "lead"), lead_data(lead, lead_temperature="hot"))
    lead.refresh_from_db()
    assert lead.lead_temperature == "hot" and len(lead.status_history) == 1


def test_member_section_validates_billing_day_and_dates(staff_client):
    person = make_person()
    person_set_roles(person=person, roles={"member"}, actor=None)
    member = MemberExtension.objects.get(person=person)
    data = {
        "membership_status": "active",
        "membership_type": "standard",
        "billing_day": "31",
        "payment_status": "current",
        "current_monthly_spend": "49.00",
        "churn_risk": "low",
        "join_date": "2026-02-01T10:00",
        "membership_end_date": "2026-01-01T10:00",
        "expected_updated_at": version(member),
    }
    response = staff_client.post(edit_url(person, "member"), data, **HTMX)
    assert response.status_code == 422
    assert "A membership cannot end before it starts." in response.text
    assert "Ensure this value is less than or equal to 28." in response.text
    member.refresh_from_db()
    assert member.membership_status == "pending" and member.billing_day is None


def test_referral_section_saves_and_records_status_change(staff_client):
    person = make_person()
    person_set_roles(person=person, roles={"referral"}, actor=None)
    referral = person.referral
    data = {
        "referral_status": "appointment_booked",
        "permission_level": "contact_allowed",
        "appointment_status": "scheduled",
        "appointment_date": "2026-04-01T18:00",
        "conversion_status": "pending",
        "eligible_incentives": "free month",
        "expected_updated_at": version(referral),
    }
    response = staff_client.post(edit_url(person, "referral"), data, **HTMX)
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.referral_status == "appointment_booked"
    assert referral.eligible_incentives == ["free month"]
    assert len(referral.status_history) == 2


# --- Permissions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("section", ["profile", "preferences", "notes"])
def test_staff_cannot_edit_another_staff_members_person(staff_client, other_staff_user, section):
    person = make_person(assigned_to=other_staff_user)
    assert staff_client.get(edit_url(person, section)).status_code == 403
    data = {**profile_data(person, first_name="Hacked"), **preferences_data(person), **notes_data(person)}
    data["assigned_to"] = ""
    response = staff_client.post(edit_url(person, section), data, **HTMX)
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.first_name == "Ada" and person.goals == "" and person.assigned_to == other_staff_user


def test_staff_cannot_edit_another_staff_members_role_data(staff_client, other_staff_user):
    person = make_person(assigned_to=other_staff_user)
    person_set_roles(person=person, roles={"lead"}, actor=None)
    lead = LeadExtension.objects.get(person=person)
    response = staff_client.post(edit_url(person, "lead"), lead_data(lead, lead_status="lost"))
    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.lead_status == "new"


def test_staff_may_edit_unassigned_persons_and_their_own(staff_client, staff_user):
    for person in (make_person(), make_person(assigned_to=staff_user)):
        response = staff_client.post(edit_url(person, "profile"), profile_data(person, first_name="Edited"))
        assert response.status_code == 302
        person.refresh_from_db()
        assert person.first_name == "Edited"


def test_manager_may_reassign_someone_elses_person(manager_client, staff_user, other_staff_user):
    person = make_person(assigned_to=other_staff_user)
    response = manager_client.post(
        edit_url(person, "notes"), notes_data(person, assigned_to=str(staff_user.pk)), **HTMX
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.assigned_to == staff_user


# --- Roles ------------------------------------------------------------------------------------------


def test_adding_a_role_creates_its_extension_once(staff_client):
    person = make_person()
    url = reverse("persons:roles", args=[person.pk])
    for _ in range(2):
        response = staff_client.post(url, {"roles": ["lead"]}, follow=True)
        assert response.status_code == 200
    assert LeadExtension.objects.filter(person=person).count() == 1
    person.refresh_from_db()
    assert person.roles == {"lead"}
    assert 'id="section-lead"' in response.text


def test_dropping_a_role_keeps_its_data_and_the_page_says_so(staff_client):
    person = make_person()
    person_set_roles(person=person, roles={"lead", "member"}, actor=None)
    extension_change_status(person=person, role="lead", status="qualified", actor=None)
    response = staff_client.post(
        reverse("persons:roles", args=[person.pk]), {"roles": ["member"]}, follow=True
    )
    person.refresh_from_db()
    assert person.roles == {"member"}
    assert LeadExtension.objects.get(person=person).lead_status == "qualified"
    html = response.text
    assert "is no longer a lead" in html and "details are kept" in html
    assert "Former lead" in html and "Qualified" in html
    assert 'id="section-lead"' not in html


def test_an_unknown_role_is_refused_and_nothing_changes(staff_client):
    person = make_person()
    response = staff_client.post(
        reverse("persons:roles", args=[person.pk]), {"roles": ["owner"]}, follow=True
    )
    assert "Choose roles from lead, referral and member." in response.text
    person.refresh_from_db()
    assert person.roles == set()


def test_staff_cannot_change_roles_of_another_staff_members_person(staff_client, other_staff_user):
    person = make_person(assigned_to=other_staff_user)
    response = staff_client.post(reverse("persons:roles", args=[person.pk]), {"roles": ["lead"]})
    assert response.status_code == 403
    assert not LeadExtension.objects.filter(person=person).exists()


def test_roles_endpoint_only_accepts_post(staff_client):
    person = make_person()
    assert staff_client.get(reverse("persons:roles", args=[person.pk])).status_code == 405


# --- Every section saves both ways ----------------------------------------------------------------------


def valid_post(person: Person, section: str) -> tuple[dict, Callable[[Person], bool]]:
    """Valid form data for a section, and a check that it was written."""
    if section == "profile":
        return profile_data(person, last_name="Byron"), lambda p: p.last_name == "Byron"
    if section == "preferences":
        return preferences_data(person), lambda p: p.interest_level == "high"
    if section == "notes":
        return notes_data(person, notes="Saved"), lambda p: p.notes == "Saved"
    extension = getattr(person, section)
    common = {"expected_updated_at": version(extension)}
    if section == "lead":
        return lead_data(extension, lead_status="contacted"), lambda p: p.lead.lead_status == "contacted"
    if section == "referral":
        data = {
            **common,
            "referral_status": "contacted",
            "permission_level": "not_asked",
            "appointment_status": "not_scheduled",
            "conversion_status": "pending",
        }
        return data, lambda p: p.referral.referral_status == "contacted"
    data = {
        **common,
        "membership_status": "active",
        "membership_type": "premium",
        "billing_day": "15",
        "payment_status": "current",
        "current_monthly_spend": "79.00",
        "churn_risk": "low",
    }
    return data, lambda p: (p.member.membership_status, p.member.billing_day) == ("active", 15)


@pytest.mark.parametrize("section", ["profile", "preferences", "notes", "lead", "referral", "member"])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_every_section_saves_in_place_and_without_javascript(staff_client, section, htmx):
    person = make_person()
    person_set_roles(person=person, roles={"lead", "referral", "member"}, actor=None)
    person = Person.objects.select_related("lead", "referral", "member").get(pk=person.pk)
    data, written = valid_post(person, section)
    response = staff_client.post(edit_url(person, section), data, **(HTMX if htmx else {}))
    if htmx:
        assert response.status_code == 200
        assert f'id="section-{section}"' in response.text and "section-card--view" in response.text
        assert "saved." in response.text
    else:
        assert response.status_code == 302
        assert response["Location"].endswith(f"#section-{section}")
    assert written(Person.objects.select_related("lead", "referral", "member").get(pk=person.pk))


def test_saving_roles_answers_see_other_so_a_reload_posts_nothing(staff_client):
    person = make_person()
    response = staff_client.post(reverse("persons:roles", args=[person.pk]), {"roles": ["member"]})
    assert response.status_code == 303
    assert response["Location"] == reverse("persons:detail", args=[person.pk])
