"""The cockpit as the home page of bureau leaders and office staff, district admins and principals; a menu entry for
every role that may read it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from dudao.accounts.models import User
from dudao.cockpit import views
from dudao.core.home import register_page
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.orgs.roles import Role
from dudao.orgs.scoping import can

nav_item("领导驾驶舱", "cockpit:index", permission="cockpit.read", order=5)

HOME_ROLES = frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF, Role.DISTRICT_ADMIN, Role.PRINCIPAL})


@register_page("cockpit")
def cockpit_home(request: HttpRequest, acting: RoleAssignment | None) -> HttpResponse | None:
    user = request.user
    if acting is None or acting.role not in HOME_ROLES or not isinstance(user, User) or not can(user, "cockpit.read"):
        return None
    return views.render_cockpit(request, user, acting.unit, is_home=True)
