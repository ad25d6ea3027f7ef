"""The guardians' intake link and status link: no login, signed tokens, a budget per address, the receipt number."""

from __future__ import annotations

import pytest
from django.test import override_settings

from dudao.bullying import public_links
from dudao.bullying.models import Report
from tests.bullying.conftest import today

pytestmark = pytest.mark.django_db


def _form(**overrides):
    data = {
        "kind": "property",
        "occurred_on": today().isoformat(),
        "place": "校门外小卖部旁",
        "description": "孩子被高年级学生多次索要零花钱，不给就被威胁。",
        "reporter": "李先生（父亲）13900002222",
        "request_key": "pub-1",
    }
    data.update(overrides)
    return data


def test_guardian_reports_and_gets_receipt_and_status_link(client, city):
    url = public_links.intake_path(city.school_a.pk)
    assert "甲区第五中学" in client.get(url).content.decode()
    response = client.post(url, _form())
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    report = Report.objects.get()
    assert report.number in page and "待受理" in page and "零花钱" not in page
    again = client.post(url, _form())
    assert again.status_code == 302 and Report.objects.count() == 1


def test_forged_tokens_find_nothing(client, city, report):
    assert client.get("/bullying/r/1-forged/").status_code == 404
    status = public_links.status_token(report.pk)
    intake = public_links.intake_token(city.school_a.pk)
    assert client.get(f"/bullying/s/{intake}/").status_code == 404  # an intake token opens no report
    assert client.get(f"/bullying/s/{status}x/").status_code == 404


def test_bad_input_answers_400_with_a_chinese_message(client, city):
    url = public_links.intake_path(city.school_a.pk)
    response = client.post(url, _form(description="太短了"))
    assert response.status_code == 400 and "至少写 10 个字" in response.content.decode()
    assert Report.objects.count() == 0


@override_settings(DUDAO_BULLYING_PER_ADDRESS=2)
def test_one_address_is_limited(client, city):
    url = public_links.intake_path(city.school_a.pk)
    for n in range(2):
        assert client.post(url, _form(request_key=f"r{n}")).status_code == 302
    refused = client.post(url, _form(request_key="r3"))
    assert refused.status_code == 429 and "过于频繁" in refused.content.decode()
    assert Report.objects.count() == 2
