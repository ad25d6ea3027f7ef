"""Excel imports of doses and exams: all or nothing, each bad cell named in Chinese, masked numbers refused."""

from __future__ import annotations

import io

import pytest

from dudao.core.errors import DomainError
from dudao.core.excel import ImportRejected
from dudao.core.models import ImportKind, ImportRecord, ImportStatus
from dudao.orgs.text import mask_student_no
from dudao.schoolhealth import excel
from dudao.schoolhealth.models import HealthExam, VaccinationRecord
from tests.schoolhealth.conftest import days_ago, workbook

pytestmark = pytest.mark.django_db

DOSE_HEADER = [c[0] for c in excel.DOSE_COLUMNS]
EXAM_HEADER = [c[0] for c in excel.EXAM_COLUMNS]


def test_dose_import_writes_every_row(city):
    a, b = city.students["a1"][:2]
    rows = [
        [a.student_no, a.name, "麻腮风", 1, days_ago(400).isoformat(), ""],
        [a.student_no, a.name, "麻腮风", 2, days_ago(100).isoformat(), ""],
        [b.student_no, b.name, "流感", "", "", "对鸡蛋严重过敏"],
    ]
    assert excel.import_doses(actor=city.user("doctor"), upload=workbook(DOSE_HEADER, rows)) == 3
    assert VaccinationRecord.objects.filter(completes_course=True).count() == 1
    record = ImportRecord.objects.get(kind=ImportKind.VACCINATIONS)
    assert (record.status, record.counts) == (ImportStatus.SUCCEEDED, {"created": 3})


def test_dose_import_is_all_or_nothing_with_each_bad_cell_named(city):
    a = city.students["a1"][0]
    masked = mask_student_no(a.student_no)
    rows = [
        [a.student_no, a.name, "麻腮风", 1, days_ago(400).isoformat(), ""],  # fine
        [masked, a.name, "麻腮风", 1, days_ago(400).isoformat(), ""],  # masked number
        ["G000000000000000000", "某某", "流感", 1, days_ago(1).isoformat(), ""],  # unknown student
        [a.student_no, a.name, "天花", 1, days_ago(1).isoformat(), ""],  # unknown vaccine
        [a.student_no, "别人", "流感", 1, days_ago(1).isoformat(), ""],  # name differs
        [a.student_no, a.name, "乙肝", 2, days_ago(1).isoformat(), ""],  # dose out of order
        [a.student_no, a.name, "流感", 1, "明天", ""],  # bad date
        [city.students["b1"][0].student_no, "", "流感", 1, days_ago(1).isoformat(), ""],  # outside the school
    ]
    with pytest.raises(ImportRejected) as refused:
        excel.import_doses(actor=city.user("doctor"), upload=workbook(DOSE_HEADER, rows))
    found = {(e.row, e.column): e.message for e in refused.value.errors}
    assert "脱敏" in found[(3, "A")]
    assert "不在您管理范围" in found[(4, "A")] and "G000000" not in found[(4, "A")].replace("G000000****", "")
    assert "疫苗目录" in found[(5, "C")]
    assert "姓名与名册不符" in found[(6, "B")]
    assert "第 1 剂" in found[(7, "D")]
    assert "日期格式" in found[(8, "E")]
    assert "不在您管理范围" in found[(9, "A")]
    assert not VaccinationRecord.objects.exists()
    assert ImportRecord.objects.get(kind=ImportKind.VACCINATIONS).status == ImportStatus.FAILED


def test_duplicate_rows_in_a_file_are_named(city):
    a = city.students["a1"][0]
    row = [a.student_no, a.name, "流感", 1, days_ago(3).isoformat(), ""]
    with pytest.raises(ImportRejected) as refused:
        excel.import_doses(actor=city.user("doctor"), upload=workbook(DOSE_HEADER, [row, row]))
    assert "重复" in refused.value.errors[0].message


def test_wrong_header_wrong_type_and_oversized_files_are_refused(city, settings):
    with pytest.raises(ImportRejected, match="导入失败"):
        excel.import_doses(actor=city.user("doctor"), upload=workbook(["姓名"], [["张三"]]))
    with pytest.raises(DomainError, match="不是 Excel"):
        excel.import_doses(actor=city.user("doctor"), upload=io.BytesIO(b"%PDF-1.4 not a workbook"))
    settings.DUDAO_UPLOAD_MAX_BYTES = 1000
    with pytest.raises(DomainError, match="上限"):
        excel.import_doses(actor=city.user("doctor"), upload=io.BytesIO(b"x" * 2000))


def test_exam_import_and_range_checks(city):
    a, b = city.students["a1"][:2]
    day = days_ago(5).isoformat()
    good = [
        [a.student_no, a.name, day, "是", "阴性", 4.8, "4.9", "是", "否"],
        [b.student_no, b.name, day, "否", "", 5.0, 5.1, "否", "是"],
    ]
    assert excel.import_exams(actor=city.user("doctor"), upload=workbook(EXAM_HEADER, good)) == 2
    bad = [
        [a.student_no, a.name, day, "是", "", 6.1, 0.8, "是", "否"],
        [b.student_no, b.name, day, "否", "", 5.0, 5.1, "也许", "是"],
    ]
    with pytest.raises(ImportRejected) as refused:
        excel.import_exams(actor=city.user("doctor"), upload=workbook(EXAM_HEADER, bad))
    found = {(e.row, e.column): e.message for e in refused.value.errors}
    assert "结核筛查" in found[(2, "E")]
    assert "3.0–5.3" in found[(2, "F")] and "3.0–5.3" in found[(2, "G")]
    assert "是" in found[(3, "H")]
    assert HealthExam.objects.count() == 2
    # Re-importing the year replaces the student's record instead of adding one.
    again = [[a.student_no, a.name, day, "是", "阴性", 4.5, 4.5, "是", "是"]]
    excel.import_exams(actor=city.user("doctor"), upload=workbook(EXAM_HEADER, again))
    assert HealthExam.objects.count() == 2
    assert HealthExam.objects.get(student=a).has_caries
