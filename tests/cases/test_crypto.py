"""Encryption at rest: a raw SQL select shows no plaintext; values are bound to their column; keys rotate."""

from __future__ import annotations

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client, override_settings

from dudao.cases import services, upkeep
from dudao.cases.models import CaseFile, CaseNote, HomeVisit, ScreeningResult
from dudao.core import crypto
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
        for m in crypto.crypto_models()
        for f in m._meta.concrete_fields
        if isinstance(f, crypto.EncryptedTextField)
    }
    assert {
        ("CaseNote", "text"),
        ("CaseFile", "plan"),
        ("ScreeningResult", "answers"),
        ("HomeVisit", "findings"),
    } <= fields
    assert {CaseNote, CaseFile, ScreeningResult, HomeVisit} <= set(crypto.crypto_models())


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
    old_key = base64.urlsafe_b64encode(crypto.DEV_KEY).decode().rstrip("=")
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
    with pytest.raises(ImproperlyConfigured):
        crypto.parse_key("c2hvcnQ")


def test_empty_text_stays_empty(city: City) -> None:
    case = open_psych(city, plan="")
    assert raw_column("cases_casefile", "summary") == [""]
    assert CaseFile.objects.get(pk=case.pk).plan == ""


MARK = "QZXMARK七三九"


def full_dump() -> str:
    """Every value of every table, as a dump would show it (audit trail included)."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                parts.extend(str(bytes(v) if isinstance(v, memoryview) else v) for v in row)
    return "\n".join(parts)


def test_a_marker_through_every_write_path_appears_nowhere_in_a_dump(city: City) -> None:
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from dudao.cases import intake, school
    from dudao.cases.models import DropoutSuggestion
    from tests.xlsx import workbook

    counsellor = city.user("counsellor")
    child = city.students["a1"][0]
    case = open_psych(city, plan=f"方案{MARK}")
    services.add_note(actor=counsellor, case=case, text=f"记录{MARK}", participants=f"家长{MARK}", outcome=MARK)
    case.refresh_from_db()
    services.change_level(actor=counsellor, case=case, level="level1", reason=f"加重{MARK}", version=case.version)
    case.refresh_from_db()
    services.change_level(
        actor=counsellor,
        case=case,
        level="crisis",
        reason=f"危机{MARK}",
        version=case.version,
        guardian_contacted_at=timezone.now() - dt.timedelta(minutes=5),
    )
    services.complete_crisis_step(actor=counsellor, case=case, step="safety_plan", note=f"安全计划{MARK}")
    services.add_referral(
        actor=counsellor, case=case, institution=f"市精神卫生中心{MARK}", referred_on=timezone.localdate(), note=MARK
    )
    services.break_glass(actor=city.user("case_officer"), case=case, reason=f"家长来电称孩子失联，需了解{MARK}")
    # Screening: level, answers and the dismissal reason.
    b, c = city.students["a1"][1], city.students["a1"][2]
    batch = intake.import_screening(
        actor=counsellor,
        upload=workbook(
            [[b.student_no, b.name, 80, f"重度{MARK}", f"作答{MARK}"], [c.student_no, c.name, 70, MARK, ""]],
            header=["学籍号", "姓名", "总分", "等级", "备注/作答摘要"],
        ),
        filename="s.xlsx",
        name="秋季筛查",
        threshold=Decimal(60),
    )
    result = ScreeningResult.objects.get(batch=batch, student=b)
    intake.dismiss_screening(actor=counsellor, result=result, reason=f"复评无异常{MARK}")
    # Dropout suggestion dismissed with a reason.
    today = timezone.localdate()
    suggestion = DropoutSuggestion.objects.create(
        school=city.school_a, student=c, days=3, first_date=today - dt.timedelta(days=3), last_date=today
    )
    intake.dismiss_dropout_suggestion(actor=counsellor, suggestion=suggestion, reason=f"病假未登记{MARK}")
    # Home visit: who was present and what was found.
    school.record_home_visit(
        actor=city.user("class_teacher"), student=c, visited_on=today, present=f"祖母{MARK}", findings=MARK
    )
    dump = full_dump()
    assert MARK not in dump
    # The crisis alert names no child in clear: the alert table holds no student name.
    from dudao.cases.models import CaseAlert

    assert CaseAlert.objects.filter(kind="crisis").exists()
    alerts = "\n".join(str(v) for v in raw_column("cases_casealert", "text"))
    assert child.name not in alerts and "危机" not in alerts
    # The application still reads everything back.
    crisis = CaseAlert.objects.filter(kind="crisis").first()
    assert crisis is not None and crisis.text.startswith("危机预警")
    assert ScreeningResult.objects.get(pk=result.pk).reason == f"复评无异常{MARK}"


def test_migration_encrypts_existing_plaintext_rows(city: City) -> None:
    import importlib
    from types import SimpleNamespace

    from dudao.cases.models import Referral

    migration = importlib.import_module("dudao.cases.migrations.0002_encrypt_child_text")
    case = open_psych(city)
    referral = services.add_referral(
        actor=city.user("counsellor"), case=case, institution="市精神卫生中心", referred_on=case.created_at.date()
    )
    with connection.cursor() as cursor:  # as the row stood before the column was encrypted
        cursor.execute("UPDATE cases_referral SET institution = %s WHERE id = %s", ["市精神卫生中心", referral.pk])
    editor = SimpleNamespace(connection=connection)
    migration.encrypt_existing(None, editor)
    stored = raw_column("cases_referral", "institution")[0]
    assert stored.startswith(crypto.current_key_id() + ":") and "精神" not in stored
    assert Referral.objects.get(pk=referral.pk).institution == "市精神卫生中心"
    migration.encrypt_existing(None, editor)  # re-runnable: sealed values are left alone
    assert raw_column("cases_referral", "institution")[0] == stored
    migration.decrypt_existing(None, editor)
    assert raw_column("cases_referral", "institution")[0] == "市精神卫生中心"


def test_a_value_under_a_missing_key_breaks_no_list_and_shows_on_the_detail_page(city: City, client: Client) -> None:
    from dudao.cases.checks import stored_key_ids

    case = open_psych(city, plan=SECRET)
    services.add_note(actor=city.user("counsellor"), case=case, text=SECRET, participants="家长")
    lost = base64.urlsafe_b64encode(crypto.DEV_KEY).decode().rstrip("=")
    assert stored_key_ids(databases=["default"]) == []
    try:
        with override_settings(DUDAO_CASE_KEYS=[crypto.new_key_text()]):
            crypto.reset_keyring()
            client.force_login(city.user("counsellor"))
            assert client.get("/cases/").status_code == 200
            assert client.get("/cases/export.xlsx").status_code == 200
            assert client.get("/cases/dropout/").status_code == 200
            page = client.get(f"/cases/{case.pk}/")
            assert page.status_code == 200 and "无法解密（密钥缺失）" in page.content.decode()
            assert SECRET not in page.content.decode()
            client.force_login(city.user("class_teacher"))  # told of the assignment: an alert under the lost key
            alerts = client.get("/cases/alerts/")
            assert alerts.status_code == 200 and "无法解密（密钥缺失）" in alerts.content.decode()
            errors = stored_key_ids(databases=["default"])
            assert [e.id for e in errors] == ["cases.E002"] and crypto.key_id_of(crypto.DEV_KEY) in errors[0].msg
        with override_settings(DUDAO_CASE_KEYS=[crypto.new_key_text(), lost]):
            crypto.reset_keyring()
            assert stored_key_ids(databases=["default"]) == []
    finally:
        crypto.reset_keyring()
