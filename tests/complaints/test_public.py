"""The public's pages: the form without login, the flood limit per address, the tracking link and the rating."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from dudao.complaints import tracking
from dudao.complaints.models import Complaint, Status
from tests.complaints.factories import answered, filed
from tests.factories import City

pytestmark = pytest.mark.django_db

FORM = {
    "kind": "complaint",
    "category": "fees",
    "title": "学校强制购买教辅资料",
    "about": "甲区第五中学",
    "content": "班主任要求每名学生购买三本教辅资料，共计一百二十元，不买的学生被点名。",
    "name": "李强",
    "phone": "13800138000",
    "request_key": "",
}


def test_a_parent_files_without_logging_in_and_gets_a_tracking_link(client: Client, city: City) -> None:
    page = client.get("/complaints/submit/")
    assert page.status_code == 200 and "投诉举报与意见建议" in page.content.decode()
    response = client.post("/complaints/submit/", FORM, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302
    item = Complaint.objects.get()
    assert response["Location"].startswith(tracking.path_for(item.pk))
    landing = client.get(response["Location"]).content.decode()
    assert item.number in landing and "请收藏或复制本页链接" in landing


def test_bad_input_is_shown_and_nothing_is_stored(client: Client, city: City) -> None:
    response = client.post("/complaints/submit/", {**FORM, "content": "太短"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 400
    assert "具体内容至少 10 个字" in response.content.decode()
    assert not Complaint.objects.exists()


@override_settings(DUDAO_COMPLAINTS_PER_ADDRESS=3)
def test_a_flood_from_one_address_is_refused_but_other_addresses_get_through(client: Client, city: City) -> None:
    for n in range(3):
        assert (
            client.post("/complaints/submit/", {**FORM, "title": f"标题{n}"}, REMOTE_ADDR="10.0.0.9").status_code == 302
        )
    refused = client.post("/complaints/submit/", {**FORM, "title": "第四件"}, REMOTE_ADDR="10.0.0.9")
    assert refused.status_code == 429
    assert "提交过于频繁" in refused.content.decode()
    assert "第四件" in refused.content.decode()  # what was typed is kept on the page
    other = client.post("/complaints/submit/", {**FORM, "title": "邻居的反映"}, REMOTE_ADDR="10.0.0.10")
    assert other.status_code == 302
    assert Complaint.objects.count() == 4


def test_a_forged_or_altered_link_finds_nothing(client: Client, city: City) -> None:
    item = filed()
    token = tracking.token_for(item.pk)
    assert client.get(f"/complaints/track/{token}/").status_code == 200
    assert client.get(f"/complaints/track/{token[:-2]}xx/").status_code == 404
    other = tracking.token_for(item.pk).replace(str(item.pk), str(item.pk + 1), 1)
    assert client.get(f"/complaints/track/{other}/").status_code == 404


def test_the_tracking_page_hides_the_unaccepted_reply(client: Client, city: City) -> None:
    from tests.complaints.factories import replied

    item = replied(city)
    page = client.get(tracking.path_for(item.pk)).content.decode()
    assert "已责令该教师停止补课" not in page and "正在办理" in page


def test_the_complainant_rates_the_answer_once(client: Client, city: City) -> None:
    item = answered(city)
    url = tracking.path_for(item.pk)
    page = client.get(url).content.decode()
    assert "已责令该教师停止补课" in page and "提交评价" in page
    assert client.post(url, {"rating": "basically", "comment": "还行"}).status_code == 302
    assert Complaint.objects.get(pk=item.pk).status == Status.CLOSED
    second = client.post(url, {"rating": "dissatisfied", "comment": "不行"})
    assert second.status_code == 409 and "不能重复评价" in second.content.decode()
    assert Complaint.objects.get(pk=item.pk).rating == "basically"


def test_every_link_parses_back_whatever_its_signature_holds() -> None:
    assert all(tracking.parse(tracking.token_for(pk)) == pk for pk in range(1, 400))
