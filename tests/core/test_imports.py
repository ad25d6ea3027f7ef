"""导入记录: each import is recorded before its work starts and updated when it ends, so a user whose browser
timed out on a long import sees that it is still running or how it ended; the same file is not run twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.errors import DomainError
from dudao.core.excel import ImportRejected
from dudao.core.models import ImportKind, ImportRecord, ImportStatus
from dudao.orgs import roster
from dudao.orgs.models import Student
from tests.factories import City, UserFactory, assign, build_city
from tests.xlsx import roster_row, workbook


def upload(city: City, numbers: tuple[str, ...] = ("G310101201305010011",)) -> Any:
    return workbook([roster_row(city.class_a1.name, number) for number in numbers])


def import_file(city: City, file: Any, user: str = "school_staff") -> roster.ImportResult:
    return roster.import_roster(actor=city.user(user), school=city.school_a, upload=file, filename="七年级名册.xlsx")


def test_a_finished_import_is_recorded_with_its_file_and_counts(city: City) -> None:
    file = upload(city)
    data = file.getvalue()
    import_file(city, file)
    record = ImportRecord.objects.get()
    assert (record.kind, record.status, record.unit_path, record.unit_name) == (
        ImportKind.ROSTER,
        ImportStatus.SUCCEEDED,
        city.school_a.path,
        city.school_a.name,
    )
    assert (record.file_name, record.size) == ("七年级名册.xlsx", len(data))
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert record.started_by == city.user("school_staff") and record.finished_at is not None
    assert record.counts == {"created": 1, "updated": 0, "unchanged": 0}
    assert record.message == "新增 1 人，更新 0 人，未变化 0 人"


def test_a_refused_file_is_recorded_with_its_row_errors(city: City) -> None:
    file = workbook([roster_row("九年级（9）班", "G310101201305010011")])
    with pytest.raises(ImportRejected):
        import_file(city, file)
    record = ImportRecord.objects.get()
    assert record.status == ImportStatus.FAILED and record.message.startswith("导入失败")
    assert record.errors == ["第 2 行 A 列（班级）：本校没有名为“九年级（9）班”的班级"]


def test_the_same_file_is_refused_while_it_is_still_running(city: City) -> None:
    file = upload(city)
    ImportRecord.objects.create(
        kind=ImportKind.ROSTER,
        unit_path=city.school_a.path,
        unit_name=city.school_a.name,
        file_name="七年级名册.xlsx",
        sha256=hashlib.sha256(file.getvalue()).hexdigest(),
        size=1,
        started_by_name="李老师",
    )
    with pytest.raises(DomainError) as err:
        import_file(city, file)
    assert (err.value.code, err.value.status) == ("import_running", 409)
    assert "同一文件正在导入（李老师 于" in err.value.message and "导入记录" in err.value.message
    assert not Student.objects.filter(student_no="G310101201305010011").exists()
    assert ImportRecord.objects.count() == 1
    # Another file, or the same file into another unit, is not held up.
    import_file(city, upload(city, ("G310101201305010022",)))


def test_the_database_allows_one_running_import_of_a_file_per_unit(city: City) -> None:
    fields: dict[str, Any] = {
        "kind": ImportKind.ROSTER,
        "unit_path": city.school_a.path,
        "unit_name": "五中",
        "file_name": "a.xlsx",
        "sha256": "0" * 64,
        "size": 1,
    }
    ImportRecord.objects.create(**fields, status=ImportStatus.SUCCEEDED)
    ImportRecord.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportRecord.objects.create(**fields)


@pytest.mark.django_db(transaction=True)
def test_the_record_is_committed_apart_from_the_import_that_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The record lives in its own transactions: the import rolls back, the record of it stays."""
    city = build_city()
    before = Student.objects.count()

    def crash(**kwargs: Any) -> None:
        Student.objects.filter(klass=city.class_a1).update(name="改过")
        raise RuntimeError("worker crashed")

    monkeypatch.setattr(roster, "_write", crash)
    with pytest.raises(RuntimeError):
        import_file(city, upload(city))
    record = ImportRecord.objects.get()
    assert record.status == ImportStatus.FAILED and "服务器出错" in record.message
    assert Student.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_process_was_killed_stops_blocking_after_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    city = build_city()
    # The same bytes each time: a workbook written a second later differs (its timestamp) and is another file.
    data = upload(city).getvalue()
    monkeypatch.setattr("dudao.core.imports._finish", lambda *args, **kwargs: None)  # the process dies here
    import_file(city, io.BytesIO(data))
    monkeypatch.undo()
    killed = ImportRecord.objects.get()
    assert killed.status == ImportStatus.RUNNING
    with pytest.raises(DomainError) as err:
        import_file(city, io.BytesIO(data))
    assert err.value.code == "import_running"
    ImportRecord.objects.filter(pk=killed.pk).update(started_at=timezone.now() - dt.timedelta(minutes=61))
    import_file(city, io.BytesIO(data))
    killed.refresh_from_db()
    assert killed.status == ImportStatus.FAILED and "未正常结束" in killed.message
    assert ImportRecord.objects.filter(status=ImportStatus.SUCCEEDED).count() == 1


# ----- the page ---------------------------------------------------------------------------------------------


def record(city: City, unit: Any, kind: ImportKind = ImportKind.ROSTER, **fields: Any) -> ImportRecord:
    values: dict[str, Any] = {
        "kind": kind,
        "unit_path": unit.path,
        "unit_name": unit.name,
        "file_name": f"{unit.name}.xlsx",
        "sha256": hashlib.sha256(f"{unit.pk}{kind}{fields}".encode()).hexdigest(),
        "size": 10,
        "started_by_name": "王老师",
    }
    values.update(fields)
    return ImportRecord.objects.create(**values)


def test_the_page_lists_imports_of_the_users_units_only(city: City, signed_in: Callable[[User], Client]) -> None:
    record(city, city.school_a, status=ImportStatus.SUCCEEDED, message="新增 3 人")
    record(city, city.school_b, status=ImportStatus.SUCCEEDED)
    record(city, city.district_a, ImportKind.FINDINGS, status=ImportStatus.SUCCEEDED)
    page = signed_in(city.user("school_staff")).get("/imports/").content.decode()
    assert "甲区第五中学.xlsx" in page and "新增 3 人" in page
    assert "乙区第一小学.xlsx" not in page
    assert "甲区教育局.xlsx" not in page  # a school role may not import findings, so it does not see them


def test_a_district_sees_its_schools_and_filters_by_kind(city: City, signed_in: Callable[[User], Client]) -> None:
    record(city, city.school_a, status=ImportStatus.SUCCEEDED)
    record(city, city.district_a, ImportKind.FINDINGS, status=ImportStatus.SUCCEEDED)
    client = signed_in(city.user("district_admin"))
    page = client.get("/imports/").content.decode()
    assert "甲区第五中学.xlsx" in page and "甲区教育局.xlsx" in page
    page = client.get("/imports/?kind=findings").content.decode()
    assert "甲区第五中学.xlsx" not in page and "甲区教育局.xlsx" in page


def test_a_running_import_shows_and_the_page_refreshes_itself(city: City, signed_in: Callable[[User], Client]) -> None:
    record(city, city.school_a)
    page = signed_in(city.user("school_staff")).get("/imports/").content.decode()
    assert "进行中" in page and 'hx-trigger="every 5s"' in page


def test_a_long_silent_import_shows_as_interrupted(city: City, signed_in: Callable[[User], Client]) -> None:
    record(city, city.school_a, started_at=timezone.now() - dt.timedelta(hours=3))
    page = signed_in(city.user("school_staff")).get("/imports/").content.decode()
    assert "已中断" in page and 'hx-trigger="every 5s"' not in page


def test_row_errors_of_a_failed_import_are_shown(city: City, signed_in: Callable[[User], Client]) -> None:
    record(city, city.school_a, status=ImportStatus.FAILED, message="导入失败", errors=["第 2 行 A 列（班级）：不存在"])
    page = signed_in(city.user("school_staff")).get("/imports/").content.decode()
    assert "失败" in page and "第 2 行 A 列（班级）：不存在" in page


@pytest.mark.parametrize("key", ["sysadmin", "auditor", "nobody", "health_officer"])
def test_roles_that_import_nothing_may_not_open_the_page(
    key: str, city: City, signed_in: Callable[[User], Client]
) -> None:
    assert signed_in(city.user(key)).get("/imports/").status_code == 403


def test_a_principal_of_another_school_sees_nothing_of_this_one(
    city: City, signed_in: Callable[[User], Client]
) -> None:
    record(city, city.school_a, status=ImportStatus.SUCCEEDED)
    other = UserFactory.create(username="b.principal", unit=city.school_b)
    assign(other, "principal", city.school_b)
    page = signed_in(other).get("/imports/").content.decode()
    assert "甲区第五中学" not in page and "还没有导入记录" in page


def test_the_upload_page_says_a_long_import_goes_on_and_where_to_look(
    city: City, signed_in: Callable[[User], Client]
) -> None:
    page = signed_in(city.user("school_staff")).get(f"/orgs/{city.school_a.pk}/students/").content.decode()
    assert "服务器仍会继续导入" in page and "/imports/?kind=roster" in page
