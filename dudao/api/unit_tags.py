"""风险标签 API: tags with the number of schools carrying them, the schools of a tag, tagging and untagging."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.orgs import tags
from dudao.orgs.models import OrgUnit, UnitKind, UnitTag
from dudao.orgs.scoping import acting_assignment
from dudao.orgs.selectors import units_for

router = Router(tags=["风险标签"])


class TagOut(Schema):
    id: int
    name: str
    description: str
    is_builtin: bool
    owner: int | None
    owner_name: str
    schools: int = Field(description="单位（默认本单位）辖区内带此标签的学校数")


class TagIn(Schema):
    name: str
    description: str = ""


class SchoolOut(Schema):
    id: int
    name: str


class UnitsIn(Schema):
    units: list[Id] = Field(description="学校 id")


class ChangedOut(Schema):
    changed: int


def _within(request: AuthedRequest, unit: int | None) -> OrgUnit:
    if unit is not None:
        return get_object_or_404(units_for(request.user), pk=unit)
    assignment = acting_assignment(request.user)
    assert assignment is not None  # require() let the request through
    return assignment.unit


def _tag(request: AuthedRequest, tag_id: int) -> UnitTag:
    return get_object_or_404(tags.tags_for(request.user), pk=tag_id)


def _out(tag: UnitTag, count: int) -> TagOut:
    return TagOut(
        id=tag.pk,
        name=tag.name,
        description=tag.description,
        is_builtin=tag.is_builtin,
        owner=tag.owner_id,
        owner_name=tag.owner.name if tag.owner else "",
        schools=count,
    )


@router.get("/unit-tags", response=Paged[TagOut])
def list_tags(request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None) -> dict[str, object]:
    """Tags the caller may use, each with the number of schools inside `unit` (default the acting unit) carrying it."""
    require(request, "unittag.read")
    within = _within(request, unit)
    counts = tags.tag_counts(request.user, within)
    page = paginate(
        tags.tags_for(request.user).order_by("position", "id"), page=paging.page, page_size=paging.page_size
    )
    return {"items": [_out(t, counts.get(t.pk, 0)) for t in page.items], "count": page.count}


@router.post("/unit-tags", response={201: TagOut})
def create_tag(request: AuthedRequest, payload: TagIn) -> Status[TagOut]:
    """A tag of the caller's unit, usable in its subtree."""
    require(request, "unittag.change")
    return Status(201, _out(tags.define_tag(actor=request.user, name=payload.name, description=payload.description), 0))


@router.get("/unit-tags/{tag_id}/units", response=Paged[SchoolOut])
def tag_schools(
    request: AuthedRequest, tag_id: Id, paging: Query[PageParams], unit: Id | None = None
) -> dict[str, object]:
    """Open schools inside `unit` (default the acting unit) carrying the tag."""
    require(request, "unittag.read")
    tag = _tag(request, tag_id)
    qs = tags.tagged_schools(request.user, _within(request, unit), [tag.pk])
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [SchoolOut(id=u.pk, name=u.name) for u in page.items], "count": page.count}


def _schools(request: AuthedRequest, ids: list[int]) -> list[OrgUnit]:
    found = list(units_for(request.user).filter(pk__in=set(ids), kind=UnitKind.SCHOOL))
    if len(found) != len(set(ids)):
        raise DomainError("所选学校中有的不在您的管辖范围内", code="tag_unit_out_of_scope", status=404)
    return found


@router.post("/unit-tags/{tag_id}/units", response=ChangedOut)
def add_units(request: AuthedRequest, tag_id: Id, payload: UnitsIn) -> ChangedOut:
    """Tag the schools; `changed` is how many did not carry the tag before (repeating the call changes nothing)."""
    require(request, "unittag.change")
    tag = _tag(request, tag_id)
    return ChangedOut(changed=tags.tag_units(actor=request.user, tag=tag, units=_schools(request, payload.units)))


@router.post("/unit-tags/{tag_id}/units/remove", response=ChangedOut)
def remove_units(request: AuthedRequest, tag_id: Id, payload: UnitsIn) -> ChangedOut:
    """Take the tag off the schools; `changed` is how many carried it."""
    require(request, "unittag.change")
    tag = _tag(request, tag_id)
    return ChangedOut(changed=tags.untag_units(actor=request.user, tag=tag, units=_schools(request, payload.units)))
