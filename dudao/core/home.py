"""The home page registry: each app contributes to-dos and counters without editing the home view.

An app registers a provider in its AppConfig.ready():

    from dudao.core.home import register

    @register("orgs")
    def orgs_home(user, acting) -> list[HomeItem]: ...

The provider receives the user and the acting assignment and returns items already scoped.

A higher app may also replace the whole home page for some users (the cockpit for bureau leaders):

    from dudao.core.home import register_page

    @register_page("cockpit")
    def cockpit_home(request, acting) -> HttpResponse | None: ...  # None: not for this user

The first page that answers is shown, before any provider runs (the page fetches the to-dos itself, `collect`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from dudao.accounts.models import User
    from dudao.orgs.models import RoleAssignment


@dataclass(frozen=True)
class HomeItem:
    title: str
    count: int | None = None
    url: str = ""
    # "todo" items need action; "info" items are counters.
    kind: str = "info"
    level: str = "secondary"  # bootstrap colour: danger / warning / success / secondary
    hint: str = ""
    order: int = 100
    extra: dict[str, Any] = field(default_factory=dict)


Provider = Callable[["User", "RoleAssignment | None"], list[HomeItem]]
_providers: dict[str, Provider] = {}


def register(name: str) -> Callable[[Provider], Provider]:
    def decorator(fn: Provider) -> Provider:
        _providers[name] = fn
        return fn

    return decorator


def collect(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    items: list[HomeItem] = []
    for provider in _providers.values():
        items.extend(provider(user, acting))
    return sorted(items, key=lambda item: (item.kind != "todo", item.order, item.title))


HomePage = Callable[["HttpRequest", "RoleAssignment | None"], "HttpResponse | None"]
_pages: dict[str, HomePage] = {}


def register_page(name: str) -> Callable[[HomePage], HomePage]:
    def decorator(fn: HomePage) -> HomePage:
        _pages[name] = fn
        return fn

    return decorator


def page_for(request: HttpRequest, acting: RoleAssignment | None) -> HttpResponse | None:
    """The home page an app shows instead of the list of to-dos and counters, if any answers for this user."""
    for page in _pages.values():
        response = page(request, acting)
        if response is not None:
            return response
    return None
