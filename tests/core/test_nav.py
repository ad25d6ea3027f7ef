"""The grouped main menu (dudao.core.nav) and how the navbar and the phone 工作台 grid render it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from dudao.accounts.models import User
from dudao.core import nav
from dudao.orgs.scoping import can
from tests.factories import ROLE_HOLDERS, City


def allow(*permissions: str) -> Callable[[object, str], bool]:
    return lambda _user, permission: permission in permissions


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty registry of entries for the test, the real one left untouched."""
    monkeypatch.setattr(nav, "_items", {})


def register_sample() -> None:
    nav.nav_item("我的待办", "core:home", permission=None, order=6, query="view=todos")
    nav.nav_item("一生一案", "cases:list", permission="case.read", order=40)
    nav.nav_item("家访", "cases:visits", permission="homevisit.read", order=42)
    nav.nav_item("个案访问报告", "cases:access_report", permission="case.access_report", order=94, group="system")
    nav.nav_item("晨午检", "health:today", permission="health.read", order=40)
    nav.nav_item("组织机构", "orgs:tree", permission="orgunit.read", order=90)
    nav.nav_item("导入记录", "core:imports", permission=("student.change", "duty.change"), order=95, group="system")


@pytest.mark.usefixtures("registry")
class TestGrouping:
    def test_entries_land_in_the_group_of_their_namespace_in_the_fixed_order(self) -> None:
        register_sample()
        menu = nav.menu_for(None, can=allow("case.read", "homevisit.read", "health.read", "orgunit.read"))
        assert [group.label for group in menu] == ["工作台", "卫生健康", "学生关爱", "系统"]
        care = next(group for group in menu if group.key == "care")
        assert [entry.label for entry in care.entries] == ["一生一案", "家访"]
        assert care.single is None

    def test_a_role_sees_only_what_it_may_use_and_empty_groups_are_left_out(self) -> None:
        register_sample()
        menu = nav.menu_for(None, can=allow("health.read"))
        assert [(group.label, [entry.label for entry in group.entries]) for group in menu] == [
            ("工作台", ["我的待办"]),
            ("卫生健康", ["晨午检"]),
        ]
        assert all(group.single is not None for group in menu)

    def test_any_one_of_several_permissions_opens_an_entry(self) -> None:
        register_sample()
        labels = lambda menu: [e.label for g in menu for e in g.entries]  # noqa: E731
        assert "导入记录" in labels(nav.menu_for(None, can=allow("duty.change")))
        assert "导入记录" not in labels(nav.menu_for(None, can=allow("duty.read")))

    def test_the_current_page_marks_its_entry_and_group_longest_address_first(self) -> None:
        register_sample()
        everything = allow("case.read", "homevisit.read", "case.access_report", "health.read", "orgunit.read")
        menu = nav.menu_for(None, path="/cases/access/", namespace="cases", can=everything)
        active = [(g.key, e.label) for g in menu for e in g.entries if e.active]
        assert active == [("system", "个案访问报告")]
        assert [g.key for g in menu if g.active] == ["system"]
        menu = nav.menu_for(None, path="/cases/12/", namespace="cases", can=everything)
        assert [(g.key, e.label) for g in menu for e in g.entries if e.active] == [("care", "一生一案")]

    def test_a_page_no_entry_leads_to_marks_the_group_of_its_namespace(self) -> None:
        register_sample()
        menu = nav.menu_for(None, path="/duty/rotas/3/", namespace="health", can=allow("health.read"))
        assert [g.key for g in menu if g.active] == ["health"]
        assert not any(e.active for g in menu for e in g.entries)

    def test_the_todo_entry_is_current_only_on_the_todo_list(self) -> None:
        register_sample()
        menu = nav.menu_for(None, path="/", query="view=todos", namespace="core", can=allow())
        assert menu[0].entries[0].active and menu[0].entries[0].url == "/?view=todos"
        # `/` alone may be the cockpit standing in for the list: the group is marked, not the entry.
        menu = nav.menu_for(None, path="/", namespace="core", can=allow())
        assert menu[0].active and not menu[0].entries[0].active
        menu = nav.menu_for(None, path="/orgs/", namespace="orgs", can=allow("orgunit.read"))
        assert not menu[0].entries[0].active and menu[-1].active

    def test_an_entry_needs_a_known_group(self) -> None:
        with pytest.raises(ValueError, match="no group"):
            nav.nav_item("外部", "nowhere:list", permission=None)
        with pytest.raises(ValueError, match="unknown group"):
            nav.nav_item("一生一案", "cases:list", permission=None, group="misc")
        assert nav.registered() == []

    def test_phone_tiles_take_a_group_at_a_time_without_system_or_the_current_page(self) -> None:
        register_sample()
        everything = allow("case.read", "homevisit.read", "case.access_report", "health.read", "orgunit.read")
        menu = nav.menu_for(None, path="/", can=everything)
        assert [e.label for e in nav.workbench_tiles(menu)] == ["晨午检", "一生一案", "家访"]
        assert [e.label for e in nav.workbench_tiles(menu, limit=2)] == ["晨午检", "一生一案"]


def test_every_installed_entry_has_a_group_and_an_address() -> None:
    items = nav.registered()
    assert {item.group for item in items} <= {group.key for group in nav.GROUPS}
    labels = {item.label for item in items}
    assert {
        "我的待办",
        "领导驾驶舱",
        "督查测评",
        "工作部署",
        "晨午检",
        "一生一案",
        "值班值守",
        "组织机构",
        "审计",
    } <= labels


# ---- the rendered navbar, for every role of the test city ----

MENU_LIST = re.compile(r'data-testid="menu-list">(.*?)<div class="main-nav-user', re.S)
LINK = re.compile(r'<a class="menu-list-link[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>')


def menu_links(html: str) -> list[tuple[str, str]]:
    found = MENU_LIST.search(html)
    assert found, "the page has no menu"
    return [(href.replace("&amp;", "&"), label) for href, label in LINK.findall(found.group(1))]


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(ROLE_HOLDERS))
def test_every_menu_entry_of_a_role_opens_for_that_role(
    key: str, city: City, signed_in: Callable[[User], Client]
) -> None:
    user = city.user(key)
    client = signed_in(user)
    links = menu_links(client.get("/?view=todos").content.decode())
    expected = [item.label for item in nav.registered() if nav._allowed(item.permission, can, user)]
    assert sorted(label for _href, label in links) == sorted(expected)
    for href, label in links:
        response = client.get(href, follow=True)  # 晨午检 leads a leader on to the dashboard
        assert response.status_code == 200, f"{key}: {label} {href} → {response.status_code}"


@pytest.mark.django_db
def test_a_class_teacher_sees_plain_links_for_one_entry_groups(city: City, signed_in: Callable[[User], Client]) -> None:
    html = signed_in(city.user("class_teacher")).get("/?view=todos").content.decode()
    bar = html.split('data-testid="menu-bar">')[1].split('data-testid="menu-list"')[0]
    # 督查整改 and 部署报送 hold one entry each for a class teacher: plain links, not dropdowns.
    assert re.search(r'<a class="nav-link[^"]*" href="/ledger/"[^>]*>整改台账</a>', bar)
    assert re.search(r'<a class="nav-link[^"]*" href="/directives/"[^>]*>工作部署</a>', bar)
    # 工作台 holds 我的待办 and 校历 (a dropdown), with the current page marked.
    assert 'data-bs-toggle="dropdown"' in bar
    assert re.search(r'href="/\?view=todos" aria-current="page">我的待办<', bar)
    assert ">领导驾驶舱<" not in bar and ">审计<" not in bar


@pytest.mark.django_db
def test_a_leader_gets_dropdowns_and_the_phone_grid(city: City, signed_in: Callable[[User], Client]) -> None:
    html = signed_in(city.user("bureau_leader")).get("/?view=todos").content.decode()
    bar = html.split('data-testid="menu-bar">')[1].split('data-testid="menu-list"')[0]
    toggles = re.findall(r'data-bs-toggle="dropdown" aria-expanded="false"[^>]*>([^<]+)</button>', bar)
    assert toggles[0] == "工作台" and "督查整改" in toggles
    grid = html.split('data-testid="workbench"')[1].split("</nav>")[0]
    tiles = re.findall(r'class="workbench-tile h-100" href="[^"]+">([^<]+)<', grid)
    assert 1 <= len(tiles) <= 8 and "我的待办" not in tiles and "领导驾驶舱" in tiles
    assert "全部功能" in grid


@pytest.mark.django_db
def test_the_current_group_is_marked_on_a_module_page(city: City, signed_in: Callable[[User], Client]) -> None:
    response = signed_in(city.user("bureau_staff")).get("/orgs/", follow=True)
    assert response.redirect_chain and response.redirect_chain[-1][0].startswith("/orgs/")  # the unit's own page
    bar = response.content.decode().split('data-testid="menu-bar">')[1]
    assert re.search(r'class="nav-link dropdown-toggle active"[^>]*aria-current="true">系统<', bar)
    assert re.search(r'class="dropdown-item active" href="/orgs/" aria-current="page">组织机构<', bar)
    assert len(re.findall(r"dropdown-toggle active", bar)) == 1


def test_the_login_page_has_no_menu(client: Client, db: None) -> None:
    html = client.get("/accounts/login/").content.decode()
    assert 'data-testid="menu-bar"' not in html and 'data-testid="workbench"' not in html


@pytest.mark.django_db
def test_the_cockpit_home_is_not_marked_as_the_todo_list(city: City, signed_in: Callable[[User], Client]) -> None:
    html = signed_in(city.user("bureau_leader")).get("/").content.decode()
    assert "领导驾驶舱" in html.split("<main")[1]  # a leader's home page is the cockpit
    bar = html.split('data-testid="menu-bar">')[1].split('data-testid="menu-list"')[0]
    assert re.search(r'class="nav-link dropdown-toggle active"[^>]*>工作台<', bar)
    assert "dropdown-item active" not in bar
