from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden
from dudao.core.exporting import ExportPlan, NotInScope, register_export
from dudao.exports import services
from dudao.exports.models import ExportJob, JobStatus
from dudao.orgs.models import RoleAssignment
from tests.exports.conftest import sheet_rows
from tests.factories import City

pytestmark = pytest.mark.django_db


def start_roster(city: City, user_key: str = "principal", **filters: str) -> services.Started:
    """Start the roster export of 五中 (five students)."""
    return services.start_export(
        actor=city.user(user_key), kind="roster", filters={"unit": str(city.school_a.pk), **filters}
    )


def test_small_export_stays_a_direct_download(city: City, settings: Any) -> None:
    settings.DUDAO_EXPORT_SYNC_LIMIT = 100
    started = start_roster(city)
    assert started.job is None
    assert started.plan.direct_url == f"/orgs/{city.school_a.pk}/students/export.xlsx"
    assert not ExportJob.objects.exists()


def test_large_roster_export_runs_as_a_job_with_masked_rows(city: City, run_jobs: Any) -> None:
    started = run_jobs(lambda: start_roster(city))
    assert started.created and started.job is not None
    job = ExportJob.objects.get(pk=started.job.pk)
    assert (job.status, job.progress, job.row_count, job.total_rows) == (JobStatus.DONE, 100, 5, 5)
    assert job.expires_at is not None and job.expires_at - job.finished_at == dt.timedelta(days=7)  # type: ignore[operator]
    rows = sheet_rows(job)
    assert rows[0][:2] == ["班级", "姓名"] and len(rows) == 6
    assert all("*" in str(row[5]) for row in rows[1:])  # ID numbers masked
    export = AuditEvent.objects.get(action="export_roster")
    assert export.changes["rows"] == 5 and export.actor_id == city.user("principal").pk
    assert AuditEvent.objects.filter(action="start_export", object_id=str(job.pk)).exists()


def test_full_roster_job_keeps_the_numbers_for_a_role_that_may_see_them(city: City, run_jobs: Any) -> None:
    job = run_jobs(lambda: start_roster(city, full="1")).job
    assert job is not None
    rows = sheet_rows(ExportJob.objects.get(pk=job.pk))
    assert rows[1][5] == city.students["a1"][0].id_card_no
    assert rows[1][4] == city.students["a1"][0].student_no


def test_full_roster_refused_to_a_role_without_unmasking(city: City) -> None:
    with pytest.raises(Forbidden):
        start_roster(city, "district_admin", full="1")
    assert not ExportJob.objects.exists()


def test_role_without_the_permission_is_refused(city: City) -> None:
    with pytest.raises(Forbidden):
        start_roster(city, "sysadmin")


def test_unit_outside_the_subtree_is_not_found(city: City) -> None:
    with pytest.raises(NotInScope):
        start_roster(city, "district_admin_b")


def test_unknown_kind_and_empty_export_are_refused_in_chinese(city: City) -> None:
    with pytest.raises(DomainError, match="没有名为"):
        services.start_export(actor=city.user("principal"), kind="nope", filters={})
    with pytest.raises(DomainError, match="没有符合条件的记录"):
        services.start_export(actor=city.user("principal"), kind="ledger", filters={}, background=True)
    assert not ExportJob.objects.exists()


def test_a_double_click_finds_the_running_job(city: City) -> None:
    first = start_roster(city)
    second = start_roster(city)
    assert first.job is not None and second.job is not None
    assert second.job.pk == first.job.pk and not second.created
    assert ExportJob.objects.count() == 1


def test_different_filters_are_different_jobs(city: City) -> None:
    start_roster(city)
    start_roster(city, full="1")
    assert ExportJob.objects.count() == 2


def test_a_rerun_of_a_finished_job_does_nothing(city: City, run_jobs: Any) -> None:
    job = run_jobs(lambda: start_roster(city)).job
    assert job is not None
    name = ExportJob.objects.get(pk=job.pk).storage_name
    again = services.run_export(job_id=job.pk)
    assert again.status == JobStatus.DONE and again.storage_name == name


def test_job_rechecks_the_identity_at_run_time(city: City) -> None:
    job = start_roster(city).job
    assert job is not None
    RoleAssignment.objects.filter(user=city.user("principal")).delete()
    done = services.run_export(job_id=job.pk)
    assert done.status == JobStatus.FAILED and done.error == services.IDENTITY_GONE
    assert done.storage_name == "" and not AuditEvent.objects.filter(action="export_roster").exists()


def test_job_rechecks_the_scope_at_run_time(city: City) -> None:
    """The principal moved to another school (the old assignment ended): the job does not export the old one."""
    principal = city.user("principal")
    job = start_roster(city).job
    assert job is not None
    RoleAssignment.objects.filter(user=principal).update(unit=city.school_b)
    done = services.run_export(job_id=job.pk)
    assert done.status == JobStatus.FAILED and "不在您的管理范围内" in done.error


def _rows(n: int, probe: list[int] | None = None, job_ref: list[int] | None = None) -> Iterator[list[Any]]:
    for i in range(n):
        if probe is not None and job_ref and i == 601:
            probe.append(ExportJob.objects.get(pk=job_ref[0]).progress)
        yield [i, f"第{i}行"]


def test_progress_is_written_while_the_file_grows(city: City) -> None:
    probe: list[int] = []
    job_ref: list[int] = []

    def writer(user: User, filters: Mapping[str, str]) -> ExportPlan:
        return ExportPlan(
            filename="t.xlsx", headers=["序号", "内容"], rows=lambda: _rows(1000, probe, job_ref), count=1000
        )

    register_export("test_progress", "测试", permission="student.read", personal_data=False, writer=writer)
    job = services.start_export(actor=city.user("principal"), kind="test_progress", filters={}).job
    assert job is not None
    job_ref.append(job.pk)
    done = services.run_export(job_id=job.pk)
    assert probe == [60]
    assert done.progress == 100 and done.row_count == 1000


def test_an_unexpected_error_fails_the_job_with_a_chinese_message(city: City) -> None:
    def broken() -> Iterator[list[Any]]:
        yield [1]
        raise RuntimeError("disk full")

    def writer(user: User, filters: Mapping[str, str]) -> ExportPlan:
        return ExportPlan(filename="t.xlsx", headers=["序号"], rows=broken, count=10)

    register_export("test_broken", "测试", permission="student.read", personal_data=False, writer=writer)
    job = services.start_export(actor=city.user("principal"), kind="test_broken", filters={}).job
    assert job is not None
    done = services.run_export(job_id=job.pk)
    assert done.status == JobStatus.FAILED and done.error == services.FAILED_UNEXPECTEDLY
    assert done.storage_name == ""


def test_download_of_personal_data_leaves_an_access_event(city: City, run_jobs: Any) -> None:
    principal = city.user("principal")
    job = ExportJob.objects.get(pk=run_jobs(lambda: start_roster(city)).job.pk)
    with services.open_download(actor=principal, job=job) as handle:
        assert handle.read(2) == b"PK"
    event = AuditEvent.objects.get(action="download_export")
    assert event.actor_id == principal.pk and event.object_id == str(job.pk)
    assert ExportJob.objects.get(pk=job.pk).downloaded_at is not None


def test_another_users_job_cannot_be_downloaded(city: City, run_jobs: Any) -> None:
    job = ExportJob.objects.get(pk=run_jobs(lambda: start_roster(city)).job.pk)
    with pytest.raises(Forbidden):
        services.open_download(actor=city.user("school_staff"), job=job)


def test_expired_files_are_deleted_and_the_row_kept(city: City, run_jobs: Any) -> None:
    job = ExportJob.objects.get(pk=run_jobs(lambda: start_roster(city)).job.pk)
    assert default_storage.exists(job.storage_name)
    assert services.purge_expired(now=timezone.now()) == {"expired": 0, "interrupted": 0}
    assert job.expires_at is not None
    counts = services.purge_expired(now=job.expires_at + dt.timedelta(seconds=1))
    assert counts == {"expired": 1, "interrupted": 0}
    expired = ExportJob.objects.get(pk=job.pk)
    assert expired.status == JobStatus.EXPIRED and expired.storage_name == ""
    assert not default_storage.exists(job.storage_name)
    assert AuditEvent.objects.filter(action="expire_export", object_id=str(job.pk)).exists()
    with pytest.raises(DomainError, match="已过期"):
        services.open_download(actor=city.user("principal"), job=expired)


def test_a_job_whose_worker_died_is_marked_failed(city: City) -> None:
    job = start_roster(city).job
    assert job is not None
    later = timezone.now() + dt.timedelta(hours=2)
    assert services.purge_expired(now=later)["interrupted"] == 1
    failed = ExportJob.objects.get(pk=job.pk)
    assert failed.status == JobStatus.FAILED and "中断" in failed.error
    assert start_roster(city).created  # the same export may be started again


def test_the_owner_deletes_a_finished_file(city: City, run_jobs: Any) -> None:
    job = ExportJob.objects.get(pk=run_jobs(lambda: start_roster(city)).job.pk)
    with pytest.raises(Forbidden):
        services.delete_job(actor=city.user("school_staff"), job=job)
    services.delete_job(actor=city.user("principal"), job=job)
    assert not ExportJob.objects.exists()


def test_past_excels_row_limit_a_job_continues_on_a_second_sheet(city: City, monkeypatch: Any) -> None:
    import io

    from python_calamine import CalamineWorkbook

    from dudao.core import excel

    monkeypatch.setattr(excel, "EXCEL_MAX_ROWS", 3)
    spool = io.BytesIO()
    assert (
        excel.write_xlsx(spool, headers=["序号"], rows=([i] for i in range(5)), sheet_name="名册", split_sheets=True)
        == 5
    )
    book = CalamineWorkbook.from_filelike(io.BytesIO(spool.getvalue()))
    assert book.sheet_names == ["名册", "名册（2）"]
    assert book.get_sheet_by_index(1).to_python() == [["序号"], [3.0], [4.0]]
    with pytest.raises(DomainError, match="超过 Excel 单表"):
        excel.write_xlsx(io.BytesIO(), headers=["序号"], rows=([i] for i in range(5)))
