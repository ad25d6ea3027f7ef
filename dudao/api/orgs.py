from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Paged, PageParams
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.orgs import enrolment, selectors
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.text import mask_id_card, mask_phone, mask_student_no

router = Router(tags=["组织与人员"])


class OrgOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    kind_name: str
    school_type: str
    code: str
    parent: int | None
    depth: int
    is_closed: bool


class OrgDetailOut(OrgOut):
    schools: int
    classes: int
    students: int
    staff: int


def _parent_ids(units: list[OrgUnit]) -> dict[str, int]:
    paths = {u.parent_path for u in units if u.depth > 1}
    return dict(OrgUnit.objects.filter(path__in=paths).values_list("path", "id"))


def _org(unit: OrgUnit, parents: dict[str, int]) -> OrgOut:
    return OrgOut(
        id=unit.pk,
        name=unit.name,
        short_name=unit.short_name,
        kind=unit.kind,
        kind_name=unit.get_kind_display(),
        school_type=unit.school_type,
        code=unit.code,
        parent=parents.get(unit.parent_path),
        depth=unit.depth,
        is_closed=unit.is_closed,
    )


@router.get("/orgs", response=Paged[OrgOut])
def list_orgs(
    request: AuthedRequest,
    paging: Query[PageParams],
    kind: UnitKind | None = None,
    parent: int | None = None,
    q: str = "",
) -> dict[str, object]:
    """Units the acting role may see. `kind`, `parent` (direct children of a unit), `q` (name or pinyin initials)."""
    require(request, "orgunit.read")
    parent_unit = get_object_or_404(selectors.units_for(request.user), pk=parent) if parent is not None else None
    qs = selectors.search_units(request.user, q=q, kind=kind or "", parent=parent_unit)
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    parents = _parent_ids(page.items)
    return {"items": [_org(u, parents) for u in page.items], "count": page.count}


@router.get("/orgs/{org_id}", response=OrgDetailOut)
def get_org(request: AuthedRequest, org_id: int) -> OrgDetailOut:
    require(request, "orgunit.read")
    unit = get_object_or_404(selectors.units_for(request.user), pk=org_id)
    total, _ = selectors.subtree_counts(unit, [])
    base = _org(unit, _parent_ids([unit]))
    return OrgDetailOut(
        **base.dict(), schools=total.schools, classes=total.classes, students=total.students, staff=total.staff
    )


class GuardianOut(Schema):
    id: int
    name: str
    relation: str
    phone: str


class StudentOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: dt.date
    student_no: str
    id_card_no: str
    klass: int
    klass_name: str
    status: str
    is_boarding: bool
    is_left_behind: bool
    is_in_hardship: bool
    is_disabled: bool
    is_migrant: bool
    guardians: list[GuardianOut]


@router.get("/students", response=Paged[StudentOut])
def list_students(
    request: AuthedRequest,
    paging: Query[PageParams],
    unit: int | None = None,
    q: str = "",
    after: Annotated[
        int | None, Field(ge=1, description="继续翻页：上一页最后一名学生的编号（按编号翻页，深页同样快）")
    ] = None,
) -> dict[str, object]:
    """Students in scope; `unit` narrows to a school, grade or class subtree; `q` is a name or a full 学籍号 (a
    name search needs a district or school: over a whole city only a full 学籍号 is searched).

    Personal numbers are masked, the 学籍号 too (it carries the ID number)."""
    require(request, "student.read")
    unit_obj = get_object_or_404(selectors.units_for(request.user), pk=unit) if unit is not None else None
    root = unit_obj or selectors.scope_root(request.user)
    q = q.strip()
    if root is not None and selectors.search_needs_narrower_scope(root, q):
        raise DomainError(
            "全市范围只能按完整学籍号查找；按姓名查找请用 unit 参数指定区县或学校", code="search_scope_too_wide"
        )
    qs = selectors.with_guardians(selectors.students_for(request.user, unit=unit_obj, q=q))
    page = paginate(
        qs,
        page=paging.page,
        page_size=paging.page_size,
        after=after,
        count=None if q or root is None else enrolment.rollup([root])[root.pk].records,
    )
    items = [
        StudentOut(
            id=s.pk,
            name=s.name,
            gender=s.gender,
            birth_date=s.birth_date,
            student_no=mask_student_no(s.student_no),
            id_card_no=mask_id_card(s.id_card_no) if s.id_card_no else "",
            klass=s.klass_id,
            klass_name=s.klass.name,
            status=s.status,
            is_boarding=s.is_boarding,
            is_left_behind=s.is_left_behind,
            is_in_hardship=s.is_in_hardship,
            is_disabled=s.is_disabled,
            is_migrant=s.is_migrant,
            guardians=[
                GuardianOut(id=g.pk, name=g.name, relation=g.relation, phone=mask_phone(g.phone))
                for g in s.guardians.all()
            ],
        )
        for s in page.items
    ]
    return {"items": items, "count": page.count}
