"""The unit-tree picker: a searchable tree of the units below a root, loaded one level at a time, for forms that
name one unit (the ledger's 责任单位) or many (a directive's 指定单位).

Reads only, always through `units_for` (a unit outside the reader's scope is never listed or named). A city has
~1,500 schools under a dozen districts, so the tree opens level by level (one query for the level, one GROUP BY for
what lies beneath each row) and a search answers the first hits with the district each one belongs to.

In multiple mode with `whole` a row that has schools beneath it (a district) stands for all its schools: the form
receives its id under a second name and the service expands it when it resolves the choice. Its own row
("本级") is then found inside it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.urls import reverse

from dudao.accounts.models import User
from dudao.orgs import tags
from dudao.orgs.models import OrgUnit, UnitKind, UnitTag
from dudao.orgs.scoping import acting_assignment
from dudao.orgs.selectors import units_for

# Kinds a picker may offer: grades and classes are found under their school, the bureau is the root.
PICKABLE_KINDS = (UnitKind.DISTRICT, UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.OFFICE)
# Rows of one level: district bureaus first, then schools, campuses, offices (each in tree order).
_KIND_ORDER: dict[str, int] = {str(kind): i for i, kind in enumerate(PICKABLE_KINDS)}
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class Row:
    """One line of the tree or of the search hits."""

    unit: OrgUnit
    pickable: bool  # the unit itself may be chosen
    below: int  # pickable units beneath it (0: nothing to open)
    schools: int  # open schools beneath it (a whole pick takes them)
    place: str = ""  # the district (or 市直属) a search hit belongs to
    ancestors: str = ""  # ids of its ancestors below the root, space separated
    is_self: bool = False  # the "本级" row of an opened district
    whole: bool = False  # in whole mode: this row stands for all its schools


@dataclass
class Options:
    """What a picker offers: the root, the kinds one may choose and the mode (checked by `parse_options`)."""

    root: OrgUnit
    kinds: tuple[str, ...]
    multiple: bool = False
    whole: bool = False

    def query(self) -> str:
        return urlencode(
            {
                "root": self.root.pk,
                "kinds": ",".join(self.kinds),
                "multiple": "1" if self.multiple else "",
                "whole": "1" if self.whole else "",
            }
        )


def parse_kinds(raw: str) -> tuple[str, ...] | None:
    """`district,school` → the kinds, in the picker's order; None when any is not a kind a picker offers."""
    kinds = [k for k in (raw or "").split(",") if k]
    if not kinds or any(k not in PICKABLE_KINDS for k in kinds):
        return None
    return tuple(sorted(set(kinds), key=_KIND_ORDER.__getitem__))


def picker_root(user: User, raw: str | None) -> OrgUnit | None:
    """The unit whose subtree the picker shows: `raw` (an id in the user's scope), else the acting unit."""
    if raw:
        if not raw.isdigit():
            return None
        return units_for(user).filter(pk=int(raw)).first()
    acting = acting_assignment(user)
    if acting is None:
        return None
    return units_for(user).filter(pk=acting.unit_id).first()


def unit_below(user: User, root: OrgUnit, raw: str | None) -> OrgUnit | None:
    """A unit of the root's subtree (the root itself included) in the user's scope, or None."""
    if not raw or not raw.isdigit():
        return None
    return units_for(user).filter(path__under=root.path, pk=int(raw)).first()


def _beneath(units: list[OrgUnit], kinds: tuple[str, ...]) -> dict[int, tuple[int, int]]:
    """{unit id: (pickable units beneath, open schools beneath)}: one GROUP BY per depth among `units`."""
    result: dict[int, tuple[int, int]] = {u.pk: (0, 0) for u in units}
    by_depth: dict[int, list[OrgUnit]] = {}
    for unit in units:
        by_depth.setdefault(unit.depth, []).append(unit)
    for depth, group in by_depth.items():
        length = depth * OrgUnit.steplen
        paths = {u.path: u.pk for u in group}
        common = _common_prefix([u.path for u in group])
        rows = (
            OrgUnit.objects.filter(
                path__under=common, depth__gt=depth, is_closed=False, kind__in={*kinds, UnitKind.SCHOOL}
            )
            .annotate(prefix=Substr("path", 1, length))
            .values("prefix")
            .annotate(n=Count("id", filter=Q(kind__in=kinds)), schools=Count("id", filter=Q(kind=UnitKind.SCHOOL)))
        )
        for row in rows:
            if row["prefix"] in paths:
                result[paths[row["prefix"]]] = (row["n"], row["schools"])
    return result


def _common_prefix(paths: list[str]) -> str:
    first, last = min(paths), max(paths)
    n = 0
    while n < len(first) and n < len(last) and first[n] == last[n]:
        n += 1
    return first[: n - n % OrgUnit.steplen]


def _ancestor_ids(root: OrgUnit, units: list[OrgUnit]) -> dict[str, OrgUnit]:
    """The units on the way from the root (excluded) to each unit (excluded): {path: unit}, one query."""
    step = OrgUnit.steplen
    paths = {u.path[:i] for u in units for i in range(len(root.path) + step, len(u.path), step)}
    if not paths:
        return {}
    return {u.path: u for u in OrgUnit.objects.filter(path__in=paths).only("pk", "path", "name", "kind")}


def _row(unit: OrgUnit, options: Options, counts: tuple[int, int], ancestors: list[OrgUnit], place: str = "") -> Row:
    below, schools = counts
    whole = options.multiple and options.whole and unit.kind != UnitKind.SCHOOL and schools > 0
    return Row(
        unit=unit,
        pickable=unit.kind in options.kinds,
        below=below,
        schools=schools,
        place=place,
        ancestors=" ".join(str(a.pk) for a in ancestors),
        whole=whole,
    )


def children(user: User, options: Options, parent: OrgUnit) -> list[Row]:
    """The rows under `parent`: its open children that may be chosen or hold units that may."""
    units = list(
        units_for(user)
        .filter(path__under=parent.path, depth=parent.depth + 1, is_closed=False, kind__in=PICKABLE_KINDS)
        .only("pk", "path", "depth", "name", "short_name", "kind", "school_type")
    )
    counts = _beneath(units, options.kinds) if units else {}
    known = _ancestor_ids(options.root, [parent]) if parent.pk != options.root.pk else {}
    chain = [known[p] for p in sorted(known)] + ([parent] if parent.pk != options.root.pk else [])
    rows = [_row(u, options, counts[u.pk], chain) for u in units]
    rows = [r for r in rows if r.pickable or r.below or r.whole]
    rows.sort(key=lambda r: (_KIND_ORDER[r.unit.kind], r.unit.path))
    if parent.pk != options.root.pk and options.multiple and options.whole and parent.kind in options.kinds:
        rows.insert(0, Row(unit=parent, pickable=True, below=0, schools=0, ancestors="", is_self=True))
    return rows


def _initials_pattern(q: str) -> str | None:
    """jdwz → j.*d.*w.*z: initials typed with gaps (江东五中 for 江东区第五中学)."""
    letters = "".join(ch for ch in q.lower() if ch.isalnum())
    if not q.isascii() or not letters:
        return None
    return ".*".join(re.escape(ch) for ch in letters)


def search(user: User, options: Options, q: str) -> tuple[list[Row], int]:
    """Hits for `q` below the root (name, short name or pinyin initials), the first `SEARCH_LIMIT` with the
    district each belongs to, and how many there are in all."""
    q = q.strip()[:40]
    kinds = {*options.kinds, *([UnitKind.DISTRICT] if options.multiple and options.whole else [])}
    qs = (
        units_for(user)
        .filter(path__under=options.root.path, kind__in=kinds, is_closed=False)
        .exclude(pk=options.root.pk)
    )
    condition = Q(name__contains=q) | Q(short_name__contains=q)
    if (pattern := _initials_pattern(q)) is not None:
        condition |= Q(pinyin__regex=pattern)
    qs = qs.filter(condition)
    total = qs.count()
    units = list(qs.order_by("depth", "path").only("pk", "path", "depth", "name", "short_name", "kind")[:SEARCH_LIMIT])
    if not units:
        return [], total
    counts = _beneath(units, options.kinds)
    ancestors = _ancestor_ids(options.root, units)
    rows = []
    for unit in units:
        chain = [ancestors[p] for p in sorted(ancestors) if unit.path.startswith(p)]
        districts = [a.name for a in chain if a.kind == UnitKind.DISTRICT]
        if unit.kind == UnitKind.DISTRICT:
            place = ""
        elif districts:
            place = districts[-1]
        else:
            place = "直属" if options.root.kind == UnitKind.BUREAU else ""
        rows.append(_row(unit, options, counts[unit.pk], chain, place))
    return rows, total


# ----- by tag (按标签) -------------------------------------------------------------------------------------------


def offers_tags(options: Options) -> bool:
    """A picker of many schools offers “按标签”: a tag's schools are ticked all at once."""
    return options.multiple and UnitKind.SCHOOL in options.kinds


def tag_choices(user: User, options: Options) -> list[tags.TagRow]:
    """The tags carried by schools below the root, with how many carry each (one GROUP BY)."""
    if not offers_tags(options):
        return []
    return [row for row in tags.tag_rows(user, options.root) if row.schools]


def tag_schools(user: User, options: Options, raw: str | None) -> tuple[UnitTag, list[Row]] | None:
    """The tag named by `raw` and its schools below the root as rows (with their district), or None."""
    if not offers_tags(options) or not raw or not raw.isdigit():
        return None
    tag = tags.tags_for(user).filter(pk=int(raw)).first()
    if tag is None:
        return None
    units = list(
        tags.tagged_schools(user, options.root, [tag.pk])
        .filter(pk__in=units_for(user).values("pk"))
        .only("pk", "path", "depth", "name", "short_name", "kind")
    )
    ancestors = _ancestor_ids(options.root, units)
    rows = []
    for unit in units:
        chain = [ancestors[p] for p in sorted(ancestors) if unit.path.startswith(p)]
        districts = [a.name for a in chain if a.kind == UnitKind.DISTRICT]
        place = districts[-1] if districts else ""
        rows.append(_row(unit, options, (0, 0), chain, place))
    return tag, rows


# ----- the widget ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chip:
    """A chosen unit as the form shows it: the input name it is posted under, the id, the text."""

    name: str
    id: int
    label: str


def chips_for(
    user: User, root: OrgUnit, ids: Sequence[int], *, name: str, whole_ids: Sequence[int] = (), whole_name: str = ""
) -> list[Chip]:
    """Chips of chosen units, named through the user's scope (an id outside it is not named, so not shown)."""
    wanted = {*ids, *whole_ids}
    if not wanted:
        return []
    names = dict(units_for(user).filter(path__under=root.path, pk__in=wanted).values_list("pk", "name"))
    chips = [Chip(whole_name, i, f"{names[i]} 全部学校") for i in dict.fromkeys(whole_ids) if i in names]
    chips += [Chip(name, i, names[i]) for i in dict.fromkeys(ids) if i in names]
    return chips


def picker_context(
    *,
    options: Options,
    name: str,
    chips: list[Chip],
    whole_name: str = "",
    input_id: str = "",
    placeholder: str = "",
    required: bool = False,
) -> dict[str, Any]:
    """What `orgs/_tree_picker.html` needs; views and the `UnitTreePicker` widget build it the same way."""
    return {
        "url": reverse("orgs:picker_tree") + "?" + options.query(),
        "name": name,
        "whole_name": whole_name,
        "multiple": options.multiple,
        "chips": chips,
        "input_id": input_id or f"picker-{name}",
        "placeholder": placeholder or "搜索单位：名称或拼音首字母，如 wz 可找到“五中”",
        "required": required,
    }


class UnitTreePicker(forms.Widget):
    """A single-unit choice field's widget: the chosen unit's chip and the tree to choose it from.

    The field keeps its choices (the units the person may use; validation stays the field's), the chip takes its
    text from them, and the tree is read through `orgs:picker_tree` below the acting unit. With only one choice
    the unit is simply shown.
    """

    template_name = "orgs/_tree_picker_widget.html"

    def __init__(self, *, kinds: tuple[str, ...], placeholder: str = "", attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.kinds = kinds
        self.placeholder = placeholder
        self.choices: Any = []

    def _labels(self) -> dict[str, str]:
        labels: dict[str, str] = {}
        for value, label in self.choices:
            if isinstance(label, list | tuple):
                labels.update({str(v): str(text) for v, text in label})
            else:
                labels[str(value)] = str(label)
        return labels

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        labels = self._labels()
        chosen = str(value) if value not in (None, "") else ""
        chips = [Chip(name, int(chosen), labels[chosen])] if chosen in labels else []
        kinds = ",".join(self.kinds)
        context["only"] = next(iter(labels.items())) if len(labels) == 1 else None
        context["picker"] = {
            "url": reverse("orgs:picker_tree") + "?" + urlencode({"kinds": kinds}),
            "name": name,
            "whole_name": "",
            "multiple": False,
            "chips": chips,
            "input_id": context["widget"]["attrs"].get("id") or f"picker-{name}",
            "placeholder": self.placeholder or "搜索单位：名称或拼音首字母，如 wz 可找到“五中”",
            "required": self.is_required,
        }
        return context
