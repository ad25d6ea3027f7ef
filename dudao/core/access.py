"""Who is acting and what they may do, for core's shared view helpers (`web.require`, the home page).

Roles, assignments and the permission table belong to `orgs`, a floor above core. orgs plugs its answers in
from its AppConfig.ready(), so core never imports it (docs/architecture.md, "Layers").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Access:
    # (user, "resource.action") → whether the acting assignment grants it
    can: Callable[[Any, str], bool]
    # user → the assignment they act through now, or None
    acting_assignment: Callable[[Any], Any]


_access: Access | None = None


def plug(access: Access) -> None:
    global _access
    _access = access


def access() -> Access:
    if _access is None:
        raise ImproperlyConfigured("No access rules are plugged in: dudao.orgs must be in INSTALLED_APPS.")
    return _access
