"""Screenshots of the 党风廉政 pages, from a running small demo.

.venv/bin/python scripts/screenshots_integrity.py [base-url]   (start the demo with `make run` first)
"""

from __future__ import annotations

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


def shot(page: Page, path: str, name: str, full: bool = False) -> None:
    page.goto(f"{BASE}{path}")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print("saved", OUT / f"{name}.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
        desk = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        sign_in(desk, "city.discipline")
        shot(desk, "/integrity/", "integrity-index-desktop", full=True)
        shot(desk, "/integrity/matters/", "integrity-matters-desktop", full=True)
        desk.goto(f"{BASE}/integrity/checks/")
        desk.get_by_test_id("checks").get_by_role("link").last.click()
        desk.wait_for_load_state("networkidle")
        desk.screenshot(path=str(OUT / "integrity-check-desktop.png"), full_page=True)
        print("saved", OUT / "integrity-check-desktop.png")
        sign_in(phone, "city.discipline")
        shot(phone, "/integrity/talks/", "integrity-talks-phone", full=True)
        phone.get_by_test_id("talk-cards").get_by_role("link").first.click()
        phone.wait_for_load_state("networkidle")
        phone.screenshot(path=str(OUT / "integrity-talk-phone.png"), full_page=True)
        print("saved", OUT / "integrity-talk-phone.png")
        sign_in(phone, "school.principal")
        shot(phone, "/integrity/mine/", "integrity-mine-phone")
        phone.get_by_test_id("my-duties").get_by_role("link").first.click()
        phone.wait_for_load_state("networkidle")
        phone.screenshot(path=str(OUT / "integrity-duty-phone.png"), full_page=True)
        print("saved", OUT / "integrity-duty-phone.png")
        browser.close()


if __name__ == "__main__":
    main()
