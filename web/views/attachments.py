"""The files of an interaction on the person page: download one, attach more, remove one.

A file is named in its URL by the last part of its stored name (`<random>-<original>`), not by
its position in the list: a link stays right, or finds nothing, after another file is removed,
and never downloads a different file than the one it was made for. Downloading is for anyone who
may see the person (the same check as the person page); attaching and removing are changes, for
whoever may change the interaction (interactions.permissions), checked here and by the services.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from interactions.attachment_services import interaction_attachment_remove, interaction_attachments_add
from interactions.attachments import attached_files, attachment_label, content_type_of
from interactions.models import Interaction
from interactions.selectors import interaction_of_person

from ..interaction_forms import InteractionAttachForm
from .interactions import _changeable, _done, _entry_response, _form_view, _person


def _attached_name(interaction: Interaction, filename: str) -> str:
    """The stored name of the interaction's file the URL names; 404 when it lists none such."""
    for name in interaction.attachments:
        if name.rsplit("/", 1)[-1] == filename:
            return name
    raise Http404("This interaction has no such file.")


@require_GET
def attachment_download(
    request: HttpRequest, pk: uuid.UUID, interaction_pk: uuid.UUID, filename: str
) -> FileResponse:
    person = _person(request, pk)  # 404 for no such person, 403 for one the user may not see
    interaction = interaction_of_person(person=person, pk=interaction_pk)
    name = _attached_name(interaction, filename)
    try:
        handle = storages["attachments"].open(name, "rb")
    except OSError as error:
        raise Http404("The file is listed but missing from storage.") from error
    response = FileResponse(
        handle, as_attachment=True, filename=attachment_label(name), content_type=content_type_of(name)
    )
    # Never rendered by the browser as anything but what the upload check found it to be, and
    # never kept by a shared cache or the browser's: the next download asks who is asking again.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def attachment_add(request: HttpRequest, pk: uuid.UUID, interaction_pk: uuid.UUID) -> HttpResponse:
    """GET shows the file field in the entry; POST attaches what was chosen (all or none)."""
    return _form_view(
        request,
        pk,
        interaction_pk,
        action="attach",
        make_form=lambda interaction, data: InteractionAttachForm(
            data, request.FILES if data is not None else None
        ),
        apply=lambda interaction, form: interaction_attachments_add(
            interaction=interaction, actor=request.user, files=form.cleaned_data["attachments"]
        ),
        done="{label}: files attached.",
    )


@require_http_methods(["GET", "POST"])
def attachment_remove(
    request: HttpRequest, pk: uuid.UUID, interaction_pk: uuid.UUID, filename: str
) -> HttpResponse:
    """GET asks first, beside the file; POST removes it."""
    person = _person(request, pk)
    interaction = _changeable(request, person, interaction_pk)
    name = _attached_name(interaction, filename)
    if request.method == "GET":
        return _entry_response(
            request, person, interaction, action="remove_file", removing=attached_files([name])[0]
        )
    try:
        changed = interaction_attachment_remove(interaction=interaction, actor=request.user, name=name)
    except ValidationError as error:
        return _entry_response(request, person, interaction, status=422, errors=error.messages)
    return _done(request, person, changed, f"{attachment_label(name)} removed.")


_ONE = "<uuid:pk>/interactions/<uuid:interaction_pk>/"
urlpatterns = [
    path(f"{_ONE}attach/", attachment_add, name="interaction_attachments_add"),
    path(f"{_ONE}files/<str:filename>/", attachment_download, name="interaction_attachment"),
    path(f"{_ONE}files/<str:filename>/remove/", attachment_remove, name="interaction_attachment_remove"),
]
