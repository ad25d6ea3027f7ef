"""Main-menu entries contributed by apps, shown to users whose acting role grants the permission.

from dudao.core.nav import nav_item
nav_item("督查测评", "inspections:rounds", permission="inspection.read", order=30)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str
    order: int


_items: dict[str, NavItem] = {}


def nav_item(label: str, url_name: str, *, permission: str, order: int = 100) -> None:
    _items[url_name] = NavItem(label, url_name, permission, order)


def registered() -> list[NavItem]:
    return sorted(_items.values(), key=lambda item: (item.order, item.label))
