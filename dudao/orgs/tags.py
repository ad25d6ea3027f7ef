"""Unit tags (风险标签): which schools sit in a low-lying area, below a reservoir, run boarding or a canteen.

Reads and writes in one module: the tag pages, the unit picker's “按标签” and the warnings' proposal of affected
schools all read through here. A tag is built in (地势低洼 …) or defined by a bureau or district for its subtree;
a school carries a tag through one `UnitTagging` row. Counts are one GROUP BY, never a query per school.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, RowError, column_letter, read_rows
from dudao.orgs.models import BUILTIN_TAGS, OrgUnit, UnitKind, UnitTag, UnitTagging
from dudao.orgs.scoping import acting_assignment, can

# Tags split on these in an import cell: “地势低洼、河流沿岸”.
_SEPARATORS = ("、", "，", ",", ";", "；", " ", "\n")
MAX_IMPORT_ROWS = 5000
IMPORT_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("学校", "学校全称或单位代码，须在本单位管辖范围内", 30),
    ("标签", "一个或多个标签，用顿号分隔，如：地势低洼、河流沿岸", 40),
)


def ensure_builtin_tags() -> None:
    """The built-in tags exist (the migration adds them; a flushed test database or a new demo may not have them)."""
    have = set(UnitTag.objects.filter(owner=None).values_list("name", flat=True))
    UnitTag.objects.bulk_create(
        [
            UnitTag(name=name, description=description, is_builtin=True, position=i)
            for i, (name, description) in enumerate(BUILTIN_TAGS, start=1)
            if name not in have
        ]
    )


# ----- reads ---------------------------------------------------------------------------------------------------


def _acting_unit(user: User) -> OrgUnit | None:
    assignment = acting_assignment(user)
    return None if assignment is None else assignment.unit


def tags_for(user: User) -> QuerySet[UnitTag]:
    """Tags the user may see and use: built-in ones, those defined at or above the acting unit, and those defined
    inside its subtree."""
    unit = _acting_unit(user)
    if unit is None or not can(user, "unittag.read"):
        return UnitTag.objects.none()
    step = OrgUnit.steplen
    above = [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]
    return UnitTag.objects.filter(
        Q(owner=None) | Q(owner__path__in=above) | Q(owner__path__under=unit.path)
    ).select_related("owner")


def schools_within(user: User, within: OrgUnit) -> QuerySet[OrgUnit]:
    """Open schools inside `within` that the user's scope reaches (empty when `within` lies outside it)."""
    unit = _acting_unit(user)
    if unit is None or not can(user, "unittag.read") or not within.path.startswith(unit.path):
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__under=within.path, kind=UnitKind.SCHOOL, is_closed=False)


def tag_counts(user: User, within: OrgUnit) -> dict[int, int]:
    """{tag id: open schools inside `within` carrying it}: one GROUP BY."""
    unit = _acting_unit(user)
    if unit is None or not can(user, "unittag.read") or not within.path.startswith(unit.path):
        return {}
    rows = (
        UnitTagging.objects.filter(unit__path__under=within.path, unit__is_closed=False, unit__kind=UnitKind.SCHOOL)
        .values("tag_id")
        .annotate(n=Count("id"))
    )
    return {r["tag_id"]: r["n"] for r in rows}


@dataclass(frozen=True)
class TagRow:
    tag: UnitTag
    schools: int


def tag_rows(user: User, within: OrgUnit) -> list[TagRow]:
    counts = tag_counts(user, within)
    return [TagRow(t, counts.get(t.pk, 0)) for t in tags_for(user)]


def tagged_schools(user: User, within: OrgUnit, tag_ids: Iterable[int]) -> QuerySet[OrgUnit]:
    """Open schools inside `within` (in scope) carrying any of the tags."""
    ids = list(tag_ids)
    return schools_within(user, within).filter(taggings__tag_id__in=ids).distinct().order_by("path")


def tags_of(unit_ids: Iterable[int]) -> dict[int, list[UnitTag]]:
    """{unit id: its tags in tag order}: one query for a page of schools."""
    found: dict[int, list[UnitTag]] = {}
    for tagging in (
        UnitTagging.objects.filter(unit_id__in=list(unit_ids)).select_related("tag").order_by("tag__position", "tag_id")
    ):
        found.setdefault(tagging.unit_id, []).append(tagging.tag)
    return found


# ----- writes --------------------------------------------------------------------------------------------------


def _require_change(actor: User, unit: OrgUnit | None = None) -> OrgUnit:
    acting = _acting_unit(actor)
    if acting is None or not can(actor, "unittag.change", unit):
        raise Forbidden("您没有维护单位标签的权限")
    return acting


def define_tag(*, actor: User, name: str, description: str = "") -> UnitTag:
    """A bureau or district adds a tag of its own, usable in its subtree."""
    owner = _require_change(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写标签名称", code="tag_name_required")
    if len(name) > 20:
        raise DomainError("标签名称最多 20 个字", code="tag_name_too_long")
    if tags_for(actor).filter(name=name).exists():
        raise DomainError(f"已有标签“{name}”", code="tag_exists", status=409)
    with transaction.atomic():
        tag = UnitTag.objects.create(
            name=name, description=(description or "").strip()[:200], owner=owner, created_by=actor
        )
        record_change(actor=actor, action="create", obj=tag, unit_path=owner.path, after={"name": name})
    return tag


def _check_schools(actor: User, units: Sequence[OrgUnit]) -> None:
    for unit in units:
        if unit.kind != UnitKind.SCHOOL:
            raise DomainError(f"“{unit.name}”不是学校，标签只能打在学校上", code="tag_not_school")
        _require_change(actor, unit)


def _check_tag(actor: User, tag: UnitTag) -> None:
    if not tags_for(actor).filter(pk=tag.pk).exists():
        raise DomainError("找不到该标签", code="tag_missing", status=404)


def tag_units(*, actor: User, tag: UnitTag, units: Sequence[OrgUnit]) -> int:
    """Give the schools the tag; those already carrying it are left alone. Returns how many were new."""
    acting = _require_change(actor)
    _check_tag(actor, tag)
    _check_schools(actor, units)
    ids = {u.pk for u in units}
    with transaction.atomic():
        have = set(UnitTagging.objects.filter(tag=tag, unit_id__in=ids).values_list("unit_id", flat=True))
        new = [UnitTagging(tag=tag, unit_id=i, created_by=actor) for i in sorted(ids - have)]
        UnitTagging.objects.bulk_create(new, ignore_conflicts=True)
        if new:
            record_change(
                actor=actor,
                action="tag_units",
                obj=tag,
                unit_path=acting.path,
                after={"tag": tag.name, "units": [t.unit_id for t in new]},
            )
    return len(new)


def untag_units(*, actor: User, tag: UnitTag, units: Sequence[OrgUnit]) -> int:
    """Take the tag off the schools; returns how many carried it."""
    acting = _require_change(actor)
    _check_tag(actor, tag)
    _check_schools(actor, units)
    with transaction.atomic():
        removed, _ = UnitTagging.objects.filter(tag=tag, unit_id__in=[u.pk for u in units]).delete()
        if removed:
            record_change(
                actor=actor,
                action="untag_units",
                obj=tag,
                unit_path=acting.path,
                before={"tag": tag.name, "units": [u.pk for u in units]},
            )
    return removed


def set_unit_tags(*, actor: User, unit: OrgUnit, tags: Sequence[UnitTag]) -> tuple[int, int]:
    """One school's tags become exactly `tags` (the school page's checkboxes): (added, removed)."""
    _check_schools(actor, [unit])
    usable = set(tags_for(actor).values_list("pk", flat=True))
    wanted = {t.pk for t in tags}
    if wanted - usable:
        raise DomainError("所选标签中有的不可用", code="tag_missing")
    with transaction.atomic():
        have = set(UnitTagging.objects.filter(unit=unit).values_list("tag_id", flat=True))
        added, removed = sorted(wanted - have), sorted((have - wanted) & usable)
        UnitTagging.objects.filter(unit=unit, tag_id__in=removed).delete()
        UnitTagging.objects.bulk_create([UnitTagging(tag_id=t, unit=unit, created_by=actor) for t in added])
        if added or removed:
            record_change(
                actor=actor,
                action="set_tags",
                obj=unit,
                unit_path=unit.path,
                before={"tags": sorted(have)},
                after={"tags": sorted((have - set(removed)) | set(added))},
            )
    return len(added), len(removed)


# ----- import --------------------------------------------------------------------------------------------------


def _split(cell: object) -> list[str]:
    text = str(cell or "").strip()
    for sep in _SEPARATORS[1:]:
        text = text.replace(sep, _SEPARATORS[0])
    return [t for t in (p.strip() for p in text.split(_SEPARATORS[0])) if t]


def import_tags(*, actor: User, data: bytes) -> int:
    """Tag schools from a workbook (学校 | 标签): all or nothing, each bad cell named by row and column.
    Taggings already there are kept; returns how many were added."""
    acting = _require_change(actor)
    rows = read_rows(data, max_rows=MAX_IMPORT_ROWS, max_columns=len(IMPORT_COLUMNS))
    if not rows:
        raise DomainError("文件是空的，请使用下载的模板填写", code="upload_empty")
    header = [str(c or "").strip() for c in rows[0]]
    if header[:2] != [c[0] for c in IMPORT_COLUMNS]:
        raise DomainError("表头应为“学校、标签”，请使用下载的模板填写", code="tag_import_header")
    schools = {
        key: (pk, path)
        for pk, name, code, path in OrgUnit.objects.filter(
            path__under=acting.path, kind=UnitKind.SCHOOL, is_closed=False
        ).values_list("pk", "name", "code", "path")
        for key in (name, code)
        if key
    }
    tags = {t.name: t for t in tags_for(actor)}
    errors: list[RowError] = []
    wanted: set[tuple[int, int]] = set()
    for number, row in enumerate(rows[1:], start=2):
        cells = [*row, "", ""][:2]
        if not any(str(c or "").strip() for c in cells):
            continue
        school = str(cells[0] or "").strip()
        found = schools.get(school)
        if found is None:
            message = "请填写学校" if not school else f"找不到学校“{school}”，或不在本单位管辖范围内"
            errors.append(RowError(number, column_letter(0), IMPORT_COLUMNS[0][0], message))
        names = _split(cells[1])
        if not names:
            errors.append(RowError(number, column_letter(1), IMPORT_COLUMNS[1][0], "请填写标签"))
        unknown = [n for n in names if n not in tags]
        if unknown:
            errors.append(RowError(number, column_letter(1), IMPORT_COLUMNS[1][0], f"没有标签“{'、'.join(unknown)}”"))
        if found is not None and not unknown:
            wanted |= {(tags[n].pk, found[0]) for n in names}
    if errors:
        raise ImportRejected(errors, len(errors), code="tag_import_invalid")
    if not wanted:
        raise DomainError("文件中没有数据行", code="upload_empty")
    with transaction.atomic():
        have = set(
            UnitTagging.objects.filter(unit__path__under=acting.path, tag_id__in={t for t, _ in wanted}).values_list(
                "tag_id", "unit_id"
            )
        )
        new = [UnitTagging(tag_id=t, unit_id=u, created_by=actor) for t, u in sorted(wanted - have)]
        UnitTagging.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        record_change(
            actor=actor,
            action="import_tags",
            obj=acting,
            unit_path=acting.path,
            after={"rows": len(rows) - 1, "added": len(new)},
        )
    return len(new)
