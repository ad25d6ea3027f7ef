from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (fixtures) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("DUDAO_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Drive Debian's chromium; Playwright never downloads a browser here."""
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: run `apt-get install chromium` (the CI script does)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1366, "height": 900},
    }


def choose_from_menu(page: Any, group: str, entry: str) -> None:
    """Open `entry` of `group` from the main menu as a user would: the group's dropdown on a wide screen (a group with
    only one entry for this role is a plain link on the bar), the collapsed list of groups on a narrow one.

    The entry's page has loaded when this returns: on a loaded machine a slow page would otherwise leave the caller
    asserting against the page it came from."""
    bar = page.get_by_test_id("menu-bar")
    if bar.is_visible():
        toggle = bar.get_by_role("button", name=group, exact=True)
        if toggle.count():
            toggle.click()
        link = bar.get_by_role("link", name=entry, exact=True)
    else:
        page.get_by_label("展开菜单").click()
        link = page.get_by_test_id("menu-list").get_by_role("link", name=entry, exact=True)
        link.scroll_into_view_if_needed()
    with page.expect_navigation(timeout=30_000):
        link.click()


@pytest.fixture
def open_menu(page: Any) -> Any:
    """`open_menu("部署报送", "任务分解")`: open a page through the grouped main menu."""
    return lambda group, entry: choose_from_menu(page, group, entry)
