"""Attachments: a size limit, an allow-list of content types confirmed by the bytes, stored through the storage API."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from coordination.models import ActionItem, Attachment

PDF = b"%PDF-1.7\n% the minutes\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


def office_file(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = office_file({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def upload(client, item, name, content, content_type):
    url = f"/api/v1/action-items/{item.pk}/attachments/"
    return client.post(url, {"file": SimpleUploadedFile(name, content, content_type=content_type)}, format="multipart")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("minutes.pdf", PDF, "application/pdf"),
        ("map.png", PNG, "image/png"),
        ("notes.txt", "会議の記録".encode(), "text/plain"),
        ("list.csv", b"agency,answer\nMOD,yes\n", "application/octet-stream"),
        ("draft.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_allowed_files_are_stored_and_downloaded_unchanged(api, world, move_to_status, name, content, content_type):
    move_to_status(world.item, "assigned")
    client = api("lead_liaison")
    response = upload(client, world.item, name, content, content_type)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["filename"] == name and body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    attachment = Attachment.objects.get(pk=body["id"])
    assert default_storage.exists(attachment.file.name) and name not in attachment.file.name
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert f'filename="{name}"' in download["Content-Disposition"] or "filename*=" in download["Content-Disposition"]
    listed = client.get(f"/api/v1/action-items/{world.item.pk}/attachments/").json()
    assert [entry["id"] for entry in listed] == [body["id"]]
    assert attachment.history.get().history_user == world.lead_liaison


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("tool.exe", b"MZ\x90\x00", "application/octet-stream"),
        ("minutes.pdf", b"MZ\x90\x00 pretending", "application/pdf"),
        ("page.html", b"<script>alert(1)</script>", "text/html"),
        ("image.png", PDF, "image/png"),
        ("notes.txt", b"\x00\x01\x02binary", "text/plain"),
        ("noextension", PDF, "application/pdf"),
    ],
)
def test_other_files_are_refused_and_nothing_is_stored(api, world, name, content, content_type):
    response = upload(api("coordinator"), world.item, name, content, content_type)
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    assert not Attachment.objects.exists()


def test_files_over_the_limit_are_refused(api, world, settings):
    settings.API_ATTACHMENT_MAX_BYTES = 1024
    response = upload(api("coordinator"), world.item, "big.pdf", PDF + b"0" * 1024, "application/pdf")
    assert response.status_code == 400
    assert "larger than the limit" in response.json()["errors"]["file"][0]
    assert upload(api("coordinator"), world.item, "empty.pdf", b"", "application/pdf").status_code == 400
    assert not Attachment.objects.exists()


def test_no_attachments_once_the_item_is_finished(api, world, move_to_status):
    move_to_status(world.item, ActionItem.Status.CANCELLED)
    response = upload(api("coordinator"), world.item, "late.pdf", PDF, "application/pdf")
    assert response.status_code == 403


def test_an_attachment_of_an_invisible_item_does_not_download(api, world):
    body = upload(api("coordinator"), world.item, "minutes.pdf", PDF, "application/pdf").json()
    assert api("unrelated_liaison").get(body["download_url"]).status_code == 404
    other = f"/api/v1/action-items/{world.item.pk}/attachments/{body['id'] + 1}/"
    assert api("coordinator").get(other).status_code == 404


def test_a_post_without_a_file_is_a_clear_error(api, world):
    response = api("coordinator").post(f"/api/v1/action-items/{world.item.pk}/attachments/", {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]


def test_office_files_must_be_well_formed_archives_that_do_not_expand_without_bound(api, world, settings):
    """A ZIP bomb (a few hundred KB inflating to 200 MB) and a PK header followed by garbage are refused."""
    settings.ATTACHMENT_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
    bomb_buffer = io.BytesIO()
    with zipfile.ZipFile(bomb_buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"\0" * (1 << 20)
            for _ in range(200):
                part.write(block)
    bomb = bomb_buffer.getvalue()
    assert len(bomb) < 300 * 1024
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    cases = [
        (bomb, "expands to more than 50 MB"),
        (b"PK\x03\x04" + b"garbage" * 100, "not a well-formed Office document"),
        (office_file({"word/document.xml": b"<w:document/>"}), "not a well-formed Office document"),
    ]
    for content, message in cases:
        upload = SimpleUploadedFile("draft.docx", content, content_type=docx)
        response = api("coordinator").post(
            f"/api/v1/action-items/{world.item.pk}/attachments/", {"file": upload}, format="multipart"
        )
        assert response.status_code == 400, response.content
        assert message in response.json()["errors"]["file"][0]
    assert not Attachment.objects.exists()


def test_a_multipart_field_name_with_a_nul_character_is_a_400_even_when_the_answer_is_remembered(api, world):
    """The refusal echoes the field's name; remembering it for the Idempotency-Key must not fail on PostgreSQL."""
    upload = SimpleUploadedFile("minutes.pdf", PDF, content_type="application/pdf")
    response = api("coordinator").post(
        f"/api/v1/action-items/{world.item.pk}/attachments/",
        {"file": upload, "odd\x00name": "x"},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="nul-field-1",
    )
    assert response.status_code == 400, response.content
    assert not Attachment.objects.exists()
