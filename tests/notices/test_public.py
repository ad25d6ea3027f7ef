"""The parents' pages: read and confirm without login; forged, expired, revoked and unknown links look the same."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from dudao.notices import services, tokens
from dudao.notices.models import ClassCode, Notice, Receipt
from tests.notices.conftest import first_guardian, first_link, first_receipt, token_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def anon() -> Client:
    return Client()


def test_parent_reads_and_confirms(city, make_notice, anon):
    notice = make_notice(questions=[{"kind": "choice", "label": "暑期是否外出", "options": ["是", "否"]}])
    link = first_link(notice, city.class_a1)
    url = f"/n/{token_of(link)}/"
    page = anon.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "致家长的一封信" in html and "暑期是否外出" in html
    student = link.receipt.student
    assert services.given_name(student.name) in html
    assert student.name not in html  # never the full name
    assert link.guardian.phone not in html
    response = anon.post(url, {"q1": "是"})
    assert response.status_code == 302
    done = anon.get(response["Location"])
    assert "已确认收阅" in done.content.decode()
    receipt = Receipt.objects.get(pk=link.receipt_id)
    assert receipt.confirmed_at is not None and receipt.answers == {"q1": "是"}


def test_second_submission_is_counted_once(city, make_notice, anon):
    notice = make_notice()
    link = first_link(notice, city.class_a1)
    url = f"/n/{token_of(link)}/"
    anon.post(url, {})
    first = Receipt.objects.get(pk=link.receipt_id).confirmed_at
    response = anon.post(url, {})
    assert response["Location"].endswith("done=2")
    assert Receipt.objects.get(pk=link.receipt_id).confirmed_at == first
    assert Receipt.objects.filter(notice=notice).confirmed().count() == 1


def test_missing_required_answer_shows_the_error_and_confirms_nothing(city, make_notice, anon):
    notice = make_notice(questions=[{"kind": "choice", "label": "暑期是否外出", "options": ["是", "否"]}])
    link = first_link(notice, city.class_a1)
    response = anon.post(f"/n/{token_of(link)}/", {})
    assert response.status_code == 400
    assert "请回答：暑期是否外出" in response.content.decode()
    assert Receipt.objects.get(pk=link.receipt_id).confirmed_at is None


def _not_found_body(anon: Client, token: str) -> tuple[int, str]:
    response = anon.get(f"/n/{token}/")
    return response.status_code, response.content.decode()


def test_forged_expired_revoked_and_unknown_links_answer_the_same_404(city, make_notice, anon):
    notice = make_notice()
    links = list(first_receipt(notice, city.class_a1).links.all())
    good = token_of(links[0])
    forged = good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb")
    unknown = tokens.link_token(999_999)
    services.revoke_link(actor=city.user("class_teacher"), link=links[1], reissue=False)
    revoked = token_of(links[1])
    other = make_notice(title="另一封信")
    expired_link = first_link(other, city.class_a1)
    Notice.objects.filter(pk=other.pk).update(links_expire_at=timezone.now() - dt.timedelta(minutes=1))
    bodies = {_not_found_body(anon, t) for t in (forged, unknown, revoked, token_of(expired_link), "garbage")}
    assert len(bodies) == 1
    status, body = bodies.pop()
    assert status == 404
    assert anon.get(f"/n/{good}/").status_code == 200


def test_posting_to_a_revoked_link_confirms_nothing(city, make_notice, anon):
    notice = make_notice()
    link = first_link(notice, city.class_a1)
    services.revoke_link(actor=city.user("class_teacher"), link=link)
    assert anon.post(f"/n/{token_of(link)}/", {}).status_code == 404
    assert Receipt.objects.get(pk=link.receipt_id).confirmed_at is None


def test_bad_tokens_from_one_address_are_rate_limited(city, anon, settings):
    settings.DUDAO_NOTICE_BAD_TOKENS_PER_MINUTE = 3
    codes = [anon.get(f"/n/garbage{i}/").status_code for i in range(5)]
    assert codes == [404, 404, 404, 429, 429]


def test_opening_one_link_is_rate_limited(city, make_notice, anon, settings):
    settings.DUDAO_NOTICE_OPENS_PER_MINUTE = 2
    link = first_link(make_notice(), city.class_a1)
    codes = [anon.get(f"/n/{token_of(link)}/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_class_qr_shows_given_names_only_and_verifies_phone(city, make_notice, anon):
    notice = make_notice()
    code = ClassCode.objects.get(notice=notice, klass=city.class_a1)
    url = f"/n/{tokens.code_token(code.pk)}/"
    page = anon.get(url).content.decode()
    for student in city.students["a1"]:
        assert student.name not in page
        assert services.given_name(student.name) in page
    assert all(s.name not in page for s in city.students["a2"])
    receipt = Receipt.objects.filter(notice=notice, student=city.students["a1"][0]).get()
    phone = first_guardian(receipt.student).phone
    response = anon.post(url, {"child": receipt.pk, "digits": phone[-4:]})
    assert response.status_code == 302
    assert anon.get(response["Location"]).status_code == 200


def test_class_qr_three_wrong_tries_then_wait(city, make_notice, anon):
    notice = make_notice()
    code = ClassCode.objects.get(notice=notice, klass=city.class_a1)
    url = f"/n/{tokens.code_token(code.pk)}/"
    receipt = Receipt.objects.filter(notice=notice, student=city.students["a1"][0]).get()
    right = first_guardian(receipt.student).phone[-4:]
    wrong = "0000" if right != "0000" else "1111"
    statuses = [anon.post(url, {"child": receipt.pk, "digits": wrong}).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    response = anon.post(url, {"child": receipt.pk, "digits": right})
    assert response.status_code == 429
    assert "分钟后再试" in response.content.decode()


def test_class_qr_refuses_bad_digits_without_counting(city, make_notice, anon):
    notice = make_notice()
    code = ClassCode.objects.get(notice=notice, klass=city.class_a1)
    receipt = first_receipt(notice, city.class_a1)
    response = anon.post(f"/n/{tokens.code_token(code.pk)}/", {"child": receipt.pk, "digits": "12a"})
    assert response.status_code == 400
    assert "后 4 位" in response.content.decode()


def test_public_attachment_only_through_a_live_link(city, make_notice, anon):
    import io

    notice = make_notice(attachments=[(io.BytesIO(b"%PDF-1.4\n%test\n"), "安全须知.pdf")])
    link = first_link(notice, city.class_a1)
    file_id = notice.attachments.get().file_id
    assert anon.get(f"/n/{token_of(link)}/files/{file_id}/").status_code == 200
    services.revoke_link(actor=city.user("class_teacher"), link=link, reissue=False)
    assert anon.get(f"/n/{token_of(link)}/files/{file_id}/").status_code == 404


# ----- review findings: each failed before its fix -------------------------------------------------------


def test_a_flag_group_notice_has_no_class_qr_that_would_out_the_children(city, make_notice, client):
    student = city.students["a1"][0]
    type(student).objects.filter(pk=student.pk).update(is_left_behind=True)
    notice = make_notice(flags=["is_left_behind"])
    assert Receipt.objects.filter(notice=notice).count() == 1
    assert not ClassCode.objects.filter(notice=notice).exists()
    client.force_login(city.user("class_teacher"))
    page = client.get(f"/notices/{notice.pk}/classes/{city.class_a1.pk}/")
    assert page.status_code == 200 and "班级二维码" not in page.content.decode()


def test_a_class_qr_is_rate_limited_per_address_not_for_the_whole_class(city, make_notice, settings):
    from django.test import Client

    settings.DUDAO_NOTICE_OPENS_PER_MINUTE = 2
    notice = make_notice()
    url = f"/n/{tokens.code_token(ClassCode.objects.get(notice=notice, klass=city.class_a1).pk)}/"
    for n in range(4):  # four families, each from its own phone
        assert Client(REMOTE_ADDR=f"10.0.0.{n + 1}").get(url).status_code == 200
    one = Client(REMOTE_ADDR="10.0.0.9")
    assert [one.get(url).status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.parametrize("child", ["²", "9" * 5000, "-1", "1e3"])
def test_a_malformed_child_on_the_class_qr_is_a_message_not_a_500(city, make_notice, anon, child):
    notice = make_notice()
    url = f"/n/{tokens.code_token(ClassCode.objects.get(notice=notice, klass=city.class_a1).pk)}/"
    response = anon.post(url, {"child": child, "digits": "1234"})
    assert response.status_code == 400
    assert "请选择您的孩子" in response.content.decode()


def test_staff_lists_never_show_the_last_four_phone_digits(city, make_notice, client):
    notice = make_notice()
    phone = first_guardian(first_receipt(notice, city.class_a1).student).phone
    client.force_login(city.user("district_admin"))
    page = client.get(f"/notices/{notice.pk}/classes/{city.class_a1.pk}/").content.decode()
    assert phone not in page and phone[:3] + "********" in page
    assert not re.search(r"\*\d{4}", page)  # no masked number ends in its last four digits
    listed = client.get(f"/api/v1/notices/{notice.pk}/receipts?page_size=500").json()["items"]
    shown = [p for item in listed for p in item["guardian_phones"]]
    assert shown and all(p.endswith("*" * 4) for p in shown)
