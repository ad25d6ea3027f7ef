"""党风廉政 pages for each role: the party secretary (局领导), the discipline officer and the auditor (read-only) see
the records of their subtree, everyone else 404; every detail read is an access event; forms work end to end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.audit.models import AuditEvent, EventKind
from dudao.integrity import services
from dudao.integrity.models import DutyList, MajorMatter, SpotCheck, SpotFinding, SpotTarget, Talk
from tests.factories import City
from tests.integrity.conftest import duty, matter, photo, spot_check, talk, today

pytestmark = pytest.mark.django_db

READERS = {"bureau_leader", "discipline_officer", "auditor"}
OTHERS = [
    "bureau_staff",
    "inspector",
    "district_admin",
    "principal",
    "school_staff",
    "class_teacher",
    "counsellor",
    "doctor",
    "health_officer",
    "case_officer",
    "sysadmin",
    "security_officer",
    "nobody",
]


@pytest.fixture
def records(city: City) -> dict[str, int]:
    check = spot_check(city)
    (target,) = services.add_targets(actor=city.user("discipline_officer"), check=check, units=[city.school_a])
    finding, _ = services.add_finding(
        actor=city.user("discipline_officer"), target=target, data=services.FindingIn(today(), "礼盒"), photo=photo()
    )
    m = matter(city)
    (doc,) = services.add_documents(
        actor=city.user("bureau_leader"),
        matter=m,
        documents=[SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 x", content_type="application/pdf")],
    )
    return {
        "duty": duty(city).pk,
        "talk": talk(city).pk,
        "check": check.pk,
        "finding": finding.pk,
        "matter": m.pk,
        "doc": doc.pk,
    }


def urls(r: dict[str, int]) -> list[str]:
    return [
        "/integrity/",
        "/integrity/duties/",
        f"/integrity/duties/{r['duty']}/",
        "/integrity/talks/",
        f"/integrity/talks/{r['talk']}/",
        "/integrity/checks/",
        f"/integrity/checks/{r['check']}/",
        f"/integrity/findings/{r['finding']}/photo/",
        "/integrity/matters/",
        f"/integrity/matters/{r['matter']}/",
        f"/integrity/matters/{r['matter']}/documents/{r['doc']}/",
        "/integrity/people/?q=prin",
    ]


@pytest.mark.parametrize("role", sorted(READERS))
def test_readers_open_every_page(signed_in, city: City, records: dict[str, int], role: str) -> None:
    client = signed_in(city.user(role))
    for url in urls(records):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    home = client.get("/").content.decode()
    assert "党风廉政" in home


@pytest.mark.parametrize("role", OTHERS)
def test_everyone_else_gets_404(signed_in, city: City, records: dict[str, int], role: str) -> None:
    client = signed_in(city.user(role))
    for url in urls(records):
        if role == "principal" and url.startswith(f"/integrity/duties/{records['duty']}/"):
            continue  # the principal's own list (below)
        assert client.get(url).status_code == 404, url
    assert client.post("/integrity/talks/new/", {"kind": "integrity"}).status_code == 404
    assert client.post(f"/integrity/matters/{records['matter']}/edit/", {"title": "x"}).status_code == 404


def test_the_leader_reads_and_acknowledges_own_list_only(signed_in, city: City, records: dict[str, int]) -> None:
    other = duty(city, leader_key="school_staff", post="副校长")
    client = signed_in(city.user("principal"))
    assert "我的一岗双责清单待签收" in client.get("/cockpit/todos/").content.decode()  # the cockpit home loads to-dos
    page = client.get("/integrity/mine/").content.decode()
    assert "待签收" in page
    item = DutyList.objects.get(pk=records["duty"])
    assert client.get(f"/integrity/duties/{item.pk}/").status_code == 200
    assert client.get(f"/integrity/duties/{other.pk}/").status_code == 404
    assert client.post(f"/integrity/duties/{other.pk}/acknowledge/", {"version": other.version}).status_code == 404
    response = client.post(f"/integrity/duties/{item.pk}/acknowledge/", {"version": item.version}, follow=True)
    assert "已签收" in response.content.decode()
    assert DutyList.objects.get(pk=item.pk).acknowledged_at is not None
    assert DutyList.objects.get(pk=other.pk).acknowledged_at is None


def test_every_detail_read_is_an_access_event(signed_in, city: City, records: dict[str, int]) -> None:
    client = signed_in(city.user("auditor"))
    before = AuditEvent.objects.filter(kind=EventKind.ACCESS, action="integrity_view").count()
    for url in urls(records):
        client.get(url)
    after = AuditEvent.objects.filter(kind=EventKind.ACCESS, action="integrity_view")
    # duty, talk, check, photo, matter, document
    assert after.count() - before == 6


def test_the_auditor_reads_but_cannot_write(signed_in, city: City, records: dict[str, int]) -> None:
    client = signed_in(city.user("auditor"))
    page = client.get(f"/integrity/talks/{records['talk']}/").content.decode()
    assert "修改谈话记录" not in page
    response = client.post(
        "/integrity/talks/new/",
        {
            "kind": "reminder",
            "talker": "auditor",
            "subject": "principal",
            "held_on": today().isoformat(),
            "summary": "x",
        },
    )
    assert response.status_code == 403
    assert Talk.objects.count() == 1


def test_discipline_officer_records_a_talk_through_the_form(signed_in, city: City) -> None:
    client = signed_in(city.user("discipline_officer"))
    data = {
        "kind": "summons",
        "talker": "纪检（discipline.officer）",
        "subject": "principal",
        "held_on": today().isoformat(),
        "place": "纪检组办公室",
        "summary": "就校服采购问题约谈",
    }
    response = client.post("/integrity/talks/new/", data, follow=True)
    assert "已登记" in response.content.decode()
    assert client.post("/integrity/talks/new/", data).status_code == 302  # double submit: the same talk
    assert Talk.objects.count() == 1
    bad = client.post("/integrity/talks/new/", {**data, "subject": "nobody.here"}, follow=True).content.decode()
    assert "找不到谈话对象账号" in bad
    stale = Talk.objects.get()
    client.post(f"/integrity/talks/{stale.pk}/edit/", {**data, "summary": "改一次", "version": stale.version})
    refused = client.post(
        f"/integrity/talks/{stale.pk}/edit/", {**data, "summary": "改两次", "version": stale.version}, follow=True
    )
    assert "已被他人修改" in refused.content.decode()
    assert Talk.objects.get().summary == "改一次"


def test_spot_check_pages_add_targets_and_findings(signed_in, city: City) -> None:
    client = signed_in(city.user("discipline_officer"))
    response = client.post(
        "/integrity/checks/new/",
        {
            "name": "中秋国庆监督检查",
            "festival": "zhongqiu",
            "starts_on": (today() - dt.timedelta(days=1)).isoformat(),
            "ends_on": today().isoformat(),
        },
    )
    check = SpotCheck.objects.get()
    assert response.status_code == 302
    client.post(
        f"/integrity/checks/{check.pk}/targets/", {"units": [city.office.pk, city.school_a.pk], "person": "principal"}
    )
    assert SpotTarget.objects.filter(spot_check=check).count() == 3
    target = SpotTarget.objects.get(spot_check=check, target_user__isnull=False)
    client.post(
        f"/integrity/checks/{check.pk}/findings/",
        {
            "target": target.pk,
            "found_on": today().isoformat(),
            "text": "收受月饼礼盒",
            "is_problem": "on",
            "photo": photo(),
        },
    )
    assert SpotFinding.objects.get().photo is not None
    page = client.get(f"/integrity/checks/{check.pk}/").content.decode()
    assert "收受月饼礼盒" in page and "人员" in page


def test_matter_form_with_documents(signed_in, city: City) -> None:
    client = signed_in(city.user("bureau_leader"))
    data = {
        "category": "project",
        "title": "新建学校项目",
        "decided_on": today().isoformat(),
        "meeting": "局长办公会",
        "participants": "7 人",
        "vote": "passed",
        "documents": [SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 x", content_type="application/pdf")],
    }
    client.post("/integrity/matters/new/", data)
    m = MajorMatter.objects.get()
    assert m.documents.count() == 1
    refused = client.post(
        "/integrity/matters/new/",
        {
            **data,
            "title": "另一项",
            "documents": [SimpleUploadedFile("纪要.pdf", b"MZ exe", content_type="application/pdf")],
        },
        follow=True,
    )
    assert "内容不是允许的类型" in refused.content.decode()
    assert MajorMatter.objects.count() == 1
