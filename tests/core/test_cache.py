"""Production never counts rate limits in a per-process cache: every worker must see the same counters."""

from __future__ import annotations

import runpy
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection, connections
from django.test import override_settings

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "dudao" / "settings.py"
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "a-production-key-only-for-this-test-0123456789-abcdefghij",
    "DUDAO_CASE_KEYS": "dGVzdC1vbmx5LWtleS0wMTIzNDU2Nzg5MDEyMzQ1Njc4OQ",
}


def settings_under(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """dudao/settings.py evaluated afresh under exactly `env` (plus a scratch var dir)."""
    for name in ("DUDAO_DEBUG", "DUDAO_DEMO", "REDIS_URL", "DJANGO_SECRET_KEY", "DUDAO_CASE_KEYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DUDAO_VAR_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def production_caches(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    return dict(settings_under(PRODUCTION_ENV, monkeypatch, tmp_path)["CACHES"])


def test_production_without_redis_uses_the_database_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cache = production_caches(monkeypatch, tmp_path)["default"]
    assert cache["BACKEND"] == "dudao.core.cache.DatabaseCache" and cache["LOCATION"] == "dudao_cache"


def test_production_with_redis_uses_redis(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = {**PRODUCTION_ENV, "REDIS_URL": "redis://127.0.0.1:6379/0"}
    cache = settings_under(env, monkeypatch, tmp_path)["CACHES"]["default"]
    # Redis, falling back to the database cache while Redis does not answer (tests/ops/test_availability.py).
    assert cache["BACKEND"] == "dudao.core.cache.ResilientRedisCache"
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/0"


def test_development_keeps_local_memory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cache = settings_under({"DUDAO_DEBUG": "1"}, monkeypatch, tmp_path)["CACHES"]["default"]
    assert cache["BACKEND"].endswith("LocMemCache")


@pytest.mark.django_db
def test_two_cache_connections_share_one_counter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Two connections of the production backend, as two gunicorn workers would hold, count together."""
    with override_settings(CACHES=production_caches(monkeypatch, tmp_path)):
        worker_a = caches.create_connection("default")
        worker_b = caches.create_connection("default")
        assert worker_a is not worker_b
        assert worker_a.add("notices:open:abc:1", 1, timeout=90)
        assert not worker_b.add("notices:open:abc:1", 1, timeout=90)
        assert worker_b.incr("notices:open:abc:1") == 2
        assert worker_a.incr("notices:open:abc:1") == 3
        assert worker_b.get("notices:open:abc:1") == 3
    # The counter lives in the database (made by `migrate`), not in either process.
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM dudao_cache")
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite serialises writers by its IMMEDIATE lock")
def test_parallel_increments_are_not_lost(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Django's database `incr` is get + set: parallel workers reading the same value lose counts."""
    threads_count, per_thread = 6, 15
    with override_settings(CACHES=production_caches(monkeypatch, tmp_path)):
        caches.create_connection("default").set("burst", 0, timeout=300)
        start = threading.Barrier(threads_count)

        def worker() -> None:
            cache = caches.create_connection("default")
            try:
                start.wait()
                for _ in range(per_thread):
                    cache.incr("burst")
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert caches.create_connection("default").get("burst") == threads_count * per_thread
