"""Take the documentation screenshots from a running demo (`make run`), with Debian's chromium.

.venv/bin/python scripts/screenshots.py [base-url]
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def sign_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{BASE}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("dudao-demo")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def shot(page: Page, name: str, full: bool = False) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print("saved", OUT / f"{name}.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page.goto(f"{BASE}/accounts/login/")
        shot(page, "01-login")
        sign_in(page, "district.admin")
        shot(page, "02-home-district-admin")
        page.get_by_role("link", name="组织机构").click()
        page.get_by_label("搜索单位").fill("wz")
        page.wait_for_selector("[data-testid=search-results]")
        shot(page, "03-org-tree-search")
        page.get_by_test_id("search-results").get_by_role("link").first.click()
        page.get_by_role("link", name="学生名册").click()
        shot(page, "04-roster")
        sign_in(page, "school.principal")
        page.get_by_role("link", name="在籍学生").click()
        page.get_by_test_id("roster-table").locator("tbody tr a").first.click()
        page.get_by_role("button", name="查看完整信息").click()
        page.wait_for_selector("[data-testid=revealed]")
        shot(page, "05-student-revealed")
        sign_in(page, "city.auditor")
        page.get_by_role("link", name="审计").click()
        shot(page, "06-audit")
        sign_in(page, "city.sysadmin")
        page.goto(f"{BASE}/staff/?q=school.principal")
        page.get_by_role("link", name="李明德").click()
        shot(page, "07-roles", full=True)
        browser.close()


if __name__ == "__main__":
    main()
