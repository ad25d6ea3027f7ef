"""测评体系: scoring, versioned editing, Excel import."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected
from dudao.inspections import frameworks
from dudao.inspections.frameworks import IndicatorInput, current_version, import_framework, save_indicator
from dudao.inspections.models import (
    Answer,
    Framework,
    FrameworkVersion,
    Indicator,
    Result,
    ScoringMethod,
    Section,
)
from tests.factories import City
from tests.inspections.factories import build_framework, indicator, plan_round
from tests.xlsx import workbook

pytestmark = pytest.mark.django_db

HEADER = [title for _, title, _ in frameworks.IMPORT_COLUMNS]


def framework_file(rows: list[list[str]], header: list[str] | None = None) -> io.BytesIO:
    return workbook(rows, header=HEADER if header is None else header)


GOOD_ROWS = [
    ["校园环境", "1.1", "校园设施完好", "达标", "", "", "1", "是", "一般", ""],
    ["校园环境", "1.2", "无乱停乱放", "扣分", "10", "2", "2", "否", "一般", "小学、初中"],
    ["宣传氛围", "2.1", "核心价值观醒目", "分值", "5", "", "1", "否", "严重", "全部"],
]


def make(method: str, **fields: object) -> Indicator:
    return Indicator(method=method, **fields)


def answer(result: str, occurrences: int = 0, value: Decimal | None = None) -> Answer:
    return Answer(result=result, occurrences=occurrences, value=value)


# --- scoring -------------------------------------------------------------------------------------


def test_pass_fail_scores_full_or_nothing() -> None:
    item = make(ScoringMethod.PASS_FAIL, max_score=Decimal(1))
    assert frameworks.indicator_score(item, answer(Result.PASS)) == (Decimal(1), Decimal(1))
    assert frameworks.indicator_score(item, answer(Result.FAIL)) == (Decimal(0), Decimal(1))


def test_deduct_takes_points_per_occurrence() -> None:
    item = make(ScoringMethod.DEDUCT, max_score=Decimal(10), deduct_per=Decimal(2))
    assert frameworks.indicator_score(item, answer(Result.FAIL, occurrences=3)) == (Decimal(4), Decimal(10))


def test_deduct_is_floored_at_zero() -> None:
    item = make(ScoringMethod.DEDUCT, max_score=Decimal(10), deduct_per=Decimal(2))
    assert frameworks.indicator_score(item, answer(Result.FAIL, occurrences=9)) == (Decimal(0), Decimal(10))


def test_scale_scores_the_value_given() -> None:
    item = make(ScoringMethod.SCALE, max_score=Decimal(5))
    assert frameworks.indicator_score(item, answer(Result.FAIL, value=Decimal(3))) == (Decimal(3), Decimal(5))


def test_not_applicable_scores_nothing() -> None:
    item = make(ScoringMethod.PASS_FAIL, max_score=Decimal(1))
    assert frameworks.indicator_score(item, answer(Result.NOT_APPLICABLE)) is None


def test_total_is_weighted_and_leaves_not_applicable_out_of_the_maximum() -> None:
    a = Indicator(pk=1, method=ScoringMethod.PASS_FAIL, max_score=Decimal(1), weight=Decimal(3))
    b = Indicator(pk=2, method=ScoringMethod.DEDUCT, max_score=Decimal(10), deduct_per=Decimal(2), weight=Decimal(2))
    c = Indicator(pk=3, method=ScoringMethod.SCALE, max_score=Decimal(5), weight=Decimal(1))
    answers = {1: answer(Result.PASS), 2: answer(Result.FAIL, occurrences=1), 3: answer(Result.NOT_APPLICABLE)}
    score, maximum = frameworks.total_score([a, b, c], answers)
    assert (score, maximum) == (Decimal(3 + 16), Decimal(3 + 20))


def test_failed_means_below_full_marks() -> None:
    item = make(ScoringMethod.DEDUCT, max_score=Decimal(10), deduct_per=Decimal(2))
    assert frameworks.is_failed(item, answer(Result.FAIL, occurrences=1))
    assert not frameworks.is_failed(item, answer(Result.PASS))
    assert not frameworks.is_failed(item, answer(Result.NOT_APPLICABLE))


# --- build and edit ------------------------------------------------------------------------------


def test_bureau_staff_builds_framework_with_sections_and_audit(city: City) -> None:
    framework = build_framework(city)
    version = current_version(framework)
    assert version.number == 1
    assert list(Section.objects.filter(framework_version=version).values_list("title", flat=True)) == [
        "校园环境",
        "宣传氛围",
    ]
    assert Indicator.objects.filter(framework_version=version).count() == 4
    actions = list(
        AuditEvent.objects.filter(object_type="inspections.framework", object_id=str(framework.pk)).values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["create"] + ["indicator_create"] * 4


def test_principal_cannot_build_framework(city: City) -> None:
    with pytest.raises(Forbidden):
        frameworks.create_framework(actor=city.user("principal"), unit=city.school_a, name="自编体系")


def test_duplicate_framework_name_refused(city: City) -> None:
    build_framework(city, indicators=())
    with pytest.raises(DomainError) as exc:
        frameworks.create_framework(actor=city.user("bureau_staff"), unit=city.root, name="文明校园测评")
    assert (exc.value.code, exc.value.status) == ("duplicate_name", 409)


def test_deduct_indicator_needs_points_per_occurrence(city: City) -> None:
    framework = build_framework(city, indicators=())
    with pytest.raises(DomainError) as exc:
        save_indicator(
            actor=city.user("bureau_staff"),
            framework=framework,
            data=IndicatorInput(section="环境", text="乱停放", method=ScoringMethod.DEDUCT, max_score=Decimal(10)),
        )
    assert exc.value.code == "invalid_deduct_per"


def test_editing_unused_version_edits_in_place(city: City) -> None:
    framework = build_framework(city)
    old = indicator(framework, "1.1")
    save_indicator(
        actor=city.user("bureau_staff"),
        framework=framework,
        data=IndicatorInput(section="校园环境", code="1.1", text="校园设施完好无损", evidence_required=True),
        indicator=old,
    )
    assert FrameworkVersion.objects.filter(framework=framework).count() == 1
    old.refresh_from_db()
    assert old.text == "校园设施完好无损"


def test_editing_used_version_creates_next_version(city: City) -> None:
    framework = build_framework(city)
    plan_round(city, framework=framework)
    old = indicator(framework, "1.1")
    edited = save_indicator(
        actor=city.user("bureau_staff"),
        framework=framework,
        data=IndicatorInput(section="校园环境", code="1.1", text="校园设施完好无损"),
        indicator=old,
    )
    assert current_version(framework).number == 2
    assert edited.framework_version == current_version(framework)
    assert Indicator.objects.filter(framework_version=current_version(framework)).count() == 4
    old.refresh_from_db()
    assert old.text == "校园设施完好，无破损"


def test_past_inspection_keeps_its_version_after_edit(city: City) -> None:
    framework = build_framework(city)
    used = plan_round(city, framework=framework)
    first = used.framework_version
    save_indicator(
        actor=city.user("bureau_staff"),
        framework=framework,
        data=IndicatorInput(section="新类别", code="3.1", text="校园周边整洁"),
    )
    used.refresh_from_db()
    assert used.framework_version == first
    assert not Indicator.objects.filter(framework_version=first, code="3.1").exists()
    assert Indicator.objects.filter(framework_version=current_version(framework), code="3.1").exists()


def test_edit_of_used_version_is_audited_with_before_and_after(city: City) -> None:
    framework = build_framework(city)
    plan_round(city, framework=framework)
    save_indicator(
        actor=city.user("bureau_staff"),
        framework=framework,
        data=IndicatorInput(section="校园环境", code="1.1", text="校园设施完好无损"),
        indicator=indicator(framework, "1.1"),
    )
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.action == "indicator_update"
    assert event.changes["text"] == ["校园设施完好，无破损", "校园设施完好无损"]
    assert event.changes["version"] == [None, 2]


def test_deleting_from_used_version_leaves_it_whole(city: City) -> None:
    framework = build_framework(city)
    used = plan_round(city, framework=framework)
    frameworks.delete_indicator(
        actor=city.user("bureau_staff"), framework=framework, indicator=indicator(framework, "2.2")
    )
    assert Indicator.objects.filter(framework_version=used.framework_version).count() == 4
    assert Indicator.objects.filter(framework_version=current_version(framework)).count() == 3


# --- Excel import --------------------------------------------------------------------------------


def test_import_creates_framework_with_sections_and_indicators(city: City) -> None:
    framework = import_framework(
        actor=city.user("bureau_staff"), unit=city.root, name="校园安全隐患排查", upload=framework_file(GOOD_ROWS)
    )
    version = current_version(framework)
    assert version.number == 1
    rows = {i.code: i for i in Indicator.objects.filter(framework_version=version)}
    assert rows["1.1"].evidence_required and rows["1.1"].method == ScoringMethod.PASS_FAIL
    assert (rows["1.2"].method, rows["1.2"].deduct_per, rows["1.2"].weight) == (
        ScoringMethod.DEDUCT,
        Decimal(2),
        Decimal(2),
    )
    assert rows["1.2"].school_types == ["primary", "junior"]
    assert (rows["2.1"].method, rows["2.1"].max_score, rows["2.1"].severity) == (
        ScoringMethod.SCALE,
        Decimal(5),
        "serious",
    )
    assert Section.objects.filter(framework_version=version).count() == 2
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and (event.action, event.object_id) == ("import", str(framework.pk))


def test_import_reports_bad_cells_by_row_and_column(city: City) -> None:
    rows = [
        GOOD_ROWS[0],
        ["校园环境", "1.2", "无乱停乱放", "乱评", "10", "2", "1", "否", "一般", ""],
        ["宣传氛围", "2.1", "", "分值", "五", "", "1", "否", "很严重", "大学"],
    ]
    with pytest.raises(ImportRejected) as exc:
        import_framework(actor=city.user("bureau_staff"), unit=city.root, name="新体系", upload=framework_file(rows))
    found = {(e.row, e.column) for e in exc.value.errors}
    assert (3, "D") in found  # 评分方式
    assert (4, "C") in found  # 指标内容 empty
    assert (4, "E") in found  # 满分 not a number
    assert (4, "I") in found  # 问题等级
    assert (4, "J") in found  # 学校类型


def test_import_with_errors_writes_nothing(city: City) -> None:
    rows = [*GOOD_ROWS, ["校园环境", "1.9", "扣分无分值", "扣分", "10", "", "1", "否", "一般", ""]]
    before = AuditEvent.objects.count()
    with pytest.raises(ImportRejected) as exc:
        import_framework(actor=city.user("bureau_staff"), unit=city.root, name="新体系", upload=framework_file(rows))
    assert [(e.row, e.column) for e in exc.value.errors] == [(5, "F")]
    assert not Framework.objects.exists()
    assert not Indicator.objects.exists()
    assert AuditEvent.objects.count() == before


def test_import_missing_column_reported_in_header_row(city: City) -> None:
    header = [h for h in HEADER if h != "权重"]
    rows = [[c for i, c in enumerate(r) if i != 6] for r in GOOD_ROWS]
    with pytest.raises(ImportRejected) as exc:
        import_framework(
            actor=city.user("bureau_staff"), unit=city.root, name="新体系", upload=framework_file(rows, header)
        )
    assert [(e.row, e.title) for e in exc.value.errors] == [(1, "权重")]
    assert not Framework.objects.exists()


def test_reimport_with_same_name_makes_next_version(city: City) -> None:
    staff = city.user("bureau_staff")
    first = import_framework(actor=staff, unit=city.root, name="安全排查", upload=framework_file(GOOD_ROWS))
    again = import_framework(actor=staff, unit=city.root, name="安全排查", upload=framework_file(GOOD_ROWS[:1]))
    assert again.pk == first.pk
    assert current_version(first).number == 2
    assert Indicator.objects.filter(framework_version=current_version(first)).count() == 1
    assert Indicator.objects.filter(framework_version__framework=first, framework_version__number=1).count() == 3


def test_district_admin_cannot_import_framework(city: City) -> None:
    with pytest.raises(Forbidden):
        import_framework(
            actor=city.user("district_admin"), unit=city.district_a, name="区体系", upload=framework_file(GOOD_ROWS)
        )


def test_template_has_every_column_and_no_sample_row_to_import_by_mistake(city: City) -> None:
    with pytest.raises(ImportRejected) as error:
        import_framework(
            actor=city.user("bureau_staff"), unit=city.root, name="模板", upload=io.BytesIO(frameworks.template_bytes())
        )
    assert [e.message for e in error.value.errors] == ["文件中没有指标"]
    assert not Framework.objects.filter(name="模板").exists()


def test_editing_indicator_of_an_older_version_refused_as_stale(city: City) -> None:
    framework = build_framework(city)
    plan_round(city, framework=framework)
    v1_indicator = indicator(framework, "1.1")
    staff = city.user("bureau_staff")
    save_indicator(actor=staff, framework=framework, data=IndicatorInput(section="新类别", text="校园周边整洁"))
    plan_round(city, framework=framework)  # version 2 is in use too
    with pytest.raises(DomainError) as exc:
        save_indicator(
            actor=staff,
            framework=framework,
            data=IndicatorInput(section="校园环境", code="1.1", text="旧版上的修改"),
            indicator=v1_indicator,
        )
    assert (exc.value.code, exc.value.status) == ("stale_version", 409)
    assert current_version(framework).number == 2


def test_import_accepts_method_labels_shown_in_the_app(city: City) -> None:
    rows = [
        ["环境", "1", "设施完好", "达标/不达标", "", "", "1", "否", "一般", ""],
        ["环境", "2", "无乱停放", "每处扣分", "10", "2", "1", "否", "一般", ""],
        ["氛围", "3", "宣传醒目", "0–N 分", "5", "", "1", "否", "一般", ""],
    ]
    framework = import_framework(
        actor=city.user("bureau_staff"), unit=city.root, name="标签", upload=framework_file(rows)
    )
    methods = list(
        Indicator.objects.filter(framework_version=current_version(framework))
        .order_by("code")
        .values_list("method", flat=True)
    )
    assert methods == [ScoringMethod.PASS_FAIL, ScoringMethod.DEDUCT, ScoringMethod.SCALE]
