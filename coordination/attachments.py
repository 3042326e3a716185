"""Which files may be attached: an allow-list of content types, each confirmed by the file's first bytes."""

from __future__ import annotations

import mimetypes
import zipfile
from dataclasses import dataclass

from django.http import FileResponse
from django.utils.translation import gettext as _

OFFICE_ZIP = b"PK\x03\x04"


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extensions: tuple[str, ...]
    signature: bytes | None  # None: text, checked as UTF-8 without NUL bytes


ALLOWED_KINDS = (
    FileKind("application/pdf", (".pdf",), b"%PDF-"),
    FileKind("image/png", (".png",), b"\x89PNG\r\n\x1a\n"),
    FileKind("image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff"),
    FileKind("text/plain", (".txt",), None),
    FileKind("text/csv", (".csv",), None),
    FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), OFFICE_ZIP),
    FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), OFFICE_ZIP),
    FileKind("application/vnd.openxmlformats-officedocument.presentationml.presentation", (".pptx",), OFFICE_ZIP),
)
ALLOWED_CONTENT_TYPES = tuple(kind.content_type for kind in ALLOWED_KINDS)


def attachment_kind(filename: str, declared_type: str, head: bytes) -> FileKind | None:
    """The allowed kind this upload is, or None: the name's extension and the first bytes must both agree."""
    extension = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared in ("", "application/octet-stream"):
        declared = (mimetypes.guess_type(filename)[0] or "").lower()
    for kind in ALLOWED_KINDS:
        if kind.content_type != declared or extension not in kind.extensions:
            continue
        if kind.signature is None:
            if b"\x00" in head:
                return None
            try:
                head.decode("utf-8")
            except UnicodeDecodeError as error:
                if error.start < len(head) - 3:  # a multi-byte character cut at the end of the sample is fine
                    return None
            return kind
        return kind if head.startswith(kind.signature) else None
    return None


def office_archive_problem(upload, *, max_uncompressed: int, max_members: int = 5000) -> str | None:
    """Why an Office file (a ZIP archive) is refused, or None: it must open as an archive, hold the Office parts
    list, and inflate to at most `max_uncompressed` bytes in all (read to the limit, never further: an archive
    that claims small sizes and holds more fails its checksum)."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            if len(members) > max_members:
                return _("The document holds too many parts.")
            if "[Content_Types].xml" not in archive.namelist():
                return _("This is not a well-formed Office document.")
            total = 0
            for member in members:
                with archive.open(member) as part:
                    while chunk := part.read(1 << 16):
                        total += len(chunk)
                        if total > max_uncompressed:
                            return _("The document expands to more than %(limit)d MB.") % {
                                "limit": max_uncompressed // (1024 * 1024)
                            }
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError):
        return _("This is not a well-formed Office document.")
    finally:
        upload.seek(0)
    return None


def attachment_response(attachment) -> FileResponse:
    """The file as a download under its original name, never rendered by the browser as a page."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
