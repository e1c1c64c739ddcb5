"""Files on the person page: attached through the log form or to an entry already logged,
downloaded by whoever may see the person and by nobody else, removed after asking. Bad files are
a 422 with the reason beside the file field and nothing written; query counts are bounded.

Who may use each URL is walked for every role in tests/test_permissions.py.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from interactions.attachment_services import interaction_attachments_add
from interactions.attachments import attachment_label
from interactions.factories import SAMPLE_CONTENT, sample_file
from interactions.models import Interaction
from interactions.services import interaction_log
from persons import selectors
from persons.factories import PersonFactory
from persons.models import Person
from tests.test_permissions import database_state

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LOG = {"kind": "log", "interaction_type": "call", "subject": "Sent the contract"}


def stored_files(location) -> list[str]:
    return sorted(str(path.relative_to(location)) for path in location.rglob("*") if path.is_file())


@pytest.fixture
def person(staff_user) -> Person:
    return PersonFactory(first_name="Ada", last_name="Lovelace", assigned_to=staff_user)


@pytest.fixture
def call(person, staff_user) -> Interaction:
    logged = interaction_log(person=person, user=staff_user, interaction_type="call", subject="Rang")
    return interaction_attachments_add(
        interaction=logged, actor=staff_user, files=[sample_file("pdf", "Contract.pdf")]
    )


def file_url(name: str, interaction: Interaction, *, index: int = 0, suffix: str = "") -> str:
    filename = interaction.attachments[index].rsplit("/", 1)[-1]
    return reverse(f"persons:{name}", args=[interaction.person_id, interaction.pk, filename]) + suffix


def download_url(interaction: Interaction, index: int = 0) -> str:
    return file_url("interaction_attachment", interaction, index=index)


@pytest.fixture
def staff_see_only_their_own(monkeypatch, staff_user):
    """Today every staff user sees every person; a club that narrows it changes one rule. This
    stands in for such a rule, where the person page's check (person_get_for_user) asks it."""

    def their_own(user, person):
        return user.is_authenticated and (user.is_manager or person.assigned_to_id == user.pk)

    monkeypatch.setattr(selectors, "can_view_person", their_own)


# --- Logging with files -----------------------------------------------------------------------------


def test_the_log_form_takes_several_files(staff_client, person):
    page = staff_client.get(reverse("persons:interaction_new", args=[person.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" name="attachments" multiple' in page


def test_a_call_logged_with_files_keeps_them_and_its_entry_lists_them(
    staff_client, person, attachment_storage
):
    files = [sample_file("pdf", "Contract.pdf"), sample_file("jpg", "ID card.jpg")]
    response = staff_client.post(
        reverse("persons:interaction_new", args=[person.pk]), {**LOG, "attachments": files}
    )
    assert response.status_code == 303
    call = Interaction.objects.get(person=person)
    assert [attachment_label(name) for name in call.attachments] == ["Contract.pdf", "ID_card.jpg"]
    assert len(stored_files(attachment_storage)) == 2

    entry = staff_client.get(
        reverse("persons:interaction", args=[person.pk, call.pk]), **HTMX
    ).content.decode()
    assert download_url(call) in entry and "Contract.pdf" in entry and "ID_card.jpg" in entry
    assert f"{len(SAMPLE_CONTENT['pdf'])}" in entry  # its size, in bytes for so small a file


def test_a_renamed_program_refuses_the_whole_log_beside_the_file_field(
    staff_client, person, attachment_storage
):
    before = database_state()
    files = [sample_file("txt"), sample_file("exe", "timetable.pdf")]
    response = staff_client.post(
        reverse("persons:interaction_new", args=[person.pk]), {**LOG, "attachments": files}, **HTMX
    )
    assert response.status_code == 422
    assert response.context["form"].errors["attachments"] == [
        "“timetable.pdf” is a Windows program, which cannot be attached."
    ]
    assert "timetable.pdf” is a Windows program" in response.content.decode()
    assert response.context["form"]["subject"].value() == "Sent the contract"  # kept as typed
    assert database_state() == before
    assert stored_files(attachment_storage) == []


def test_a_file_over_the_limit_refuses_the_log(staff_client, person, settings, attachment_storage):
    settings.ATTACHMENT_MAX_BYTES = 10
    before = database_state()
    response = staff_client.post(
        reverse("persons:interaction_new", args=[person.pk]), {**LOG, "attachments": [sample_file("pdf")]}
    )
    assert response.status_code == 422
    assert "files up to 10" in " ".join(response.context["form"].errors["attachments"])
    assert database_state() == before
    assert stored_files(attachment_storage) == []


def test_too_many_files_refuse_the_log(staff_client, person, settings, attachment_storage):
    settings.ATTACHMENT_MAX_FILES = 1
    response = staff_client.post(
        reverse("persons:interaction_new", args=[person.pk]),
        {**LOG, "attachments": [sample_file("pdf"), sample_file("png")]},
    )
    assert response.status_code == 422
    assert "at most 1 files" in " ".join(response.context["form"].errors["attachments"])
    assert not Interaction.objects.exists()
    assert stored_files(attachment_storage) == []


# --- Downloading --------------------------------------------------------------------------------------


def test_a_signed_in_user_downloads_the_file_as_an_attachment_of_its_sniffed_type(
    client, other_staff_user, call, django_assert_max_num_queries
):
    client.force_login(other_staff_user)  # not the person's owner: seeing them is enough
    with django_assert_max_num_queries(4):
        response = client.get(download_url(call))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SAMPLE_CONTENT["pdf"]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Contract.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_an_anonymous_visitor_is_sent_to_sign_in(client, call):
    response = client.get(download_url(call))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_who_may_not_see_the_person_are_refused(
    client, other_staff_user, call, staff_see_only_their_own
):
    client.force_login(other_staff_user)
    assert client.get(download_url(call)).status_code == 403


def test_the_owner_still_downloads_under_that_rule(staff_client, call, staff_see_only_their_own):
    assert staff_client.get(download_url(call)).status_code == 200


def test_a_file_under_another_persons_url_or_not_listed_is_not_found(staff_client, call, staff_user):
    stranger = PersonFactory(assigned_to=staff_user)
    filename = call.attachments[0].rsplit("/", 1)[-1]
    assert (
        staff_client.get(
            reverse("persons:interaction_attachment", args=[stranger.pk, call.pk, filename])
        ).status_code
        == 404
    )
    unlisted = reverse("persons:interaction_attachment", args=[call.person_id, call.pk, "0000-other.pdf"])
    assert staff_client.get(unlisted).status_code == 404


def test_a_listed_file_missing_from_storage_is_not_found(staff_client, call, attachment_storage):
    for path in attachment_storage.rglob("*.pdf"):
        path.unlink()
    assert staff_client.get(download_url(call)).status_code == 404


# --- Attaching to an entry, removing ------------------------------------------------------------------


def test_files_are_attached_to_an_entry_already_logged(
    staff_client, call, attachment_storage, django_assert_max_num_queries
):
    url = reverse("persons:interaction_attachments_add", args=[call.person_id, call.pk])
    form = staff_client.get(url, **HTMX).content.decode()
    assert 'enctype="multipart/form-data"' in form and 'name="attachments"' in form
    with django_assert_max_num_queries(12):
        response = staff_client.post(url, {"attachments": [sample_file("csv", "visits.csv")]}, **HTMX)
    assert response.status_code == 200
    assert "visits.csv" in response.content.decode() and "files attached" in response.content.decode()
    assert len(Interaction.objects.get(pk=call.pk).attachments) == 2
    assert len(stored_files(attachment_storage)) == 2


def test_attaching_nothing_or_a_bad_file_is_refused_with_a_message(staff_client, call, attachment_storage):
    url = reverse("persons:interaction_attachments_add", args=[call.person_id, call.pk])
    before = database_state()
    empty = staff_client.post(url, {}, **HTMX)
    assert empty.status_code == 422 and "Choose a file to attach." in empty.content.decode()
    bad = staff_client.post(url, {"attachments": [sample_file("png", "scan.pdf")]}, **HTMX)
    assert bad.status_code == 422 and "name it .png" in bad.content.decode()
    assert database_state() == before
    assert len(stored_files(attachment_storage)) == 1


def test_removing_a_file_asks_first_then_removes_it_on_commit(
    staff_client, call, attachment_storage, django_capture_on_commit_callbacks
):
    url = file_url("interaction_attachment_remove", call)
    confirm = staff_client.get(url, **HTMX).content.decode()
    assert "Remove Contract.pdf?" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url)
    assert response.status_code == 303
    assert Interaction.objects.get(pk=call.pk).attachments == []
    assert stored_files(attachment_storage) == []
    assert staff_client.post(url).status_code == 404  # gone: nothing left to remove


def test_a_colleague_who_may_not_change_the_entry_cannot_attach_or_remove(client, other_staff_user, call):
    client.force_login(other_staff_user)
    before = database_state()
    attach = reverse("persons:interaction_attachments_add", args=[call.person_id, call.pk])
    assert client.post(attach, {"attachments": [sample_file("txt")]}).status_code == 403
    assert client.post(file_url("interaction_attachment_remove", call)).status_code == 403
    assert database_state() == before
