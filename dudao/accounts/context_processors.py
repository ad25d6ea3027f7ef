from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dudao.core.nav import menu_for, workbench_tiles
from dudao.orgs.scoping import acting_assignment, assignments_of, can


def acting(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    menu = menu_for(
        user,
        path=request.path,
        query=request.META.get("QUERY_STRING", ""),
        namespace=match.namespace if match else "",
        can=can,
    )
    return {
        "acting": acting_assignment(user),
        "acting_assignments": assignments_of(user),
        "nav_menu": menu,
        "workbench_tiles": workbench_tiles(menu),
    }
