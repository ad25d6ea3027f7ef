"""The one error type services raise for refused operations."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused operation, with a Chinese message the user can act on.

    `status` is the HTTP status the API answers with: 400 for bad input,
    409 for conflicts (stale version, illegal transition, duplicates).
    """

    def __init__(self, message: str, *, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class StaleEditError(DomainError):
    def __init__(self) -> None:
        super().__init__("该记录已被他人修改，请刷新页面后重试", code="stale_version", status=409)


class Forbidden(DomainError):
    """The acting role may not do this here. Views answer 403; objects out of scope answer 404."""

    def __init__(self, message: str = "您没有执行此操作的权限") -> None:
        super().__init__(message, code="forbidden", status=403)


def check_version(obj: Any, version: int | None) -> None:
    """Optimistic locking: the version a form or request was based on must still be the object's current one."""
    if version is not None and int(version) != obj.version:
        raise StaleEditError()
