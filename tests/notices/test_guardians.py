"""Getting parent links out: one row per guardian with masked phone and copyable message, the printable slips,
the message text; and the sweep that re-queues sends lost with their worker."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent, EventKind
from dudao.notices import services, tasks, tokens
from dudao.notices.models import GuardianLink, Notice, NoticeStatus, OutboxMessage, Receipt, ReminderRun
from dudao.orgs.models import Guardian
from tests.notices.conftest import first_link

pytestmark = pytest.mark.django_db


def class_url(notice: Notice, klass) -> str:
    return f"/notices/{notice.pk}/classes/{klass.pk}/"


def test_one_row_per_guardian_with_masked_phone_and_copy_buttons(city, make_notice, signed_in):
    notice = make_notice()
    links = list(GuardianLink.objects.filter(receipt__notice=notice, receipt__klass=city.class_a1))
    page = signed_in(city.user("class_teacher")).get(class_url(notice, city.class_a1)).content.decode()
    assert page.count('data-testid="guardian-row"') == len(links) > 0
    guardian = links[0].guardian
    assert f"{guardian.phone[:3]}{'*' * (len(guardian.phone) - 3)}" in page
    assert page.count(">复制消息<") == len(links) and page.count(">复制链接<") == len(links)
    assert tokens.link_token(links[0].pk) in page


def test_the_copied_message_names_the_child_in_full_and_who_sends_it(city, make_notice, signed_in):
    notice = make_notice()
    link = first_link(notice, city.class_a1)
    page = signed_in(city.user("class_teacher")).get(class_url(notice, city.class_a1)).content.decode()
    messages = re.findall(r'data-copy="([^"]*同学家长您好[^"]*)"', page)
    student = link.receipt.student.name
    mine = next(m for m in messages if tokens.link_token(link.pk) in m)
    assert mine.startswith(f"【{city.school_a.short_name or city.school_a.name}】{student}同学家长您好")
    assert f"{city.class_a1.name}班主任" in mine and "《致家长的一封信》" in mine


def test_confirmed_children_leave_the_guardian_rows(city, make_notice, signed_in):
    notice = make_notice()
    link = first_link(notice, city.class_a1)
    client = signed_in(city.user("class_teacher"))
    before = client.get(class_url(notice, city.class_a1)).content.decode().count('data-testid="guardian-row"')
    services.confirm(link=link, posted={})
    after = client.get(class_url(notice, city.class_a1)).content.decode()
    guardians = Guardian.objects.filter(student=link.receipt.student).count()
    assert after.count('data-testid="guardian-row"') == before - guardians


def test_rows_show_opened_and_texted_state(city, make_notice, signed_in):
    notice = make_notice()
    link = first_link(notice, city.class_a1)
    services.mark_opened(link)
    client = signed_in(city.user("class_teacher"))
    services.send_sms(actor=city.user("class_teacher"), notice=notice, unit=city.class_a1)
    page = client.get(class_url(notice, city.class_a1)).content.decode()
    assert "已打开" in page and "短信 " in page


def test_withdrawn_notice_offers_nothing_to_copy(city, make_notice, signed_in):
    notice = make_notice()
    services.withdraw_notice(actor=city.user("principal"), notice=notice)
    page = signed_in(city.user("class_teacher")).get(class_url(notice, city.class_a1)).content.decode()
    assert "复制消息" not in page and "/n/" not in page


def test_sms_text_names_the_sender(city, make_notice):
    from dudao.notices import sms

    notice = make_notice()
    sms.MemoryBackend.sent = []
    services.send_sms(
        actor=city.user("class_teacher"),
        notice=notice,
        unit=city.class_a1,
        sender=services.sender_label(city.user("class_teacher"), city.class_a1),
    )
    texts = [m.text for m in OutboxMessage.objects.filter(notice=notice)] or [m.text for m in sms.MemoryBackend.sent]
    assert texts and all(f"{city.class_a1.name}班主任" in t for t in texts)


def test_the_message_without_a_sender_names_the_issuer(city, make_notice):
    notice = make_notice()
    text = services.message_text(notice, "张小明", "https://x/n/g2.abc/")
    assert "张小明同学家长您好" in text and f"{city.school_a.name}给您发来《致家长的一封信》" in text


# --- slips --------------------------------------------------------------------------------------------------------


def slips_url(notice: Notice, klass) -> str:
    return f"/notices/{notice.pk}/classes/{klass.pk}/slips/"


def test_slip_sheet_has_name_qr_and_short_link_per_child_and_logs_the_access(city, make_notice, signed_in):
    notice = make_notice()
    link = first_link(notice, city.class_a1)
    response = signed_in(city.user("class_teacher")).get(slips_url(notice, city.class_a1))
    page = response.content.decode()
    students = Receipt.objects.filter(notice=notice, klass=city.class_a1).count()
    assert page.count('class="slip"') == students == page.count("<svg")
    assert link.receipt.student.name in page
    assert re.search(r"/n/g[a-z2-9]+\.[a-z2-9]{12}/", page)
    assert "@page" not in page and "slips.css" in page  # the A4 layout lives in the print stylesheet
    event = AuditEvent.objects.get(kind=EventKind.ACCESS, action="print_slips")
    assert event.changes["slips"] == students and event.changes["class"] == city.class_a1.pk


def test_slips_leave_out_the_confirmed_unless_all_are_asked_for(city, make_notice, signed_in):
    notice = make_notice()
    services.confirm(link=first_link(notice, city.class_a1), posted={})
    client = signed_in(city.user("class_teacher"))
    students = Receipt.objects.filter(notice=notice, klass=city.class_a1).count()
    assert client.get(slips_url(notice, city.class_a1)).content.decode().count('class="slip"') == students - 1
    assert client.get(slips_url(notice, city.class_a1) + "?all=1").content.decode().count('class="slip"') == students


@pytest.mark.parametrize(("key", "status"), [("doctor", 403), ("district_admin", 403), ("district_admin_b", 404)])
def test_slips_by_role(city, make_notice, signed_in, key, status):
    notice = make_notice()
    assert signed_in(city.user(key)).get(slips_url(notice, city.class_a1)).status_code == status


def test_slips_of_another_class_are_404_for_a_class_teacher(city, make_notice, signed_in):
    notice = make_notice()
    assert signed_in(city.user("class_teacher")).get(slips_url(notice, city.class_a2)).status_code == 404


def test_slips_print_css_puts_several_on_an_a4_page():
    from pathlib import Path

    import dudao.notices

    css = (Path(dudao.notices.__file__).parent / "static/notices/slips.css").read_text()
    assert "size: A4" in css and "dashed" in css and "break-after: page" in css


# --- the sweep ----------------------------------------------------------------------------------------------------


def queued_notice(city, make_notice, settings, django_capture_on_commit_callbacks) -> Notice:
    settings.DUDAO_NOTICE_SYNC_LIMIT = 1
    notice = make_notice(send=False)
    with django_capture_on_commit_callbacks(execute=False):  # the worker dies: the task never runs
        services.send_notice(actor=city.user("principal"), notice=notice)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENDING and notice.send_queued_at is not None
    return notice


def test_a_send_lost_with_its_worker_is_queued_again_and_completes(
    city, make_notice, settings, django_capture_on_commit_callbacks
):
    notice = queued_notice(city, make_notice, settings, django_capture_on_commit_callbacks)
    Notice.objects.filter(pk=notice.pk).update(send_queued_at=timezone.now() - dt.timedelta(minutes=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_stuck_sends() == [notice.pk]
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and notice.sent_by == city.user("principal")
    assert AuditEvent.objects.filter(action="requeue_send", object_id=str(notice.pk)).exists()


def test_a_recent_send_is_left_to_its_worker(city, make_notice, settings, django_capture_on_commit_callbacks):
    notice = queued_notice(city, make_notice, settings, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.requeue_stuck_sends() == []
    assert not callbacks
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.SENDING


def test_requeueing_twice_or_racing_the_original_never_sends_twice(
    city, make_notice, settings, django_capture_on_commit_callbacks
):
    notice = queued_notice(city, make_notice, settings, django_capture_on_commit_callbacks)
    Notice.objects.filter(pk=notice.pk).update(send_queued_at=timezone.now() - dt.timedelta(minutes=30))
    with django_capture_on_commit_callbacks(execute=False) as first:
        services.requeue_stuck_sends()
    with django_capture_on_commit_callbacks(execute=False) as second:
        assert services.requeue_stuck_sends() == []  # the first sweep restarted its clock
    assert len(first) == 1 and not second
    first[0]()
    receipts = Receipt.objects.filter(notice=notice).count()
    links = GuardianLink.objects.filter(receipt__notice=notice).count()
    # The original task wakes up late: the notice is already sent, nothing is written twice.
    assert services.send_queued(notice_id=notice.pk, actor_id=city.user("principal").pk) == {}
    assert Receipt.objects.filter(notice=notice).count() == receipts > 0
    assert GuardianLink.objects.filter(receipt__notice=notice).count() == links


def test_the_sweep_catches_up_a_days_reminders_once_and_only_after_eight(city, make_notice):
    notice = make_notice()
    today = timezone.localdate()
    services.add_reminder(actor=city.user("principal"), notice=notice, flags=[], until=today)
    early = timezone.make_aware(dt.datetime.combine(today, dt.time(7, 55)))
    assert tasks.recover_lost_work(early)["plans"] == 0
    late = timezone.make_aware(dt.datetime.combine(today, dt.time(9, 5)))
    first = tasks.recover_lost_work(late)
    assert first["plans"] == 1 and first["messages"] > 0
    sent = OutboxMessage.objects.filter(kind="reminder").count()
    assert tasks.recover_lost_work(late) == {"sends": 0, "plans": 0, "messages": 0}
    assert OutboxMessage.objects.filter(kind="reminder").count() == sent
    assert ReminderRun.objects.filter(day=today).count() == 1
