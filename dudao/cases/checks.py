"""System checks: the case keys decode, and a loud warning while the public development key is in use."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security, deploy=False)
def case_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from dudao.core import crypto

    try:
        crypto.reset_keyring()
        dev = crypto.using_dev_key()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="cases.E001")]
    if dev:
        return [
            checks.Warning(
                "个案文件正在使用公开的开发密钥加密：仅可用于开发、演示和测试。生产环境请设置 DUDAO_CASE_KEYS。",
                id="cases.W001",
            )
        ]
    return []


@checks.register(checks.Tags.database)
def stored_key_ids(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Stored values under a key id missing from DUDAO_CASE_KEYS cannot be read: say so before users meet it.

    Queries the database, so it runs with `manage.py check --database default` and before `migrate`."""
    import re

    from django.db import DatabaseError

    from dudao.core import crypto

    if not databases:
        return []
    try:
        crypto.reset_keyring()
        known = {key.key_id for key in crypto.keyring()}
        found = crypto.sample_key_ids()
    except ImproperlyConfigured:
        return []  # reported by cases.E001
    except DatabaseError:
        return []  # tables not created yet
    # Only the key id part is shown: a value that is not encrypted at all is counted, never printed.
    unknown = sorted(k for k in found if re.fullmatch(r"[0-9a-f]{8}", k) and k not in known)
    plain = sum(1 for k in found if not re.fullmatch(r"[0-9a-f]{8}", k))
    messages: list[checks.CheckMessage] = []
    if unknown:
        messages.append(
            checks.Error(
                f"个案数据中有用未知密钥（{', '.join(unknown)}）加密的内容，无法解密："
                "请把旧密钥加到 DUDAO_CASE_KEYS（当前密钥之后），再运行 manage.py rotate_case_keys。",
                id="cases.E002",
            )
        )
    if plain:
        messages.append(
            checks.Warning(
                "个案数据的加密字段中有未加密的内容：请运行 manage.py migrate cases（数据迁移会加密已有数据）。",
                id="cases.W002",
            )
        )
    return messages
