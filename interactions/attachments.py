"""Files attached to interactions, kept in the "attachments" storage (settings.STORAGES).

What a file is comes from its first bytes (and, for Office files, the zip's members), never from
its name or the browser's Content-Type alone: the name's extension must then agree with what the
content is, so an executable renamed invoice.pdf, or a PNG named .pdf, is refused. Which kinds are
allowed is settings.ATTACHMENT_TYPES; the limits are ATTACHMENT_MAX_BYTES and ATTACHMENT_MAX_FILES.
"""

from __future__ import annotations

import os
import secrets
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, storages
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename

# Enough of the start of a file for every signature below (ISO BMFF's brand is at 8-12).
HEAD_BYTES = 16
# The part of the original name kept in the stored one: a long name must not push the stored name
# past the column's 500 characters, and stays readable in a URL.
NAME_CHARS = 100
# [Content_Types].xml is a few kilobytes; reading more of a hostile zip's member is not needed.
CONTENT_TYPES_BYTES = 256 * 1024


@dataclass(frozen=True)
class FileType:
    key: str  # what ATTACHMENT_TYPES names
    label: str
    content_type: str  # sent with the download
    extensions: tuple[str, ...]  # the first is the usual one
    matches: Callable[[bytes, File], bool] | None = None  # None: a text type (UTF-8, no NUL)


def _starts(*signatures: bytes) -> Callable[[bytes, File], bool]:
    return lambda head, file: head.startswith(signatures)


def _webp(head: bytes, file: File) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


# HEIF is an ISO base media file: "ftyp" at byte 4, then the major brand. HEIC is HEIF with HEVC
# images (what phones write); mif1/msf1 are the generic HEIF brands.
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


def _heif(head: bytes, file: File) -> bool:
    return head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS


def _office(main_part: str, main_type: str) -> Callable[[bytes, File], bool]:
    """An Office Open XML file: a zip holding [Content_Types].xml that declares the main part as
    the document kind itself. A macro-enabled .docm or .xlsm declares another type: refused."""

    def matches(head: bytes, file: File) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as archive:
                if main_part not in archive.namelist():
                    return False
                with archive.open("[Content_Types].xml") as types:
                    declared = types.read(CONTENT_TYPES_BYTES)
        except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
            return False
        return main_type.encode() in declared

    return matches


FILE_TYPES = {
    t.key: t
    for t in (
        FileType("pdf", "PDF", "application/pdf", ("pdf",), _starts(b"%PDF-")),
        FileType("png", "PNG image", "image/png", ("png",), _starts(b"\x89PNG\r\n\x1a\n")),
        FileType("jpeg", "JPEG image", "image/jpeg", ("jpg", "jpeg"), _starts(b"\xff\xd8\xff")),
        FileType("gif", "GIF image", "image/gif", ("gif",), _starts(b"GIF87a", b"GIF89a")),
        FileType("webp", "WebP image", "image/webp", ("webp",), _webp),
        FileType("heic", "HEIC/HEIF image", "image/heif", ("heic", "heif"), _heif),
        FileType(
            "docx",
            "Word document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("docx",),
            _office(
                "word/document.xml",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            ),
        ),
        FileType(
            "xlsx",
            "Excel workbook",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ("xlsx",),
            _office(
                "xl/workbook.xml",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            ),
        ),
        FileType("txt", "text file", "text/plain; charset=utf-8", ("txt",)),
        FileType("csv", "CSV file", "text/csv; charset=utf-8", ("csv",)),
    )
}
DEFAULT_TYPES = ",".join(FILE_TYPES)

# Kinds never allowed, named so that the refusal says what the file really is.
PROGRAMS = {b"MZ": "a Windows program", b"\x7fELF": "a Linux program", b"\xcf\xfa\xed\xfe": "a Mac program"}


def allowed_types() -> list[FileType]:
    return [FILE_TYPES[key] for key in settings.ATTACHMENT_TYPES if key in FILE_TYPES]


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lstrip(".").lower()


def _is_text(file: File) -> bool:
    """UTF-8 (a BOM allowed) without NUL: what a .txt or .csv is. The whole file is read, which the
    size limit keeps bounded."""
    file.seek(0)
    data = file.read()
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def _sniff(file: File) -> FileType | str | None:
    """What the content is: a known type, a program's description, or None (unknown binary)."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    for signature, description in PROGRAMS.items():
        if head.startswith(signature):
            return description
    for file_type in FILE_TYPES.values():
        if file_type.matches is not None and file_type.matches(head, file):
            return file_type
    if _is_text(file):
        # Text has no signature of its own: which text type it is, the extension says.
        by_name = [
            t for t in FILE_TYPES.values() if t.matches is None and _extension(file.name) in t.extensions
        ]
        return by_name[0] if by_name else FILE_TYPES["txt"]
    return None


def attachment_type_check(file: File) -> FileType:
    """The file's type, when it is an allowed one, within the size limit and named for what it is;
    else a ValidationError that names the file and says why."""
    name = os.path.basename(file.name or "")
    allowed = allowed_types()
    if not file.size:
        raise ValidationError(f"“{name}” is empty.")
    if file.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            f"“{name}” is {filesizeformat(file.size)}; files up to "
            f"{filesizeformat(settings.ATTACHMENT_MAX_BYTES)} can be attached."
        )
    found = _sniff(file)
    file.seek(0)
    kinds = ", ".join(t.label for t in allowed)
    if isinstance(found, str):
        raise ValidationError(f"“{name}” is {found}, which cannot be attached.")
    if found is None:
        raise ValidationError(f"“{name}” is not a kind of file that can be attached. Allowed: {kinds}.")
    if found not in allowed:
        raise ValidationError(
            f"“{name}” is {_a(found.label)}, which cannot be attached here. Allowed: {kinds}."
        )
    if _extension(name) not in found.extensions:
        raise ValidationError(
            f"“{name}” is {_a(found.label)}, but its name says otherwise; name it .{found.extensions[0]}."
        )
    return found


def _a(label: str) -> str:
    return f"{'an' if label[0] in 'AEIOUaeiou' else 'a'} {label}"


def attachments_check(files: Iterable[File], *, already: int = 0) -> None:
    """Every file acceptable, and no more of them than an interaction may hold: all or none."""
    files = list(files)
    limit = settings.ATTACHMENT_MAX_FILES
    if already + len(files) > limit:
        held = f"; it has {already} already" if already else ""
        raise ValidationError(f"An interaction holds at most {limit} files{held}.")
    errors = []
    for file in files:
        try:
            attachment_type_check(file)
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)


def safe_name(original: str) -> str:
    """The original name without its folders and with only letters, digits, - _ and . left."""
    base = os.path.basename(original.replace("\\", "/"))
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    try:
        stem = get_valid_filename(stem)
    except Exception:  # nothing usable was left of it (SuspiciousFileOperation)
        stem = "file"
    extension = "".join(ch for ch in extension.lower() if ch.isalnum())
    stem = stem[: NAME_CHARS - len(extension) - 1]
    return f"{stem}.{extension}" if extension else stem


def attachment_file_save(*, person_id, interaction_id, file: File) -> str:
    """Write the file under <person>/<interaction>/<random>-<name>; the stored name it got.

    The random part keeps names unguessable and two uploads of scan.pdf apart.
    """
    name = f"{person_id}/{interaction_id}/{secrets.token_hex(8)}-{safe_name(file.name or 'file')}"
    file.seek(0)
    return storages["attachments"].save(name, file)


def attachment_files_delete(names: Iterable[str]) -> None:
    storage = storages["attachments"]
    for name in names:
        storage.delete(name)


@dataclass(frozen=True)
class AttachedFile:
    name: str  # as stored, in Interaction.attachments
    filename: str  # the last part of it: what the download URL names
    label: str  # the original name, as the person who attached it chose it
    content_type: str
    size: int | None


def content_type_of(name: str) -> str:
    """The type a stored file was sniffed as when it was attached, told by its extension, which had
    to agree with its content to be stored at all. A name set by other means (the admin) is sent
    as bytes of no particular kind."""
    extension = _extension(name)
    found = [t for t in FILE_TYPES.values() if extension in t.extensions]
    return found[0].content_type if found else "application/octet-stream"


def attachment_label(name: str) -> str:
    """The name a stored file was attached under, without its folders and random prefix."""
    return name.rsplit("/", 1)[-1].split("-", 1)[-1]


def attached_files(names: Iterable[str]) -> list[AttachedFile]:
    """The files of an interaction for a page. Sizes only from a local disk, where they cost a
    stat each: on S3 each would be a request, so they are left out there."""
    storage = storages["attachments"]
    local = isinstance(storage, FileSystemStorage)
    files = []
    for name in names:
        filename = name.rsplit("/", 1)[-1]
        size = None
        if local:
            try:
                size = storage.size(name)
            except OSError:
                size = None
        files.append(
            AttachedFile(
                name=name,
                filename=filename,
                label=attachment_label(name),
                content_type=content_type_of(name),
                size=size,
            )
        )
    return files
