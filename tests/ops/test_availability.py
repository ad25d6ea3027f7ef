"""Faults a clerk may meet: the database down (503 page or JSON, no traceback; /readyz fails, /healthz does not),
the disk full during an upload (a clear message, no row left), Redis down (the cache keeps counting)."""

from __future__ import annotations

import errno

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.test import Client

from dudao.core import probes
from dudao.core.cache import ResilientRedisCache
from dudao.core.errors import DomainError
from dudao.core.files import store_upload
from dudao.core.models import StoredFile
from tests.factories import City

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def _database_down(*args: object, **kwargs: object) -> None:
    raise OperationalError('connection to server at "10.0.0.5", port 5432 failed: Connection refused')


@pytest.fixture
def browser_client() -> Client:
    """A client that answers like the server does instead of re-raising the view's exception."""
    return Client(raise_request_exception=False)


def test_a_page_whose_view_loses_the_database_answers_503_in_chinese(
    city: City, browser_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser_client.force_login(city.user("principal"))
    monkeypatch.setattr("dudao.core.views.records_for", _database_down)
    response = browser_client.get("/imports/")
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "系统暂时无法访问数据库" in body
    assert "您的操作<strong>没有完成</strong>" in body
    assert "Traceback" not in body and "10.0.0.5" not in body
    assert response["X-Request-ID"] in body


def test_a_database_outage_outside_the_view_answers_503_too(
    city: City, browser_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session is read by middleware before any view runs."""
    browser_client.force_login(city.user("principal"))
    monkeypatch.setattr(SessionStore, "load", _database_down)
    response = browser_client.get("/imports/")
    assert response.status_code == 503
    assert "系统暂时无法访问数据库" in response.content.decode()


def test_the_api_answers_a_json_503(city: City, browser_client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    browser_client.force_login(city.user("principal"))
    monkeypatch.setattr(SessionStore, "load", _database_down)
    response = browser_client.get("/api/v1/indicators")
    assert response.status_code == 503
    assert response.json() == {"detail": "数据库暂时无法访问，操作未完成，请稍后重试", "code": "database_unavailable"}


def test_other_errors_stay_500(city: City, browser_client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug")

    browser_client.force_login(city.user("principal"))
    monkeypatch.setattr("dudao.core.views.records_for", broken)
    assert browser_client.get("/imports/").status_code == 500


def test_readyz_reports_each_check(client: Client, db: None) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "queue": "ok", "replica": "none"}
    assert response["Cache-Control"] == "no-store"


def test_readyz_fails_without_the_database_and_names_only_the_check(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(probes.CHECKS, "database", _database_down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] == "failed"
    assert "10.0.0.5" not in response.content.decode()


def test_readyz_fails_when_the_queue_does_not_answer(client: Client, db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def queue_down() -> None:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(probes.CHECKS, "queue", queue_down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["queue"] == "failed"


def test_healthz_answers_while_the_database_is_down(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection", _database_down)
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_full_disk_refuses_the_upload_and_leaves_no_row(city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(name: str, content: object, max_length: int | None = None) -> str:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(default_storage, "save", disk_full)
    with pytest.raises(DomainError, match="服务器存储空间不足，文件“通知.pdf”未能保存") as refused:
        store_upload(
            actor=city.user("principal"),
            upload=SimpleUploadedFile("通知.pdf", PDF),
            name="通知.pdf",
        )
    assert refused.value.code == "upload_disk_full"
    assert StoredFile.objects.count() == 0


def test_other_storage_errors_are_not_taken_for_a_full_disk(city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(name: str, content: object, max_length: int | None = None) -> str:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(default_storage, "save", broken)
    with pytest.raises(OSError, match="Input/output"):
        store_upload(
            actor=city.user("principal"),
            upload=SimpleUploadedFile("通知.pdf", PDF),
            name="通知.pdf",
        )


def test_the_cache_keeps_counting_in_the_database_while_redis_is_down(db: None) -> None:
    # Nothing listens on port 1: every Redis call fails at once.
    cache = ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    assert cache.add("notice-opens:1.2.3.4", 0, timeout=90)
    assert cache.incr("notice-opens:1.2.3.4") == 1
    assert cache.incr("notice-opens:1.2.3.4") == 2
    assert cache.get("notice-opens:1.2.3.4") == 2
