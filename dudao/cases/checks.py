"""System checks: the case keys decode, and a loud warning while the public development key is in use."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security, deploy=False)
def case_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from dudao.cases import crypto

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
