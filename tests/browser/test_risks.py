"""双重预防 on a 390 px phone: the responsible class teacher opens 我的风险排查, records a check that finds a hazard
(with a photo), sees it among the point's open hazards and opens it in the rectification ledger."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from dudao.rectification.models import RectificationItem
from dudao.risks.models import RiskCheck
from tests.factories import PASSWORD, build_city
from tests.inspections.factories import picture
from tests.risks.conftest import make_point

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server):
    city = build_city()
    point = make_point(city)
    return live_server, city, point


def test_teacher_records_a_hazard_on_a_phone_and_finds_it_in_the_ledger(page: Page, site, tmp_path) -> None:
    live_server, city, point = site
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(city.user("class_teacher").username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()

    page.goto(f"{base}/risks/mine/")
    page.wait_for_load_state()
    card = page.get_by_test_id("my-point").filter(has_text="学校北侧临河护栏")
    expect(card.get_by_text("红 · 重大风险")).to_be_visible()
    card.get_by_role("link", name="记录排查").click()
    page.wait_for_load_state()

    page.get_by_text("发现隐患", exact=True).click()
    page.get_by_label("一般隐患").check()
    page.get_by_label("情况说明").fill("护栏东段焊点开裂，一段栏杆松动")
    photo = tmp_path / "护栏.jpg"
    photo.write_bytes(picture(4))
    page.get_by_label("现场照片（可不传）").set_input_files(str(photo))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_test_id("submit-check").click()
    page.wait_for_load_state()

    expect(page.get_by_text("已记录：发现隐患，已转入整改台账")).to_be_visible()
    hazards = page.get_by_test_id("open-hazards")
    expect(hazards).to_contain_text("未销号的隐患（1）")
    check = RiskCheck.objects.get()
    assert check.photo_id is not None
    item = RectificationItem.objects.get(pk=check.ledger_item_id or 0)
    hazards.get_by_role("link", name="护栏东段焊点开裂，一段栏杆松动").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/ledger/{item.pk}/")
    expect(page.get_by_text("风险点排查：学校北侧临河护栏").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
