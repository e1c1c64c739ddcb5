"""Templates changed and blasts drafted or scheduled through the services: the checks live there only."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from messaging import services
from messaging.factories import BlastFactory, MessageFactory, MessageTemplateFactory
from messaging.models import Blast, MessageTemplate
from messaging.services import blast_create, blast_update, message_template_update
from orca.db import CLOCK_SKEW

pytestmark = pytest.mark.django_db


def ahead(**kwargs) -> dt.datetime:
    return timezone.now() + dt.timedelta(**kwargs)


def template_row(template: MessageTemplate) -> dict:
    return MessageTemplate.objects.filter(pk=template.pk).values().get()


def blast_row(blast: Blast) -> dict:
    return Blast.objects.filter(pk=blast.pk).values().get()


# --- Templates ------------------------------------------------------------------------------------


def test_a_manager_changes_a_templates_text(manager_user):
    template = MessageTemplateFactory(name="Welcome")
    updated = message_template_update(
        template=template,
        actor=manager_user,
        data={"name": "  Welcome back ", "content": "Hi {{ person.first_name }}, welcome back!"},
    )
    assert (updated.name, updated.content) == ("Welcome back", "Hi {{ person.first_name }}, welcome back!")
    assert template_row(template)["name"] == "Welcome back"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"content": "Hi {% if person %}there"}, "content", "Template syntax error"),
        ({"subject": "{{ person.first_name|shout }}"}, "subject", "Template syntax error"),
        ({"subject": " "}, "subject", "An email template needs a subject."),
        ({"name": "Taken"}, "name", "A template called “Taken” already exists."),
        ({"message_type": "fax"}, "message_type", "not a valid choice"),
    ],
    ids=["content-syntax", "subject-syntax", "subject-missing", "name-taken", "channel"],
)
def test_a_bad_template_change_names_the_field_and_writes_nothing(manager_user, data, field, message):
    MessageTemplateFactory(name="Taken")
    template = MessageTemplateFactory(name="Welcome")
    before = template_row(template)
    with pytest.raises(ValidationError) as refused:
        message_template_update(template=template, actor=manager_user, data=data)
    assert message in " ".join(refused.value.message_dict[field])
    assert template_row(template) == before


def test_a_used_templates_channel_cannot_change(manager_user):
    template = MessageTemplateFactory()
    MessageFactory(template=template)
    with pytest.raises(ValidationError, match="make a new one for the other channel"):
        message_template_update(template=template, actor=manager_user, data={"message_type": "sms"})
    assert template_row(template)["message_type"] == "email"


def test_a_template_a_scheduled_blast_sends_with_stays_active(manager_user):
    template = MessageTemplateFactory()
    BlastFactory(name="Spring", template=template, status="scheduled", scheduled_at=ahead(days=1))
    with pytest.raises(ValidationError, match=r"Scheduled blasts send with this template \(Spring\)"):
        message_template_update(template=template, actor=manager_user, data={"is_active": False})
    assert template_row(template)["is_active"] is True


def test_staff_cannot_change_templates(staff_user):
    template = MessageTemplateFactory()
    with pytest.raises(PermissionDenied):
        message_template_update(template=template, actor=staff_user, data={"content": "Hacked"})
    assert template_row(template)["content"] != "Hacked"


def test_the_template_check_is_defined_once_in_the_services():
    import messaging.admin

    assert not hasattr(messaging.admin, "check_template_text")
    with pytest.raises(ValidationError) as refused:
        services.template_text_check(subject="", content="{% endif %}")
    assert list(refused.value.message_dict) == ["content"]


# --- Blasts ---------------------------------------------------------------------------------------


def test_a_manager_drafts_a_blast_which_records_who_made_it(manager_user):
    blast = blast_create(
        actor=manager_user,
        name=" Spring challenge ",
        message_type="email",
        subject="Join us",
        content="Hi {{ person.first_name }}",
    )
    saved = Blast.objects.get(pk=blast.pk)
    assert (saved.name, saved.status, saved.created_by, saved.segment) == (
        "Spring challenge",
        "draft",
        manager_user,
        {},
    )


def test_a_manager_schedules_a_blast_with_a_template_of_its_channel(manager_user):
    template = MessageTemplateFactory(message_type="sms", subject="")
    when = ahead(days=2)
    blast = blast_create(
        actor=manager_user,
        name="Class reminder",
        message_type="sms",
        template=template,
        segment={"roles": ["member"]},
        status="scheduled",
        scheduled_at=when,
    )
    assert Blast.objects.values_list("status", "scheduled_at").get(pk=blast.pk) == ("scheduled", when)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"status": "scheduled"}, "scheduled_at", "needs the time to send it"),
        ({"status": "scheduled", "scheduled_at": "past"}, "scheduled_at", "a time in the future"),
        ({"content": " "}, "content", "Choose a template or write the content."),
        ({"subject": ""}, "subject", "An email blast needs a subject"),
        ({"template": "sms"}, "template", "another channel than the blast"),
        (
            {"template": "inactive", "status": "scheduled", "scheduled_at": "tomorrow"},
            "template",
            "is not active",
        ),
        ({"content": "Hi {% if person %}"}, "content", "Template syntax error"),
        ({"segment": ["members"]}, "segment", "a JSON object"),
        ({"status": "sent"}, "status", "sending moves it on from there"),
        ({"status": "cancelled"}, "status", "A new blast is a draft or scheduled."),
        ({"name": ""}, "name", "cannot be blank"),
    ],
    ids=[
        "no-time",
        "past",
        "no-content",
        "no-subject",
        "channel",
        "inactive-template",
        "syntax",
        "segment",
        "sent",
        "cancelled",
        "name",
    ],
)
def test_a_bad_blast_is_refused_naming_the_field_and_nothing_is_written(manager_user, fields, field, message):
    templates = {
        "sms": MessageTemplateFactory(message_type="sms", subject=""),
        "inactive": MessageTemplateFactory(is_active=False),
    }
    times = {"past": timezone.now() - CLOCK_SKEW - dt.timedelta(minutes=1), "tomorrow": ahead(days=1)}
    values = {"name": "Spring", "message_type": "email", "subject": "Hi", "content": "Hello", **fields}
    if "template" in values:
        values["template"] = templates[values["template"]]
    if "scheduled_at" in values:
        values["scheduled_at"] = times[values["scheduled_at"]]
    with pytest.raises(ValidationError) as refused:
        blast_create(actor=manager_user, **values)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Blast.objects.exists()


def test_a_blast_scheduled_within_the_shared_clock_skew_is_now(manager_user):
    assert services.CLOCK_SKEW is CLOCK_SKEW
    just_now = timezone.now() - CLOCK_SKEW + dt.timedelta(seconds=30)
    blast = blast_create(
        actor=manager_user,
        name="Now",
        message_type="sms",
        content="Doors open",
        status="scheduled",
        scheduled_at=just_now,
    )
    assert Blast.objects.get(pk=blast.pk).status == "scheduled"


def test_staff_cannot_create_or_change_blasts(staff_user):
    with pytest.raises(PermissionDenied):
        blast_create(actor=staff_user, name="Mine", message_type="sms", content="Hi")
    blast = BlastFactory()
    with pytest.raises(PermissionDenied):
        blast_update(blast=blast, actor=staff_user, data={"name": "Mine"})
    assert Blast.objects.get(pk=blast.pk).name != "Mine"


def test_a_draft_is_scheduled_and_then_cancelled(manager_user):
    blast = BlastFactory()
    when = ahead(hours=3)
    blast_update(blast=blast, actor=manager_user, data={"status": "scheduled", "scheduled_at": when})
    assert Blast.objects.values_list("status", "scheduled_at").get(pk=blast.pk) == ("scheduled", when)
    blast_update(blast=blast, actor=manager_user, data={"status": "cancelled"})
    assert Blast.objects.get(pk=blast.pk).status == "cancelled"


@pytest.mark.parametrize("status", ["sending", "sent", "failed"])
def test_a_blast_sending_has_taken_cannot_be_changed(manager_user, status):
    blast = BlastFactory(status=status)
    before = blast_row(blast)
    with pytest.raises(ValidationError, match="sending has it now, so it can no longer be changed"):
        blast_update(blast=blast, actor=manager_user, data={"content": "Changed", "status": "draft"})
    assert blast_row(blast) == before


def test_a_blasts_sending_fields_are_not_edited(manager_user):
    blast = BlastFactory()
    before = blast_row(blast)
    with pytest.raises(ValidationError, match="kept by sending, not edited: recipient_count, started_at"):
        blast_update(
            blast=blast, actor=manager_user, data={"recipient_count": 5, "started_at": timezone.now()}
        )
    assert blast_row(blast) == before


def test_a_scheduled_blast_whose_time_has_passed_is_rescheduled_to_be_changed(manager_user):
    blast = BlastFactory(status="scheduled", scheduled_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(ValidationError, match="a time in the future"):
        blast_update(blast=blast, actor=manager_user, data={"content": "New text"})
    blast_update(
        blast=blast, actor=manager_user, data={"content": "New text", "scheduled_at": ahead(hours=1)}
    )
    assert Blast.objects.get(pk=blast.pk).content == "New text"
