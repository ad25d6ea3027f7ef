"""督办单 services: issue (numbering, facts, scope), sign, respond, close, send back, escalation."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.supervision import services
from dudao.supervision.models import OrderFact, OrderStatus, OrderStep, StepKind, SupervisionOrder
from tests.factories import City
from tests.supervision.factories import issue, overdue_item, today

pytestmark = pytest.mark.django_db


def events(obj, action: str) -> int:
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action).count()


def test_director_issues_an_order_with_facts_numbered_per_issuer_and_year(city: City) -> None:
    item = overdue_item(city)
    first = issue(city, facts=[("rectification_item", item.pk)])
    second = issue(city, target=city.district_b)
    assert (first.number, second.number) == (f"督办〔{today().year}〕1号", f"督办〔{today().year}〕2号")
    fact = OrderFact.objects.get(order=first)
    assert fact.unit == city.school_a and "已逾期 5 天" in fact.label
    assert first.status == OrderStatus.ISSUED and events(first, "create") == 1


def test_district_numbers_its_own_orders_from_one(city: City) -> None:
    issue(city)
    own = issue(city, actor_key="district_admin", target=city.school_a)
    assert own.seq == 1 and own.issuer == city.district_a


def test_order_to_a_unit_outside_the_issuers_scope_is_refused_and_nothing_is_saved(city: City) -> None:
    with pytest.raises(DomainError, match="不在甲区教育局的管理范围内"):
        issue(city, actor_key="district_admin", target=city.school_b)
    assert not SupervisionOrder.objects.exists()


def test_order_to_the_issuer_itself_or_a_class_is_refused(city: City) -> None:
    with pytest.raises(DomainError, match="不能向其下达督办单"):
        issue(city, target=city.root)
    with pytest.raises(DomainError, match="只能下达给在办的区县教育局或学校"):
        issue(city, target=city.class_a1)


def test_deadline_in_the_past_is_refused(city: City) -> None:
    with pytest.raises(DomainError, match="不能早于今天"):
        issue(city, deadline=today() - dt.timedelta(days=1))
    assert not SupervisionOrder.objects.exists()


def test_empty_subject_is_refused(city: City) -> None:
    with pytest.raises(DomainError, match="请填写督办事项"):
        issue(city, subject="  ")


def test_fact_of_another_district_is_refused(city: City) -> None:
    item = overdue_item(city, school=city.school_b)
    with pytest.raises(DomainError, match="不属于甲区教育局"):
        issue(city, facts=[("rectification_item", item.pk)])
    assert not SupervisionOrder.objects.exists()


def test_fact_outside_the_issuers_scope_is_refused_like_a_missing_one(city: City) -> None:
    item = overdue_item(city, school=city.school_b)
    with pytest.raises(DomainError, match="不存在或不在您的管理范围内"):
        issue(city, actor_key="district_admin", target=city.school_a, facts=[("rectification_item", item.pk)])
    with pytest.raises(DomainError, match="不存在或不在您的管理范围内"):
        issue(city, facts=[("rectification_item", 999_999)])


def test_school_cannot_issue(city: City) -> None:
    with pytest.raises(Forbidden):
        issue(city, actor_key="principal", target=city.school_a)


def test_same_request_key_twice_gives_one_order(city: City) -> None:
    first = issue(city, request_key="abc")
    again = issue(city, request_key="abc")
    assert first.pk == again.pk and SupervisionOrder.objects.count() == 1


def test_district_signs_responds_and_director_closes(city: City) -> None:
    order = issue(city)
    admin = city.user("district_admin")
    order = services.sign_order(actor=admin, order=order, version=order.version)
    assert order.status == OrderStatus.SIGNED and order.signed_by == admin
    order = services.respond_order(actor=admin, order=order, text="已逐校整改", version=order.version)
    assert order.status == OrderStatus.RESPONDED and order.response == "已逐校整改"
    order = services.close_order(actor=city.user("bureau_leader"), order=order, version=order.version)
    assert order.status == OrderStatus.CLOSED
    assert [s.kind for s in order.steps.all()] == ["issued", "signed", "responded", "closed"]
    assert events(order, "close") == 1


def test_respond_signs_an_unsigned_order_and_keeps_the_attachment(city: City) -> None:
    order = issue(city)
    text_file = io.BytesIO("整改报告".encode())
    order = services.respond_order(
        actor=city.user("district_admin"),
        order=order,
        text="已整改",
        attachments=[(text_file, "报告.txt")],
        version=order.version,
    )
    assert order.signed_at is not None
    step = order.steps.get(kind=StepKind.RESPONDED)
    assert [f.name for f in step.files.all()] == ["报告.txt"]


def test_bad_attachment_rolls_the_answer_back(city: City) -> None:
    order = issue(city)
    with pytest.raises(DomainError, match="不是允许的类型"):
        services.respond_order(
            actor=city.user("district_admin"),
            order=order,
            text="已整改",
            attachments=[(io.BytesIO(b"MZ\x90\x00binary"), "报告.pdf")],
            version=order.version,
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED and not OrderStep.objects.filter(kind=StepKind.RESPONDED).exists()


def test_same_answer_twice_is_kept_once(city: City) -> None:
    order = issue(city)
    admin = city.user("district_admin")
    answered = services.respond_order(actor=admin, order=order, text="已整改", version=order.version)
    again = services.respond_order(actor=admin, order=order, text="已整改", version=order.version)
    assert again.version == answered.version and OrderStep.objects.filter(kind=StepKind.RESPONDED).count() == 1


def test_stale_version_is_refused(city: City) -> None:
    order = issue(city)
    admin = city.user("district_admin")
    services.sign_order(actor=admin, order=order, version=order.version)
    with pytest.raises(StaleEditError):
        services.respond_order(actor=admin, order=order, text="已整改", version=order.version)


def test_only_the_receiving_unit_answers(city: City) -> None:
    order = issue(city)
    for key in ("district_admin_b", "principal", "bureau_leader"):
        with pytest.raises(Forbidden):
            services.respond_order(actor=city.user(key), order=order, text="x", version=None)


def test_only_the_issuer_closes_and_only_after_an_answer(city: City) -> None:
    order = issue(city)
    with pytest.raises(DomainError, match="尚未反馈"):
        services.close_order(actor=city.user("bureau_leader"), order=order, version=order.version)
    order = services.respond_order(actor=city.user("district_admin"), order=order, text="已整改", version=None)
    with pytest.raises(Forbidden):
        services.close_order(actor=city.user("district_admin"), order=order, version=order.version)


def test_send_back_reopens_with_a_new_deadline(city: City) -> None:
    order = issue(city)
    order = services.respond_order(actor=city.user("district_admin"), order=order, text="正在整改", version=None)
    new = today() + dt.timedelta(days=3)
    order = services.return_order(
        actor=city.user("bureau_leader"), order=order, reason="未附佐证材料", new_deadline=new, version=order.version
    )
    assert order.status == OrderStatus.SIGNED and order.deadline == new
    assert order.steps.get(kind=StepKind.RETURNED).text == "未附佐证材料"


def test_send_back_without_reason_is_refused(city: City) -> None:
    order = issue(city)
    order = services.respond_order(actor=city.user("district_admin"), order=order, text="正在整改", version=None)
    with pytest.raises(DomainError, match="请填写退回原因"):
        services.return_order(actor=city.user("bureau_leader"), order=order, reason="", version=order.version)


def test_overdue_orders_escalate_once_after_the_set_days(city: City, settings) -> None:
    settings.DUDAO_SUPERVISION_ESCALATE_DAYS = 3
    late = issue(city)
    answered = issue(city, target=city.district_b)
    SupervisionOrder.objects.update(deadline=today() - dt.timedelta(days=2))
    assert services.escalate_overdue() == 0  # overdue two days: 催办 only
    SupervisionOrder.objects.update(deadline=today() - dt.timedelta(days=3))
    services.respond_order(actor=city.user("district_admin_b"), order=answered, text="已办", version=None)
    assert services.escalate_overdue() == 1
    assert services.escalate_overdue() == 0
    late.refresh_from_db()
    assert late.escalated_at is not None and late.status_label == "逾期"
    assert late.steps.filter(kind=StepKind.ESCALATED).count() == 1 and events(late, "escalate") == 1


def test_escalation_command_reports_the_count(city: City, capsys) -> None:
    from django.core.management import call_command

    issue(city)
    SupervisionOrder.objects.update(deadline=timezone.localdate() - dt.timedelta(days=3))
    call_command("supervision_escalate")
    assert "新上报逾期督办单 1 件" in capsys.readouterr().out
