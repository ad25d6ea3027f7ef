"""`{% school_link unit %}`: a school's name as a link to its 一校一档 page, for every table that names schools.

    {% load schools %}
    <td>{% school_link item.school %}</td>            the name, linked when the viewer may open the profile
    <td><a href="…">{{ row.unit.name }}</a> {% school_link row.unit "档案" %}</td>
                                                        a small extra link where the name already links elsewhere

The unit may be an org unit or any row naming one (`pk`/`unit_id`, `name`/`unit_name`, `kind`, `path`); pass
`kind="school"` for rows that carry no kind but are known to be schools. The link appears only for a school, when
the acting role may read profiles (`profile.read`) and the school lies in its subtree, and when the profiles app
is mounted: otherwise the name is plain text (and an extra link is left out), so no viewer meets a link that
answers 403 or 404. No query is made: the acting assignment is cached on the user for the request.
"""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_urlconf, reverse
from django.utils.html import format_html

from dudao.core.access import access

register = template.Library()

PERMISSION = "profile.read"


def _field(obj: Any, *names: str) -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return None


def profile_url(user: Any, unit: Any, kind: str = "") -> str:
    """The profile page of `unit` for `user`, or "" when there is none to show them."""
    if unit is None or user is None or not getattr(user, "is_authenticated", False):
        return ""
    if (kind or _field(unit, "kind")) != "school":
        return ""
    pk = _field(unit, "pk", "unit_id", "id")
    if pk is None or not access().can(user, PERMISSION):
        return ""
    path = _field(unit, "path")
    acting = access().acting_assignment(user)
    if path is not None and (acting is None or not str(path).startswith(acting.unit.path)):
        return ""
    pattern = _profile_pattern(get_urlconf())
    return pattern.replace(_SENTINEL, str(int(pk))) if pattern else ""


# A board names hundreds of schools; `reverse` costs ~0.1 ms each. The URL is reversed once per URLconf with a
# sentinel id and the id substituted (forgotten when a test swaps the URLconf).
_SENTINEL = "987654321"


@functools.lru_cache(maxsize=8)
def _profile_pattern(urlconf: str | None) -> str:
    try:
        return reverse("profiles:school", args=[int(_SENTINEL)], urlconf=urlconf)
    except NoReverseMatch:
        return ""


@receiver(setting_changed)
def _forget_pattern(*, setting: str, **_: Any) -> None:
    if setting == "ROOT_URLCONF":
        _profile_pattern.cache_clear()


@register.simple_tag(takes_context=True)
def school_link(context: template.Context, unit: Any, text: str = "", kind: str = "") -> str:
    """The school's name linked to its profile; with `text`, only a small link with that text (or nothing)."""
    name = _field(unit, "name", "unit_name") if unit is not None else None
    url = profile_url(context.get("user"), unit, kind)
    if text:
        if not url:
            return ""
        return format_html('<a class="small text-nowrap" href="{}" title="{}的一校一档">{}</a>', url, name or "", text)
    if not url:
        return format_html("{}", name or "")
    return format_html('<a href="{}" data-school-link>{}</a>', url, name or "")
