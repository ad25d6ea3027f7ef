"""Encryption at rest: a raw SQL select shows no plaintext; values are bound to their column; keys rotate."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from dudao.cases import crypto, services, upkeep
from dudao.cases.models import CaseFile, CaseNote, HomeVisit, ScreeningResult
from tests.cases.conftest import open_psych
from tests.factories import City

pytestmark = pytest.mark.django_db

SECRET = "孩子说她最近不想活了，晚上一个人哭"


def raw_column(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")
        return [row[0] for row in cursor.fetchall()]


def test_database_dump_shows_no_note_plaintext(city: City) -> None:
    case = open_psych(city, plan="方案：" + SECRET)
    services.add_note(actor=city.user("counsellor"), case=case, text=SECRET, outcome="情绪稳定")
    stored_notes = raw_column("cases_casenote", "text")
    stored_plans = raw_column("cases_casefile", "plan")
    assert stored_notes and all(SECRET not in value for value in stored_notes)
    assert all("方案" not in value and SECRET not in value for value in stored_plans)
    assert all(value.startswith(crypto.current_key_id() + ":") for value in stored_notes)
    # The application still reads it.
    assert CaseNote.objects.get(case=case).text == SECRET


def test_every_confidential_column_is_encrypted() -> None:
    fields = {
        (m.__name__, f.name)
        for m in upkeep.crypto_models()
        for f in m._meta.concrete_fields
        if isinstance(f, crypto.EncryptedTextField)
    }
    assert {
        ("CaseNote", "text"),
        ("CaseFile", "plan"),
        ("ScreeningResult", "answers"),
        ("HomeVisit", "findings"),
    } <= fields
    assert {CaseNote, CaseFile, ScreeningResult, HomeVisit} <= set(upkeep.crypto_models())


def test_ciphertext_moved_to_another_column_fails_authentication(city: City) -> None:
    case = open_psych(city, plan="plan text")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_casefile SET summary = plan WHERE id = %s", [case.pk])
    with pytest.raises(crypto.DecryptionError):
        CaseFile.objects.get(pk=case.pk)


def test_tampered_ciphertext_is_refused(city: City) -> None:
    case = open_psych(city, plan="plan text")
    stored = raw_column("cases_casefile", "plan")[0]
    key_id, _, body = stored.partition(":")
    flipped = body[:-6] + ("A" if body[-6] != "A" else "B") + body[-5:]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_casefile SET plan = %s WHERE id = %s", [f"{key_id}:{flipped}", case.pk])
    with pytest.raises(crypto.DecryptionError):
        CaseFile.objects.get(pk=case.pk)


def test_same_text_encrypts_differently_each_time() -> None:
    assert crypto.encrypt("x", context="a") != crypto.encrypt("x", context="a")


def test_rotation_reencrypts_under_the_new_key_and_old_rows_stay_readable(city: City) -> None:
    case = open_psych(city)
    services.add_note(actor=city.user("counsellor"), case=case, text=SECRET)
    old_id = crypto.current_key_id()
    new_key = crypto.new_key_text()
    old_key = crypto.base64.urlsafe_b64encode(crypto.DEV_KEY).decode().rstrip("=")
    try:
        with override_settings(DUDAO_CASE_KEYS=[new_key, old_key]):
            crypto.reset_keyring()
            new_id = crypto.current_key_id()
            assert new_id != old_id
            # Before rotation: old rows read fine under the keyring with both keys.
            assert CaseNote.objects.get(case=case).text == SECRET
            counts = upkeep.rotate_keys(batch=1)
            assert counts["cases.CaseNote"] == 1
            assert counts["cases.CaseFile"] == 1
            assert all(v.startswith(new_id + ":") for v in raw_column("cases_casenote", "text"))
            # Resumable: a second run finds nothing left to do.
            assert upkeep.rotate_keys()["cases.CaseNote"] == 0
        with override_settings(DUDAO_CASE_KEYS=[new_key]):
            crypto.reset_keyring()
            assert CaseNote.objects.get(case=case).text == SECRET
        with override_settings(DUDAO_CASE_KEYS=[crypto.new_key_text()]):
            crypto.reset_keyring()
            with pytest.raises(crypto.DecryptionError, match="unknown case key"):
                CaseNote.objects.get(case=case)
    finally:
        crypto.reset_keyring()


def test_bad_key_in_environment_is_refused() -> None:
    with pytest.raises(crypto.ImproperlyConfigured):
        crypto.parse_key("c2hvcnQ")


def test_empty_text_stays_empty(city: City) -> None:
    case = open_psych(city, plan="")
    assert raw_column("cases_casefile", "summary") == [""]
    assert CaseFile.objects.get(pk=case.pk).plan == ""
