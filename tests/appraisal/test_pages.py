"""Appraisal pages for every role (allowed / 403 / 404 out of scope), the forms' bad input, the export."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from dudao.appraisal import services
from dudao.appraisal.models import AppraisalScheme, ItemKind, Objection, Result, SchemeStatus
from tests.appraisal.conftest import Figures, build_scheme, publish
from tests.factories import City

pytestmark = pytest.mark.django_db

A, F, N = 200, 403, 404
PAGES = {
    "list": "/appraisal/",
    "scheme": "/appraisal/{published}/",
    "draft": "/appraisal/{draft}/",
    "result_a": "/appraisal/{published}/units/{school_a}/",
    "result_b": "/appraisal/{published}/units/{school_b}/",
    "objections": "/appraisal/objections/",
    "books": "/targets/",
    "export": "/appraisal/{published}/export.xlsx",
    "new": "/appraisal/new/",
}
UNIT_SIDE = [A, A, N, A, N, A, A, A]
NONE = [F] * 9
EXPECTED = {
    #                list scheme draft rA rB obj books export new
    "bureau_leader": [A, A, A, A, A, A, A, A, A],
    "bureau_staff": [A, A, A, A, A, A, A, A, A],
    "inspector": [A, A, A, A, A, A, A, A, F],
    "district_admin": [*UNIT_SIDE, A],
    "principal": [*UNIT_SIDE, F],
    "school_staff": [*UNIT_SIDE, F],
    "class_teacher": NONE,
    "counsellor": NONE,
    "doctor": NONE,
    "sysadmin": NONE,
    "security_officer": NONE,
    "auditor": NONE,
    "nobody": NONE,
}
CASES = [(role, page, EXPECTED[role][i]) for role in EXPECTED for i, page in enumerate(PAGES)]


@pytest.fixture
def schemes(city: City, scheme: AppraisalScheme) -> dict[str, int]:
    published = publish(city, scheme)
    draft = build_scheme(city.user("bureau_staff"), city.root, items=[], name="草稿方案")
    return {"published": published.pk, "draft": draft.pk, "school_a": city.school_a.pk, "school_b": city.school_b.pk}


@pytest.mark.parametrize(("role", "page", "expected"), CASES, ids=[f"{r}-{p}" for r, p, _ in CASES])
def test_page_access(signed_in, city: City, schemes: dict[str, int], role: str, page: str, expected: int) -> None:
    response = signed_in(city.user(role)).get(PAGES[page].format(**schemes))
    assert response.status_code == expected


def test_principal_sees_where_the_school_lost_points_and_what_would_raise_it(
    signed_in, city: City, schemes: dict[str, int]
) -> None:
    page = signed_in(city.user("principal")).get(f"/appraisal/{schemes['published']}/units/{city.school_a.pk}/")
    text = page.content.decode()
    assert "测试报送率 80%（1/1），得 36/60 分" in text
    assert "提分建议：提高到 100%可得满分" in text
    assert "五中的逾期报送" not in text and "甲区第五中学的逾期报送：第 1 期" in text  # the indicator's drill rows
    assert "提出申诉" in text and "第 <strong>2</strong> 名" in text


def test_units_see_their_provisional_score_without_rank_before_publication(
    signed_in, city: City, scheme: AppraisalScheme
) -> None:
    services.compute(actor=city.user("bureau_staff"), scheme=scheme)
    page = signed_in(city.user("principal")).get(f"/appraisal/{scheme.pk}/")
    text = page.content.decode()
    assert "实时测算" in text and "甲区第五中学" in text
    assert "甲区实验小学" not in text and "<th>名次</th>" not in text
    detail = signed_in(city.user("principal")).get(f"/appraisal/{scheme.pk}/units/{city.school_a.pk}/")
    assert "不显示名次" in detail.content.decode() and "提出申诉" not in detail.content.decode()


def test_ranking_is_only_the_units_own_where_the_bureau_does_not_publish_it(
    signed_in, city: City, scheme: AppraisalScheme
) -> None:
    AppraisalScheme.objects.filter(pk=scheme.pk).update(publish_ranking=False)
    scheme.refresh_from_db()
    published = publish(city, scheme)
    text = signed_in(city.user("principal")).get(f"/appraisal/{published.pk}/").content.decode()
    assert "甲区第五中学" in text and "甲区实验小学" not in text


def test_scheme_with_a_vanished_indicator_shows_the_problem_instead_of_crashing(
    signed_in, city: City, scheme: AppraisalScheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dudao.core import indicators

    monkeypatch.delitem(indicators._indicators, "test.rate")
    response = signed_in(city.user("bureau_staff")).get(f"/appraisal/{scheme.pk}/")
    assert response.status_code == 200
    assert "引用的监测指标（test.rate）已不存在" in response.content.decode()
    computed = signed_in(city.user("bureau_staff")).post(f"/appraisal/{scheme.pk}/do/compute/", follow=True)
    assert "方案不能计算" in computed.content.decode()
    assert not Result.objects.exists()


def test_clerk_builds_a_scheme_through_the_forms(signed_in, city: City, figures: Figures) -> None:
    client: Client = signed_in(city.user("bureau_staff"))
    response = client.post(
        "/appraisal/new/",
        {
            "name": "年度考评",
            "period_kind": "year",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "unit_kind": "school",
            "green_from": "90",
            "yellow_from": "75",
            "veto_cap": "59",
            "objection_days": "5",
            "publish_ranking": "on",
        },
    )
    scheme = AppraisalScheme.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/appraisal/{scheme.pk}/"
    item = {
        "name": "报送",
        "kind": "live",
        "weight": "90",
        "indicator_code": "test.rate",
        "rule": "linear",
        "floor": "50",
        "target": "100",
        "version": str(scheme.version),
    }
    page = client.post(f"/appraisal/{scheme.pk}/items/", item, follow=True)
    assert "已添加项目：报送" in page.content.decode()
    scheme.refresh_from_db()
    refused = client.post(
        f"/appraisal/{scheme.pk}/do/announce/", {"version": str(scheme.version)}, follow=True
    ).content.decode()
    assert "各项分值合计为 90 分，应为 100 分" in refused
    scheme.refresh_from_db()
    assert scheme.status == SchemeStatus.DRAFT


def test_stale_item_form_is_refused_with_the_reload_message(signed_in, city: City, figures: Figures) -> None:
    scheme = build_scheme(city.user("bureau_staff"), city.root, items=[])
    page = signed_in(city.user("bureau_staff")).post(
        f"/appraisal/{scheme.pk}/items/",
        {"name": "报送", "kind": "manual", "weight": "10", "version": str(scheme.version + 5)},
        follow=True,
    )
    assert "已被他人修改" in page.content.decode()
    assert not scheme.items.exists()


def test_objection_filed_and_accepted_through_the_pages(signed_in, city: City, schemes: dict[str, int]) -> None:
    pk, school = schemes["published"], city.school_a.pk
    scheme = AppraisalScheme.objects.get(pk=pk)
    live = scheme.items.get(name="报送")
    principal = signed_in(city.user("principal"))
    filed = principal.post(
        f"/appraisal/{pk}/units/{school}/objection/", {"item": live.pk, "reason": "已补报"}, follow=True
    )
    assert "申诉已提交" in filed.content.decode()
    objection = Objection.objects.get()
    result = Result.objects.get(scheme=scheme, unit=city.school_a)
    staff = signed_in(city.user("bureau_staff"))
    decided = staff.post(
        f"/appraisal/objections/{objection.pk}/decide/",
        {
            "decision": "accept",
            "corrected_score": "60",
            "note": "属实",
            "version": objection.version,
            "result_version": result.version,
            "next": f"/appraisal/{pk}/units/{school}/",
        },
        follow=True,
    )
    assert "已采纳申诉" in decided.content.decode()
    assert Result.objects.get(pk=result.pk).total == 75


def test_export_has_the_annual_appraisal_layout(signed_in, city: City, schemes: dict[str, int]) -> None:
    response = signed_in(city.user("bureau_staff")).get(f"/appraisal/{schemes['published']}/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == ("序号", "单位") and rows[1][-5:] == ("总分", "排名", "等次（色牌）", "一票否决", "备注")
    assert rows[1][2] == "报送（60分）"
    assert rows[2][1] == "甲区实验小学" and rows[2][-4] == 1 and rows[2][-3] == "黄牌"


def test_assessor_enters_a_manual_score_with_evidence(signed_in, city: City, scheme: AppraisalScheme) -> None:
    manual = scheme.items.get(kind=ItemKind.MANUAL)
    page = signed_in(city.user("inspector")).post(
        f"/appraisal/{scheme.pk}/units/{city.school_a.pk}/items/{manual.pk}/score/",
        {"score": "12", "note": "门卫到位", "evidence": SimpleUploadedFile("现场照片说明.pdf", b"%PDF-1.4\n%%EOF\n")},
        follow=True,
    )
    assert "评分已保存" in page.content.decode()
    assert manual.manual_scores.get().score == 12


def test_objection_evidence_is_shown_to_the_assessor_and_not_to_other_units(
    signed_in, city: City, schemes: dict[str, int]
) -> None:
    pk = schemes["published"]
    live = AppraisalScheme.objects.get(pk=pk).items.get(name="报送")
    signed_in(city.user("principal")).post(
        f"/appraisal/{pk}/units/{city.school_a.pk}/objection/",
        {"item": live.pk, "reason": "已补报", "evidence": SimpleUploadedFile("补报截图.pdf", b"%PDF-1.4\n%%EOF\n")},
    )
    objection = Objection.objects.get()
    stored = objection.evidence.get()
    url = f"/appraisal/objections/{objection.pk}/files/{stored.pk}/"
    assert signed_in(city.user("bureau_staff")).get(url).status_code == 200
    assert signed_in(city.user("district_admin_b")).get(url).status_code == 404


def test_home_shows_objections_to_decide_and_the_unsigned_book(
    signed_in, city: City, schemes: dict[str, int], figures: Figures
) -> None:
    from django.utils import timezone

    from dudao.appraisal.services import TargetIn

    result = Result.objects.select_related("scheme", "unit").get(scheme_id=schemes["published"], unit=city.school_a)
    services.file_objection(
        actor=city.user("principal"), result=result, item=result.scheme.items.get(name="报送"), reason="有误"
    )
    services.issue_books(
        actor=city.user("district_admin"),
        issuer=city.district_a,
        year=timezone.localdate().year,
        unit_kind="school",
        title="责任书",
        targets=[TargetIn("无安全事故")],
    )
    assert "待处理的考评申诉" in signed_in(city.user("bureau_staff")).get("/?view=todos").content.decode()
    home = signed_in(city.user("principal")).get("/?view=todos").content.decode()
    assert "待签订的目标管理责任书" in home and "年度学校考评：本单位得分" in home


# Writes × roles: who may change the city's school scheme (announced, computed) and decide an objection.
WRITERS = {
    "compute": ({"bureau_leader", "bureau_staff"}, lambda s, c: Result.objects.filter(scheme=s).exists()),
    "freeze": ({"bureau_leader", "bureau_staff"}, lambda s, c: AppraisalScheme.objects.get(pk=s.pk).status == "frozen"),
}


@pytest.mark.parametrize("action", list(WRITERS))
@pytest.mark.parametrize(
    "role", ["bureau_leader", "bureau_staff", "inspector", "district_admin", "principal", "class_teacher", "sysadmin"]
)
def test_scheme_writes_happen_exactly_for_permitted_roles(
    signed_in, city: City, scheme: AppraisalScheme, role: str, action: str
) -> None:
    allowed, effect = WRITERS[action]
    response = signed_in(city.user(role)).post(f"/appraisal/{scheme.pk}/do/{action}/", {"version": str(scheme.version)})
    if role in allowed:
        assert response.status_code == 302 and effect(scheme, city)
    else:
        assert response.status_code in (403, 404) and not effect(scheme, city)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("bureau_staff", True),
        ("inspector", True),
        ("district_admin", False),
        ("principal", False),
        ("bureau_leader", False),
    ],
)
def test_objection_decisions_by_role(signed_in, city: City, schemes: dict[str, int], role: str, allowed: bool) -> None:
    result = Result.objects.select_related("scheme", "unit").get(scheme_id=schemes["published"], unit=city.school_a)
    objection = services.file_objection(
        actor=city.user("principal"), result=result, item=result.scheme.items.get(name="报送"), reason="有误"
    )
    response = signed_in(city.user(role)).post(
        f"/appraisal/objections/{objection.pk}/decide/",
        {"decision": "reject", "note": "不属实", "version": objection.version, "result_version": result.version},
    )
    objection.refresh_from_db()
    assert (objection.status == "rejected") is allowed
    assert response.status_code == (302 if allowed else 403)


def test_ranking_page_queries_do_not_grow_with_units(
    signed_in, city: City, scheme: AppraisalScheme, django_assert_max_num_queries
) -> None:
    services.compute(actor=city.user("bureau_staff"), scheme=scheme)
    client = signed_in(city.user("bureau_staff"))
    client.get(f"/appraisal/{scheme.pk}/")  # warm the session and acting assignment
    with django_assert_max_num_queries(25):
        assert client.get(f"/appraisal/{scheme.pk}/").status_code == 200


def test_scheme_settings_after_freeze_are_refused_and_stay(signed_in, city: City, schemes: dict[str, int]) -> None:
    scheme = AppraisalScheme.objects.get(pk=schemes["published"])
    response = signed_in(city.user("bureau_staff")).post(
        f"/appraisal/{scheme.pk}/edit/",
        {
            "name": "改名",
            "period_kind": "year",
            "period_start": scheme.period_start.isoformat(),
            "period_end": scheme.period_end.isoformat(),
            "unit_kind": "school",
            "green_from": "90",
            "yellow_from": "75",
            "veto_cap": "59",
            "objection_days": "5",
            "version": str(scheme.version),
        },
    )
    assert "复制为新版本" in response.content.decode()
    assert AppraisalScheme.objects.get(pk=scheme.pk).name == "年度学校考评"


def test_removing_an_item_renumbers_the_rest(signed_in, city: City, figures: Figures) -> None:
    made = build_scheme(city.user("bureau_staff"), city.root)
    first = made.items.get(position=1)
    signed_in(city.user("bureau_staff")).post(
        f"/appraisal/{made.pk}/items/{first.pk}/remove/", {"version": str(made.version)}
    )
    assert list(made.items.values_list("position", flat=True)) == [1, 2, 3, 4]


def test_scheme_form_with_reversed_dates_says_so_and_keeps_the_input(signed_in, city: City) -> None:
    page = signed_in(city.user("bureau_staff")).post(
        "/appraisal/new/",
        {
            "name": "年度考评草案",
            "period_kind": "year",
            "period_start": "2026-12-31",
            "period_end": "2026-01-01",
            "unit_kind": "school",
            "green_from": "90",
            "yellow_from": "75",
            "veto_cap": "59",
            "objection_days": "5",
        },
    )
    text = page.content.decode()
    assert "考评期结束日期不能早于开始日期" in text and 'value="年度考评草案"' in text
    assert not AppraisalScheme.objects.exists()


def test_an_edition_published_in_its_place_marks_the_old_one(signed_in, city: City, schemes: dict[str, int]) -> None:
    staff = city.user("bureau_staff")
    old = AppraisalScheme.objects.get(pk=schemes["published"])
    new = services.copy_scheme(actor=staff, scheme=old)
    new = services.announce(actor=staff, scheme=new, version=new.version)
    publish(city, new)
    text = signed_in(staff).get("/appraisal/").content.decode()
    assert text.count("已被新版本替代") == 1 and "年度学校考评（第2版）" in text


def test_published_ranking_links_only_the_units_a_viewer_may_open(
    signed_in, city: City, schemes: dict[str, int]
) -> None:
    pk = schemes["published"]
    text = signed_in(city.user("principal")).get(f"/appraisal/{pk}/").content.decode()
    assert "乙区第一小学" in text and f"/appraisal/{pk}/units/{city.school_b.pk}/" not in text
    assert f"/appraisal/{pk}/units/{city.school_a.pk}/" in text


def test_deduction_evidence_is_shown_to_the_unit_and_not_to_its_peers(
    signed_in, city: City, scheme: AppraisalScheme
) -> None:
    deduction = scheme.items.get(kind=ItemKind.DEDUCTION)
    row = services.add_deduction(
        actor=city.user("inspector"),
        item=deduction,
        unit=city.school_a,
        points=2,
        reason="迟报",
        evidence=[(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "约谈记录.pdf")],
    )
    services.compute(actor=city.user("bureau_staff"), scheme=scheme)
    stored = row.evidence.get()
    page = signed_in(city.user("principal")).get(f"/appraisal/{scheme.pk}/units/{city.school_a.pk}/")
    assert "约谈记录.pdf" in page.content.decode()
    url = f"/appraisal/{scheme.pk}/units/{city.school_a.pk}/files/{stored.pk}/"
    assert signed_in(city.user("principal")).get(url).status_code == 200
    assert signed_in(city.user("district_admin_b")).get(url).status_code == 404
    other = f"/appraisal/{scheme.pk}/units/{city.school_b.pk}/files/{stored.pk}/"
    assert signed_in(city.user("bureau_staff")).get(other).status_code == 404
