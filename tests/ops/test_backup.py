"""manage.py backup / restore: a round trip that keeps every row, the audit chain and readable case notes; and every
refusal (non-empty database, wrong case keys, damaged or newer backups) leaves the installation untouched."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from dudao.cases.models import CaseNote
from dudao.cases.services import add_note
from dudao.core import crypto
from dudao.core.backup import MANIFEST, BackupError, backup, count_rows, data_tables, restore
from dudao.core.files import store_upload
from dudao.core.models import StoredFile
from tests.cases.conftest import open_psych
from tests.factories import build_city

NOTE = "周二放学后与家长面谈：孩子睡眠好转，仍回避同学，下周继续跟进"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def media(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "media"
    with override_settings(MEDIA_ROOT=str(root)):
        yield root


def _installation_with_data() -> int:
    """A city, a case note and an uploaded file; returns the note's id."""
    city = build_city()
    case = open_psych(city)
    note = add_note(actor=city.user("counsellor"), case=case, text=NOTE)
    store_upload(actor=city.user("counsellor"), upload=SimpleUploadedFile("证明.png", PNG), name="证明.png")
    return note.pk


def _empty_installation(media: Path) -> None:
    call_command("flush", interactive=False, verbosity=0)
    for file in media.rglob("*"):
        if file.is_file():
            file.unlink()


@pytest.mark.django_db(transaction=True)
def test_round_trip_keeps_every_row_the_audit_chain_files_and_case_notes(tmp_path: Path, media: Path) -> None:
    note_id = _installation_with_data()
    before = count_rows(connection)
    stored = StoredFile.objects.get()
    content = (media / stored.storage_name).read_bytes()

    out = io.StringIO()
    err = io.StringIO()
    call_command("backup", str(tmp_path / "b"), stdout=out, stderr=err)
    assert "备份完成" in out.getvalue()
    assert "密钥必须与备份分开保管" in err.getvalue()

    _empty_installation(media)
    assert StoredFile.objects.count() == 0

    out = io.StringIO()
    call_command("restore", str(tmp_path / "b"), stdout=out, stderr=io.StringIO())
    assert "恢复完成" in out.getvalue()
    assert "审计链完整" in out.getvalue()
    assert count_rows(connection) == before
    assert (media / StoredFile.objects.get().storage_name).read_bytes() == content
    assert CaseNote.objects.get(pk=note_id).text == NOTE
    call_command("audit_verify", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_holds_data_unless_forced(tmp_path: Path, media: Path) -> None:
    _installation_with_data()
    manifest = backup(tmp_path / "b")
    before = count_rows(connection)

    with pytest.raises(CommandError, match="目标数据库不是空的.*--force"):
        call_command("restore", str(tmp_path / "b"), stdout=io.StringIO(), stderr=io.StringIO())
    assert count_rows(connection) == before

    report = restore(tmp_path / "b", force=True)
    assert report.rows == sum(n for t, n in manifest.row_counts.items() if t != "dudao_cache")


@pytest.mark.django_db(transaction=True)
def test_restore_with_the_wrong_case_keys_is_refused_and_names_the_missing_key(tmp_path: Path, media: Path) -> None:
    _installation_with_data()
    backup(tmp_path / "b")
    needed = crypto.current_key_id()
    _empty_installation(media)
    try:
        with override_settings(DUDAO_CASE_KEYS=[crypto.new_key_text()]):
            crypto.reset_keyring()
            with pytest.raises(BackupError, match=f"密钥编号 {needed}") as refused:
                restore(tmp_path / "b")
            assert "须从另行保管处取得" in str(refused.value)
            assert data_tables(count_rows(connection)) == {}
    finally:
        crypto.reset_keyring()


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_before_anything_changes(tmp_path: Path, media: Path) -> None:
    _installation_with_data()
    backup(tmp_path / "b")
    _empty_installation(media)
    with (tmp_path / "b" / "media.tar").open("r+b") as archive:
        archive.seek(700)
        archive.write(b"XXXX")
    with pytest.raises(BackupError, match="media.tar 已损坏"):
        restore(tmp_path / "b")
    assert data_tables(count_rows(connection)) == {}


@pytest.mark.django_db(transaction=True)
def test_a_backup_from_a_newer_version_is_refused(tmp_path: Path, media: Path) -> None:
    backup(tmp_path / "b")
    path = tmp_path / "b" / MANIFEST
    manifest = json.loads(path.read_text())
    manifest["migrations"]["cases"].append("0999_from_the_future")
    path.write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="备份来自更新的版本.*cases.0999_from_the_future"):
        restore(tmp_path / "b", force=True)


def test_backup_never_overwrites_an_existing_folder(tmp_path: Path, db: None) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "database.sqlite3").write_bytes(b"an older backup")
    with pytest.raises(CommandError, match="已存在且不是空目录"):
        call_command("backup", str(tmp_path / "old"), stdout=io.StringIO(), stderr=io.StringIO())
    assert (tmp_path / "old" / "database.sqlite3").read_bytes() == b"an older backup"


def test_restore_of_a_folder_that_is_no_backup_says_so(tmp_path: Path, db: None) -> None:
    with pytest.raises(CommandError, match="不是督导通的备份"):
        call_command("restore", str(tmp_path), stdout=io.StringIO(), stderr=io.StringIO())


def test_a_freshly_migrated_database_counts_as_empty(db: None) -> None:
    """The tables `migrate` fills (reference data included) are exactly those the emptiness check ignores."""
    assert data_tables(count_rows(connection)) == {}
