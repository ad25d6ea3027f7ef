from __future__ import annotations

import io

import pytest
from django.test import override_settings

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden
from dudao.orgs.models import Guardian, Student
from dudao.orgs.roster import RosterImportError, import_roster, stream_rows, template_bytes
from tests.factories import City, student
from tests.xlsx import roster_row, workbook

pytestmark = pytest.mark.django_db


def do_import(city: City, rows: list[list[object]], user: str = "school_staff"):
    return import_roster(actor=city.user(user), school=city.school_a, upload=workbook(rows), filename="r.xlsx")


def test_import_creates_students_with_guardians_and_audit(city: City) -> None:
    result = do_import(
        city, [roster_row("七年级（1）班", "G1000001"), roster_row("七年级（2）班", "G1000002", "李小红", gender="女")]
    )
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    pupil = Student.objects.get(student_no="G1000001")
    assert pupil.klass == city.class_a1 and pupil.is_left_behind and not pupil.is_boarding
    guardian = Guardian.objects.get(student=pupil)
    assert (guardian.name, guardian.relation, guardian.phone, guardian.is_primary) == (
        "李芳",
        "mother",
        "13800001111",
        True,
    )
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions.count("import_create") == 2 and actions[-1] == "import_roster"


def test_reimporting_same_file_updates_never_duplicates(city: City) -> None:
    rows = [roster_row("七年级（1）班", "G1000001"), roster_row("七年级（1）班", "G1000002")]
    do_import(city, rows)
    again = do_import(city, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows[0][1] = "王晓明"
    third = do_import(city, rows)
    assert (third.created, third.updated) == (0, 1)
    assert Student.objects.filter(student_no="G1000001").count() == 1
    assert Student.objects.get(student_no="G1000001").name == "王晓明"
    assert Guardian.objects.filter(student__student_no="G1000001").count() == 1


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(city: City) -> None:
    before = Student.objects.count()
    rows = [
        roster_row("七年级（1）班", "G1000001"),
        roster_row("七年级（1）班", "G1000001"),  # duplicate 学籍号
        roster_row("九年级（9）班", "G1000003"),  # unknown class
        roster_row("七年级（1）班", "G1000004", birth="2013-13-45"),  # bad date
        roster_row("七年级（1）班", "G1000005", phone=""),  # missing guardian phone
    ]
    with pytest.raises(RosterImportError) as exc:
        do_import(city, rows)
    found = {(e.row, e.column, e.title) for e in exc.value.errors}
    assert (3, "E", "学籍号") in found
    assert (4, "A", "班级") in found
    assert (5, "D", "出生日期") in found
    assert (6, "N", "监护人1电话") in found
    messages = " ".join(str(e) for e in exc.value.errors)
    assert "与第 2 行重复" in messages and "缺少监护人电话" in messages
    assert Student.objects.count() == before


def test_student_of_another_school_is_not_taken_over(city: City) -> None:
    other = city.students["b1"][0]
    with pytest.raises(RosterImportError) as exc:
        do_import(city, [roster_row("七年级（1）班", other.student_no)])
    assert "其他学校" in str(exc.value.errors[0])
    assert Student.objects.get(pk=other.pk).klass == city.class_b1


def test_missing_required_column_is_reported(city: City) -> None:
    upload = workbook([["七年级（1）班", "王"]], header=["班级", "姓名"])
    with pytest.raises(RosterImportError) as exc:
        import_roster(actor=city.user("school_staff"), school=city.school_a, upload=upload)
    assert any("缺少“学籍号”列" in e.message for e in exc.value.errors)


def test_file_that_is_not_excel_is_refused_by_content(city: City) -> None:
    fake = io.BytesIO(b"name,class\n\xe7\x8e\x8b,1\n")
    with pytest.raises(DomainError) as exc:
        import_roster(actor=city.user("school_staff"), school=city.school_a, upload=fake, filename="roster.xlsx")
    assert exc.value.code == "upload_not_excel"


def test_zip_that_is_not_a_workbook_is_refused(city: City) -> None:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    buffer.seek(0)
    with pytest.raises(DomainError) as exc:
        import_roster(actor=city.user("school_staff"), school=city.school_a, upload=buffer, filename="x.xlsx")
    assert exc.value.code == "upload_not_excel"


@override_settings(DUDAO_UPLOAD_MAX_BYTES=1024)
def test_oversized_file_is_refused(city: City) -> None:
    big = io.BytesIO(b"PK\x03\x04" + b"0" * 2048)
    with pytest.raises(DomainError) as exc:
        import_roster(actor=city.user("school_staff"), school=city.school_a, upload=big, filename="big.xlsx")
    assert exc.value.code == "upload_too_large"


def test_class_teacher_cannot_import(city: City) -> None:
    with pytest.raises(Forbidden):
        do_import(city, [roster_row("七年级（1）班", "G1000001")], user="class_teacher")


def test_district_admin_cannot_import_for_other_district(city: City) -> None:
    with pytest.raises(Forbidden):
        import_roster(
            actor=city.user("district_admin"),
            school=city.school_b,
            upload=workbook([roster_row("一年级（1）班", "G1000009")]),
        )


def test_export_masks_personal_numbers_unless_allowed(city: City) -> None:
    one = student(city.class_b1, name='=HYPERLINK("x")', guardians=2)
    students = Student.objects.filter(pk=one.pk)
    card, phone = one.id_card_no, one.guardians.order_by("id").first().phone  # type: ignore[union-attr]
    masked_card = card[:6] + "********" + card[-4:]
    masked_phone = phone[:3] + "****" + phone[-4:]

    masked = next(stream_rows(students, unmask_id=False, unmask_phone=False))
    assert masked[:2] == ["一年级（1）班", '=HYPERLINK("x")']
    assert masked_phone in masked and masked_card in masked and "G" + masked_card in masked
    assert masked[12:14] == ["母亲", masked_phone]  # the primary guardian first
    full = next(stream_rows(students, unmask_id=True, unmask_phone=True))
    assert phone in full and card in full and "G" + card in full
    phones_only = next(stream_rows(students, unmask_id=False, unmask_phone=True))
    assert phone in phones_only and "G" + masked_card in phones_only


def test_export_rows_stream_in_chunks_in_id_order(city: City) -> None:
    students = Student.objects.filter(klass__path__startswith=city.district_a.path)
    rows = list(stream_rows(students, unmask_id=False, unmask_phone=False, chunk=2))
    assert [r[1] for r in rows] == list(students.order_by("id").values_list("name", flat=True))


def test_template_lists_the_schools_classes(city: City) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(template_bytes(city.school_a)))
    classes = [row[0] for row in book.get_sheet_by_name("班级列表").to_python()][1:]
    assert classes == ["七年级（1）班", "七年级（2）班"]
