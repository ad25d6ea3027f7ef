"""Problems against any unit (district bureau, office, school) from any source; 自查 close-out inside the school
with the district's spot check (抽查复核)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden
from dudao.inspections.models import Finding
from dudao.rectification import problems, rechecks, services
from dudao.rectification.models import (
    ItemPhoto,
    ItemSource,
    ItemStatus,
    PhotoStage,
    RecheckStatus,
    RectificationItem,
    Reminder,
    ReminderKind,
    StepKind,
)
from dudao.rectification.selectors import LedgerFilters, ledger, owner_candidates, recheck_queue
from tests.factories import City, UserFactory, assign
from tests.inspections.factories import upload

pytestmark = pytest.mark.django_db


def later(days: int = 20) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def raised(city: City, unit=None, *, actor=None, source: str = ItemSource.PATROL, **extra) -> RectificationItem:
    fields = {
        "source_ref": "市委第二巡察组反馈意见第 3 条",
        "category": "财务管理",
        "description": "公用经费支出审批手续不全",
        "severity": "serious",
        "due_limit": later(),
        **extra,
    }
    return problems.raise_problem(
        actor=actor or city.user("bureau_staff"), unit=unit or city.district_a, source=source, **fields
    )


def assigned(item: RectificationItem, actor, owner) -> RectificationItem:
    return services.assign(
        actor=actor, item=item, owner=owner, responsibility="完善审批流程", due_date=later(10), version=item.version
    )


def requested(item: RectificationItem, actor, variant: int = 7) -> RectificationItem:
    return services.request_closeout(
        actor=actor, item=item, text="已整改", photos=[upload(variant, "after.jpg")], version=item.version
    )


def self_check_item(city: City) -> RectificationItem:
    """A 自查 problem of 五中, owned by the class teacher, waiting for verification."""
    item = raised(city, city.school_a, actor=city.user("principal"), source=ItemSource.SELF_CHECK, source_ref="")
    item = assigned(item, city.user("principal"), city.user("class_teacher"))
    return requested(item, city.user("class_teacher"))


def counts() -> tuple[int, int, int]:
    return Finding.objects.count(), RectificationItem.objects.count(), AuditEvent.objects.count()


# --- raising a problem ----------------------------------------------------------------------------


def test_bureau_raises_patrol_feedback_against_a_district_bureau(city: City) -> None:
    item = raised(city)
    assert (item.unit, item.source, item.source_ref) == (
        city.district_a,
        ItemSource.PATROL,
        "市委第二巡察组反馈意见第 3 条",
    )
    assert (item.status, item.due_date, item.due_limit) == (ItemStatus.OPEN, later(), later())
    assert item.finding.school == city.district_a and item.finding.severity == "serious"
    event = AuditEvent.objects.get(action="raise", object_id=str(item.pk))
    assert event.changes["after"]["source"] == "patrol"
    assert event.changes["after"]["unit"] == city.district_a.name


def test_raising_twice_by_double_submit_keeps_one_problem(city: City) -> None:
    first = raised(city)
    assert raised(city).pk == first.pk
    assert RectificationItem.objects.count() == 1


def test_photos_of_the_problem_are_kept_as_before_photos(city: City) -> None:
    item = raised(city, photos=[upload(3, "问题.jpg")])
    photo = ItemPhoto.objects.get(item=item)
    assert photo.stage == PhotoStage.BEFORE
    assert photo.step is not None and photo.step.kind == StepKind.CREATED


def test_district_admin_raises_only_inside_own_district(city: City) -> None:
    raised(city, city.school_a, actor=city.user("district_admin"), source=ItemSource.COMPLAINT)
    with pytest.raises(Forbidden):
        raised(city, city.school_b, actor=city.user("district_admin"), source=ItemSource.COMPLAINT)
    with pytest.raises(Forbidden):
        raised(city, city.district_b, actor=city.user("district_admin"))


def test_school_records_only_its_own_self_check_problems(city: City) -> None:
    principal = city.user("principal")
    item = raised(city, city.school_a, actor=principal, source=ItemSource.SELF_CHECK)
    assert item.source == ItemSource.SELF_CHECK
    with pytest.raises(Forbidden, match="您没有为该单位登记问题的权限"):
        raised(city, city.school_a, actor=principal, source=ItemSource.PATROL)
    with pytest.raises(Forbidden):
        raised(city, city.school_a2, actor=principal, source=ItemSource.SELF_CHECK)


def test_bureau_cannot_record_a_schools_self_check(city: City) -> None:
    with pytest.raises(Forbidden, match="自查问题由学校"):
        raised(city, city.school_a, source=ItemSource.SELF_CHECK)


def test_class_teacher_cannot_raise(city: City) -> None:
    with pytest.raises(Forbidden):
        raised(city, city.school_a, actor=city.user("class_teacher"), source=ItemSource.SELF_CHECK)


def test_problem_cannot_be_raised_against_a_class(city: City) -> None:
    with pytest.raises(DomainError, match="责任单位应是学校、区县教育局或科室"):
        raised(city, city.class_a1)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"description": "  "}, "请填写存在的问题"),
        ({"due_limit": timezone.localdate() - dt.timedelta(days=1)}, "整改时限不能早于今天"),
        ({"due_limit": timezone.localdate() + dt.timedelta(days=400)}, "整改时限不能超过一年"),
        ({"severity": "urgent"}, "问题等级应为一般或严重"),
        ({"source_ref": "长" * 101}, "来源说明不能超过 100 字"),
    ],
)
def test_bad_input_refused_and_nothing_written(city: City, extra: dict[str, Any], message: str) -> None:
    before = counts()
    with pytest.raises(DomainError, match=message):
        raised(city, **extra)
    assert counts() == before


def test_unknown_source_refused(city: City) -> None:
    before = counts()
    with pytest.raises(DomainError, match="请选择问题来源"):
        raised(city, source="rumour")
    assert counts() == before


# --- a district bureau's own problem: 四定 by the district, verification from above ------------------------


def test_district_does_four_fixes_and_the_bureau_verifies(city: City) -> None:
    district = city.user("district_admin")
    item = assigned(raised(city), district, district)
    assert item.owner == district
    item = requested(item, district)
    assert item.status == ItemStatus.AWAITING_VERIFICATION
    with pytest.raises(Forbidden):
        services.verify_closeout(actor=district, item=item, version=item.version)
    item = services.verify_closeout(actor=city.user("bureau_staff"), item=item, version=item.version)
    assert item.status == ItemStatus.CLOSED and not item.verified_in_school and item.recheck_status == ""


def test_district_colleague_cannot_verify_its_own_bureaus_problem(city: City) -> None:
    colleague = UserFactory.create(username="district.colleague", unit=city.district_a)
    assign(colleague, "district_admin", city.district_a)
    district = city.user("district_admin")
    item = requested(assigned(raised(city), district, district), district)
    with pytest.raises(Forbidden, match="须由上级单位验收"):
        services.verify_closeout(actor=colleague, item=item, version=item.version)


def test_principal_cannot_do_four_fixes_for_a_district(city: City) -> None:
    item = raised(city)
    with pytest.raises(Forbidden):
        assigned(item, city.user("principal"), city.user("district_admin"))


def test_owner_of_a_district_problem_must_belong_to_the_district(city: City) -> None:
    item = raised(city)
    with pytest.raises(DomainError, match="责任人须是甲区教育局的在岗人员"):
        assigned(item, city.user("district_admin"), city.user("principal"))
    assert set(owner_candidates(city.district_a)) == {city.user("district_admin")}


def test_office_problem_handled_by_the_office_and_verified_by_another(city: City) -> None:
    staffer = UserFactory.create(username="office.staff", unit=city.office)
    assign(staffer, "bureau_staff", city.root)
    item = raised(city, city.office, source=ItemSource.AUDIT, source_ref="市审计局审计报告（2026）第 12 号")
    assert list(owner_candidates(city.office)) == [staffer]
    item = requested(assigned(item, staffer, staffer), staffer)
    with pytest.raises(Forbidden):
        services.verify_closeout(actor=staffer, item=item, version=item.version)
    item = services.verify_closeout(actor=city.user("bureau_staff"), item=item, version=item.version)
    assert item.status == ItemStatus.CLOSED


# --- 自查: close-out inside the school, the district's spot check ----------------------------------------


def test_teacher_owner_cannot_close_own_self_check_item(city: City) -> None:
    item = self_check_item(city)
    with pytest.raises(Forbidden, match="只有校长、学校办公室或上级单位可以验收"):
        services.verify_closeout(actor=city.user("class_teacher"), item=item, version=item.version)


def test_school_office_owner_cannot_close_own_self_check_item(city: City) -> None:
    item = raised(city, city.school_a, actor=city.user("principal"), source=ItemSource.SELF_CHECK)
    item = requested(assigned(item, city.user("principal"), city.user("school_staff")), city.user("school_staff"))
    with pytest.raises(Forbidden, match="不能验收自己负责或自己申请的销号"):
        services.verify_closeout(actor=city.user("school_staff"), item=item, version=item.version)
    item.refresh_from_db()
    assert item.status == ItemStatus.AWAITING_VERIFICATION


def test_principal_who_requested_cannot_verify_it(city: City) -> None:
    item = raised(city, city.school_a, actor=city.user("principal"), source=ItemSource.SELF_CHECK)
    item = requested(assigned(item, city.user("principal"), city.user("class_teacher")), city.user("principal"))
    with pytest.raises(Forbidden, match="不能验收自己"):
        services.verify_closeout(actor=city.user("principal"), item=item, version=item.version)
    item = services.verify_closeout(actor=city.user("school_staff"), item=item, version=item.version)
    assert item.status == ItemStatus.CLOSED and item.verified_in_school


def test_principal_closes_self_check_in_school_not_drawn(city: City, settings) -> None:
    settings.DUDAO_SELF_CHECK_RECHECK_SHARE = 0.0
    item = services.verify_closeout(
        actor=city.user("principal"), item=(item := self_check_item(city)), version=item.version
    )
    assert (item.status, item.verified_in_school, item.recheck_status) == (ItemStatus.CLOSED, True, "")
    assert item.steps.get(kind=StepKind.VERIFIED).text.startswith("校内验收")
    assert not recheck_queue(city.user("district_admin")).exists()


def test_drawn_close_out_waits_in_the_districts_queue(city: City, settings) -> None:
    settings.DUDAO_SELF_CHECK_RECHECK_SHARE = 1.0
    item = self_check_item(city)
    item = services.verify_closeout(actor=city.user("principal"), item=item, version=item.version)
    assert item.recheck_status == RecheckStatus.PENDING
    assert list(recheck_queue(city.user("district_admin"))) == [item]
    assert not recheck_queue(city.user("district_admin_b")).exists()
    assert not recheck_queue(city.user("principal")).exists()
    assert "待区县复核" in item.steps.get(kind=StepKind.VERIFIED).text


def test_principal_cannot_close_an_inspection_item_in_school(city: City) -> None:
    item = raised(city, city.school_a, source=ItemSource.INSPECTION)
    item = requested(assigned(item, city.user("principal"), city.user("class_teacher")), city.user("class_teacher"))
    with pytest.raises(Forbidden, match="只有督查组、教育局或区县可以验收销号"):
        services.verify_closeout(actor=city.user("principal"), item=item, version=item.version)


def test_district_closing_a_self_check_item_is_not_in_school(city: City, settings) -> None:
    settings.DUDAO_SELF_CHECK_RECHECK_SHARE = 1.0
    item = self_check_item(city)
    item = services.verify_closeout(actor=city.user("district_admin"), item=item, version=item.version)
    assert (item.verified_in_school, item.recheck_status) == (False, "")


def drawn_item(city: City, settings) -> RectificationItem:
    settings.DUDAO_SELF_CHECK_RECHECK_SHARE = 1.0
    item = self_check_item(city)
    return services.verify_closeout(actor=city.user("principal"), item=item, version=item.version)


def test_district_confirms_a_drawn_close_out(city: City, settings) -> None:
    item = drawn_item(city, settings)
    item = rechecks.confirm_recheck(actor=city.user("district_admin"), item=item, version=item.version)
    assert (item.status, item.recheck_status, item.recheck_by) == (
        ItemStatus.CLOSED,
        RecheckStatus.CONFIRMED,
        city.user("district_admin"),
    )
    assert AuditEvent.objects.filter(action="recheck_confirm", object_id=str(item.pk)).exists()
    assert item.steps.filter(kind=StepKind.RECHECK_CONFIRMED).exists()


def test_district_reopens_a_drawn_close_out_and_the_owner_is_reminded(city: City, settings) -> None:
    item = drawn_item(city, settings)
    item = rechecks.reopen_after_recheck(
        actor=city.user("district_admin"), item=item, reason="现场查看，宣传栏仍破损", version=item.version
    )
    assert (item.status, item.recheck_status, item.closed_at) == (ItemStatus.IN_PROGRESS, RecheckStatus.REOPENED, None)
    assert item.progress <= 90 and item.recheck_note == "现场查看，宣传栏仍破损"
    reminder = Reminder.objects.get(item=item, kind=ReminderKind.REOPENED)
    assert reminder.recipient == city.user("class_teacher") and reminder.read_at is None
    event = AuditEvent.objects.get(action="recheck_reopen", object_id=str(item.pk))
    assert event.changes["status"] == [ItemStatus.CLOSED, ItemStatus.IN_PROGRESS]
    assert event.changes["recheck_status"] == [RecheckStatus.PENDING, RecheckStatus.REOPENED]


def test_an_item_sent_back_is_always_checked_again(city: City, settings) -> None:
    item = drawn_item(city, settings)
    item = rechecks.reopen_after_recheck(
        actor=city.user("district_admin"), item=item, reason="未整改到位", version=item.version
    )
    settings.DUDAO_SELF_CHECK_RECHECK_SHARE = 0.0
    item = requested(item, city.user("class_teacher"), variant=8)
    item = services.verify_closeout(actor=city.user("principal"), item=item, version=item.version)
    assert item.recheck_status == RecheckStatus.PENDING


def test_reopen_needs_a_reason_and_changes_nothing(city: City, settings) -> None:
    item = drawn_item(city, settings)
    with pytest.raises(DomainError, match="请写明复核退回的原因"):
        rechecks.reopen_after_recheck(actor=city.user("district_admin"), item=item, reason=" ", version=item.version)
    item.refresh_from_db()
    assert (item.status, item.recheck_status) == (ItemStatus.CLOSED, RecheckStatus.PENDING)


def test_school_cannot_decide_its_own_recheck(city: City, settings) -> None:
    item = drawn_item(city, settings)
    for key in ("principal", "school_staff", "district_admin_b"):
        with pytest.raises(Forbidden):
            rechecks.confirm_recheck(actor=city.user(key), item=item, version=item.version)


def test_recheck_decided_twice_answers_409(city: City, settings) -> None:
    item = drawn_item(city, settings)
    version = item.version
    rechecks.confirm_recheck(actor=city.user("district_admin"), item=item, version=version)
    item.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        rechecks.confirm_recheck(actor=city.user("district_admin"), item=item, version=item.version)
    assert exc.value.status == 409


def test_stale_recheck_refused(city: City, settings) -> None:
    from dudao.core.errors import StaleEditError

    item = drawn_item(city, settings)
    with pytest.raises(StaleEditError):
        rechecks.confirm_recheck(actor=city.user("district_admin"), item=item, version=item.version - 1)


def test_draw_is_fixed_per_item_and_near_the_share(city: City, settings) -> None:
    settings.DUDAO_SELF_CHECK_RECHECK_SHARE = 0.10
    items = [RectificationItem(pk=pk, recheck_status="") for pk in range(1, 1201)]
    first = [services.is_drawn_for_recheck(i) for i in items]
    assert first == [services.is_drawn_for_recheck(i) for i in items]
    assert 0.07 < sum(first) / len(first) < 0.13


# --- readers ---------------------------------------------------------------------------------------


def test_ledger_filters_by_source_and_recheck(city: City, settings) -> None:
    patrol = raised(city)
    drawn = drawn_item(city, settings)
    staff = city.user("bureau_staff")
    assert list(ledger(staff, LedgerFilters(source=ItemSource.PATROL))) == [patrol]
    assert list(ledger(staff, LedgerFilters(recheck="drawn"))) == [drawn]
    assert list(ledger(staff, LedgerFilters(recheck=RecheckStatus.CONFIRMED))) == []


def test_district_items_are_read_by_the_district_not_by_its_schools(city: City) -> None:
    item = raised(city)
    assert ledger(city.user("district_admin"), LedgerFilters()).filter(pk=item.pk).exists()
    assert not ledger(city.user("principal"), LedgerFilters()).filter(pk=item.pk).exists()
    assert not ledger(city.user("district_admin_b"), LedgerFilters()).filter(pk=item.pk).exists()


def test_indicators_count_a_districts_own_problems_once(city: City) -> None:
    from dudao.rectification.indicators import close_rate, overdue_items

    district_item = raised(city)
    school_item = raised(city, city.school_a, source=ItemSource.COMPLAINT)
    RectificationItem.objects.filter(pk__in=[district_item.pk, school_item.pk]).update(
        due_date=timezone.localdate() - dt.timedelta(days=2)
    )
    staff = city.user("bureau_staff")
    today = timezone.localdate()
    units = [city.root, city.district_a, city.district_b, city.school_a, city.school_a2]
    overdue = overdue_items(units, today, today, user=staff)
    assert overdue[city.root.pk].value == 2
    assert overdue[city.district_a.pk].value == 2
    assert overdue[city.school_a.pk].value == 1
    assert city.school_a2.pk not in overdue or not overdue[city.school_a2.pk].value
    rates = close_rate([city.district_a, city.school_a], today, today, user=staff)
    assert rates[city.district_a.pk].denominator == 2 and rates[city.school_a.pk].denominator == 1


def test_findings_of_a_schools_own_self_check_round_are_self_check_items(city: City) -> None:
    from dudao.inspections.models import InspectionKind
    from tests.inspections.factories import plan_round, submit_checklist, target_of

    principal = city.user("principal")
    own = plan_round(
        city,
        kind=InspectionKind.SELF,
        schools=[city.school_a],
        actor=city.user("district_admin"),
        unit=city.district_a,
    )
    findings = submit_checklist(city, target_of(own, city.school_a), fail=("1.1",), actor=principal)
    field = plan_round(city, schools=[city.school_a])
    found = submit_checklist(city, target_of(field, city.school_a), fail=("1.2",))
    sources = dict(RectificationItem.objects.values_list("finding_id", "source"))
    assert sources[findings[0].pk] == ItemSource.SELF_CHECK
    assert sources[found[0].pk] == ItemSource.INSPECTION
