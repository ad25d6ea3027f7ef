"""Screenshots of 投诉与建议 from a running small demo (docs/投诉与建议.md).

.venv/bin/python scripts/screenshots_complaints.py [base-url]   (start the demo with `make run` first)
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]


def sign_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{BASE}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("dudao-demo")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def shot(page: Page, path: str, name: str, full: bool = True) -> None:
    if path:
        page.goto(f"{BASE}{path}")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print("saved", OUT / f"{name}.png")


def item_link(page: Page, title: str) -> str:
    page.goto(f"{BASE}/complaints/?box=all")
    href = page.get_by_role("link", name=title).first.get_attribute("href")
    assert href and re.fullmatch(r"/complaints/\d+/", href)
    return href


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        desk = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
        sign_in(desk, "city.admin")
        shot(desk, "/complaints/", "complaints-01-list")
        shot(desk, item_link(desk, "学校要求统一购买校服以外的运动装"), "complaints-02-detail-office")
        shot(desk, "/complaints/stats/", "complaints-04-stats")
        answered = item_link(desk, "建议公布小学学区划分依据")
        desk.goto(f"{BASE}{answered}")
        link = desk.get_by_test_id("tracking-link").input_value()
        sign_in(desk, "school.principal")
        routed = item_link(desk, "食堂午餐分量少、菜品重复")
        shot(desk, routed, "complaints-03-detail-school")
        shot(phone, "/complaints/submit/", "complaints-05-public-form-phone")
        phone.goto(link)
        shot(phone, "", "complaints-06-track-phone")
        sign_in(phone, "school.principal")
        shot(phone, routed, "complaints-07-detail-school-phone")
        browser.close()


if __name__ == "__main__":
    main()
