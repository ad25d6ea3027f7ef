"""A clerk on a phone while the database is down: a plain Chinese page that says nothing was saved (no traceback,
no server address), readable at 390 px; when the database is back, the same address works again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, build_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _down(self: BaseDatabaseWrapper, *args: object, **kwargs: object) -> None:
    raise OperationalError('connection to server at "10.0.0.5", port 6432 failed: Connection refused')


def test_a_database_outage_shows_a_clear_page_and_passes(page: Page, live_server, monkeypatch) -> None:
    principal = build_city().user("principal")
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(principal.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")

    with monkeypatch.context() as outage:
        outage.setattr(BaseDatabaseWrapper, "_cursor", _down)
        response = page.goto(f"{base}/imports/")
        assert response is not None and response.status == 503
        expect(page.get_by_role("heading", name="系统暂时无法访问数据库")).to_be_visible()
        expect(page.locator("p.lead")).to_contain_text("您的操作没有完成")
        body = page.content()
        assert "Traceback" not in body and "10.0.0.5" not in body
        # Nothing wider than the phone: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shots = os.environ.get("DUDAO_SCREENSHOT_DIR")
        if shots:
            page.screenshot(path=str(Path(shots) / "ops-503-phone.png"), full_page=True)
            page.set_viewport_size({"width": 1366, "height": 700})
            page.screenshot(path=str(Path(shots) / "ops-503-desktop.png"))
            page.set_viewport_size({"width": 390, "height": 844})

    page.reload()
    expect(page.get_by_role("heading", name="导入记录")).to_be_visible()
