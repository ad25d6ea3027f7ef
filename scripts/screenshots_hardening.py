"""Screenshots of the fix-first pages: masked student numbers, the import records page, the per-address login
limit and the security officer's security events, from a running small demo.

.venv/bin/python scripts/screenshots_hardening.py [base-url]   (a demo served with DUDAO_TRUSTED_PROXIES=1)
"""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import xlsxwriter
from playwright.sync_api import Page, sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]


DEMO_PASSWORD = "dudao-demo"  # noqa: S105 (the public demo password, refused outside demo mode)


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto(f"{BASE}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def shot(page: Page, name: str, full: bool = False) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print("saved", OUT / f"{name}.png")


def bad_roster(path: Path) -> None:
    """A roster whose second row names a class that does not exist: refused, and the refusal is on record."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("学生名册")
    sheet.write_row(0, 0, ["班级", "姓名", "性别", "出生日期", "学籍号", "身份证号"])
    sheet.write_row(1, 0, ["七年级（9）班", "王小明", "男", "2013-05-01", "G360101201305010011", ""])
    book.close()
    path.write_bytes(buffer.getvalue())


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        desk = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)

        # A class teacher sees the 学籍号 masked like the ID number.
        sign_in(phone, "school.teacher")
        phone.goto(f"{BASE}/orgs/")
        phone.wait_for_load_state("networkidle")
        roster = phone.locator("a[href$='/students/']").first
        if roster.count():
            roster.click()
        shot(phone, "hardening-01-roster-masked-phone")

        # The principal imports a roster with a mistake: the refusal is kept under 导入记录.
        sign_in(desk, "school.principal")
        desk.goto(f"{BASE}/orgs/")
        desk.wait_for_load_state("networkidle")
        desk.locator("a[href$='/students/']").first.click()
        desk.wait_for_load_state("networkidle")
        upload = OUT.parent / "bad-roster.xlsx"
        bad_roster(upload)
        file_input = desk.locator("input[type=file]").first
        if file_input.count():
            file_input.set_input_files(str(upload))
            desk.get_by_role("button", name="上传并导入").click()
            desk.wait_for_load_state("networkidle")
        upload.unlink(missing_ok=True)
        desk.goto(f"{BASE}/imports/")
        shot(desk, "hardening-02-import-records")

        # Wrong passwords for many usernames from one address, then the security officer's view.
        # From another address (as a proxy reports it; start the demo with DUDAO_TRUSTED_PROXIES=1), so the
        # security officer can still sign in from this one.
        proxy_says = {"X-Forwarded-For": "10.20.30.40"}
        guesser = browser.new_page(
            viewport={"width": 1280, "height": 800}, locale="zh-CN", extra_http_headers=proxy_says
        )
        for n in range(21):
            guesser.goto(f"{BASE}/accounts/login/")
            guesser.get_by_label("用户名").fill(f"guess{n}")
            guesser.get_by_label("密码").fill("wrong-password")
            guesser.get_by_role("button", name="登录").click()
            guesser.wait_for_load_state("networkidle")
        shot(guesser, "hardening-03-login-throttled")
        sign_in(desk, "city.security")
        shot(desk, "hardening-04-security-home")
        browser.close()


if __name__ == "__main__":
    main()
