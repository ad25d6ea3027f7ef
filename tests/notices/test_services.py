"""Notice services: audience and cascade, sending once, confirming once, phone confirmations, links, reminders."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.notices import selectors, services, sms
from dudao.notices.models import (
    Channel,
    ClassCode,
    GuardianLink,
    NoticeSchool,
    NoticeStatus,
    OutboxMessage,
    Receipt,
    ReminderRun,
    VerifyAttempt,
)
from dudao.orgs.models import Student
from tests.notices.conftest import first_guardian, first_link, first_receipt

pytestmark = pytest.mark.django_db


def test_school_notice_reaches_every_enrolled_student_of_the_school(city, make_notice):
    notice = make_notice()
    assert notice.status == NoticeStatus.SENT
    students = {s.pk for s in city.students["a1"] + city.students["a2"]}
    assert set(Receipt.objects.filter(notice=notice).values_list("student_id", flat=True)) == students
    # a1 students have two guardians each: one link per guardian.
    assert GuardianLink.objects.filter(receipt__notice=notice).count() == 3 * 2 + 2
    assert ClassCode.objects.filter(notice=notice).count() == 2
    assert list(NoticeSchool.objects.filter(notice=notice).values_list("school_id", "students")) == [
        (city.school_a.pk, 5)
    ]


def test_receipts_carry_class_grade_school_and_district(city, make_notice):
    notice = make_notice()
    receipt = Receipt.objects.get(notice=notice, student=city.students["a1"][0])
    assert (receipt.klass_id, receipt.grade_id, receipt.school_id, receipt.district_id) == (
        city.class_a1.pk,
        city.grade_a.pk,
        city.school_a.pk,
        city.district_a.pk,
    )


def test_city_notice_cascades_to_every_school(city, make_notice):
    notice = make_notice(issuer=city.root, actor=city.user("bureau_staff"))
    schools = set(NoticeSchool.objects.filter(notice=notice).values_list("school_id", flat=True))
    assert schools == {city.school_a.pk, city.school_a2.pk, city.school_b.pk}
    # The school sees the city's notice as its own task.
    assert notice in selectors.notices_for(city.user("principal"))
    assert notice in selectors.notices_for(city.user("class_teacher"))


def test_audience_by_class_and_flag(city, make_notice):
    left_behind = city.students["a1"][1]
    Student.objects.filter(pk=left_behind.pk).update(is_left_behind=True)
    notice = make_notice(audience_units=[city.class_a1], flags=["is_left_behind"])
    assert list(Receipt.objects.filter(notice=notice).values_list("student_id", flat=True)) == [left_behind.pk]


def test_audience_by_grade_name_city_wide(city, make_notice):
    notice = make_notice(issuer=city.root, actor=city.user("bureau_staff"), grade_names=["一年级"])
    assert set(Receipt.objects.filter(notice=notice).values_list("klass_id", flat=True)) == {city.class_b1.pk}


def test_audience_outside_the_issuer_is_refused(city, make_notice):
    with pytest.raises(DomainError) as exc:
        make_notice(audience_units=[city.class_b1], send=False)
    assert exc.value.code == "audience_outside"


def test_empty_audience_is_refused_and_nothing_is_written(city, make_notice):
    notice = make_notice(send=False, flags=["is_in_hardship"])
    with pytest.raises(DomainError) as exc:
        services.send_notice(actor=city.user("principal"), notice=notice)
    assert exc.value.code == "audience_empty"
    assert not Receipt.objects.filter(notice=notice).exists()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT


def test_sending_twice_is_refused(city, make_notice):
    notice = make_notice()
    with pytest.raises(DomainError) as exc:
        services.send_notice(actor=city.user("principal"), notice=notice)
    assert exc.value.code == "already_sent"
    assert Receipt.objects.filter(notice=notice).count() == 5


def test_stale_version_is_refused(city, make_notice):
    notice = make_notice(send=False)
    with pytest.raises(StaleEditError):
        services.send_notice(actor=city.user("principal"), notice=notice, version=notice.version + 1)


def test_class_teacher_cannot_write_notices(city):
    with pytest.raises(Forbidden):
        services.create_notice(actor=city.user("class_teacher"), issuer=city.school_a, title="t", body="b")


def test_school_cannot_issue_for_another_school(city):
    with pytest.raises(Forbidden):
        services.create_notice(actor=city.user("principal"), issuer=city.school_b, title="t", body="b")


def test_body_is_sanitized(city, make_notice):
    notice = make_notice(
        send=False, body='<p onclick="x()">你好<script>alert(1)</script><a href="javascript:x">链</a></p>'
    )
    assert "script" not in notice.body_html
    assert "onclick" not in notice.body_html
    assert "javascript" not in notice.body_html
    assert "你好" in notice.body_html


def test_plain_text_body_becomes_paragraphs(city, make_notice):
    notice = make_notice(send=False, body="第一段 <不是标签\n第二段")
    assert notice.body_html.count("<p>") == 2
    assert "&lt;" in notice.body_html


@pytest.mark.parametrize(
    ("body", "code"),
    [("", "body_required"), ("<p> </p>", "body_required"), ("x" * 20_001, "body_too_long")],
)
def test_bad_bodies_are_refused(city, make_notice, body, code):
    with pytest.raises(DomainError) as exc:
        make_notice(send=False, body=body)
    assert exc.value.code == code


@pytest.mark.parametrize(
    "question",
    [
        {"kind": "choice", "label": "暑期是否外出", "options": ["是"]},
        {"kind": "poll", "label": "x"},
        {"kind": "text", "label": ""},
        {"kind": "choice", "label": "x", "options": ["是", "是"]},
    ],
)
def test_bad_questions_are_refused(city, make_notice, question):
    with pytest.raises(DomainError) as exc:
        make_notice(send=False, questions=[question])
    assert exc.value.code == "question_invalid"


def test_expiry_in_the_past_is_refused(city, make_notice):
    with pytest.raises(DomainError) as exc:
        make_notice(send=False, links_expire_on=timezone.localdate() - dt.timedelta(days=1))
    assert exc.value.code == "expiry_in_past"


def test_confirm_once_counts_once(city, make_notice):
    notice = make_notice(questions=[{"kind": "choice", "label": "暑期是否外出", "options": ["是", "否"]}])
    link = first_link(notice, city.class_a1)
    assert services.confirm(link=link, posted={"q1": "否"}, ip="10.0.0.1") is True
    other = GuardianLink.objects.filter(receipt=link.receipt).exclude(pk=link.pk).get()
    assert services.confirm(link=other, posted={"q1": "是"}) is False
    receipt = Receipt.objects.get(pk=link.receipt_id)
    assert receipt.answers == {"q1": "否"}
    assert receipt.link_id == link.pk
    assert receipt.channel == Channel.LINK
    assert Receipt.objects.filter(notice=notice).confirmed().count() == 1


def test_required_answer_missing_changes_nothing(city, make_notice):
    notice = make_notice(questions=[{"kind": "choice", "label": "暑期是否外出", "options": ["是", "否"]}])
    link = first_link(notice, city.class_a1)
    with pytest.raises(DomainError) as exc:
        services.confirm(link=link, posted={"q1": "也许"})
    assert exc.value.code == "answer_invalid"
    with pytest.raises(DomainError) as exc:
        services.confirm(link=link, posted={})
    assert exc.value.code == "answer_required"
    assert Receipt.objects.get(pk=link.receipt_id).confirmed_at is None


def test_class_teacher_records_phone_confirmation(city, make_notice):
    notice = make_notice()
    receipt = first_receipt(notice, city.class_a1)
    services.confirm_by_phone(actor=city.user("class_teacher"), receipt=receipt, note="奶奶接的电话")
    receipt.refresh_from_db()
    assert receipt.channel == Channel.PHONE
    assert receipt.confirmed_by == city.user("class_teacher")
    assert AuditEvent.objects.filter(action="phone_confirm", object_id=str(receipt.pk)).exists()
    with pytest.raises(DomainError) as exc:
        services.confirm_by_phone(actor=city.user("class_teacher"), receipt=receipt)
    assert exc.value.code == "already_confirmed"


def test_class_teacher_cannot_confirm_another_class(city, make_notice):
    notice = make_notice()
    receipt = first_receipt(notice, city.class_a2)
    with pytest.raises(Forbidden):
        services.confirm_by_phone(actor=city.user("class_teacher"), receipt=receipt)


def test_revoked_link_dies_and_a_new_one_works(city, make_notice):
    notice = make_notice()
    link = first_link(notice, city.class_a1)
    from tests.notices.conftest import token_of

    old = token_of(link)
    new = services.revoke_link(actor=city.user("class_teacher"), link=link)
    assert services.live_link(old) is None
    assert new is not None
    live = services.live_link(token_of(new))
    assert live is not None and live.pk == new.pk


def test_withdrawn_notice_kills_every_link(city, make_notice):
    from tests.notices.conftest import token_of

    notice = make_notice()
    link = first_link(notice, city.class_a1)
    services.withdraw_notice(actor=city.user("principal"), notice=notice)
    assert services.live_link(token_of(link)) is None


def test_expired_notice_kills_links(city, make_notice):
    from tests.notices.conftest import token_of

    notice = make_notice()
    link = first_link(notice, city.class_a1)
    type(notice).objects.filter(pk=notice.pk).update(links_expire_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.live_link(token_of(link)) is None


def test_verify_with_last_four_digits(city, make_notice):
    notice = make_notice()
    code = ClassCode.objects.get(notice=notice, klass=city.class_a1)
    receipt = first_receipt(notice, city.class_a1)
    guardian = receipt.student.guardians.order_by("id").last()
    assert guardian is not None
    guardian.phone = "13711112468"
    guardian.save()
    link = services.verify_guardian(code=code, receipt_id=receipt.pk, digits=guardian.phone[-4:])
    assert link.guardian_id == guardian.pk


def test_three_wrong_tries_then_a_wait(city, make_notice, settings):
    notice = make_notice()
    code = ClassCode.objects.get(notice=notice, klass=city.class_a1)
    receipt = first_receipt(notice, city.class_a1)
    right = first_guardian(receipt.student).phone[-4:]
    wrong = "0000" if right != "0000" else "1111"
    for _ in range(2):
        with pytest.raises(DomainError) as exc:
            services.verify_guardian(code=code, receipt_id=receipt.pk, digits=wrong)
        assert exc.value.code == "digits_wrong"
    with pytest.raises(services.VerifyLocked):
        services.verify_guardian(code=code, receipt_id=receipt.pk, digits=wrong)
    # Even the right digits must wait now.
    with pytest.raises(services.VerifyLocked):
        services.verify_guardian(code=code, receipt_id=receipt.pk, digits=right)
    # After the wait the right digits work.
    VerifyAttempt.objects.update(
        created_at=timezone.now() - dt.timedelta(minutes=settings.DUDAO_NOTICE_VERIFY_WAIT_MINUTES + 1)
    )
    assert services.verify_guardian(code=code, receipt_id=receipt.pk, digits=right)


def test_verify_refuses_a_child_of_another_class(city, make_notice):
    notice = make_notice()
    code = ClassCode.objects.get(notice=notice, klass=city.class_a1)
    other = first_receipt(notice, city.class_a2)
    with pytest.raises(DomainError) as exc:
        services.verify_guardian(code=code, receipt_id=other.pk, digits="1234")
    assert exc.value.code == "child_required"


def test_given_name_masks_the_surname():
    assert services.given_name("张小明") == "小明"
    assert services.given_name("欧阳娜娜") == "娜娜"
    assert services.given_name("王芳") == "芳"


def test_sms_goes_to_the_outbox_for_pending_guardians(city, make_notice):
    notice = make_notice()
    link = first_link(notice, city.class_a1)
    services.confirm(link=link, posted={})
    count = services.send_sms(actor=city.user("class_teacher"), notice=notice, unit=city.class_a1, base="http://x/")
    assert count == 4  # two more students with two guardians each
    assert OutboxMessage.objects.filter(notice=notice).count() == 4
    assert all("/n/" in m.text for m in OutboxMessage.objects.all())


def test_daily_reminder_runs_once_a_day_for_flagged_guardians(city, make_notice, settings):
    settings.DUDAO_SMS_BACKEND = "dudao.notices.sms.MemoryBackend"
    sms.MemoryBackend.sent = []
    Student.objects.filter(pk=city.students["a2"][0].pk).update(is_left_behind=True)
    notice = make_notice()
    today = timezone.localdate()
    services.add_reminder(
        actor=city.user("principal"), notice=notice, flags=["is_left_behind"], until=today + dt.timedelta(days=5)
    )
    assert services.run_reminders(today=today) == {"plans": 1, "messages": 1}
    assert services.run_reminders(today=today) == {"plans": 0, "messages": 0}
    assert services.run_reminders(today=today + dt.timedelta(days=1))["messages"] == 1
    assert services.run_reminders(today=today + dt.timedelta(days=6))["messages"] == 0
    assert ReminderRun.objects.count() == 2
    assert sms.MemoryBackend.sent[0].phone == city.students["a2"][0].guardians.first().phone


def test_reminder_until_in_the_past_is_refused(city, make_notice):
    notice = make_notice()
    with pytest.raises(DomainError) as exc:
        services.add_reminder(
            actor=city.user("principal"), notice=notice, flags=[], until=timezone.localdate() - dt.timedelta(days=1)
        )
    assert exc.value.code == "until_in_past"


def test_attachment_must_be_a_document_or_image(city, make_notice):
    with pytest.raises(DomainError) as exc:
        make_notice(send=False, attachments=[(io.BytesIO(b"MZ\x90\x00binary"), "letter.pdf")])
    assert exc.value.code == "upload_type_refused"


def test_rates_roll_up_city_district_school_class(city, make_notice):
    notice = make_notice(issuer=city.root, actor=city.user("bureau_staff"))
    for receipt in Receipt.objects.filter(notice=notice, klass=city.class_a1)[:2]:
        link = receipt.links.first()
        assert link is not None
        services.confirm(link=link, posted={})
    city_rates = selectors.rates(notice, city.root)
    assert (city_rates.total, city_rates.confirmed) == (8, 2)
    by_unit = {row.unit_id: (row.total, row.confirmed) for row in city_rates.rows}
    assert by_unit == {city.district_a.pk: (6, 2), city.district_b.pk: (2, 0)}
    district = selectors.rates(notice, city.district_a)
    assert {row.unit_id: (row.total, row.confirmed) for row in district.rows} == {
        city.school_a.pk: (5, 2),
        city.school_a2.pk: (1, 0),
    }
    school = selectors.rates(notice, city.school_a)
    assert [(c.unit_id, c.total, c.confirmed) for c in school.rows[0].children] == [
        (city.class_a1.pk, 3, 2),
        (city.class_a2.pk, 2, 0),
    ]
    klass = selectors.rates(notice, city.class_a1)
    assert (klass.total, klass.confirmed, klass.rate) == (3, 2, 66.7)


def test_rates_are_one_group_by(city, make_notice, django_assert_max_num_queries):
    notice = make_notice(issuer=city.root, actor=city.user("bureau_staff"))
    with django_assert_max_num_queries(2):
        selectors.rates(notice, city.root)


def test_reminder_command_runs_the_daily_job(city, make_notice):
    import io as _io

    from django.core.management import call_command

    Student.objects.filter(pk=city.students["a2"][0].pk).update(is_left_behind=True)
    notice = make_notice()
    services.add_reminder(
        actor=city.user("principal"),
        notice=notice,
        flags=["is_left_behind"],
        until=timezone.localdate() + dt.timedelta(days=3),
        only_pending=False,
    )
    out = _io.StringIO()
    call_command("notice_reminders", stdout=out)
    assert out.getvalue().strip() == "plans=1 messages=1"
    assert OutboxMessage.objects.filter(kind="reminder").count() == 1


def test_a_large_audience_is_sent_in_the_background(city, make_notice, settings, django_capture_on_commit_callbacks):
    from dudao.notices.models import NoticeStatus

    settings.DUDAO_NOTICE_SYNC_LIMIT = 1
    notice = make_notice(send=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        counts = services.send_notice(actor=city.user("principal"), notice=notice)
    notice.refresh_from_db()
    assert counts["queued"] > 1 and notice.status == NoticeStatus.SENDING
    assert not Receipt.objects.filter(notice=notice).exists()
    with pytest.raises(DomainError) as exc:  # sending again while it is being sent changes nothing
        services.send_notice(actor=city.user("principal"), notice=notice)
    assert exc.value.code == "already_sent"
    for callback in callbacks:
        callback()  # the huey task (immediate in tests)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert Receipt.objects.filter(notice=notice).count() == counts["queued"]
    assert services.send_queued(notice_id=notice.pk, actor_id=city.user("principal").pk) == {}
