"""Files attached to interactions: what the content check accepts and refuses, the limits, the
stored names, and that a refusal or a failure leaves no row and no file behind."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from interactions import attachment_services
from interactions.attachment_services import (
    interaction_attachment_remove,
    interaction_attachments_add,
    interaction_log_with_attachments,
)
from interactions.attachments import attached_files, attachment_type_check, safe_name
from interactions.factories import SAMPLE_CONTENT, sample_file
from interactions.models import Interaction
from interactions.services import interaction_log
from persons.factories import PersonFactory
from tests.test_permissions import database_state

pytestmark = pytest.mark.django_db

ALLOWED = ["pdf", "png", "jpg", "gif", "webp", "heic", "txt", "csv", "docx", "xlsx"]


def stored_files(location) -> list[str]:
    return sorted(str(path.relative_to(location)) for path in location.rglob("*") if path.is_file())


@pytest.fixture
def person(staff_user):
    return PersonFactory(assigned_to=staff_user)


@pytest.fixture
def call(person, staff_user) -> Interaction:
    return interaction_log(person=person, user=staff_user, interaction_type="call", subject="Rang")


# --- The content check --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ALLOWED)
def test_each_allowed_kind_is_accepted_by_its_content(kind):
    assert attachment_type_check(sample_file(kind)).extensions[0] in (kind, "jpg", "heic")


def test_a_jpeg_may_be_named_jpeg_and_a_heif_heif():
    assert attachment_type_check(sample_file("jpg", "photo.JPEG")).key == "jpeg"
    assert attachment_type_check(sample_file("heic", "photo.heif")).key == "heic"


def test_a_renamed_windows_program_is_refused_as_what_it_is():
    with pytest.raises(ValidationError, match="“invoice.pdf” is a Windows program"):
        attachment_type_check(sample_file("exe", "invoice.pdf"))


def test_a_png_named_pdf_is_refused_with_the_name_it_should_have():
    with pytest.raises(
        ValidationError, match=r"“scan.pdf” is a PNG image, but its name says otherwise; name it \.png"
    ):
        attachment_type_check(sample_file("png", "scan.pdf"))


def test_a_text_file_with_a_nul_or_not_utf8_is_not_text():
    for content in (b"hello\x00world", "caf\xe9".encode("latin-1")):
        with pytest.raises(ValidationError, match="not a kind of file that can be attached"):
            attachment_type_check(SimpleUploadedFile("notes.txt", content))


def test_a_pdf_named_txt_is_refused_even_though_it_reads_as_text():
    with pytest.raises(ValidationError, match="is a PDF, but its name says otherwise"):
        attachment_type_check(sample_file("pdf", "notes.txt"))


def test_a_macro_enabled_word_file_named_docx_is_refused():
    with pytest.raises(ValidationError, match="not a kind of file"):
        attachment_type_check(sample_file("docm", "letter.docx"))


def test_a_kind_left_out_of_attachment_types_is_refused(settings):
    settings.ATTACHMENT_TYPES = ["pdf"]
    with pytest.raises(ValidationError, match="is a PNG image, which cannot be attached here. Allowed: PDF"):
        attachment_type_check(sample_file("png"))


def test_a_file_over_the_size_limit_is_refused_and_one_at_it_accepted(settings):
    settings.ATTACHMENT_MAX_BYTES = len(SAMPLE_CONTENT["pdf"])
    attachment_type_check(sample_file("pdf"))
    with pytest.raises(ValidationError, match="files up to"):
        attachment_type_check(SimpleUploadedFile("big.pdf", SAMPLE_CONTENT["pdf"] + b" "))


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError, match="is empty"):
        attachment_type_check(SimpleUploadedFile("empty.txt", b""))


def test_an_unknown_kind_in_attachment_types_fails_the_system_check(settings):
    settings.ATTACHMENT_TYPES = ["pdf", "exe"]
    with pytest.raises(Exception, match="interactions.E001"):
        call_command("check")


@pytest.mark.parametrize(
    "original, safe",
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\ada\\My scan (1).PDF", "My_scan_1.pdf"),
        ("a\x00b.pdf", "ab.pdf"),
        ("…….pdf", "file.pdf"),
        ("x" * 300 + ".csv", "x" * 96 + ".csv"),
    ],
)
def test_a_stored_name_keeps_only_safe_characters_of_the_original(original, safe):
    assert safe_name(original) == safe


# --- Attaching -------------------------------------------------------------------------------------------


def test_files_are_stored_under_the_person_and_the_interaction(call, staff_user, attachment_storage):
    interaction_attachments_add(
        interaction=call, actor=staff_user, files=[sample_file("pdf", "Scan 1.pdf"), sample_file("png")]
    )
    names = Interaction.objects.get(pk=call.pk).attachments
    assert len(names) == 2
    for name, original in zip(names, ["Scan_1.pdf", "sample.png"], strict=True):
        person_id, interaction_id, filename = name.split("/")
        assert (person_id, interaction_id) == (str(call.person_id), str(call.pk))
        assert filename.endswith(f"-{original}") and len(filename.split("-", 1)[0]) == 16
    assert stored_files(attachment_storage) == sorted(names)
    assert [f.label for f in attached_files(names)] == ["Scan_1.pdf", "sample.png"]
    assert attached_files(names)[0].size == len(SAMPLE_CONTENT["pdf"])


def test_one_bad_file_refuses_them_all_naming_it_and_writes_nothing(call, staff_user, attachment_storage):
    before = database_state()
    with pytest.raises(ValidationError) as refused:
        interaction_attachments_add(
            interaction=call, actor=staff_user, files=[sample_file("pdf"), sample_file("exe", "setup.pdf")]
        )
    assert refused.value.message_dict["attachments"] == [
        "“setup.pdf” is a Windows program, which cannot be attached."
    ]
    assert database_state() == before
    assert stored_files(attachment_storage) == []


def test_more_files_than_an_interaction_holds_are_refused(call, staff_user, settings, attachment_storage):
    settings.ATTACHMENT_MAX_FILES = 2
    interaction_attachments_add(interaction=call, actor=staff_user, files=[sample_file("txt")])
    with pytest.raises(ValidationError, match="at most 2 files; it has 1 already"):
        interaction_attachments_add(
            interaction=call, actor=staff_user, files=[sample_file("csv"), sample_file("gif")]
        )
    assert len(Interaction.objects.get(pk=call.pk).attachments) == 1
    assert len(stored_files(attachment_storage)) == 1


def test_a_colleague_who_may_not_change_the_interaction_cannot_attach(
    call, other_staff_user, attachment_storage
):
    with pytest.raises(PermissionDenied):
        interaction_attachments_add(interaction=call, actor=other_staff_user, files=[sample_file("pdf")])
    assert stored_files(attachment_storage) == []


def test_files_saved_before_a_failure_are_deleted_again(call, staff_user, monkeypatch, attachment_storage):
    def fail_on_save(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(Interaction, "save", fail_on_save)
    with pytest.raises(RuntimeError):
        interaction_attachments_add(
            interaction=call, actor=staff_user, files=[sample_file("pdf"), sample_file("png")]
        )
    assert stored_files(attachment_storage) == []


# --- Logging with files -----------------------------------------------------------------------------------


def test_logging_with_files_records_both(person, staff_user, attachment_storage):
    logged = interaction_log_with_attachments(
        person=person,
        user=staff_user,
        files=[sample_file("docx")],
        interaction_type="visit",
        subject="Signed",
    )
    assert Interaction.objects.get(pk=logged.pk).attachments == logged.attachments
    assert len(stored_files(attachment_storage)) == 1


def test_logging_with_a_refused_file_logs_nothing(person, staff_user, attachment_storage):
    before = database_state()
    with pytest.raises(ValidationError, match="name it .png"):
        interaction_log_with_attachments(
            person=person,
            user=staff_user,
            files=[sample_file("txt"), sample_file("png", "photo.jpg")],
            interaction_type="call",
            subject="Sent a photo",
        )
    assert database_state() == before
    assert stored_files(attachment_storage) == []


def test_a_log_that_fails_after_its_files_were_saved_leaves_no_file(
    person, staff_user, monkeypatch, attachment_storage
):
    real_attach = attachment_services._attach

    def attach_then_fail(**kwargs):
        real_attach(**kwargs)
        raise RuntimeError("after the files")

    monkeypatch.setattr(attachment_services, "_attach", attach_then_fail)
    before = database_state()
    with pytest.raises(RuntimeError):
        interaction_log_with_attachments(
            person=person, user=staff_user, files=[sample_file("pdf")], interaction_type="call", subject="x"
        )
    assert database_state() == before
    assert stored_files(attachment_storage) == []


# --- Removing ----------------------------------------------------------------------------------------------


def test_a_removed_file_leaves_the_row_at_once_and_the_storage_on_commit(
    call, staff_user, attachment_storage, django_capture_on_commit_callbacks
):
    interaction_attachments_add(
        interaction=call, actor=staff_user, files=[sample_file("pdf"), sample_file("csv")]
    )
    first, second = Interaction.objects.get(pk=call.pk).attachments
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        interaction_attachment_remove(interaction=call, actor=staff_user, name=first)
    assert Interaction.objects.get(pk=call.pk).attachments == [second]
    assert storages["attachments"].exists(first)  # not before the commit
    for callback in callbacks:
        callback()
    assert stored_files(attachment_storage) == [second]


def test_removing_a_file_that_is_not_attached_is_refused(call, staff_user):
    with pytest.raises(ValidationError, match="no longer attached"):
        interaction_attachment_remove(
            interaction=call, actor=staff_user, name=f"{call.person_id}/{call.pk}/x.pdf"
        )
