"""Pages speak the user's language: the saved preference first, then the cookie, then the browser."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from coordination.models import ActionItem

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "ja" / "LC_MESSAGES"
CHANGELIST = "/admin/coordination/actionitem/"


def set_language(user, language):
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])


@pytest.fixture
def liaison_client(client, world, move_to_status):
    move_to_status(world.item, ActionItem.Status.ASSIGNED)
    world.lead_liaison.is_staff = True
    world.lead_liaison.save(update_fields=["is_staff"])
    client.force_login(world.lead_liaison)
    return client


def test_a_japanese_user_sees_the_trackers_own_labels_in_japanese(liaison_client, world):
    set_language(world.lead_liaison, "ja")
    page = liaison_client.get(CHANGELIST).text
    assert "対応事項" in page  # the model's name
    assert "割当済み" in page  # the item's status
    assert "主管省庁" in page  # the lead agency column
    assert "調整管理システム" in page  # the site title
    item_page = liaison_client.get(f"{CHANGELIST}{world.item.pk}/change/").text
    assert "受領確認" in item_page  # the acknowledge button


def test_an_english_user_sees_english(liaison_client, world):
    page = liaison_client.get(CHANGELIST).text
    assert "Action items" in page and "Assigned" in page
    assert "対応事項" not in page


def test_the_language_switch_saves_the_preference_and_returns_to_the_page(liaison_client, world):
    response = liaison_client.post("/language/", {"language": "ja", "next": CHANGELIST})
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    world.lead_liaison.refresh_from_db()
    assert world.lead_liaison.preferred_language == "ja"
    assert "対応事項" in liaison_client.get(CHANGELIST).text


def test_the_language_switch_refuses_an_unknown_language_and_an_outside_address(liaison_client, world):
    response = liaison_client.post("/language/", {"language": "xx", "next": "https://example.com/"}, follow=True)
    assert response.redirect_chain[0][0] == "/admin/"
    assert "Unknown language: xx." in response.text
    world.lead_liaison.refresh_from_db()
    assert world.lead_liaison.preferred_language == "en"


def test_the_language_switch_needs_a_signed_in_user_and_a_post(client):
    assert client.get("/language/").status_code == 405
    response = client.post("/language/", {"language": "ja"})
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(("accept", "expected"), [("ja,en;q=0.5", "ログイン"), ("en-GB,en", "Log in")])
def test_before_signing_in_the_browser_language_is_used(client, accept, expected):
    page = client.get("/admin/login/", headers={"accept-language": accept}).text
    assert expected in page


def test_the_compiled_catalogue_is_complete_and_matches_its_source():
    source = polib.pofile(str(CATALOGUE / "django.po"))
    assert source.untranslated_entries() == []
    assert source.fuzzy_entries() == []
    compiled = polib.mofile(str(CATALOGUE / "django.mo"))
    translated = {(entry.msgid, entry.msgstr) for entry in source.translated_entries()}
    assert {(entry.msgid, entry.msgstr) for entry in compiled if entry.msgid} == translated


@pytest.mark.gettext
def test_every_translatable_string_in_the_source_is_in_the_catalogue(tmp_path):
    """makemessages on a copy of the source finds no string the committed catalogue lacks, and none it has extra."""
    copy = tmp_path / "source"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".git", ".venv", "var", "tests", "__pycache__", "*.mo", ".*cache"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-obsolete", "--ignore=.venv", "-v0"],
        cwd=copy,
        check=True,
        timeout=120,
    )
    fresh = {entry.msgid for entry in polib.pofile(str(copy / "locale/ja/LC_MESSAGES/django.po"))}
    committed = {entry.msgid for entry in polib.pofile(str(CATALOGUE / "django.po"))}
    assert sorted(fresh - committed) == [], "run make messages and translate the new strings"
    assert sorted(committed - fresh) == [], "run make messages: these strings are no longer in the source"
