"""Screenshots of the health, case-file, notice, duty and breakdown pages, from a running small demo.

.venv/bin/python scripts/screenshots_apps.py [base-url]   (start the demo with `make run` first)
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


def visit(page: Page, path: str) -> None:
    page.goto(f"{BASE}{path}")
    page.wait_for_load_state("networkidle")


def shot(page: Page, name: str, full: bool = False) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print("saved", OUT / f"{name}.png")


def first_link(page: Page, pattern: str) -> str | None:
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
        if href and re.fullmatch(pattern, href):
            return str(href)
    return None


def open_first(page: Page, pattern: str) -> bool:
    href = first_link(page, pattern)
    if href:
        visit(page, href)
    return bool(href)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        desk = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)

        # 晨午检
        sign_in(phone, "school.teacher")
        visit(phone, "/health/")
        if open_first(phone, r"/health/check/\d+/.*"):
            shot(phone, "health-01-check-phone", full=True)
        sign_in(desk, "school.doctor")
        visit(desk, "/")
        shot(desk, "health-02-home-doctor")
        visit(desk, "/health/followup/")
        shot(desk, "health-03-followup")
        visit(desk, "/health/alerts/")
        if open_first(desk, r"/health/alerts/\d+/"):
            shot(desk, "health-04-alert", full=True)
        sign_in(desk, "district.health")
        visit(desk, "/health/dashboard/")
        shot(desk, "health-05-dashboard", full=True)

        # 一生一案
        sign_in(desk, "school.counsellor")
        visit(desk, "/cases/")
        shot(desk, "cases-01-list")
        if open_first(desk, r"/cases/\d+/"):
            shot(desk, "cases-02-case", full=True)
        sign_in(desk, "school.principal")
        visit(desk, "/")
        shot(desk, "cases-03-home-principal")
        sign_in(desk, "district.admin")
        visit(desk, "/cases/stats/")
        shot(desk, "cases-04-stats-district", full=True)
        visit(desk, "/cases/dropout/")
        shot(desk, "cases-05-dropout-register", full=True)
        sign_in(desk, "city.security")
        visit(desk, "/cases/access/")
        shot(desk, "cases-06-access-report")

        # 家长告知书
        sign_in(desk, "city.admin")
        visit(desk, "/notices/")
        shot(desk, "notices-01-list")
        if open_first(desk, r"/notices/\d+/"):
            shot(desk, "notices-02-rates", full=True)
        sign_in(desk, "school.teacher")
        visit(desk, "/notices/")
        if open_first(desk, r"/notices/\d+/"):  # a class teacher lands on the class's list
            shot(desk, "notices-03-class-non-readers", full=True)
            match = re.search(r"/n/(?!c)[A-Za-z0-9]+:[A-Za-z0-9_-]+/", desk.content())
            if match:
                phone.context.clear_cookies()
                phone.goto(f"{BASE}{match.group(0)}")
                shot(phone, "notices-04-parent-phone", full=True)

        # 值班值守
        sign_in(desk, "district.admin")
        visit(desk, "/duty/")
        shot(desk, "duty-01-now", full=True)
        visit(desk, "/inspection-responses/")
        if open_first(desk, r"/inspection-responses/\d+/"):
            shot(desk, "duty-02-inspection-response", full=True)
        sign_in(phone, "school.principal")
        visit(phone, "/duty/mine/")
        shot(phone, "duty-03-sign-in-phone", full=True)
        sign_in(desk, "school.principal")
        visit(desk, "/plans/coverage/")
        shot(desk, "duty-04-drill-coverage", full=True)

        # 任务分解
        sign_in(desk, "city.admin")
        visit(desk, "/breakdown/")
        shot(desk, "breakdown-01-list")
        if open_first(desk, r"/breakdown/\d+/"):
            shot(desk, "breakdown-02-table", full=True)
        browser.close()


if __name__ == "__main__":
    main()
