"""食堂 on a 390 px phone: the principal opens the canteen from the menu, records today's lunch 留样 with a photo,
sees when it may be discarded, and a second tap of 保存 keeps one record."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from playwright.sync_api import FilePayload, Page, expect

from dudao.canteens.models import FoodSample
from tests.browser.test_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("demo", "--scale", "small", verbosity=0)
    return live_server


def _jpeg() -> FilePayload:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (220, 180, 120)).save(out, format="JPEG")
    return {"name": "留样.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def test_principal_records_lunch_sample_with_photo_on_a_phone(page: Page, demo_site, open_menu) -> None:
    base = demo_site.url
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "school.principal")
    page.wait_for_load_state()
    open_menu("安全值守", "食堂与食品安全")
    expect(page.get_by_role("heading", name=re.compile("学生食堂"))).to_be_visible()
    page.get_by_test_id("sample-lunch").click()

    form = page.get_by_test_id("sample-form")
    expect(form).to_be_visible()
    form.get_by_label("菜品 1", exact=True).fill("红烧肉")
    form.get_by_label("菜品 1 重量（克）").fill("150")
    form.get_by_label("菜品 2", exact=True).fill("清炒包菜")
    form.get_by_label("菜品 2 重量（克）").fill("100")
    form.get_by_label(re.compile("^留样照片")).set_input_files(files=[_jpeg()])
    form.get_by_test_id("save-sample").click()
    # Under 125 g: refused with the reason, the form comes back.
    expect(page.locator(".alert-danger")).to_contain_text("不得少于 125 克")
    form = page.get_by_test_id("sample-form")
    form.get_by_label("菜品 1", exact=True).fill("红烧肉")
    form.get_by_label("菜品 1 重量（克）").fill("150")
    form.get_by_label("菜品 2", exact=True).fill("清炒包菜")
    form.get_by_label("菜品 2 重量（克）").fill("130")
    form.get_by_label(re.compile("^留样照片")).set_input_files(files=[_jpeg()])
    form.get_by_test_id("save-sample").click()
    expect(page.locator(".alert-success")).to_contain_text("已记录午餐留样")
    expect(page.get_by_test_id("sample-done-lunch")).to_be_visible()
    samples = page.get_by_test_id("samples")
    expect(samples.locator("li").first).to_contain_text("红烧肉 150 克")
    expect(samples.locator("li").first).to_contain_text("之前不得处理")
    expect(samples.locator("img").first).to_have_js_property("complete", True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path="docs/screenshots/canteens-recorded-phone.png", full_page=False)
    today = timezone.localdate()
    lunch = FoodSample.objects.filter(canteen__school__name="江东区第五中学", meal="lunch", served_on=today)
    assert [d["grams"] for d in lunch.get().dishes] == [150, 130]
