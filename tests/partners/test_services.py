"""Services: sending, the partner's 签收 and report through the link, revoke/resend/close, campaigns."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.messaging.models import Message
from dudao.partners import links, selectors, services
from dudao.partners.models import CampaignStatus, PartnerTask, TaskPhoto, TaskStatus
from tests.partners.conftest import photo, send, today

pytestmark = pytest.mark.django_db


def test_send_task_makes_a_live_signed_link_and_is_audited(city, partner, task):
    assert task.status == TaskStatus.SENT and task.owner == city.district_a
    token = links.token_for(task.pk, task.link_key)
    assert links.parse(token) == (task.pk, task.link_key)
    assert selectors.public_task(task.pk, task.link_key) == task
    assert AuditEvent.objects.filter(action="send", object_id=str(task.pk)).exists()


def test_forged_or_altered_link_is_refused_without_a_query(task, django_assert_num_queries):
    token = links.token_for(task.pk, task.link_key)
    with django_assert_num_queries(0):
        assert links.parse(token[:-1] + ("0" if token[-1] != "0" else "1")) is None
        assert links.parse(f"{task.pk + 1}-{task.link_key}-{token.rsplit('-', 1)[1]}") is None
        assert links.parse("") is None


def test_double_submit_returns_the_first_task(city, partner, task):
    again, created = services.send_task(
        actor=city.user("district_admin"),
        partner=partner,
        data=services.TaskIn(title=task.title, description=task.description, due_on=task.due_on, school=city.school_a),
    )
    assert not created and again.pk == task.pk
    assert PartnerTask.objects.count() == 1


@pytest.mark.parametrize("role", ["principal", "bureau_leader", "class_teacher", "district_admin_b"])
def test_only_the_keeping_office_sends(city, partner, role):
    with pytest.raises(Forbidden):
        send(city, partner, actor=city.user(role))


def test_bad_input_is_refused_with_chinese_reasons(city, partner):
    with pytest.raises(DomainError, match="办理时限不能早于今天"):
        send(city, partner, due_on=today() - dt.timedelta(days=1))
    with pytest.raises(DomainError, match="请填写事项"):
        send(city, partner, title="  ")
    with pytest.raises(DomainError, match="不在您的管理范围内"):
        send(city, partner, school=city.school_b)
    with pytest.raises(DomainError, match="隐患不存在"):
        send(city, partner, hazard_id=999999)
    assert not PartnerTask.objects.exists()


def test_acknowledge_records_time_once_and_notifies_the_sender(city, task):
    first, created = services.acknowledge(task=task, name="王建军")
    assert created and first.status == TaskStatus.ACKNOWLEDGED and first.acknowledged_at
    again, created = services.acknowledge(task=task, name="李四")
    assert not created and again.acknowledged_by == "王建军" and again.acknowledged_at == first.acknowledged_at
    messages = Message.objects.filter(recipient=city.user("district_admin"))
    assert [m.title for m in messages] == ["甲区城管执法局已签收"]


def test_reporting_twice_updates_the_report_and_replaces_photos(city, task):
    services.report(task=task, name="王建军", text="已清理摊点", photos=[photo(), photo("2.png")])
    assert TaskPhoto.objects.filter(task=task).count() == 2
    updated = services.report(task=task, name="王建军", text="已清理摊点并设立劝导岗", photos=[photo("3.png")])
    assert PartnerTask.objects.count() == 1
    assert updated.report == "已清理摊点并设立劝导岗" and updated.report_count == 2
    assert updated.status == TaskStatus.REPORTED and updated.acknowledged_at is not None
    assert TaskPhoto.objects.filter(task=task).count() == 1
    kept = services.report(task=task, name="王建军", text="补充说明")
    assert kept.report_count == 3 and TaskPhoto.objects.filter(task=task).count() == 1
    assert Message.objects.filter(recipient=city.user("district_admin")).count() == 3


def test_a_report_photo_is_checked_by_content(task):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("现场.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg")
    with pytest.raises(DomainError, match="内容不是允许的类型"):
        services.report(task=task, name="王建军", text="已处理", photos=[fake])
    task.refresh_from_db()
    assert task.status == TaskStatus.SENT and task.report == ""


def test_revoked_link_is_dead_and_resend_gives_a_new_one(city, task):
    admin = city.user("district_admin")
    revoked = services.revoke_link(actor=admin, task=task, version=task.version)
    assert selectors.public_task(task.pk, task.link_key) is None
    resent = services.resend_link(actor=admin, task=revoked, version=revoked.version)
    assert resent.link_key != task.link_key and resent.resent_count == 1
    assert selectors.public_task(task.pk, task.link_key) is None  # the old link stays dead
    assert selectors.public_task(task.pk, resent.link_key) == resent


def test_stale_version_is_refused(city, task):
    admin = city.user("district_admin")
    services.revoke_link(actor=admin, task=task, version=task.version)
    with pytest.raises(StaleEditError):
        services.resend_link(actor=admin, task=task, version=task.version)


def test_close_needs_a_report_then_ends_reporting(city, task):
    admin = city.user("district_admin")
    with pytest.raises(DomainError, match="尚未反馈"):
        services.close_task(actor=admin, task=task, version=None)
    reported = services.report(task=task, name="王建军", text="已处理")
    closed = services.close_task(actor=admin, task=reported, version=reported.version, note="复查到位")
    assert closed.status == TaskStatus.CLOSED and closed.closed_by == admin
    with pytest.raises(DomainError, match="已办结"):
        services.report(task=closed, name="王建军", text="再改")


def test_return_sends_the_task_back_for_another_report(city, task):
    admin = city.user("district_admin")
    reported = services.report(task=task, name="王建军", text="已处理")
    returned = services.return_task(actor=admin, task=reported, version=reported.version, note="请补充照片")
    assert returned.status == TaskStatus.ACKNOWLEDGED and returned.review_note == "请补充照片"


def test_stats_by_partner_count_each_state_and_overdue(city, partner):
    late = send(city, partner, title="护学岗缺岗", due_on=today())
    PartnerTask.objects.filter(pk=late.pk).update(due_on=today() - dt.timedelta(days=2))
    done = send(city, partner, title="店招松动")
    services.report(task=done, name="王", text="已加固")
    acked = send(city, partner, title="违停")
    services.acknowledge(task=acked, name="王")
    stats = selectors.stats_by_partner(PartnerTask.objects.all(), today())[partner.pk]
    assert (stats.sent, stats.acknowledged, stats.reported, stats.closed, stats.overdue) == (3, 2, 1, 0, 1)


def test_campaign_tasks_must_fit_the_campaign_and_close_at_the_end(city, partner, partner_b, campaign):
    admin = city.user("district_admin")
    other = services.create_partner(
        actor=admin, owner=city.district_a, data=services.PartnerIn(name="甲区交警大队", kind="traffic")
    )
    with pytest.raises(DomainError, match="不是该联合行动的参与部门"):
        send(city, other, campaign=campaign)
    with pytest.raises(DomainError, match="不是该联合行动的目标学校"):
        send(city, partner, campaign=campaign, school=city.school_a2)
    task = send(city, partner, campaign=campaign)
    with pytest.raises(DomainError, match="还有 1 个问题未办结"):
        services.close_campaign(actor=admin, campaign=campaign, version=campaign.version)
    reported = services.report(task=task, name="王", text="已处理")
    services.close_task(actor=admin, task=reported, version=reported.version)
    closed = services.close_campaign(actor=admin, campaign=campaign, version=campaign.version)
    assert closed.status == CampaignStatus.CLOSED


def test_campaign_refuses_partners_and_schools_out_of_scope(city, partner_b):
    with pytest.raises(DomainError):
        services.create_campaign(
            actor=city.user("district_admin"),
            owner=city.district_a,
            data=services.CampaignIn(
                title="x", starts_on=today(), ends_on=today(), partners=[partner_b], schools=[city.school_a]
            ),
        )


def test_contact_phone_is_checked(city, partner):
    with pytest.raises(DomainError, match="电话号码格式不正确"):
        services.add_contact(actor=city.user("district_admin"), partner=partner, name="张三", post="", phone="abc")


def test_a_ledger_hazard_is_sent_with_its_school(city, partner):
    from tests.rectification.test_any_unit import raised

    hazard = raised(city, city.school_a, category="校园周边", description="校门口护栏缺失")
    task = send(city, partner, school=None, hazard_id=hazard.pk)
    assert task.hazard_id == hazard.pk and task.school == city.school_a
    assert selectors.hazard_for(city.user("district_admin"), hazard.pk) == hazard
    assert selectors.hazard_for(city.user("district_admin_b"), hazard.pk) is None
