"""Editing used frameworks, revisit rules, teams, ledger items and exports, stale bulletin edits: each test failed
before its fix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from dudao.core.errors import DomainError
from dudao.inspections import services
from dudao.inspections.models import Indicator, InspectionKind, InspectionStatus, Result
from dudao.rectification import selectors
from dudao.rectification.models import RectificationItem
from tests.factories import City, UserFactory, assign
from tests.inspections.factories import (
    build_framework,
    indicator,
    ledger_item,
    plan_round,
    submit_checklist,
    submitted_round,
    target_of,
)

pytestmark = pytest.mark.django_db


def test_a_used_framework_can_be_edited_twice_from_its_page(signed_in, city: City) -> None:
    framework = build_framework(city)
    plan_round(city, framework=framework)  # edition 1 is now frozen
    client = signed_in(city.user("bureau_staff"))
    for text in ("第一次修改", "第二次修改"):
        page = client.get(f"/frameworks/{framework.pk}/")
        current = page.context["version"]
        assert page.context["can_change"]
        target = Indicator.objects.get(framework_version=current, code="1.1")
        data = {
            "section": "校园环境",
            "code": "1.1",
            "text": text,
            "method": "pass_fail",
            "max_score": "1",
            "deduct_per": "0",
            "weight": "1",
            "severity": "general",
        }
        response = client.post(f"/frameworks/{framework.pk}/indicators/{target.pk}/", data, follow=True)
        assert "已保存指标" in response.content.decode()
    assert Indicator.objects.filter(framework_version__framework=framework, text="第二次修改").exists()
    assert client.get(f"/frameworks/{framework.pk}/").context["version"].number == 2


def test_scale_indicator_marked_pass_with_partial_score_is_not_a_problem(city: City) -> None:
    target = target_of(plan_round(city, schools=[city.school_a]), city.school_a)
    actor = city.user("inspector")
    for item in services.checklist(target)[0]:
        value = 4 if item.code == "2.1" else None  # 2.1 is scored 0–5
        services.save_answer(actor=actor, target=target, indicator_id=item.pk, result=Result.PASS, value=value)
    findings = services.submit_target(actor=actor, target=target)
    target.refresh_from_db()
    assert findings == []
    assert target.score is not None and target.max_score is not None
    assert target.score < target.max_score  # the partial score still counts


def test_revisit_of_an_unpublished_unannounced_round_is_refused(city: City) -> None:
    hidden = submitted_round(city, kind=InspectionKind.UNANNOUNCED, schools=[city.school_a])
    assert hidden.status == InspectionStatus.FINISHED
    with pytest.raises(DomainError) as error:
        plan_round(city, kind=InspectionKind.REVISIT, previous=hidden, schools=())
    assert error.value.code == "previous_not_published"


def test_revisit_of_a_round_still_under_way_is_refused(city: City) -> None:
    planned = plan_round(city, schools=[city.school_a])
    with pytest.raises(DomainError) as error:
        plan_round(city, kind=InspectionKind.REVISIT, previous=planned, schools=())
    assert error.value.code == "previous_not_finished"


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/ledger/today/?day=9999-12-31", None),
        ("get", "/ledger/today/?day=0001-01-01", None),
        ("get", "/ledger/?owner=99999999999999999999999", None),
    ],
)
def test_odd_parameters_never_500(signed_in, city: City, method: str, url: str, data) -> None:
    response = getattr(signed_in(city.user("principal")), method)(url, data)
    assert response.status_code == 200


def test_garbled_recipient_or_team_school_ids_answer_404_or_a_message(signed_in, city: City) -> None:
    inspection = plan_round(city, schools=[city.school_a])
    client: Client = signed_in(city.user("inspector"))
    response = client.post(
        f"/inspections/{inspection.pk}/teams/", {"name": "一组", "members": "inspector", "targets": "abc"}
    )
    assert response.status_code == 302
    finished = submitted_round(city, schools=[city.school_a])
    from dudao.dashboard import services as bulletins

    bulletin = bulletins.generate_bulletin(actor=city.user("inspector"), inspection=finished)
    bulletins.publish_bulletin(actor=city.user("inspector"), bulletin=bulletin, version=None)
    response = signed_in(city.user("principal")).post(f"/bulletins/{bulletin.pk}/confirm/", {"recipient": "abc"})
    assert response.status_code == 404


def test_owner_list_offers_only_people_who_can_own_an_item(signed_in, city: City) -> None:
    no_role = UserFactory.create(unit=city.school_a, full_name="无角色教师")
    item = ledger_item(city, owner=None)
    staff = signed_in(city.user("principal")).get(f"/ledger/{item.pk}/").context["staff"]
    assert city.user("class_teacher") in staff
    assert no_role not in staff


def test_two_teams_share_the_schools_of_one_district(city: City) -> None:
    extra = [city.school_a2]
    inspection = plan_round(city, schools=[city.school_a, *extra])
    one, two = UserFactory.create(), UserFactory.create()
    assign(one, "inspector", city.root)
    assign(two, "inspector", city.root)
    for name, member in (("一组", one), ("二组", two)):
        services.create_team(
            actor=city.user("inspector"), inspection=inspection, name=name, members=[member], targets=[]
        )
    services.split_among_teams(actor=city.user("inspector"), inspection=inspection)
    counts = sorted(t.targets.count() for t in inspection.teams.all())
    assert counts == [1, 1]


def test_team_member_who_cannot_fill_the_schools_is_refused(city: City) -> None:
    inspection = plan_round(city, schools=[city.school_a])
    other_district = UserFactory.create()
    assign(other_district, "district_admin", city.district_b)
    with pytest.raises(DomainError) as error:
        services.create_team(
            actor=city.user("inspector"),
            inspection=inspection,
            name="一组",
            members=[other_district],
            targets=list(inspection.targets.all()),
        )
    assert error.value.code == "member_cannot_fill"


def test_day_summary_of_yesterday_counts_an_item_closed_today_as_still_open(city: City) -> None:
    target = target_of(plan_round(city, schools=[city.school_a]), city.school_a)
    findings = submit_checklist(city, target, fail=("1.1",))
    item = RectificationItem.objects.get(finding=findings[0])
    now = timezone.now()
    RectificationItem.objects.filter(pk=item.pk).update(
        created_at=now - dt.timedelta(days=3), status="closed", closed_at=now
    )
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    rows = selectors.day_summary(city.user("principal"), yesterday)
    assert [(r.school, r.still_open) for r in rows] == [(city.school_a, 1)]
    assert indicator(target, "1.1")  # the finding came from 1.1


def test_every_new_ledger_item_leaves_an_audit_event(city: City) -> None:
    from dudao.audit.models import AuditEvent

    target = target_of(plan_round(city, schools=[city.school_a]), city.school_a)
    findings = submit_checklist(city, target, fail=("1.1", "1.2"))
    items = RectificationItem.objects.filter(finding__in=findings)
    events = AuditEvent.objects.filter(object_type="rectification.rectificationitem", action="create")
    assert sorted(int(e.object_id) for e in events) == sorted(i.pk for i in items)
    assert all(e.actor_id == city.user("inspector").pk for e in events)


def test_ledger_export_reads_like_a_printed_ledger(signed_in, city: City) -> None:
    import io

    from openpyxl import load_workbook

    item = ledger_item(city)
    response = signed_in(city.user("principal")).get("/ledger/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["A1"].value.startswith("甲区第五中学问题整改台账（截至")
    assert [c.value for c in sheet[2]][:5] == ["序号", "区县", "责任单位", "问题类别", "存在问题"]
    assert sheet["B3"].value == "甲区教育局" and sheet["E3"].value == item.description
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:P3"
    assert sheet.page_setup.orientation == "landscape"


def test_stale_bulletin_edit_keeps_the_clerks_text(signed_in, city: City) -> None:
    from dudao.dashboard import services as bulletins

    bulletin = bulletins.generate_bulletin(actor=city.user("inspector"), inspection=submitted_round(city))
    bulletins.update_bulletin(actor=city.user("inspector"), bulletin=bulletin, title="他人", body="他人改过", version=1)
    response = signed_in(city.user("bureau_staff")).post(
        f"/bulletins/{bulletin.pk}/edit/", {"title": "我的标题", "body": "我写了很久的正文", "version": "1"}
    )
    assert response.status_code == 409
    assert "我写了很久的正文" in response.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.body == "他人改过"
