"""Person: what save() keeps right and what the database refuses.

What deleting a person takes with it (rows of the apps above persons) is tested in
people/tests/test_person_delete.py."""

import datetime as dt

import factory.random
import phonenumbers
import pytest
from django.db import IntegrityError, connection, transaction

from persons.factories import PersonFactory
from persons.models import COMPLETENESS_FIELDS, Person

pytestmark = pytest.mark.django_db

# (constraint names, "|" between names a value may trip either of; column; a value it refuses)
CHECK_CASES = [
    ("person_gender_valid", "gender", "robot"),
    ("person_preferred_contact_method_valid", "preferred_contact_method", "pigeon"),
    ("person_contact_frequency_preference_valid", "contact_frequency_preference", "hourly"),
    ("person_acquisition_source_valid", "acquisition_source", "billboard"),
    ("person_interest_level_valid", "interest_level", "extreme"),
    ("person_preferred_membership_valid", "preferred_membership", "platinum"),
    ("person_budget_range_valid", "budget_range", "infinite"),
    ("person_payment_preferences_valid", "payment_preferences", "bitcoin"),
    ("person_price_sensitivity_valid", "price_sensitivity", "none"),
    ("person_profile_completeness_0_100", "profile_completeness", 101),
    ("person_interested_services_valid", "interested_services", ["yoga", "skydiving"]),
    ("persons_profile_completeness_check|person_profile_completeness_0_100", "profile_completeness", -1),
]


def check_constraints_of(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'c' AND conrelid = %s::regclass", [table]
        )
        return {name for (name,) in cursor.fetchall()}


def full_person(**overrides) -> Person:
    fields = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": "(415) 555-0142",
        "dob": dt.date(1990, 12, 10),
        "gender": "female",
        "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL", "postal_code": "62701"},
        "preferred_contact_method": "email",
        "goals": "Run a half marathon",
        "interest_level": "high",
        "interested_services": ["yoga", "spin"],
        "acquisition_source": "website",
    }
    return Person.objects.create(**{**fields, **overrides})


def test_every_check_constraint_on_persons_has_a_case_below():
    covered = {name for names, _, _ in CHECK_CASES for name in names.split("|")}
    assert check_constraints_of("persons") == covered


@pytest.mark.parametrize(("constraint", "column", "bad"), CHECK_CASES, ids=lambda v: str(v))
def test_the_database_refuses_a_value_outside_each_check_constraint(constraint, column, bad):
    person = PersonFactory()
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        Person.objects.filter(pk=person.pk).update(**{column: bad})
    assert any(name in str(refused.value) for name in constraint.split("|"))


def test_an_empty_person_is_barely_complete_and_a_full_one_is_complete():
    empty = Person.objects.create(first_name="Ada")
    full = full_person()
    assert empty.profile_completeness == round(100 / len(COMPLETENESS_FIELDS))
    assert full.profile_completeness == 100
    assert Person.objects.get(pk=full.pk).profile_completeness == 100


def test_completeness_follows_a_save_of_only_some_fields():
    person = full_person(dob=None, goals="")
    assert person.profile_completeness == round(100 * 10 / 12)
    person.dob = dt.date(1985, 1, 2)
    person.save(update_fields=["dob"])
    assert Person.objects.get(pk=person.pk).profile_completeness == round(100 * 11 / 12)


def test_email_is_stored_trimmed_and_lowercased():
    person = full_person(email="  Ada.Lovelace@Example.COM ")
    assert Person.objects.get(pk=person.pk).email == "ada.lovelace@example.com"


@pytest.mark.parametrize(
    "typed",
    ["(415) 555-0142", "415-555-0142", "415.555.0142", "+1 415 555 0142", "1-415-555-0142", "4155550142"],
)
def test_a_us_phone_number_is_stored_in_e164_whatever_the_format(typed):
    person = full_person(phone=typed, secondary_phone=typed)
    stored = Person.objects.get(pk=person.pk)
    assert stored.phone == stored.secondary_phone == "+14155550142"


def test_a_foreign_number_with_its_country_code_is_stored_in_e164():
    assert full_person(phone="+44 20 7946 0958").phone == "+442079460958"


def test_text_that_is_not_a_phone_number_is_kept_as_typed_for_the_form_to_refuse():
    assert full_person(phone=" call me ").phone == "call me"


def test_factory_persons_have_valid_lowercase_emails_and_e164_phones():
    factory.random.reseed_random(11)
    people = PersonFactory.create_batch(25)
    for person in people:
        person.full_clean()
        assert person.email == person.email.lower()
        if person.email:
            assert person.email.rsplit("@", 1)[1] in {"example.com", "example.net", "example.org"}
        if person.phone:
            assert phonenumbers.is_valid_number(phonenumbers.parse(person.phone))
            assert person.phone.startswith("+1") and len(person.phone) == 12
    assert any(person.interested_services for person in people)
    assert any(person.address for person in people)


def test_the_same_seed_makes_the_same_people():
    factory.random.reseed_random(5)
    first = [(p.first_name, p.last_name, p.email, p.phone) for p in PersonFactory.build_batch(10)]
    factory.random.reseed_random(5)
    again = [(p.first_name, p.last_name, p.email, p.phone) for p in PersonFactory.build_batch(10)]
    assert first == again
