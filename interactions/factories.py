"""Interactions for tests and the demo data.

`create()` goes through interactions.services, so the person's last_contacted and
next_scheduled_contact follow; `build()` gives unsaved rows for bulk_create (then call
interactions.services.person_contact_dates_refresh for the persons concerned).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from orca.users.factories import UserFactory
from persons.factories import PersonFactory, rng, weighted

from .models import Interaction, InteractionStatus, InteractionType, Sentiment
from .services import interaction_log, interaction_schedule

SUBJECTS = {
    InteractionType.CALL: ("Intro call", "Follow-up call", "Returned their call", "Checked in on progress"),
    InteractionType.EMAIL: ("Sent price list", "Answered question about classes", "Sent timetable"),
    InteractionType.SMS: ("Reminder about tour", "Quick check-in", "Sent trial pass"),
    InteractionType.VISIT: ("Dropped in at front desk", "Came in to sign up", "Visited with a friend"),
    InteractionType.TOUR: ("Club tour", "Tour of pool and studios"),
    InteractionType.TRIAL_CLASS: ("Trial spin class", "Trial HIIT class", "Trial yoga class"),
    InteractionType.CONSULTATION: ("Fitness consultation", "Goal-setting session", "Onboarding session"),
    InteractionType.FOLLOW_UP: ("Follow up on trial", "Follow up on pricing", "Follow up after tour"),
    InteractionType.MEETING: ("Corporate plan meeting", "Membership options meeting"),
    InteractionType.NOTE: ("Note", "Front desk note"),
}
DURATIONS = {
    InteractionType.CALL: (3, 20),
    InteractionType.VISIT: (10, 45),
    InteractionType.TOUR: (20, 45),
    InteractionType.TRIAL_CLASS: (45, 60),
    InteractionType.CONSULTATION: (30, 60),
    InteractionType.MEETING: (20, 60),
    InteractionType.FOLLOW_UP: (3, 15),
}


def subject_for(kind: str) -> str:
    return rng().choice(SUBJECTS[kind])


def duration_for(kind: str) -> int | None:
    bounds = DURATIONS.get(kind)
    return rng().randint(*bounds) if bounds else None


class InteractionFactory(DjangoModelFactory):
    """A completed phone call by default; `InteractionFactory(scheduled=True)` plans one for tomorrow."""

    class Meta:
        model = Interaction

    class Params:
        scheduled = factory.Trait(
            status=InteractionStatus.SCHEDULED,
            interaction_type=InteractionType.FOLLOW_UP,
            scheduled_at=factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1)),
            completed_at=None,
            sentiment="",
        )

    person = factory.SubFactory(PersonFactory)
    user = factory.SubFactory(UserFactory)
    interaction_type = InteractionType.CALL
    status = InteractionStatus.COMPLETED
    subject = factory.LazyAttribute(lambda o: subject_for(o.interaction_type))
    content = factory.Faker("sentence", nb_words=14)
    completed_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=rng().randint(1, 72)))
    scheduled_at = None
    duration_minutes = factory.LazyAttribute(lambda o: duration_for(o.interaction_type))
    sentiment = factory.LazyFunction(
        lambda: weighted({Sentiment.POSITIVE: 50, Sentiment.NEUTRAL: 35, Sentiment.NEGATIVE: 10, "": 5})
    )

    @classmethod
    def _create(
        cls, model_class, *args, status, scheduled_at=None, completed_at=None, **fields
    ) -> Interaction:
        if status == InteractionStatus.COMPLETED:
            return interaction_log(completed_at=completed_at, **fields)
        if status == InteractionStatus.SCHEDULED:
            fields.pop("sentiment", None)
            return interaction_schedule(scheduled_at=scheduled_at, **fields)
        # Cancelled and missed interactions move neither of the person's contact dates.
        return model_class.objects.create(
            status=status, scheduled_at=scheduled_at, completed_at=completed_at, **fields
        )


# --- Attached files -------------------------------------------------------------------------------


def _office_zip(main_part: str, main_type: str) -> bytes:
    """The smallest zip an Office Open XML reader (and attachments._office) takes for the kind."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/{main_part}" ContentType="{main_type}"/></Types>',
        )
        archive.writestr(main_part, "<document/>")
    return buffer.getvalue()


_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
# The first bytes of each allowed kind (and some that are not), enough for the content check.
SAMPLE_CONTENT = {
    "pdf": b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17,
    "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20,
    "gif": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    "webp": b"RIFF\x1a\x00\x00\x00WEBPVP8 " + b"\x00" * 14,
    "heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
    "txt": "Spoke with Ada about evening spin classes. Café at 6.\n".encode(),
    "csv": b"name,visits\nAda,3\n",
    "docx": _office_zip("word/document.xml", _WORD),
    "xlsx": _office_zip("xl/workbook.xml", _EXCEL),
    "exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00",
    "docm": _office_zip("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
}


def sample_file(kind: str, name: str | None = None) -> SimpleUploadedFile:
    """An upload of that kind, named `name` (else sample.<kind>) whatever its content is."""
    return SimpleUploadedFile(name or f"sample.{kind}", SAMPLE_CONTENT[kind])
