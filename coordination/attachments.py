"""Which files may be attached: an allow-list of content types, each confirmed by the file's first bytes."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

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
