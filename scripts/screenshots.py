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
    page.wait_for_load_state("networkidle")
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
        inspections_and_ledger(page)
        browser.close()


def inspections_and_ledger(page: Page) -> None:
    """Issue 4: frameworks, rounds, the phone checklist, the ledger and its views, 公示, bulletins."""
    sign_in(page, "city.inspector")
    page.get_by_role("link", name="督查测评").click()
    shot(page, "08-rounds")
    page.get_by_role("link", name="测评体系").click()
    page.get_by_role("link", name="文明校园测评").click()
    shot(page, "09-framework", full=True)
    page.goto(f"{BASE}/inspections/")
    page.get_by_role("link", name="文明校园创建问题整改“回头看”").click()
    shot(page, "10-round")
    page.goto(f"{BASE}/inspections/")
    page.get_by_role("link", name="迎检模拟测评").first.click()
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "11-checklist-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, "district.admin")
    page.get_by_role("link", name="整改台账").click()
    shot(page, "12-ledger")
    page.goto(f"{BASE}/ledger/?status=awaiting_verification")
    page.get_by_test_id("ledger").locator("tbody a").first.click()
    shot(page, "13-closeout-verify", full=True)
    page.goto(f"{BASE}/ledger/overview/")
    shot(page, "14-overview")
    page.goto(f"{BASE}/inspections/")
    page.get_by_role("link", name="文明校园创建问题整改“回头看”").click()
    page.get_by_role("link", name="挂图作战").click()
    page.wait_for_timeout(800)
    shot(page, "15-board")
    sign_in(page, "school.principal")
    page.get_by_role("link", name="整改台账").click()
    page.get_by_role("link", name="日结日清").click()
    shot(page, "16-today")
    page.get_by_role("link", name="上墙公示").click()
    shot(page, "17-posting", full=True)
    public = page.locator("text=/\\/p\\/[A-Za-z0-9_-]+\\//").first.inner_text().strip()
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(public)
    shot(page, "18-public-progress", full=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, "school.principal")
    page.goto(f"{BASE}/bulletins/")
    page.get_by_role("link", name="秋季文明校园实地测评").first.click()
    shot(page, "19-bulletin", full=True)


if __name__ == "__main__":
    main()
