"""下载中心 in a real browser: a principal exports a roster too large for a direct download, lands in 下载中心 and
watches the job's progress bar; when the worker finishes, the page (polling) says the file is ready, and the file
downloads. On a phone nothing is wider than the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from dudao.exports import services
from dudao.exports.models import ExportJob
from tests.factories import PASSWORD, build_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_start_a_large_export_watch_it_and_download(page: Page, live_server, monkeypatch, settings) -> None:
    settings.DUDAO_EXPORT_SYNC_LIMIT = 2
    # The worker is held back so the queued job is seen; the test runs it as huey would.
    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)
    city = build_city()
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(city.user("principal").username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/orgs/{city.school_a.pk}/students/")
    page.get_by_role("button", name="导出 Excel（信息已脱敏）").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="下载中心")).to_be_visible()
    expect(page.locator(".alert-info")).to_contain_text("已转入后台导出")
    job = page.get_by_test_id("export-job").first
    expect(job).to_contain_text("学生名册 · 甲区第五中学")
    expect(job.get_by_test_id("export-progress")).to_be_visible()
    expect(job).to_contain_text("排队中")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    services.run_export(job_id=ExportJob.objects.get().pk)
    ready = page.get_by_test_id("export-ready")
    expect(ready).to_contain_text("已生成，共 5 条", timeout=10_000)
    expect(job.get_by_test_id("export-progress")).to_have_count(0)
    with page.expect_download() as download_info:
        ready.get_by_role("link", name="立即下载").click()
    download = download_info.value
    assert download.suggested_filename == f"roster-{city.school_a.pk}.xlsx"
    with open(download.path(), "rb") as handle:
        assert handle.read(2) == b"PK"
