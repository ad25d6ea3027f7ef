"""One backup of an installation in one folder, and its restore into an empty installation.

A backup folder holds:

- `database.sqlite3` (SQLite's online backup API: a consistent copy while the site runs) or `database.dump`
  (`pg_dump --format=custom`, taken in the same snapshot as the row counts);
- `media.tar`: uploaded files (`MEDIA_ROOT`);
- `queue.json`: the job queue's pending and scheduled jobs (huey);
- `manifest.json`: format, versions, applied migrations, the row count of every table, the ids of the case keys
  the data needs (`core.crypto` key ids: a hash prefix, never a key) and a SHA-256 of every file;
- `说明.txt`: what the folder is and what it does not hold.

The case keys (`DUDAO_CASE_KEYS`) are never in a backup: whoever holds a backup and its keys can read every case
file, so they are kept apart (docs/部署与运维.md, 密钥保管). A restore refuses to run when a key the data needs is
missing from the target's environment, naming its id; it refuses a database that already holds data unless forced;
it refuses a backup made by a newer version; and after restoring it counts the rows of every table again.

core is the bottom floor: the case key ids come from a provider that `cases` registers (`register_case_key_ids`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
MEDIA_FILE = "media.tar"
QUEUE_FILE = "queue.json"
README_FILE = "说明.txt"

KEY_NOTICE = (
    "注意：备份中不含个案加密密钥（DUDAO_CASE_KEYS）。密钥必须与备份分开保管（不同的介质、不同的保管人）；"
    "没有备份时使用的密钥，恢复后的个案内容（心理健康、控辍保学等记录正文）无法解密，任何人都无法找回。"
)

# Tables that a freshly migrated installation already fills (Django's own, the cache, reference data the migrations
# seed); rows elsewhere mean "this database holds data". tests/ops checks the list against `migrate`.
FRAMEWORK_TABLES = frozenset(
    {
        "django_migrations",
        "django_content_type",
        "auth_permission",
        "django_session",
        "dudao_cache",
        "health_disease",
        "health_clusterthreshold",
        "supervision_accountabilityform",
        "command_summarystate",
        "orgs_unittag",  # the built-in risk tags (地势低洼, 水库下游, …)
    }
)


class BackupError(Exception):
    """A refusal or a failure, with a message for the operator (Chinese)."""


_case_key_ids: Callable[[], list[str]] | None = None


def register_case_key_ids(provider: Callable[[], list[str]]) -> None:
    """`cases` plugs in the ids of the keys in DUDAO_CASE_KEYS (current first)."""
    global _case_key_ids
    _case_key_ids = provider


def case_key_ids() -> list[str]:
    return list(_case_key_ids()) if _case_key_ids is not None else []


@dataclass
class Manifest:
    format: int
    created_at: str
    dudao_version: str
    django_version: str
    engine: str
    migrations: dict[str, list[str]]
    row_counts: dict[str, int]
    case_key_ids: list[str]
    files: dict[str, str] = field(default_factory=dict)
    queue: dict[str, int] = field(default_factory=dict)

    def dump(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(self.__dict__, ensure_ascii=False, indent=2, sort_keys=True))

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        if not path.is_file():
            raise BackupError(f"{folder} 不是督导通的备份：缺少 {MANIFEST}")
        try:
            data = json.loads(path.read_text())
            manifest = cls(**data)
        except (ValueError, TypeError) as exc:
            raise BackupError(f"备份清单 {path} 已损坏，无法读取：{exc}") from exc
        if manifest.format != FORMAT:
            raise BackupError(f"备份格式 {manifest.format} 不受支持（本版本读取格式 {FORMAT}）")
        return manifest


@dataclass
class RestoreReport:
    tables: int
    rows: int
    media_files: int
    queued_jobs: int
    pending_migrations: list[str]


def _connection() -> BaseDatabaseWrapper:
    return connections[DEFAULT_DB_ALIAS]


def _engine(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库类型：{connection.vendor}")
    return connection.vendor


def _version() -> str:
    try:
        return metadata.version("dudao")
    except metadata.PackageNotFoundError:
        return "unknown"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def count_rows(connection: BaseDatabaseWrapper) -> dict[str, int]:
    """Rows of every table (Django's and ours), by name."""
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            # Table names come from the database's own catalogue, quoted by the backend.
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = int(cursor.fetchone()[0])
    return counts


def applied_migrations(connection: BaseDatabaseWrapper) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    if "django_migrations" not in connection.introspection.table_names():
        return applied
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            applied.setdefault(app, []).append(name)
    return applied


def data_tables(counts: dict[str, int]) -> dict[str, int]:
    """The tables that hold rows beyond what `migrate` itself writes."""
    return {table: n for table, n in counts.items() if n and table not in FRAMEWORK_TABLES}


# --- backup -------------------------------------------------------------------------------------------------------


def backup(target: Path, *, include_media: bool = True) -> Manifest:
    """Write one backup of this installation into the folder `target` (created; must not hold files)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"备份目标 {target} 已存在且不是空目录：请指定一个新的目录，旧备份不会被覆盖")
    target.mkdir(parents=True, exist_ok=True)
    connection = _connection()
    engine = _engine(connection)
    if engine == "sqlite":
        counts, migrations = _backup_sqlite(connection, target / SQLITE_FILE)
    else:
        counts, migrations = _backup_postgresql(connection, target / PG_FILE)
    media_count = _backup_media(target / MEDIA_FILE) if include_media else 0
    queue = _backup_queue(target / QUEUE_FILE)
    manifest = Manifest(
        format=FORMAT,
        created_at=timezone.localtime().isoformat(timespec="seconds"),
        dudao_version=_version(),
        django_version=django.get_version(),
        engine=engine,
        migrations=migrations,
        row_counts=counts,
        case_key_ids=case_key_ids(),
        queue={**queue, "media_files": media_count},
    )
    (target / README_FILE).write_text(
        f"督导通备份（{manifest.created_at}，{engine}）。\n恢复：python manage.py restore {target}\n\n{KEY_NOTICE}\n"
        f"本备份的个案内容需要以下密钥编号对应的密钥：{', '.join(manifest.case_key_ids) or '（无）'}\n"
    )
    manifest.files = {p.name: _sha256(p) for p in sorted(target.iterdir()) if p.name not in (MANIFEST,)}
    manifest.dump(target)
    return manifest


def _backup_sqlite(connection: BaseDatabaseWrapper, path: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    connection.ensure_connection()
    destination = sqlite3.connect(path)
    try:
        # Page by page while the site keeps writing; the copy is one consistent state.
        connection.connection.backup(destination)
    finally:
        destination.close()
    # Counted in the copy itself, so the counts describe exactly what was saved.
    copy = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        counts = {}
        tables = [
            row[0]
            for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        ]
        for table in sorted(tables):
            counts[table] = int(copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])  # noqa: S608
        migrations: dict[str, list[str]] = {}
        if "django_migrations" in tables:
            for app, name in copy.execute("SELECT app, name FROM django_migrations ORDER BY app, name"):
                migrations.setdefault(app, []).append(name)
    finally:
        copy.close()
    return counts, migrations


def _pg_environment(connection: BaseDatabaseWrapper) -> tuple[list[str], dict[str, str]]:
    params = connection.settings_dict
    args = ["--dbname", str(params["NAME"])]
    if params.get("HOST"):
        args += ["--host", str(params["HOST"])]
    if params.get("PORT"):
        args += ["--port", str(params["PORT"])]
    if params.get("USER"):
        args += ["--username", str(params["USER"])]
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    return args, env


def _pg_tool(name: str) -> str:
    folder = os.environ.get("DUDAO_PG_BIN", "")
    tool = str(Path(folder) / name) if folder else shutil.which(name)
    if not tool:
        raise BackupError(
            f"找不到 {name}：请安装 PostgreSQL 客户端（apt-get install postgresql-client）或设置 DUDAO_PG_BIN"
        )
    return tool


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what}失败（退出码 {result.returncode}）：{result.stderr.strip()[-2000:]}")


def _backup_postgresql(connection: BaseDatabaseWrapper, path: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """pg_dump in the snapshot the row counts were taken in: counts and dump describe the same moment."""
    args, env = _pg_environment(connection)
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.autocommit
    raw.autocommit = False
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts: dict[str, int] = {}
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
            for (table,) in cursor.fetchall():
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                counts[table] = int(cursor.fetchone()[0])
            migrations: dict[str, list[str]] = {}
            if "django_migrations" in counts:
                cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
                for app, name in cursor.fetchall():
                    migrations.setdefault(app, []).append(name)
            _run(
                [
                    _pg_tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(path),
                    *args,
                ],
                env,
                "pg_dump 导出数据库",
            )
        raw.rollback()
    finally:
        raw.autocommit = previous
    return counts, migrations


def _backup_media(path: Path) -> int:
    root = Path(settings.MEDIA_ROOT)
    count = 0
    with tarfile.open(path, "w") as archive:
        if root.is_dir():
            for file in sorted(root.rglob("*")):
                if file.is_file():
                    archive.add(file, arcname=str(file.relative_to(root)), recursive=False)
                    count += 1
    return count


def _huey() -> Any:
    from huey.contrib.djhuey import HUEY

    return HUEY


def _backup_queue(path: Path) -> dict[str, int]:
    huey = _huey()
    pending = [base64.b64encode(data).decode() for data in huey.storage.enqueued_items()]
    scheduled = []
    for data in huey.storage.scheduled_items():
        # The job's own time as huey keeps it (naive: UTC or local per huey's `utc`, the same after a restore).
        message = huey.serializer.deserialize(data)
        eta = message.eta.isoformat() if isinstance(message.eta, dt.datetime) else None
        scheduled.append({"data": base64.b64encode(data).decode(), "eta": eta})
    path.write_text(json.dumps({"pending": pending, "scheduled": scheduled}))
    return {"pending": len(pending), "scheduled": len(scheduled)}


# --- restore ------------------------------------------------------------------------------------------------------


def check_restorable(source: Path, *, force: bool = False) -> Manifest:
    """Every refusal before anything is touched."""
    manifest = Manifest.load(source)
    for name, digest in manifest.files.items():
        path = source / name
        if not path.is_file():
            raise BackupError(f"备份不完整：缺少文件 {name}")
        if _sha256(path) != digest:
            raise BackupError(f"备份文件 {name} 已损坏（校验和不符），不能用于恢复")
    connection = _connection()
    engine = _engine(connection)
    if engine != manifest.engine:
        raise BackupError(
            f"备份来自 {manifest.engine} 数据库，当前安装使用 {engine}：只能恢复到同类数据库"
            "（换数据库请用 dumpdata/loaddata 迁移）"
        )
    missing = [key_id for key_id in manifest.case_key_ids if key_id not in case_key_ids()]
    if missing:
        raise BackupError(
            f"当前 DUDAO_CASE_KEYS 中没有备份所用的个案密钥（密钥编号 {'、'.join(missing)}）："
            "恢复后个案内容将无法解密。请把备份时的密钥加入 DUDAO_CASE_KEYS（当前密钥在前，旧密钥在后）后重试。"
            "密钥不在备份中，须从另行保管处取得。"
        )
    unknown = _unknown_migrations(manifest)
    if unknown:
        raise BackupError(
            f"备份来自更新的版本（本程序没有迁移 {'、'.join(unknown[:5])}）：请先升级程序到备份时的版本再恢复"
        )
    if not force:
        filled = data_tables(count_rows(connection)) if connection.introspection.table_names() else {}
        if filled:
            sample = "、".join(f"{t}（{n} 行）" for t, n in sorted(filled.items())[:5])
            raise BackupError(
                f"目标数据库不是空的：{sample} 等 {len(filled)} 个表已有数据。恢复会整体替换这些数据；"
                "确认要覆盖时加 --force（建议先对当前数据做一次备份）"
            )
        media = Path(settings.MEDIA_ROOT)
        if media.is_dir() and any(p.is_file() for p in media.rglob("*")):
            raise BackupError(f"上传文件目录 {media} 不是空的：确认要覆盖时加 --force")
    return manifest


def _unknown_migrations(manifest: Manifest) -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    return [
        f"{app}.{name}"
        for app, names in sorted(manifest.migrations.items())
        for name in names
        if (app, name) not in known
    ]


def restore(source: Path, *, force: bool = False) -> RestoreReport:
    manifest = check_restorable(source, force=force)
    connection = _connection()
    if manifest.engine == "sqlite":
        _restore_sqlite(connection, source / SQLITE_FILE)
    else:
        _restore_postgresql(connection, source / PG_FILE)
    media_files = _restore_media(source / MEDIA_FILE, replace=force) if (source / MEDIA_FILE).exists() else 0
    queued = _restore_queue(source / QUEUE_FILE) if (source / QUEUE_FILE).exists() else 0
    counts = count_rows(connection)
    wrong = {
        table: (expected, counts.get(table))
        for table, expected in manifest.row_counts.items()
        if table != "dudao_cache" and counts.get(table) != expected
    }
    if wrong:
        details = "；".join(
            f"{t}：备份 {e} 行，恢复后 {'缺表' if n is None else f'{n} 行'}" for t, (e, n) in wrong.items()
        )
        raise BackupError(f"恢复后的行数与备份清单不符：{details}")
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    pending = [f"{app}.{name}" for app, name in sorted(set(loader.disk_migrations) - loader.applied_migrations.keys())]
    return RestoreReport(
        tables=len(counts),
        rows=sum(n for t, n in counts.items() if t != "dudao_cache"),
        media_files=media_files,
        queued_jobs=queued,
        pending_migrations=pending,
    )


def _restore_sqlite(connection: BaseDatabaseWrapper, path: Path) -> None:
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("不能在事务中恢复数据库")
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        # Replaces every page of the open database: schema, data, triggers (the audit trail's guards) and all.
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_postgresql(connection: BaseDatabaseWrapper, path: Path) -> None:
    args, env = _pg_environment(connection)
    connection.close()
    # --clean drops what `migrate` created, then the dump's schema, data, indexes and triggers return in one
    # transaction: a failure leaves the database as it was.
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(path),
        ],
        env,
        "pg_restore 恢复数据库",
    )


def _restore_media(path: Path, *, replace: bool) -> int:
    root = Path(settings.MEDIA_ROOT)
    if replace and root.is_dir():
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path) as archive:
        members = [m for m in archive.getmembers() if m.isfile()]
        # filter="data": no absolute paths, no "..", no links out of the folder, no device files.
        archive.extractall(root, members=members, filter="data")
    return len(members)


def _restore_queue(path: Path) -> int:
    huey = _huey()
    data = json.loads(path.read_text())
    for item in data.get("pending", []):
        huey.storage.enqueue(base64.b64decode(item))
    for item in data.get("scheduled", []):
        message = huey.serializer.deserialize(base64.b64decode(item["data"]))
        huey.storage.add_to_schedule(base64.b64decode(item["data"]), message.eta)
    return len(data.get("pending", [])) + len(data.get("scheduled", []))
