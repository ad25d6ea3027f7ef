from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dudao.core.nav import registered
from dudao.orgs.scoping import acting_assignment, assignments_of, can


def acting(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "acting": acting_assignment(user),
        "acting_assignments": assignments_of(user),
        "perms_nav": {
            "orgunit": can(user, "orgunit.read"),
            "staff": can(user, "staff.read"),
            "audit": can(user, "audit.read_access"),
        },
        "nav_items": [item for item in registered() if can(user, item.permission)],
    }
