"""Deleting a person, or a user, keeps the database whole even when the DELETE is plain SQL."""

import pytest
from django.db import connection

from extensions.services import person_set_roles
from interactions.models import Interaction
from messaging.models import Message
from persons.models import Person
from relationships.models import Relationship

pytestmark = pytest.mark.django_db

# (table, column) -> the pg_constraint.confdeltype the foreign key must have.
CASCADE, SET_NULL = "c", "n"
RULES = {
    ("lead_extensions", "person_id"): CASCADE,
    ("referral_extensions", "person_id"): CASCADE,
    ("member_extensions", "person_id"): CASCADE,
    ("relationships", "person_a_id"): CASCADE,
    ("relationships", "person_b_id"): CASCADE,
    ("interactions", "person_id"): CASCADE,
    ("referral_credits", "referrer_id"): CASCADE,
    ("referral_credits", "referred_id"): CASCADE,
    ("messages", "recipient_id"): CASCADE,
    ("persons", "assigned_to"): SET_NULL,
    ("interactions", "user_id"): SET_NULL,
    ("messages", "sender_id"): SET_NULL,
    ("messages", "blast_id"): SET_NULL,
    ("messages", "template_id"): SET_NULL,
    ("messages", "response_id"): SET_NULL,
    ("message_templates", "created_by_id"): SET_NULL,
    ("blasts", "created_by_id"): SET_NULL,
}


def test_every_foreign_key_has_its_on_delete_rule_in_the_database():
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.conrelid::regclass::text, a.attname, c.confdeltype
               FROM pg_constraint c
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
               WHERE c.contype = 'f'"""
        )
        found = {(table, column): rule for table, column, rule in cursor.fetchall()}
    assert {key: found.get(key) for key in RULES} == RULES


def test_a_person_deleted_with_plain_sql_takes_everything_recorded_about_them(manager_user):
    person = Person.objects.create(first_name="Ada", last_name="Lovelace", assigned_to=manager_user)
    friend = Person.objects.create(first_name="Grace", last_name="Hopper")
    person_set_roles(person=person, roles={"lead", "referral", "member"}, actor=manager_user)
    Relationship.objects.create(person_a=friend, person_b=person)
    Relationship.objects.create(person_a=person, person_b=friend, relationship_type="friend")
    Interaction.objects.create(person=person, user=manager_user, interaction_type="call")
    Message.objects.create(recipient=person, sender=manager_user, message_type="sms", content="Hi")

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM persons WHERE id = %s", [person.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, column in [(t, c) for (t, c), rule in RULES.items() if rule == CASCADE]:
            cursor.execute(f"SELECT count(*) FROM {table} WHERE {column} = %s", [person.pk])
            assert cursor.fetchone()[0] == 0, table
    assert Person.objects.filter(pk=friend.pk).exists()


def test_a_user_deleted_with_plain_sql_leaves_their_persons_unassigned(manager_user):
    person = Person.objects.create(first_name="Ada", assigned_to=manager_user)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM users WHERE id = %s", [manager_user.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    person.refresh_from_db()
    assert person.assigned_to_id is None
