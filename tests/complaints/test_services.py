"""投诉与建议 services: numbers, routing, reply, acceptance, rating and reopening, escalation, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.complaints import services
from dudao.complaints.models import Complaint, ComplaintStep, Status
from dudao.complaints.workdays import add_working_days
from dudao.core import crypto
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.messaging.models import Message
from tests.calendars.conftest import build_year
from tests.complaints.factories import answered, filed, replied, routed, submission
from tests.factories import City

pytestmark = pytest.mark.django_db


def test_numbers_run_per_year_without_gaps(city: City) -> None:
    first, second = filed(), filed(title="另一件事情的标题")
    year = timezone.localdate().year
    assert (first.number, second.number) == (f"TS{year}-000001", f"TS{year}-000002")
    assert first.unit == city.root and first.status == Status.RECEIVED


def test_five_working_days_skip_the_weekend(city: City) -> None:
    friday = dt.date(2026, 12, 4)
    assert add_working_days(friday, 5, unit=city.root) == dt.date(2026, 12, 11)
    assert add_working_days(dt.date(2026, 12, 5), 5, unit=city.root) == dt.date(2026, 12, 11)  # from a Saturday


def test_working_days_follow_the_published_calendar(city: City) -> None:
    """国庆 (1–7 October) is not worked; the 调休 Saturday 10 October and Sunday 20 September are; the school
    summer and winter breaks are working days for the office."""
    build_year(city)
    assert add_working_days(dt.date(2026, 9, 30), 1, unit=city.root) == dt.date(2026, 10, 8)
    assert add_working_days(dt.date(2026, 9, 30), 3, unit=city.root) == dt.date(2026, 10, 10)  # 8, 9, 10 (调休)
    assert add_working_days(dt.date(2026, 9, 18), 1, unit=city.root) == dt.date(2026, 9, 20)  # Sunday 调休
    assert add_working_days(dt.date(2027, 1, 29), 1, unit=city.root) == dt.date(2027, 2, 1)  # 寒假 Monday
    assert add_working_days(dt.date(2026, 9, 30), 5, unit=city.school_a) == dt.date(2026, 10, 13)


def test_the_same_form_twice_is_one_item(city: City) -> None:
    first = services.submit_public(submission=submission(), request_key="k1")
    again = services.submit_public(submission=submission(), request_key="k1")
    assert first.pk == again.pk and Complaint.objects.count() == 1


def test_a_reused_key_never_hands_out_another_item(city: City) -> None:
    services.submit_public(submission=submission(), request_key="k1")
    with pytest.raises(DomainError) as exc:
        services.submit_public(submission=submission(title="完全不同的事情"), request_key="k1")
    assert exc.value.code == "request_key_reused"


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"content": ""}, "content_required"),
        ({"content": "太短了"}, "content_required"),
        ({"content": "长" * 2001}, "content_required"),
        ({"title": "  "}, "title_required"),
        ({"title": "题" * 101}, "title_required"),
        ({"phone": "12345"}, "phone_invalid"),
        ({"phone": ""}, "phone_required"),
        ({"name": ""}, "name_required"),
        ({"category": "weather"}, "category_invalid"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_stored(city: City, extra: dict[str, str], code: str) -> None:
    with pytest.raises(DomainError) as exc:
        filed(**extra)
    assert exc.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)
    assert not Complaint.objects.exists()


def test_anonymous_items_keep_no_identity(city: City) -> None:
    item = filed(is_anonymous=True)
    assert (item.name, item.phone) == ("", "")


def test_the_identity_never_enters_the_audit_trail(city: City) -> None:
    filed()
    event = AuditEvent.objects.get(action="create", object_type="complaints.complaint")
    assert "王芳" not in str(event.changes) and "13912345678" not in str(event.changes)


def test_routing_sets_the_default_deadline_and_tells_the_school(city: City) -> None:
    item = routed(city)
    assert item.status == Status.ROUTED and item.unit == city.school_a
    assert item.deadline == add_working_days(timezone.localdate(), 5, unit=city.root)
    assert Message.objects.filter(recipient=city.user("principal"), title__contains="请办理群众诉求").exists()
    assert AuditEvent.objects.filter(action="route").exists()


def test_routing_outside_the_routers_scope_is_refused(city: City) -> None:
    from tests.factories import unit

    other = unit(None, "邻市教育局", "bureau")
    school = unit(other, "邻市一中", "school")
    item = filed()
    with pytest.raises(DomainError) as exc:
        services.route(actor=city.user("bureau_staff"), complaint=item, unit=school, version=None)
    assert exc.value.code == "unit_outside_scope"
    assert Complaint.objects.get(pk=item.pk).status == Status.RECEIVED


def test_only_the_office_routes(city: City) -> None:
    item = filed()
    for role in ("bureau_leader", "district_admin", "principal"):
        with pytest.raises(Forbidden):
            services.route(actor=city.user(role), complaint=item, unit=city.school_a, version=None)


def test_a_stale_edit_is_refused(city: City) -> None:
    item = filed()
    services.route(actor=city.user("bureau_staff"), complaint=item, unit=city.school_a, version=item.version)
    with pytest.raises(StaleEditError):
        services.route(actor=city.user("bureau_staff"), complaint=item, unit=city.school_a2, version=item.version)
    assert Complaint.objects.get(pk=item.pk).unit == city.school_a


def test_only_the_responsible_unit_replies(city: City) -> None:
    item = routed(city)
    for role in ("district_admin", "bureau_staff", "class_teacher"):
        with pytest.raises(Forbidden):
            services.reply(actor=city.user(role), complaint=item, text="答复", version=None)


def test_a_reply_twice_is_kept_once_and_waits_for_the_office(city: City) -> None:
    item = replied(city)
    again = services.reply(
        actor=city.user("principal"), complaint=item, text="经核实，已责令该教师停止补课并退还费用。", version=None
    )
    assert again.status == Status.REPLIED
    assert ComplaintStep.objects.filter(complaint=item, kind="replied").count() == 1
    assert item.first_replied_on == timezone.localdate()


def test_send_back_reopens_for_the_unit(city: City) -> None:
    item = replied(city)
    item = services.send_back(actor=city.user("bureau_staff"), complaint=item, reason="答复过于简单", version=None)
    assert item.status == Status.ROUTED
    item = services.reply(actor=city.user("principal"), complaint=item, text="补充：已约谈教师。", version=None)
    assert item.status == Status.REPLIED


def test_a_reply_after_closing_is_refused(city: City) -> None:
    item = answered(city)
    services.rate(complaint=item, rating="satisfied")
    with pytest.raises(DomainError) as exc:
        services.reply(actor=city.user("principal"), complaint=item, text="再补充一句", version=None)
    assert exc.value.code == "not_open" and exc.value.status == 409


def test_satisfied_closes_and_a_second_rating_is_refused(city: City) -> None:
    item = answered(city)
    item = services.rate(complaint=item, rating="satisfied", comment="谢谢")
    assert item.status == Status.CLOSED and item.rating == "satisfied"
    with pytest.raises(DomainError) as exc:
        services.rate(complaint=item, rating="dissatisfied", comment="改主意了")
    assert exc.value.code == "already_rated"
    assert Complaint.objects.get(pk=item.pk).rating == "satisfied"


def test_dissatisfied_reopens_once_then_closes(city: City) -> None:
    item = answered(city)
    item = services.rate(complaint=item, rating="dissatisfied", comment="没有退费")
    assert item.status == Status.ROUTED and item.reopened and item.rating == ""
    item = services.reply(actor=city.user("principal"), complaint=item, text="已全额退费。", version=None)
    item = services.accept(actor=city.user("bureau_staff"), complaint=item, version=None)
    item = services.rate(complaint=item, rating="dissatisfied", comment="还是不满意")
    assert item.status == Status.CLOSED and item.rating == "dissatisfied"


def test_dissatisfied_needs_a_reason(city: City) -> None:
    item = answered(city)
    with pytest.raises(DomainError) as exc:
        services.rate(complaint=item, rating="dissatisfied")
    assert exc.value.code == "comment_required"
    assert Complaint.objects.get(pk=item.pk).status == Status.ANSWERED


def test_rating_before_the_answer_is_refused(city: City) -> None:
    item = replied(city)
    with pytest.raises(DomainError) as exc:
        services.rate(complaint=item, rating="satisfied")
    assert exc.value.code == "not_answered"


def test_overdue_items_escalate_once(city: City) -> None:
    item = routed(city)
    Complaint.objects.filter(pk=item.pk).update(deadline=timezone.localdate() - dt.timedelta(days=2))
    assert services.escalate_overdue() == 1
    assert services.escalate_overdue() == 0
    assert ComplaintStep.objects.filter(complaint=item, kind="escalated").count() == 1
    assert Message.objects.filter(recipient=city.user("principal"), title__contains="逾期未答复").exists()
    assert Message.objects.filter(recipient=city.user("bureau_staff"), title__contains="逾期未答复").exists()


def test_identity_for_the_office_is_logged(city: City) -> None:
    item = filed()
    assert services.reveal_identity(actor=city.user("bureau_staff"), complaint=item) == ("王芳", "13912345678")
    assert AuditEvent.objects.filter(action="view_identity", kind="access").count() == 1


@pytest.mark.parametrize("role", ["bureau_leader", "inspector", "principal", "district_admin"])
def test_identity_for_anyone_else_is_404_and_a_denied_event(city: City, role: str) -> None:
    item = routed(city)
    with pytest.raises(DomainError) as exc:
        services.reveal_identity(actor=city.user(role), complaint=item)
    assert exc.value.status == 404
    assert AuditEvent.objects.filter(action="view_identity_denied", kind="access").count() == 1


def test_hotline_calls_are_taken_by_the_office_only(city: City) -> None:
    item = services.record_call(actor=city.user("bureau_staff"), submission=submission(), channel="hotline")
    assert item.channel == "hotline" and item.received_by == city.user("bureau_staff")
    with pytest.raises(Forbidden):
        services.record_call(actor=city.user("principal"), submission=submission(), channel="hotline")


def test_the_matter_and_the_identity_are_stored_encrypted(city: City) -> None:
    item = services.submit_public(submission=submission(), request_key="enc")
    raw = (
        Complaint.objects.filter(pk=item.pk)
        .annotate(
            raw_content=Cast("content", TextField()),
            raw_name=Cast("name", TextField()),
            raw_phone=Cast("phone", TextField()),
        )
        .values("raw_content", "raw_name", "raw_phone")
        .get()
    )
    fresh = Complaint.objects.get(pk=item.pk)
    for column, value in (("raw_content", fresh.content), ("raw_name", fresh.name), ("raw_phone", fresh.phone)):
        assert value and value not in raw[column], f"{column} is stored in the clear"
        assert raw[column].startswith(f"{crypto.current_key_id()}:")
    assert {Complaint} <= set(crypto.crypto_models())
