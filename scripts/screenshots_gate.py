"""Screenshots of the gate pages (门卫登记), from a running small demo.

.venv/bin/python scripts/screenshots_gate.py [base-url]   (start the demo with `make run` first)
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

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
        sign_in(phone, "school.guard")
        shot(phone, "/gate/", "gate-phone-register", full=True)
        phone.get_by_label("手机号").fill("13907910021")
        phone.wait_for_selector("[data-testid=recent-visitors]")
        phone.screenshot(path=str(OUT / "gate-phone-returning.png"))
        print("saved", OUT / "gate-phone-returning.png")
        sign_in(desk, "school.principal")
        shot(desk, "/gate/", "gate-daily-list", full=True)
        sign_in(desk, "district.health")
        today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
        start = today - dt.timedelta(days=7)
        shot(desk, f"/gate/trace/?q=13907910021&start={start}&end={today}", "gate-trace")
        sign_in(phone, "district.health")
        shot(phone, f"/gate/trace/?q=王&start={start}&end={today}", "gate-phone-trace", full=True)
        browser.close()


if __name__ == "__main__":
    main()
