"""Deleting a person: managers only, after a confirmation that says what goes with them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from extensions.factories import RolePersonFactory
from extensions.models import LeadExtension, MemberExtension, ReferralExtension
from extensions.services import person_set_roles
from interactions.factories import InteractionFactory
from interactions.models import Interaction
from messaging.factories import MessageFactory
from messaging.models import Message
from orca.users.factories import UserFactory
from orca.users.models import User
from persons.factories import PersonFactory
from persons.models import Person
from relationships.factories import ReferralFactory, RelationshipFactory
from relationships.models import Relationship

pytestmark = pytest.mark.django_db


def busy_person() -> tuple[Person, Person]:
    """A lead and member with a referrer, two interactions and three messages."""
    person = Person.objects.create(first_name="Ada", last_name="Lovelace")
    referrer = Person.objects.create(first_name="Grace", last_name="Hopper")
    person_set_roles(person=person, roles={"lead", "member"}, actor=None)
    Relationship.objects.create(person_a=referrer, person_b=person)
    Interaction.objects.create(person=person, interaction_type="call")
    Interaction.objects.create(person=person, interaction_type="visit")
    for _ in range(3):
        Message.objects.create(recipient=person, message_type="email", content="Hello")
    return person, referrer


def delete_url(person: Person) -> str:
    return reverse("persons:delete", args=[person.pk])


def test_manager_sees_what_will_be_deleted(manager_client):
    person, _ = busy_person()
    response = manager_client.get(delete_url(person))
    assert response.status_code == 200
    html = response.text
    assert "<strong>2</strong> role records" in html
    assert "<strong>1</strong> relationship<" in html
    assert "<strong>2</strong> interactions" in html
    assert "<strong>3</strong> messages" in html
    assert f'action="{delete_url(person)}"' in html


def test_manager_deletes_a_person_and_everything_recorded_about_them(manager_client):
    person, referrer = busy_person()
    response = manager_client.post(delete_url(person), follow=True)
    assert response.redirect_chain[0] == (reverse("persons:list"), 302)
    assert "Ada Lovelace and everything recorded about them were deleted." in response.text
    assert not Person.objects.filter(pk=person.pk).exists()
    assert not LeadExtension.objects.filter(person_id=person.pk).exists()
    assert not MemberExtension.objects.filter(person_id=person.pk).exists()
    assert not Relationship.objects.exists()
    assert not Interaction.objects.exists()
    assert not Message.objects.exists()
    assert Person.objects.filter(pk=referrer.pk).exists()


def test_admin_may_delete(admin_client):
    person, _ = busy_person()
    assert admin_client.post(delete_url(person)).status_code == 302
    assert not Person.objects.filter(pk=person.pk).exists()


def test_staff_cannot_delete_person(staff_client, staff_user):
    person, _ = busy_person()
    person.assigned_to = staff_user
    person.save()
    assert staff_client.get(delete_url(person)).status_code == 403
    assert staff_client.post(delete_url(person)).status_code == 403
    assert Person.objects.filter(pk=person.pk).exists()
    assert Interaction.objects.filter(person=person).count() == 2


def test_anonymous_visitor_is_sent_to_sign_in(client):
    person, _ = busy_person()
    response = client.post(delete_url(person))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert Person.objects.filter(pk=person.pk).exists()


def test_deleting_an_unknown_person_is_404(manager_client):
    person, _ = busy_person()
    url = delete_url(person)
    person.delete()
    assert manager_client.post(url).status_code == 404


def test_confirmation_page_costs_few_queries(manager_client, django_assert_max_num_queries):
    person, _ = busy_person()
    with django_assert_max_num_queries(8):
        manager_client.get(delete_url(person))


def test_deleting_a_person_deletes_everything_recorded_about_them_and_nothing_else():
    sender = UserFactory()
    person = RolePersonFactory(roles={"lead", "referral", "member"})
    referrer, referred, friend = PersonFactory(), PersonFactory(), PersonFactory()
    ReferralFactory(person_a=referrer, person_b=person)
    ReferralFactory(person_a=person, person_b=referred)
    RelationshipFactory(person_a=friend, person_b=person)
    InteractionFactory(person=person, user=sender)
    MessageFactory(recipient=person, sender=sender)
    other_message = MessageFactory(recipient=friend, sender=sender)

    person.delete()

    for model in (LeadExtension, ReferralExtension, MemberExtension, Interaction):
        assert not model.objects.filter(person_id=person.pk).exists()
    assert not Relationship.objects.filter(person_a_id=person.pk).exists()
    assert not Relationship.objects.filter(person_b_id=person.pk).exists()
    assert not Message.objects.filter(recipient_id=person.pk).exists()
    assert Person.objects.filter(pk__in=[referrer.pk, referred.pk, friend.pk]).count() == 3
    assert Message.objects.filter(pk=other_message.pk).exists()
    assert User.objects.filter(pk=sender.pk).exists()
