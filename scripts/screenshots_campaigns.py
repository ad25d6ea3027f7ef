"""Screenshots of the campaign pages (专项工作), from a running small demo.

.venv/bin/python scripts/screenshots_campaigns.py [base-url]   (start the demo with `make run` first)
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


def shot(page: Page, path: str, name: str, full: bool = True) -> None:
    page.goto(f"{BASE}{path}")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print("saved", OUT / f"{name}.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        desk = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
        sign_in(desk, "city.director")
        desk.goto(f"{BASE}/campaigns/")
        href = desk.get_attribute("[data-testid=campaigns] a", "href")
        shot(desk, "/campaigns/", "campaigns-01-list", full=False)
        shot(desk, str(href), "campaigns-02-page")
        district = desk.get_attribute("[data-testid=units] td.cp-unit a", "href")
        if district:
            shot(desk, f"{href}{district[district.index('?'):]}", "campaigns-03-district")
        red = desk.get_attribute("a.cp-cell[data-light=red]", "href") or desk.get_attribute("a.cp-cell", "href")
        if red:
            shot(desk, str(red), "campaigns-04-rows")
        shot(desk, f"{href}responsibility/", "campaigns-05-responsibility")
        sign_in(desk, "city.admin")
        shot(desk, f"{href}items/", "campaigns-06-items")
        shot(desk, "/campaigns/new/", "campaigns-07-create")
        sign_in(phone, "city.director")
        shot(phone, str(href), "campaigns-08-page-phone")
        sign_in(phone, "school.principal")
        shot(phone, str(href), "campaigns-09-principal-phone")
        browser.close()


if __name__ == "__main__":
    main()
