"""Staff pages: permission matrix (role × page, in and out of scope), writing and sending, the class page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent, EventKind
from dudao.notices import services
from dudao.notices.models import Notice, NoticeStatus, Receipt
from tests.notices.conftest import first_link, first_receipt

pytestmark = pytest.mark.django_db

READERS = {"bureau_leader", "bureau_staff", "district_admin", "principal", "school_staff", "class_teacher"}
OTHERS = {
    "inspector",
    "counsellor",
    "doctor",
    "health_officer",
    "case_officer",
    "sysadmin",
    "security_officer",
    "auditor",
    "district_admin_b",
}
WRITERS = {"bureau_staff", "district_admin", "principal", "school_staff"}


@pytest.mark.parametrize("key", sorted(READERS | OTHERS - {"district_admin_b"}))
def test_list_page_by_role(city, signed_in, key):
    client = signed_in(city.user(key))
    assert client.get("/notices/").status_code == (200 if key in READERS else 403)


@pytest.mark.parametrize("key", sorted(READERS | OTHERS - {"district_admin_b"}))
def test_write_page_by_role(city, signed_in, key):
    client = signed_in(city.user(key))
    assert client.get("/notices/new/").status_code == (200 if key in WRITERS else 403)


def test_anonymous_is_sent_to_login(client):
    assert client.get("/notices/").status_code == 302


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("bureau_leader", 200),
        ("bureau_staff", 200),
        ("district_admin", 200),
        ("principal", 200),
        ("school_staff", 200),
        ("class_teacher", 200),
        ("district_admin_b", 404),  # out of scope
        ("doctor", 403),
        ("auditor", 403),
    ],
)
def test_school_notice_detail_by_role(city, make_notice, signed_in, key, expected):
    notice = make_notice()
    response = signed_in(city.user(key)).get(f"/notices/{notice.pk}/")
    if key == "class_teacher":
        assert response.status_code == 302 and f"/classes/{city.class_a1.pk}/" in response["Location"]
    else:
        assert response.status_code == expected


def test_other_school_does_not_see_the_notice(city, make_notice, signed_in):
    from tests.factories import UserFactory, assign

    other = UserFactory.create(username="other.principal")
    assign(other, "principal", city.school_b)
    notice = make_notice()
    client = signed_in(other)
    assert client.get(f"/notices/{notice.pk}/").status_code == 404
    assert client.get(f"/notices/{notice.pk}/classes/{city.class_a1.pk}/").status_code == 404


def test_class_teacher_sees_only_own_class(city, make_notice, signed_in):
    notice = make_notice()
    client = signed_in(city.user("class_teacher"))
    assert client.get(f"/notices/{notice.pk}/classes/{city.class_a1.pk}/").status_code == 200
    assert client.get(f"/notices/{notice.pk}/classes/{city.class_a2.pk}/").status_code == 404
    assert client.get(f"/notices/{notice.pk}/?unit={city.school_a.pk}").status_code == 404


def test_class_page_lists_non_readers_with_phones_and_logs_the_access(city, make_notice, signed_in):
    notice = make_notice()
    link = first_link(notice, city.class_a1)
    client = signed_in(city.user("class_teacher"))
    page = client.get(f"/notices/{notice.pk}/classes/{city.class_a1.pk}/").content.decode()
    assert 'data-testid="pending-count">3<' in page
    assert link.guardian.phone in page
    assert AuditEvent.objects.filter(kind=EventKind.ACCESS, action="view_pending_guardians").exists()
    services.confirm(link=link, posted={})
    page = client.get(f"/notices/{notice.pk}/classes/{city.class_a1.pk}/").content.decode()
    assert 'data-testid="pending-count">2<' in page
    assert "/n/" in page  # copyable personal links and the class QR address


def test_district_sees_masked_phones_only(city, make_notice, signed_in):
    notice = make_notice()
    link = first_link(notice, city.class_a1)
    page = signed_in(city.user("district_admin")).get(f"/notices/{notice.pk}/classes/{city.class_a1.pk}/")
    assert page.status_code == 200
    assert link.guardian.phone not in page.content.decode()


def test_principal_writes_and_sends_a_notice(city, signed_in):
    client = signed_in(city.user("principal"))
    response = client.post(
        "/notices/new/",
        {
            "title": "暑期防溺水告知书",
            "body": "各位家长：\n\n暑期请看护好孩子。",
            # The page without scripts: the one-question-per-line text (the builder posts JSON, test_compose).
            "questions_text": "单选：暑期是否外出？|是|否\n简答：外出去向",
            "audience_units": [city.class_a1.pk],
            "links_expire_on": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode().split("alert-danger")[-1][:400]
    notice = Notice.objects.get(title="暑期防溺水告知书")
    assert [q["kind"] for q in notice.questions] == ["choice", "text"]
    response = client.post(f"/notices/{notice.pk}/send/", {"version": notice.version}, follow=True)
    assert "已发送" in response.content.decode()
    assert Receipt.objects.filter(notice=notice).count() == 3
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "七年级（1）班" in page and "0.0%" in page


def test_bad_question_line_is_shown_and_nothing_saved(city, signed_in):
    client = signed_in(city.user("principal"))
    response = client.post(
        "/notices/new/",
        {"title": "t", "body": "b", "questions_text": "排序：x|y", "links_expire_on": "2099-01-01"},
    )
    assert response.status_code == 400
    assert "第 1 行" in response.content.decode()
    assert not Notice.objects.exists()


def test_stale_send_is_refused(city, make_notice, signed_in):
    notice = make_notice(send=False)
    client = signed_in(city.user("principal"))
    response = client.post(f"/notices/{notice.pk}/send/", {"version": notice.version + 5}, follow=True)
    assert "已被他人修改" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT


def test_class_teacher_cannot_send_or_withdraw(city, make_notice, signed_in):
    notice = make_notice(send=False)
    client = signed_in(city.user("class_teacher"))
    # A draft does not reach the class yet: invisible.
    assert client.post(f"/notices/{notice.pk}/send/").status_code == 404
    services.send_notice(actor=city.user("principal"), notice=notice)
    assert client.post(f"/notices/{notice.pk}/withdraw/").status_code == 403


def test_phone_confirmation_from_the_class_page(city, make_notice, signed_in):
    notice = make_notice()
    receipt = first_receipt(notice, city.class_a1)
    client = signed_in(city.user("class_teacher"))
    response = client.post(f"/notices/{notice.pk}/receipts/{receipt.pk}/phone/", {"note": "已电话告知"}, follow=True)
    assert "已登记电话确认" in response.content.decode()
    receipt.refresh_from_db()
    assert receipt.channel == "phone"
    other = first_receipt(notice, city.class_a2)
    assert client.post(f"/notices/{notice.pk}/receipts/{other.pk}/phone/").status_code == 404


def test_export_receipts(city, make_notice, signed_in):
    notice = make_notice()
    response = signed_in(city.user("principal")).get(f"/notices/{notice.pk}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 2 + 5  # title, header, five students
    assert all("****" in (row[4] or "") for row in values[2:])


def test_slips_and_reminder_and_sms(city, make_notice, signed_in):
    notice = make_notice()
    client = signed_in(city.user("class_teacher"))
    slips = client.get(f"/notices/{notice.pk}/classes/{city.class_a1.pk}/slips/")
    assert slips.status_code == 200 and slips.content.decode().count("<svg") == 3
    response = client.post(f"/notices/{notice.pk}/sms/", {"unit": city.class_a1.pk}, follow=True)
    assert "已提交短信 6 条" in response.content.decode()
    principal = signed_in(city.user("principal"))
    response = principal.post(
        f"/notices/{notice.pk}/reminders/", {"flags": ["is_left_behind"], "until": "2099-01-01"}, follow=True
    )
    assert "不能晚于链接有效期" in response.content.decode()
    assert notice.reminders.count() == 0


def test_home_shows_pending_guardians_to_the_class_teacher(city, make_notice, signed_in):
    make_notice()
    page = signed_in(city.user("class_teacher")).get("/").content.decode()
    assert "告知书未确认的家长" in page


def test_class_page_queries_do_not_grow_with_students(city, make_notice, signed_in, django_assert_max_num_queries):
    from tests.factories import student

    notice = make_notice(send=False)
    for _ in range(20):
        student(city.class_a1, guardians=2)
    services.send_notice(actor=city.user("principal"), notice=notice)
    client = signed_in(city.user("class_teacher"))
    with django_assert_max_num_queries(20):
        response = client.get(f"/notices/{notice.pk}/classes/{city.class_a1.pk}/")
    assert 'data-testid="pending-count">23<' in response.content.decode()


def test_list_page_queries_do_not_grow_with_notices(city, make_notice, signed_in, django_assert_max_num_queries):
    for i in range(6):
        make_notice(title=f"告知书{i}")
    client = signed_in(city.user("principal"))
    with django_assert_max_num_queries(12):
        response = client.get("/notices/")
    assert response.content.decode().count("告知书") >= 6
