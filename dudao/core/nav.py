"""The main menu: entries contributed by apps, grouped, shown to users whose acting role grants the permission.

An app registers its entries when it loads (home.py or AppConfig.ready()):

    from dudao.core.nav import nav_item
    nav_item("督查测评", "inspections:rounds", permission="inspection.read", order=30)

The entry lands in the group of its URL namespace (`NAMESPACE_GROUPS`); pass `group=` where an entry belongs
elsewhere (个案访问报告 is a 系统 page of the cases app). `permission` may be one permission, a tuple of which any
one suffices, or None for every signed-in user with a role.

`menu_for()` builds the menu of one request: groups in a fixed order, each with the entries the user may open, the
group and entry of the current page marked. The navbar (base.html) and the phone 工作台 grid
(core/_workbench_grid.html) both render it, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Group:
    key: str
    label: str


# The bar reads left to right in this order.
GROUPS: tuple[Group, ...] = (
    Group("workbench", "工作台"),
    Group("inspection", "督查整改"),
    Group("deployment", "部署报送"),
    Group("health", "卫生健康"),
    Group("care", "学生关爱"),
    Group("safety", "安全值守"),
    Group("system", "系统"),
)
_GROUP_KEYS = {group.key for group in GROUPS}

# Where an app's entries go unless the nav_item call says otherwise.
NAMESPACE_GROUPS: dict[str, str] = {
    "core": "workbench",
    "cockpit": "workbench",
    "campaigns": "workbench",
    "meetings": "workbench",
    "briefings": "workbench",
    "supervision": "workbench",
    "appraisal": "workbench",
    "profiles": "workbench",
    "inspections": "inspection",
    "rectification": "inspection",
    "dashboard": "inspection",
    "directives": "deployment",
    "breakdown": "deployment",
    "health": "health",
    "cases": "care",
    "notices": "care",
    "duty": "safety",
    "orgs": "system",
    "accounts": "system",
    "audit": "system",
}

Permission = str | tuple[str, ...] | None


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: Permission
    order: int
    group: str
    query: str = ""

    @property
    def namespace(self) -> str:
        return self.url_name.split(":", 1)[0] if ":" in self.url_name else ""


_items: dict[tuple[str, str], NavItem] = {}


def nav_item(
    label: str,
    url_name: str,
    *,
    permission: Permission,
    order: int = 100,
    group: str | None = None,
    query: str = "",
) -> None:
    """Register a menu entry (idempotent: registering the same URL again replaces it)."""
    namespace = url_name.split(":", 1)[0] if ":" in url_name else ""
    group = group or NAMESPACE_GROUPS.get(namespace)
    if group is None:
        raise ValueError(f"menu entry {url_name!r}: no group for namespace {namespace!r}; pass group=")
    if group not in _GROUP_KEYS:
        raise ValueError(f"menu entry {url_name!r}: unknown group {group!r}")
    _items[(url_name, query)] = NavItem(label, url_name, permission, order, group, query)


def registered() -> list[NavItem]:
    return sorted(_items.values(), key=lambda item: (item.order, item.label))


def group_of_namespace(namespace: str) -> str | None:
    return NAMESPACE_GROUPS.get(namespace)


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url: str
    path: str
    active: bool = False  # the current page's entry
    here: bool = False  # leads to the current address (whatever its query string)


@dataclass(frozen=True)
class MenuGroup:
    key: str
    label: str
    entries: tuple[MenuEntry, ...]
    active: bool = False

    @property
    def single(self) -> MenuEntry | None:
        """The one entry of a group that has only one: the bar shows it as a plain link, not a dropdown."""
        return self.entries[0] if len(self.entries) == 1 else None


def _allowed(permission: Permission, can: Callable[[Any, str], bool], user: Any) -> bool:
    if permission is None:
        return True
    if isinstance(permission, str):
        return can(user, permission)
    return any(can(user, one) for one in permission)


def _matches(entry_path: str, entry_query: str, path: str, query: str) -> bool:
    """Does the page at path?query belong to the entry? An entry with a query string (我的待办 `/?view=todos`) only
    when the page was asked with it: `/` alone may be the cockpit standing in for the to-do list."""
    if entry_query and not set(entry_query.split("&")) <= set(query.split("&")):
        return False
    if entry_path == "/":
        return path == "/"
    return path.startswith(entry_path)


def menu_for(
    user: Any,
    *,
    path: str = "",
    query: str = "",
    namespace: str = "",
    can: Callable[[Any, str], bool] | None = None,
) -> list[MenuGroup]:
    """The menu for this user on the page at `path` (URL namespace `namespace`); empty groups are left out.

    The current entry is the one whose address is the longest prefix of the path (个案访问报告 /cases/access/ wins over
    一生一案 /cases/); a page no entry leads to marks the group of its namespace.
    """
    if can is None:
        from dudao.core.access import access

        can = access().can
    visible: dict[str, list[tuple[NavItem, str, str]]] = {group.key: [] for group in GROUPS}
    for item in registered():
        if not _allowed(item.permission, can, user):
            continue
        try:
            entry_path = reverse(item.url_name)
        except NoReverseMatch:  # an app not installed in this configuration
            continue
        url = f"{entry_path}?{item.query}" if item.query else entry_path
        visible[item.group].append((item, entry_path, url))
    best: tuple[str, str] | None = None  # (group key, url) of the current entry
    best_length = -1
    for key, rows in visible.items():
        for item, entry_path, url in rows:
            if path and _matches(entry_path, item.query, path, query) and len(entry_path) > best_length:
                best, best_length = (key, url), len(entry_path)
    active_group = best[0] if best else NAMESPACE_GROUPS.get(namespace, "")
    menu: list[MenuGroup] = []
    for group in GROUPS:
        rows = visible[group.key]
        if not rows:
            continue
        entries = tuple(
            MenuEntry(
                item.label,
                url,
                entry_path,
                active=best is not None and best == (group.key, url),
                here=bool(path) and entry_path == path,
            )
            for item, entry_path, url in rows
        )
        menu.append(MenuGroup(group.key, group.label, entries, active=group.key == active_group))
    return menu


def workbench_tiles(menu: list[MenuGroup], limit: int = 8) -> list[MenuEntry]:
    """The phone 工作台 grid: up to `limit` entries of the role, taken a group at a time (the first entry of every
    group, then the second, ...) so each line of work the role has is one tap away; 系统 (administration is a desk
    job) and the page one is on are left out. The menu holds the rest."""
    columns = [
        [entry for entry in group.entries if not (entry.active or entry.here)]
        for group in menu
        if group.key != "system"
    ]
    tiles: list[MenuEntry] = []
    depth = 0
    while len(tiles) < limit and any(depth < len(column) for column in columns):
        for column in columns:
            if depth < len(column) and len(tiles) < limit:
                tiles.append(column[depth])
        depth += 1
    return tiles
