"""Appraisal services: defining and announcing schemes, computing, assessors' entries, freezing, objections."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from dudao.appraisal import services
from dudao.appraisal.models import (
    AppraisalScheme,
    Band,
    ItemKind,
    Objection,
    ObjectionStatus,
    Result,
    SchemeItem,
    SchemeStatus,
)
from dudao.appraisal.rules import scheme_problems
from dudao.appraisal.services import ItemIn, SchemeIn
from dudao.audit.models import AuditEvent
from dudao.command import selectors as command_selectors
from dudao.core import adjustments, indicators
from dudao.core.adjustments import Adjustment, AdjustmentSource
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.core.indicators import UnitLike
from tests.appraisal.conftest import Figures, build_scheme, publish, this_year
from tests.factories import City

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def evidence() -> list[tuple[io.BytesIO, str]]:
    return [(io.BytesIO(PDF), "证据.pdf")]


def results(scheme: AppraisalScheme) -> dict[int, Result]:
    return {r.unit_id: r for r in Result.objects.filter(scheme=scheme)}


def item(scheme: AppraisalScheme, kind: str) -> SchemeItem:
    return scheme.items.get(kind=kind)


# ----- defining a scheme ----------------------------------------------------------------------------


def test_scheme_period_ending_before_it_starts_is_refused(city: City) -> None:
    start, end = this_year()
    with pytest.raises(DomainError, match="结束日期不能早于开始日期"):
        services.create_scheme(
            actor=city.user("bureau_staff"),
            unit=city.root,
            data=SchemeIn("方案", "year", end, start, "school"),
        )
    assert not AppraisalScheme.objects.exists()


def test_district_bureau_cannot_appraise_districts(city: City) -> None:
    start, end = this_year()
    with pytest.raises(DomainError, match="只有市教育局可以考评区县教育局"):
        services.create_scheme(
            actor=city.user("district_admin"),
            unit=city.district_a,
            data=SchemeIn("方案", "year", start, end, "district"),
        )


def test_principal_may_not_define_schemes(city: City) -> None:
    start, end = this_year()
    with pytest.raises(Forbidden):
        services.create_scheme(
            actor=city.user("principal"), unit=city.school_a, data=SchemeIn("方案", "year", start, end, "school")
        )


def test_item_on_unknown_indicator_is_refused_in_words(city: City, figures: Figures) -> None:
    scheme = build_scheme(city.user("bureau_staff"), city.root, items=[])
    with pytest.raises(DomainError, match="没有代码为“gone.rate”的监测指标"):
        services.add_item(
            actor=city.user("bureau_staff"),
            scheme=scheme,
            data=ItemIn("x", ItemKind.VETO, indicator_code="gone.rate", comparison="gt", threshold=0),
            version=scheme.version,
        )
    assert not scheme.items.exists()


def test_linear_rule_against_the_indicators_direction_is_refused(city: City, figures: Figures) -> None:
    scheme = build_scheme(city.user("bureau_staff"), city.root, items=[])
    with pytest.raises(DomainError, match="越低越好：零分线应高于满分线"):
        services.add_item(
            actor=city.user("bureau_staff"),
            scheme=scheme,
            data=ItemIn("整改", ItemKind.LIVE, 10, "test.overdue", "linear", 0, 5),
            version=scheme.version,
        )


def test_stale_item_form_answers_409_and_adds_nothing(city: City, figures: Figures) -> None:
    scheme = build_scheme(city.user("bureau_staff"), city.root, items=[])
    with pytest.raises(StaleEditError):
        services.add_item(
            actor=city.user("bureau_staff"),
            scheme=scheme,
            data=ItemIn("报送", ItemKind.LIVE, 100, "test.rate", "linear", 50, 100),
            version=scheme.version - 1 if scheme.version > 1 else 99,
        )
    assert not scheme.items.exists()


def test_weights_not_summing_to_100_refuse_announcing(city: City, figures: Figures) -> None:
    scheme = build_scheme(
        city.user("bureau_staff"), city.root, items=[ItemIn("报送", ItemKind.LIVE, 90, "test.rate", "linear", 50, 100)]
    )
    with pytest.raises(DomainError, match="各项分值合计为 90 分，应为 100 分"):
        services.announce(actor=city.user("bureau_staff"), scheme=scheme, version=scheme.version)
    scheme.refresh_from_db()
    assert scheme.status == SchemeStatus.DRAFT


def test_a_scheme_holding_a_vanished_indicator_shows_the_problem_and_refuses_to_compute(
    city: City, scheme: AppraisalScheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(indicators._indicators, "test.overdue")
    problems = scheme_problems(scheme)
    assert problems == ["“整改”引用的监测指标（test.overdue）已不存在，请修改或删除该项目"]
    with pytest.raises(DomainError, match="已不存在"):
        services.compute(actor=city.user("bureau_staff"), scheme=scheme)
    assert not Result.objects.exists()


# ----- computing ------------------------------------------------------------------------------------


def test_compute_scores_ranks_and_bands_every_school(city: City, scheme: AppraisalScheme) -> None:
    assert services.compute(actor=city.user("bureau_staff"), scheme=scheme) == 3
    found = results(scheme)
    a, a2, b = found[city.school_a.pk], found[city.school_a2.pk], found[city.school_b.pk]
    # 五中: 80 % → 36/60, one overdue item → 10/20, unscored manual 0, no deduction 5.
    assert a.total == Decimal("51.00") and a2.total == Decimal("85.00") and b.total == Decimal("17.00")
    assert (a2.rank, a.rank, b.rank) == (1, 2, 3)
    assert (a2.band, a.band) == (Band.YELLOW, Band.RED)
    live = a.items[str(scheme.items.get(name="报送").pk)]
    assert live["note"] == "测试报送率 80%（1/1），得 36/60 分"
    assert live["hint"] == "提高到 100%可得满分，每提高 1 个百分点约加 1.2 分"
    assert AuditEvent.objects.filter(action="compute_results").count() == 1


def test_live_items_read_the_registry_through_the_command_gate(city: City, scheme: AppraisalScheme) -> None:
    """The figure an item scores is the one the indicator API gives for the same unit and dates."""
    staff = city.user("bureau_staff")
    services.compute(actor=staff, scheme=scheme)
    start, end = services.measured_range(scheme)
    gate = command_selectors.values(
        staff, command_selectors.indicator_for(staff, "test.rate"), [city.school_a], start, end
    )
    entry = results(scheme)[city.school_a.pk].items[str(scheme.items.get(name="报送").pk)]
    assert entry["value"] == gate[city.school_a.pk].value == 80


def test_compute_reads_each_figure_once_for_all_units(city: City, scheme: AppraisalScheme, figures: Figures) -> None:
    services.compute(actor=city.user("bureau_staff"), scheme=scheme)
    assert figures.calls == [3]


def test_nothing_to_measure_scores_full_marks_and_says_so(
    city: City, scheme: AppraisalScheme, figures: Figures
) -> None:
    figures.rate[city.school_b.pk] = None
    services.compute(actor=city.user("bureau_staff"), scheme=scheme)
    entry = results(scheme)[city.school_b.pk].items[str(scheme.items.get(name="报送").pk)]
    assert entry["score"] == 60 and "无可统计对象，按满分计" in entry["note"]


def test_equal_totals_share_a_rank(city: City, scheme: AppraisalScheme, figures: Figures) -> None:
    figures.rate[city.school_a.pk] = 100
    figures.overdue[city.school_a.pk] = 0
    services.compute(actor=city.user("bureau_staff"), scheme=scheme)
    found = results(scheme)
    assert found[city.school_a.pk].rank == found[city.school_a2.pk].rank == 1
    assert found[city.school_b.pk].rank == 3


def test_real_indicator_without_data_scores_full_marks(city: City) -> None:
    staff = city.user("bureau_staff")
    made = build_scheme(
        staff, city.root, items=[ItemIn("按时报送", ItemKind.LIVE, 100, "directives.on_time_rate", "linear", 60, 100)]
    )
    services.compute(actor=staff, scheme=made)
    assert {r.total for r in results(made).values()} == {Decimal("100.00")}


def test_school_type_filter_limits_the_units_appraised(city: City, figures: Figures) -> None:
    start, end = this_year()
    staff = city.user("bureau_staff")
    made = services.create_scheme(
        actor=staff,
        unit=city.root,
        data=SchemeIn("小学考评", "year", start, end, "school", school_types=["primary"]),
    )
    services.add_item(
        actor=staff, scheme=made, data=ItemIn("报送", ItemKind.LIVE, 100, "test.rate", "linear", 50, 100), version=1
    )
    assert services.compute(actor=staff, scheme=made) == 2
    assert set(results(made)) == {city.school_a2.pk, city.school_b.pk}


def test_change_since_last_period(city: City, scheme: AppraisalScheme, figures: Figures) -> None:
    staff = city.user("bureau_staff")
    services.compute(actor=staff, scheme=scheme)
    follow = build_scheme(staff, city.root, name="下一期", previous=scheme)
    figures.rate[city.school_b.pk] = 100
    figures.overdue[city.school_b.pk] = 0
    services.compute(actor=staff, scheme=follow)
    b = results(follow)[city.school_b.pk]
    assert (b.previous_rank, b.rank, b.rank_change) == (3, 1, 2)


# ----- assessors ------------------------------------------------------------------------------------


def test_manual_score_by_a_named_assessor_counts_after_recompute(city: City, scheme: AppraisalScheme) -> None:
    manual = item(scheme, ItemKind.MANUAL)
    manual.assessors.set([city.user("inspector")])
    with pytest.raises(Forbidden, match="不是该项目指定的评分人"):
        services.score_manual(actor=city.user("bureau_staff"), item=manual, unit=city.school_a, score=10, note="")
    services.score_manual(actor=city.user("inspector"), item=manual, unit=city.school_a, score=12, note="门卫到位")
    services.compute(actor=city.user("bureau_staff"), scheme=scheme)
    assert results(scheme)[city.school_a.pk].total == Decimal("63.00")


def test_manual_score_above_the_items_weight_is_refused(city: City, scheme: AppraisalScheme) -> None:
    with pytest.raises(DomainError, match="得分不能大于 15"):
        services.score_manual(
            actor=city.user("inspector"), item=item(scheme, ItemKind.MANUAL), unit=city.school_a, score=16, note=""
        )


def test_deduction_needs_evidence_and_floors_at_zero(city: City, scheme: AppraisalScheme) -> None:
    deduction = item(scheme, ItemKind.DEDUCTION)
    inspector = city.user("inspector")
    with pytest.raises(DomainError, match="扣分须附证据材料"):
        services.add_deduction(actor=inspector, item=deduction, unit=city.school_a, points=2, reason="迟报")
    services.add_deduction(
        actor=inspector, item=deduction, unit=city.school_a, points=4, reason="约谈校长", evidence=evidence()
    )
    services.add_deduction(
        actor=inspector, item=deduction, unit=city.school_a, points=3, reason="通报批评", evidence=evidence()
    )
    services.compute(actor=city.user("bureau_staff"), scheme=scheme)
    entry = results(scheme)[city.school_a.pk].items[str(deduction.pk)]
    assert entry["score"] == 0 and "约谈校长（扣 4 分）" in entry["note"]


def test_deductions_plug_in_through_the_core_registry(
    city: City, scheme: AppraisalScheme, monkeypatch: pytest.MonkeyPatch, figures: Figures
) -> None:
    def records(units: Sequence[UnitLike], start: dt.date, end: dt.date) -> dict[Any, list[Adjustment]]:
        return {city.school_b.pk: [Adjustment(points=-2, reason="问责：诫勉谈话")]}

    monkeypatch.setitem(
        adjustments._sources, "test.accountability", AdjustmentSource("test.accountability", "问责", records)
    )
    staff = city.user("bureau_staff")
    made = build_scheme(
        staff,
        city.root,
        items=[
            ItemIn("报送", ItemKind.LIVE, 95, "test.rate", "linear", 50, 100),
            ItemIn("问责", ItemKind.DEDUCTION, 5, source_code="test.accountability"),
        ],
    )
    services.compute(actor=staff, scheme=made)
    entry = results(made)[city.school_b.pk].items[str(made.items.get(name="问责").pk)]
    assert entry["score"] == 3 and entry["note"] == "问责：诫勉谈话（扣 2 分）"


def test_veto_caps_the_total_and_makes_the_band_red(city: City, scheme: AppraisalScheme) -> None:
    veto = item(scheme, ItemKind.VETO)
    with pytest.raises(DomainError, match="一票否决须附证据材料"):
        services.set_veto(actor=city.user("inspector"), item=veto, unit=city.school_a2, reason="瞒报")
    services.set_veto(
        actor=city.user("inspector"), item=veto, unit=city.school_a2, reason="瞒报水痘疫情", evidence=evidence()
    )
    services.compute(actor=city.user("bureau_staff"), scheme=scheme)
    a2 = results(scheme)[city.school_a2.pk]
    assert a2.vetoed and a2.total == Decimal("59.0") and a2.band == Band.RED
    assert "瞒报水痘疫情" in a2.veto_reason


def test_indicator_veto_triggers_on_its_condition(city: City, figures: Figures) -> None:
    figures.rate.update({city.school_a.pk: 100, city.school_a2.pk: 100, city.school_b.pk: 100})
    figures.overdue[city.school_b.pk] = 4
    staff = city.user("bureau_staff")
    made = build_scheme(
        staff,
        city.root,
        items=[
            ItemIn("报送", ItemKind.LIVE, 100, "test.rate", "linear", 50, 100),
            ItemIn("否决", ItemKind.VETO, indicator_code="test.overdue", comparison="gt", threshold=3),
        ],
    )
    services.compute(actor=staff, scheme=made)
    found = results(made)
    assert found[city.school_b.pk].vetoed and not found[city.school_a.pk].vetoed
    assert "测试逾期问题 4 项，大于 3 项" in found[city.school_b.pk].veto_reason


# ----- freezing, editions, nightly ----------------------------------------------------------------


def test_frozen_scheme_is_not_edited_but_copied_to_a_new_edition(city: City, scheme: AppraisalScheme) -> None:
    staff = city.user("bureau_staff")
    frozen = services.freeze(actor=staff, scheme=scheme, version=scheme.version)
    with pytest.raises(DomainError, match="复制为新版本") as refused:
        services.add_item(actor=staff, scheme=frozen, data=ItemIn("新项目", ItemKind.MANUAL, 5), version=frozen.version)
    assert refused.value.status == 409
    with pytest.raises(DomainError, match="成绩已冻结，不能重新计算"):
        services.compute(actor=staff, scheme=frozen)
    copy = services.copy_scheme(actor=staff, scheme=frozen)
    assert (copy.status, copy.edition, copy.supersedes_id) == (SchemeStatus.DRAFT, 2, frozen.pk)
    assert copy.items.count() == frozen.items.count() == 5


def test_nightly_run_recomputes_announced_schemes_as_their_author(city: City, scheme: AppraisalScheme) -> None:
    outcome = services.recompute_open_schemes()
    assert outcome == {scheme.pk: "3 个单位"}
    assert Result.objects.filter(scheme=scheme).count() == 3
    event = AuditEvent.objects.get(action="compute_results")
    assert event.actor_id is None


# ----- objections -----------------------------------------------------------------------------------


def published(city: City, scheme: AppraisalScheme) -> AppraisalScheme:
    return publish(city, scheme)


def test_objection_accepted_corrects_score_and_total_and_is_audited(city: City, scheme: AppraisalScheme) -> None:
    scheme = published(city, scheme)
    mine = results(scheme)[city.school_a.pk]
    live = scheme.items.get(name="报送")
    objection = services.file_objection(
        actor=city.user("principal"), result=mine, item=live, reason="5 月报表系统故障，已补报", evidence=evidence()
    )
    again = services.file_objection(actor=city.user("principal"), result=mine, item=live, reason="重复提交")
    assert again.pk == objection.pk and Objection.objects.count() == 1
    services.decide_objection(
        actor=city.user("bureau_staff"),
        objection=objection,
        accept=True,
        note="核实属实",
        corrected_score=60,
        version=objection.version,
        result_version=mine.version,
    )
    found = results(scheme)
    assert found[city.school_a.pk].total == Decimal("75.00")
    assert (found[city.school_a.pk].rank, found[city.school_a2.pk].rank) == (2, 1)
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.ACCEPTED and objection.score_before == Decimal("36.00")
    event = AuditEvent.objects.get(action="accept_objection")
    assert event.changes["total"] == ["51.00", "75.00"]


def test_accepted_objection_moves_the_ranks(city: City, scheme: AppraisalScheme) -> None:
    scheme = published(city, scheme)
    mine = results(scheme)[city.school_b.pk]
    objection = services.file_objection(
        actor=city.user("district_admin_b"), result=mine, item=scheme.items.get(name="报送"), reason="数据有误"
    )
    services.decide_objection(
        actor=city.user("bureau_staff"),
        objection=objection,
        accept=True,
        note="",
        corrected_score=60,
        version=objection.version,
        result_version=mine.version,
    )
    found = results(scheme)
    assert found[city.school_b.pk].rank == 2 and found[city.school_a.pk].rank == 3


def test_decision_on_a_recomputed_result_is_stale_and_changes_nothing(city: City, scheme: AppraisalScheme) -> None:
    scheme = published(city, scheme)
    mine = results(scheme)[city.school_a.pk]
    objection = services.file_objection(
        actor=city.user("principal"), result=mine, item=scheme.items.get(name="报送"), reason="有误"
    )
    with pytest.raises(StaleEditError) as refused:
        services.decide_objection(
            actor=city.user("bureau_staff"),
            objection=objection,
            accept=True,
            note="",
            corrected_score=60,
            version=objection.version,
            result_version=mine.version - 1,
        )
    assert refused.value.status == 409
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.PENDING
    assert results(scheme)[city.school_a.pk].total == Decimal("51.00")


def test_rejection_needs_a_reason(city: City, scheme: AppraisalScheme) -> None:
    scheme = published(city, scheme)
    mine = results(scheme)[city.school_a.pk]
    objection = services.file_objection(
        actor=city.user("principal"), result=mine, item=scheme.items.get(name="报送"), reason="有误"
    )
    with pytest.raises(DomainError, match="请填写处理意见"):
        services.decide_objection(
            actor=city.user("bureau_staff"),
            objection=objection,
            accept=False,
            note=" ",
            version=objection.version,
            result_version=mine.version,
        )


def test_objection_after_the_window_is_refused(city: City, scheme: AppraisalScheme) -> None:
    scheme = published(city, scheme)
    AppraisalScheme.objects.filter(pk=scheme.pk).update(objection_until=timezone.localdate() - dt.timedelta(days=1))
    mine = Result.objects.select_related("scheme").get(scheme=scheme, unit=city.school_a)
    with pytest.raises(DomainError, match="申诉期已于.*截止") as refused:
        services.file_objection(
            actor=city.user("principal"), result=mine, item=scheme.items.get(name="报送"), reason="有误"
        )
    assert refused.value.status == 409
    assert not Objection.objects.exists()


def test_objection_before_publication_is_refused(city: City, scheme: AppraisalScheme) -> None:
    services.compute(actor=city.user("bureau_staff"), scheme=scheme)
    mine = Result.objects.select_related("scheme").get(scheme=scheme, unit=city.school_a)
    with pytest.raises(DomainError, match="成绩尚未发布"):
        services.file_objection(
            actor=city.user("principal"), result=mine, item=scheme.items.get(name="报送"), reason="有误"
        )


def test_unit_may_not_object_for_another_unit(city: City, scheme: AppraisalScheme) -> None:
    scheme = published(city, scheme)
    other = Result.objects.select_related("scheme", "unit").get(scheme=scheme, unit=city.school_b)
    with pytest.raises(Forbidden):
        services.file_objection(
            actor=city.user("principal"), result=other, item=scheme.items.get(name="报送"), reason="有误"
        )


def test_the_organiser_decides_objections_and_never_files_them(city: City, figures: Figures) -> None:
    admin = city.user("district_admin")
    made = build_scheme(
        admin, city.district_a, items=[ItemIn("报送", ItemKind.LIVE, 100, "test.rate", "linear", 50, 100)]
    )
    made = services.announce(actor=admin, scheme=made, version=made.version)
    made = publish(city, made)
    mine = Result.objects.select_related("scheme", "unit").get(scheme=made, unit=city.school_a)
    with pytest.raises(Forbidden, match="考评单位不能"):
        services.file_objection(actor=admin, result=mine, item=made.items.get(), reason="有误")
