"""Messages, templates and blasts: what the database refuses, and recording messages already sent.

(message_record, messages_record_bulk and message_template_create are tested here with the
models they write.)
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from messaging.factories import BlastFactory, MessageFactory, MessageTemplateFactory
from messaging.models import Blast, Message, MessageTemplate
from messaging.services import message_record, message_template_create, messages_record_bulk
from persons.factories import PersonFactory

pytestmark = pytest.mark.django_db

# (table, constraint, factory, {column: refused value})
CHECK_CASES = [
    ("messages", "message_message_type_valid", MessageFactory, {"message_type": "fax"}),
    ("messages", "message_status_valid", MessageFactory, {"status": "lost"}),
    (
        "message_templates",
        "messagetemplate_message_type_valid",
        MessageTemplateFactory,
        {"message_type": "fax"},
    ),
    ("blasts", "blast_message_type_valid", BlastFactory, {"message_type": "fax"}),
    ("blasts", "blast_status_valid", BlastFactory, {"status": "exploded"}),
    ("blasts", "blasts_recipient_count_check", BlastFactory, {"recipient_count": -1}),
]


def check_constraints_of(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'c' AND conrelid = %s::regclass", [table]
        )
        return {name for (name,) in cursor.fetchall()}


def ago(**kwargs) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kwargs)


def reachable(**fields):
    contact = {"email": "ada@example.com", "phone": "+14155550142", "email_opt_in": True, "sms_opt_in": True}
    return PersonFactory(**{**contact, **fields})


def record(**fields) -> Message:
    values = {
        "recipient": fields.pop("recipient", None) or reachable(),
        "message_type": "email",
        "subject": "Hello",
        "content": "Hi Ada",
        "status": "delivered",
        "sent_at": ago(days=3),
        "delivered_at": ago(days=3) + dt.timedelta(seconds=30),
    }
    values.update(fields)
    return message_record(**values)


@pytest.mark.parametrize("table", ["messages", "message_templates", "blasts"])
def test_every_check_constraint_on_the_messaging_tables_has_a_case_below(table):
    assert check_constraints_of(table) == {name for t, name, _, _ in CHECK_CASES if t == table}


@pytest.mark.parametrize(
    ("table", "constraint", "make", "values"), CHECK_CASES, ids=[c[1] for c in CHECK_CASES]
)
def test_the_database_refuses_a_value_outside_each_check_constraint(table, constraint, make, values):
    row = make()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        type(row).objects.filter(pk=row.pk).update(**values)


def test_a_blast_sends_a_person_at_most_one_message():
    blast, person = BlastFactory(), reachable()
    MessageFactory(recipient=person, blast=blast, is_blast=True)
    with pytest.raises(IntegrityError, match="messages_one_per_blast_recipient"), transaction.atomic():
        MessageFactory(recipient=person, blast=blast, is_blast=True)


def test_a_recorded_message_sits_at_its_sending_time_in_timelines():
    sent = ago(days=10)
    message = record(sent_at=sent, delivered_at=sent + dt.timedelta(seconds=5))
    assert message.created_at == sent and not message.is_blast
    assert message.updated_at == sent + dt.timedelta(seconds=5)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"status": "queued"}, "only made by sending"),
        ({"status": "sent", "sent_at": None, "delivered_at": None}, "needs the time it was sent"),
        (
            {"sent_at": timezone.now() + dt.timedelta(days=1), "delivered_at": None, "status": "sent"},
            "future",
        ),
        ({"status": "sent"}, "Only a delivered message has a delivery time"),
        ({"delivered_at": ago(days=4)}, "follows the sending"),
        ({"read_at": ago(days=1)}, "Only a read message has a read time"),
        ({"status": "suppressed"}, "never sent"),
        ({"message_type": "pager"}, "message_type"),
    ],
)
def test_a_message_that_could_not_have_happened_is_refused_and_nothing_is_written(fields, error):
    with pytest.raises(ValidationError, match=error):
        record(**fields)
    assert not Message.objects.exists()


def test_a_message_needs_an_address_on_its_channel():
    nobody = PersonFactory(email="", phone="")
    with pytest.raises(ValidationError, match="no email address"):
        record(recipient=nobody)
    with pytest.raises(ValidationError, match="no phone number"):
        record(recipient=nobody, message_type="sms", subject="")


def test_a_blast_to_someone_who_has_not_opted_in_can_only_be_recorded_as_suppressed():
    blast = BlastFactory(status="sent")
    person = reachable(email_opt_in=False)
    with pytest.raises(ValidationError, match="not opted in"):
        record(recipient=person, blast=blast)
    suppressed = record(recipient=person, blast=blast, status="suppressed", sent_at=None, delivered_at=None)
    assert suppressed.is_blast


def test_recording_in_bulk_is_all_or_nothing_and_counts_blast_recipients():
    blast = BlastFactory(status="sent")
    people = [reachable(), reachable(), reachable()]
    good = [MessageFactory.build(recipient=p, blast=blast, sent_at=ago(days=1)) for p in people]
    bad = MessageFactory.build(recipient=PersonFactory(email=""), blast=blast)
    with pytest.raises(ValidationError):
        messages_record_bulk(messages=[*good, bad])
    assert not Message.objects.exists()
    assert messages_record_bulk(messages=good, batch_size=2) == 3
    assert Blast.objects.get(pk=blast.pk).recipient_count == 3
    assert all(m.is_blast for m in Message.objects.all())


def test_a_manager_creates_a_template(manager_user):
    template = message_template_create(
        name="Welcome",
        message_type="email",
        subject="Hi {{ person.first_name }}",
        content="Welcome!",
        actor=manager_user,
    )
    assert MessageTemplate.objects.get(pk=template.pk).created_by == manager_user


def test_staff_cannot_create_templates(staff_user):
    with pytest.raises(PermissionDenied):
        message_template_create(name="Hi", message_type="sms", content="Hi", actor=staff_user)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"content": "Hi {% if person.first_name %}there"}, "syntax error"),
        ({"message_type": "email", "subject": ""}, "needs a subject"),
        ({"name": "Taken"}, "already exists"),
        ({"message_type": "fax"}, "message_type"),
    ],
)
def test_a_bad_template_is_refused_with_a_clear_message(manager_user, fields, error):
    MessageTemplateFactory(name="Taken")
    values = {"name": "New", "message_type": "sms", "subject": "", "content": "Hi", **fields}
    with pytest.raises(ValidationError, match=error):
        message_template_create(actor=manager_user, **values)
    assert MessageTemplate.objects.count() == 1
