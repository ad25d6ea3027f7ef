"""The production settings that the deploy/ topology relies on, read from the environment as on a server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRINT = """
import json
from django.conf import settings
default, replica = settings.DATABASES["default"], settings.DATABASES.get("replica", {})
print(json.dumps({
    "default_options": default.get("OPTIONS", {}),
    "default_no_server_cursors": default.get("DISABLE_SERVER_SIDE_CURSORS"),
    "replica_host": replica.get("HOST"),
    "replica_options": replica.get("OPTIONS", {}),
    "routers": settings.DATABASE_ROUTERS,
    "cache": settings.CACHES["default"]["BACKEND"],
    "huey": settings.HUEY["huey_class"],
}))
"""


def _settings(tmp_path: Path, **env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DUDAO_", "DJANGO_", "DATABASE", "REDIS"))}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{PRINT}"],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "dudao.settings",
            "DJANGO_SECRET_KEY": "settings-test",
            "DUDAO_CASE_KEYS": "q8l3Vt1oJ2l2bWw3Xv0Ck6n8sYl0b1mV5c3p7a9d2eQ",
            "DUDAO_VAR_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_pgbouncer_replica_and_redis_settings(tmp_path: Path) -> None:
    found = _settings(
        tmp_path,
        DATABASE_URL="postgres://dudao:secret@127.0.0.1:6432/dudao",
        DATABASE_REPLICA_URL="postgres://dudao:secret@10.0.0.12:5432/dudao",
        DUDAO_PGBOUNCER="1",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert found["default_options"] == {"connect_timeout": 5, "prepare_threshold": None}
    assert found["default_no_server_cursors"] is True
    assert found["replica_host"] == "10.0.0.12"
    assert found["replica_options"] == {"connect_timeout": 5, "prepare_threshold": None}
    assert found["routers"] == ["dudao.core.db_router.ReplicaRouter"]
    assert found["cache"] == "dudao.core.cache.ResilientRedisCache"
    assert found["huey"] == "huey.RedisHuey"


def test_without_a_replica_or_redis_nothing_extra_is_configured(tmp_path: Path) -> None:
    found = _settings(tmp_path, DATABASE_URL="postgres://dudao@127.0.0.1:5432/dudao")
    assert found["default_options"] == {"connect_timeout": 5}
    assert found["default_no_server_cursors"] is False
    assert found["replica_host"] is None
    assert found["cache"] == "dudao.core.cache.DatabaseCache"
