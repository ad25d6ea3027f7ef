"""教师档案 pages and API for every role: who reads, who changes, 403 for the others, 404 out of scope; the
Excel import all-or-nothing with row and column errors; the export masked and logged."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.models import AuditEvent
from dudao.teachers import excel, services
from dudao.teachers.models import Certificate, StaffProfile
from tests.factories import City, UserFactory, id_card
from tests.xlsx import workbook

READERS = ["bureau_leader", "bureau_staff", "district_admin", "principal", "school_staff"]
REFUSED = [
    "inspector",
    "class_teacher",
    "counsellor",
    "doctor",
    "health_officer",
    "case_officer",
    "sysadmin",
    "auditor",
]


@pytest.fixture
def teacher(city: City) -> User:
    person = UserFactory.create(unit=city.school_a, full_name="李明华")
    services.update_profile(
        actor=city.user("principal"),
        person=person,
        values={"id_card_no": id_card(dt.date(1990, 2, 3), 21), "post": "teaching", "title": "second"},
        version=None,
    )
    return person


@pytest.mark.parametrize("key", READERS)
def test_readers_see_the_list_and_the_profile_masked(
    city: City, teacher: User, signed_in: Callable[[User], Client], key: str
) -> None:
    client = signed_in(city.user(key))
    page = client.get("/teachers/")
    assert page.status_code == 200 and "李明华" in page.content.decode()
    detail = client.get(f"/teachers/{teacher.pk}/").content.decode()
    number = id_card(dt.date(1990, 2, 3), 21)
    assert number not in detail and f"{number[:6]}********{number[-4:]}" in detail
    api = client.get("/api/v1/staff").json()
    assert any(row["name"] == "李明华" and row["id_card_no"].count("*") == 8 for row in api["items"])


@pytest.mark.parametrize("key", REFUSED)
def test_other_roles_are_refused(city: City, teacher: User, signed_in: Callable[[User], Client], key: str) -> None:
    client = signed_in(city.user(key))
    assert client.get("/teachers/").status_code == 403
    assert client.get(f"/teachers/{teacher.pk}/").status_code == 404
    assert client.get("/api/v1/staff").status_code == 403
    assert client.get(f"/api/v1/staff/{teacher.pk}").status_code == 404


def test_a_person_reads_their_own_profile_and_nobody_outside_the_district_reads_it(
    city: City, teacher: User, signed_in: Callable[[User], Client]
) -> None:
    own = signed_in(city.user("class_teacher"))
    me = city.user("class_teacher")
    assert own.get("/teachers/me/").status_code == 302
    assert own.get(f"/teachers/{me.pk}/").status_code == 200
    assert own.get(f"/api/v1/staff/{me.pk}").status_code == 200
    other = signed_in(city.user("district_admin_b"))
    assert other.get(f"/teachers/{teacher.pk}/").status_code == 404
    assert other.get(f"/api/v1/staff/{teacher.pk}").status_code == 404
    assert "李明华" not in other.get("/teachers/").content.decode()


def test_the_edit_form_saves_and_a_stale_form_is_refused(
    city: City, teacher: User, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(city.user("school_staff"))
    form = {"post": "teaching", "employment": "contract", "title": "first", "subjects": "数学", "version": "2"}
    response = client.post(f"/teachers/{teacher.pk}/edit/", form)
    assert response.status_code == 302
    profile = StaffProfile.objects.get(user=teacher)
    assert (profile.employment, profile.title, profile.id_card_no[-4:]) == (
        "contract",
        "first",
        id_card(dt.date(1990, 2, 3), 21)[-4:],
    )
    stale = client.post(f"/teachers/{teacher.pk}/edit/", {**form, "subjects": "英语"})
    assert "已被他人修改" in stale.content.decode()
    assert StaffProfile.objects.get(user=teacher).subjects == "数学"
    assert signed_in(city.user("bureau_staff")).post(f"/teachers/{teacher.pk}/edit/", form).status_code == 403


def test_the_api_patch_locks_and_validates(city: City, teacher: User, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("principal"))
    url = f"/api/v1/staff/{teacher.pk}"
    ok = client.patch(url, {"version": 2, "subjects": "科学"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["subjects"] == "科学"
    assert client.patch(url, {"version": 2, "subjects": "美术"}, content_type="application/json").status_code == 409
    bad = client.patch(url, {"version": 3, "id_card_no": "123"}, content_type="application/json")
    assert bad.status_code == 400 and "身份证号" in bad.json()["detail"]
    assert (
        signed_in(city.user("bureau_leader")).patch(url, {"version": 3}, content_type="application/json").status_code
        == 403
    )


def test_reveal_is_logged_and_refused_to_others(city: City, teacher: User, signed_in: Callable[[User], Client]) -> None:
    assert signed_in(city.user("district_admin")).post(f"/teachers/{teacher.pk}/reveal/").status_code == 403
    shown = signed_in(city.user("principal")).post(f"/teachers/{teacher.pk}/reveal/")
    assert id_card(dt.date(1990, 2, 3), 21) in shown.content.decode()
    assert AuditEvent.objects.filter(action="view_unmasked", object_type="teachers.staffprofile").count() == 1


def _rows(*rows: list[str]) -> io.BytesIO:
    book = workbook([list(r) for r in rows], header=excel.TITLES)
    book.name = "teachers.xlsx"
    return book


def test_the_import_is_all_or_nothing_with_row_and_column(
    city: City, teacher: User, signed_in: Callable[[User], Client]
) -> None:
    UserFactory.create(unit=city.school_a, full_name="赵雪")
    client = signed_in(city.user("principal"))
    good = [
        "赵雪",
        "",
        id_card(dt.date(1992, 5, 6), 22),
        "专任教师",
        "在编",
        "英语",
        "是",
        "二级教师",
        "2018-09-01",
        "初级中学教师资格",
        "20143600011111",
        "2014-08-01",
        "C证",
        "XL2020001",
    ]
    bad = ["李明华", "", "360101199002031230", "专任教师", "临时工", "", "", "", "", "", "", "2014-13-01", "", ""]
    response = client.post("/teachers/import/", {"file": _rows(good, bad)})
    text = response.content.decode()
    assert "第 3 行" in text and "E" in text and "身份证号" in text and "未导入任何数据" in text
    assert not StaffProfile.objects.filter(user__full_name="赵雪").exists()
    ok = client.post("/teachers/import/", {"file": _rows(good)})
    assert ok.status_code == 302
    profile = StaffProfile.objects.get(user__full_name="赵雪")
    assert (profile.gender, profile.is_class_teacher, profile.title) == ("F", True, "second")
    assert Certificate.objects.filter(profile=profile, kind="psych_c").count() == 1
    assert signed_in(city.user("bureau_leader")).post("/teachers/import/", {"file": _rows(good)}).status_code == 403


def test_the_export_is_masked_and_logged(city: City, teacher: User, signed_in: Callable[[User], Client]) -> None:
    response = signed_in(city.user("district_admin")).get("/teachers/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    number = id_card(dt.date(1990, 2, 3), 21)
    assert number not in values and f"{number[:6]}********{number[-4:]}" in values
    assert AuditEvent.objects.filter(action="export_staff_profiles", kind="access").count() == 1


def test_the_certificate_filters_list_only_the_holders(
    city: City, teacher: User, signed_in: Callable[[User], Client]
) -> None:
    today = timezone.localdate()
    other = UserFactory.create(unit=city.school_a, full_name="周晓光")
    principal = city.user("principal")
    services.add_certificate(
        actor=principal,
        person=other,
        data=services.CertificateInput(
            kind="guard", issued_on=today - dt.timedelta(days=900), expires_on=today + dt.timedelta(days=5)
        ),
    )
    services.add_certificate(actor=principal, person=teacher, data=services.CertificateInput(kind="psych_c"))
    client = signed_in(city.user("district_admin"))
    expiring = client.get("/teachers/?certificate=expiring").content.decode()
    assert "周晓光" in expiring and "李明华" not in expiring
    psych = client.get("/teachers/?certificate=psych_c").content.decode()
    assert "李明华" in psych and "周晓光" not in psych
    api = client.get("/api/v1/staff?certificate=expiring").json()
    assert [row["name"] for row in api["items"]] == ["周晓光"]
