from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from dudao.accounts.models import User
from dudao.core.errors import DomainError, Forbidden
from dudao.core.exporting import NotInScope
from dudao.core.models import ImportRecord
from dudao.exports import imports
from dudao.exports.models import ImportJob, JobStatus
from dudao.orgs.models import RoleAssignment, Student
from tests.factories import City
from tests.xlsx import roster_row, workbook

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]


def good_file() -> Any:
    return workbook([roster_row("七年级（1）班", "G3000001"), roster_row("七年级（2）班", "G3000002", "李小红")])


def bad_file() -> Any:
    return workbook(
        [roster_row("七年级（1）班", "G3000001"), roster_row("九年级（9）班", "G3000002", birth="2013-13-01")]
    )


def start(city: City, user_key: str = "principal", upload: Any = None) -> ImportJob:
    return imports.start_roster_import(
        actor=city.user(user_key), unit_id=city.school_a.pk, upload=upload or good_file(), filename="名册.xlsx"
    )


def test_a_background_import_writes_the_roster(city: City, run_jobs: Any) -> None:
    job = run_jobs(lambda: start(city))
    done = ImportJob.objects.get(pk=job.pk)
    assert done.status == JobStatus.DONE and done.counts == {"created": 2, "updated": 0, "unchanged": 0}
    assert "新增 2 人" in done.message
    assert Student.objects.filter(student_no__in=["G3000001", "G3000002"]).count() == 2
    assert done.storage_name == "" and not default_storage.exists(job.storage_name)
    assert ImportRecord.objects.filter(status="succeeded").exists()  # 导入记录 shows it too


def test_a_bad_file_fails_with_row_and_column_and_writes_nothing(city: City, run_jobs: Any) -> None:
    before = Student.objects.count()
    job = run_jobs(lambda: start(city, upload=bad_file()))
    failed = ImportJob.objects.get(pk=job.pk)
    assert failed.status == JobStatus.FAILED and "未导入任何数据" in failed.message
    assert {(e["row"], e["column"]) for e in failed.errors} >= {(3, "A")}
    assert all(e["message"] for e in failed.errors)
    assert Student.objects.count() == before


def test_role_without_student_change_is_refused(city: City) -> None:
    with pytest.raises(Forbidden):
        start(city, "class_teacher")
    assert not ImportJob.objects.exists()


def test_school_out_of_scope_is_not_found(city: City) -> None:
    with pytest.raises(NotInScope):
        start(city, "district_admin_b")


def test_a_file_that_is_no_workbook_is_refused_at_once(city: City) -> None:
    import io

    junk = io.BytesIO(b"not a workbook at all")
    with pytest.raises(DomainError):
        start(city, upload=junk)
    assert not ImportJob.objects.exists()


def test_the_job_rechecks_the_identity(city: City) -> None:
    job = start(city)
    RoleAssignment.objects.filter(user=city.user("principal")).delete()
    failed = imports.run_import(job_id=job.pk)
    assert failed.status == JobStatus.FAILED and "身份已被撤销" in failed.message
    assert not Student.objects.filter(student_no="G3000001").exists()


def test_roster_page_upload_in_background_and_status_page(city: City, signed_in: Login, run_jobs: Any) -> None:
    client = signed_in(city.user("principal"))
    url = f"/orgs/{city.school_a.pk}/students/import-job/"
    response = run_jobs(lambda: client.post(url, {"file": bad_file()}))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/downloads/imports/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "第 3 行" in page and 'data-testid="import-errors"' in page
    assert "学生名册导入" in client.get("/downloads/").content.decode()
    other = signed_in(city.user("school_staff"))
    assert other.get(f"/downloads/imports/{job.pk}/").status_code == 404


def test_roster_page_refuses_other_roles(city: City, signed_in: Login) -> None:
    url = f"/orgs/{city.school_a.pk}/students/import-job/"
    assert signed_in(city.user("class_teacher")).post(url, {"file": good_file()}).status_code == 403
    assert signed_in(city.user("district_admin_b")).post(url, {"file": good_file()}).status_code == 404
    assert not ImportJob.objects.exists()


def test_missing_file_is_a_message(city: City, signed_in: Login) -> None:
    client = signed_in(city.user("principal"))
    response = client.post(f"/orgs/{city.school_a.pk}/students/import-job/", {})
    assert response.status_code == 302
    assert "请选择要上传的 Excel 文件" in client.get(response["Location"]).content.decode()
