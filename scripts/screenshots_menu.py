"""Screenshots of the grouped main menu and the phone 工作台 grid, from a running small demo.

.venv/bin/python scripts/screenshots_menu.py [base-url]   (start the demo with `make run` first)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]


def signed_in(browser: Browser, username: str, width: int, height: int, phone: bool = False) -> Page:
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN", is_mobile=phone)
    page.goto(f"{BASE}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("dudao-demo")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")
    return page


def shot(page: Page, name: str, full: bool = False) -> None:
    page.wait_for_timeout(400)  # the dropdown / collapse transition
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print("saved", OUT / f"{name}.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        for username, group in (("city.director", "工作台"), ("school.teacher", "学生关爱")):
            slug = username.replace(".", "-")
            desk = signed_in(browser, username, 1440, 900)
            desk.locator("[data-testid=menu-bar]").get_by_role("button", name=group).click()
            shot(desk, f"menu-{slug}-1440")
            desk.close()
            phone = signed_in(browser, username, 390, 844, phone=True)
            phone.goto(f"{BASE}/?view=todos")
            phone.wait_for_load_state("networkidle")
            shot(phone, f"menu-{slug}-390-home")
            phone.get_by_label("展开菜单").click()
            shot(phone, f"menu-{slug}-390-menu")
            phone.close()
        browser.close()


if __name__ == "__main__":
    main()
