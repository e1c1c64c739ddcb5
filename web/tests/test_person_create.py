"""Creating a person: validation, the duplicate warning before saving, and "Create anyway"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from extensions.models import LeadExtension
from persons.models import Person

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
CREATE = "persons:create"


def form_data(**changes) -> dict:
    data = {
        "first_name": "Katherine",
        "last_name": "Johnson",
        "email": "",
        "phone": "",
        "dob": "",
        "gender": "",
        "acquisition_source": "walk_in",
        "preferred_contact_method": "",
        "notes": "",
    }
    data.update(changes)
    return data


def test_the_create_page_renders_for_staff(staff_client):
    response = staff_client.get(reverse(CREATE))
    assert response.status_code == 200
    assert 'name="first_name"' in response.text
    # staff look after the persons they add: no owner picker for them
    assert 'name="assigned_to"' not in response.text


def test_managers_may_choose_an_owner(manager_client):
    assert 'name="assigned_to"' in manager_client.get(reverse(CREATE)).text


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse(CREATE))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_new_person_is_created_with_roles_and_assigned_to_the_staff_member(staff_client, staff_user):
    data = form_data(email=" K.Johnson@NASA.gov ", phone="(202) 555-0147", roles=["lead", "member"])
    response = staff_client.post(reverse(CREATE), data)
    person = Person.objects.get(last_name="Johnson")
    assert response.status_code == 302
    assert response["Location"] == reverse("persons:detail", args=[person.pk])
    assert person.email == "k.johnson@nasa.gov"
    assert person.phone == "+12025550147"
    assert person.assigned_to == staff_user
    assert person.roles == {"lead", "member"}
    assert LeadExtension.objects.filter(person=person).count() == 1


def test_invalid_input_is_shown_beside_the_field_and_nothing_is_created(staff_client):
    response = staff_client.post(reverse(CREATE), form_data(first_name="", phone="call me maybe"))
    assert response.status_code == 422
    assert "Enter a valid phone number." in response.text
    assert "This field is required." in response.text
    assert not Person.objects.exists()


def test_same_email_warns_before_saving_and_links_to_the_existing_person(staff_client):
    existing = Person.objects.create(first_name="Kate", last_name="Other", email="kj@example.com")
    response = staff_client.post(reverse(CREATE), form_data(email="KJ@example.com"))
    assert response.status_code == 200
    assert "may already exist" in response.text
    assert reverse("persons:detail", args=[existing.pk]) in response.text
    assert "same email" in response.text
    assert 'name="create_anyway"' in response.text
    assert Person.objects.count() == 1


def test_same_phone_in_another_format_warns(staff_client):
    existing = Person.objects.create(first_name="Someone", last_name="Else", phone="+1 202 555 0147")
    response = staff_client.post(reverse(CREATE), form_data(phone="202.555.0147"))
    assert "same phone" in response.text
    assert reverse("persons:detail", args=[existing.pk]) in response.text
    assert Person.objects.count() == 1


def test_a_similar_name_warns(staff_client):
    existing = Person.objects.create(first_name="Katharine", last_name="Jonson")
    Person.objects.create(first_name="Margaret", last_name="Hamilton")
    response = staff_client.post(reverse(CREATE), form_data())
    assert "similar name" in response.text
    assert reverse("persons:detail", args=[existing.pk]) in response.text
    assert "Margaret" not in response.text
    assert Person.objects.count() == 2


def test_create_anyway_saves_despite_the_warning(staff_client):
    Person.objects.create(first_name="Katherine", last_name="Johnson")
    warned = staff_client.post(reverse(CREATE), form_data())
    assert "Create anyway" in warned.text
    response = staff_client.post(reverse(CREATE), form_data(create_anyway="1"))
    assert response.status_code == 302
    assert Person.objects.filter(first_name="Katherine", last_name="Johnson").count() == 2


def test_no_warning_for_someone_new(staff_client):
    Person.objects.create(first_name="Grace", last_name="Hopper", email="grace@example.com")
    response = staff_client.post(reverse(CREATE), form_data(email="kj@example.com"))
    assert response.status_code == 302


def test_live_duplicate_check_returns_only_the_warning(staff_client):
    existing = Person.objects.create(first_name="Kate", last_name="Johnson", email="kj@example.com")
    response = staff_client.post(reverse("persons:duplicates"), form_data(email="kj@example.com"), **HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert reverse("persons:detail", args=[existing.pk]) in response.text
    empty = staff_client.post(
        reverse("persons:duplicates"), form_data(first_name="Zed", last_name="Q"), **HTMX
    )
    assert "may already exist" not in empty.text
    assert Person.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"first_name": "Ka\x00te"},
        {"email": "kj\x00@example.com"},
        {"phone": "555\x000142"},
        {"last_name": "J" * 151},
    ],
    ids=["NUL in a name", "NUL in the email", "NUL in the phone", "longer than the column"],
)
def test_a_hand_made_duplicate_check_is_refused_with_400(staff_client, changes, django_assert_num_queries):
    Person.objects.create(first_name="Kate", last_name="Johnson", email="kj@example.com")

    with django_assert_num_queries(2):  # the session and the user; no search
        response = staff_client.post(reverse("persons:duplicates"), form_data(**changes), **HTMX)

    assert response.status_code == 400
    assert "cannot be checked for duplicates" in response.text


def test_duplicate_check_costs_few_queries(staff_client, django_assert_max_num_queries):
    Person.objects.bulk_create(Person(first_name=f"Kat{i}", last_name="Johnson") for i in range(30))
    with django_assert_max_num_queries(4):
        staff_client.post(reverse("persons:duplicates"), form_data(email="kj@example.com"), **HTMX)
