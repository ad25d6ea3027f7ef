"""教师档案 API: staff profiles in the caller's subtree (ID numbers always masked), one person's profile with
certificates and postings, and profile edits with optimistic locking."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.errors import Forbidden
from dudao.core.pagination import paginate
from dudao.orgs.selectors import units_for
from dudao.orgs.text import mask_id_card
from dudao.teachers import selectors, services
from dudao.teachers.models import CertificateKind, Employment, Gender, Post, Qualification, StaffProfile, Title

router = Router(tags=["教师档案"])


class CertificateOut(Schema):
    id: int
    kind: CertificateKind
    name: str
    number: str
    issued_on: dt.date | None
    expires_on: dt.date | None
    state: str


class PostingOut(Schema):
    unit: int
    unit_name: str
    started_on: dt.date
    ended_on: dt.date | None
    note: str


class StaffOut(Schema):
    id: int
    name: str
    unit: int | None
    unit_name: str
    has_profile: bool
    gender: str
    birth_date: dt.date | None
    id_card_no: str  # masked
    post: str
    post_name: str
    employment: str
    subjects: str
    is_class_teacher: bool
    title: str
    title_name: str
    qualification: str
    work_started_on: dt.date | None
    version: int


class StaffDetailOut(StaffOut):
    certificates: list[CertificateOut]
    postings: list[PostingOut]


def _staff(person: User) -> dict[str, object]:
    profile: StaffProfile | None = getattr(person, "staff_profile", None)
    return {
        "id": person.pk,
        "name": person.display_name,
        "unit": person.unit_id,
        "unit_name": person.unit.name if person.unit else "",
        "has_profile": profile is not None,
        "gender": profile.gender if profile else "",
        "birth_date": profile.birth_date if profile else None,
        "id_card_no": mask_id_card(profile.id_card_no) if profile and profile.id_card_no else "",
        "post": profile.post if profile else "",
        "post_name": profile.get_post_display() if profile else "",
        "employment": profile.employment if profile else "",
        "subjects": profile.subjects if profile else "",
        "is_class_teacher": profile.is_class_teacher if profile else False,
        "title": profile.title if profile else "",
        "title_name": profile.get_title_display() if profile else "",
        "qualification": profile.qualification if profile else "",
        "work_started_on": profile.work_started_on if profile else None,
        "version": profile.version if profile else 0,
    }


def _detail(person: User) -> dict[str, object]:
    today = timezone.localdate()
    profile: StaffProfile | None = getattr(person, "staff_profile", None)
    return {
        **_staff(person),
        "certificates": [
            {
                "id": c.pk,
                "kind": c.kind,
                "name": c.label,
                "number": c.number,
                "issued_on": c.issued_on,
                "expires_on": c.expires_on,
                "state": selectors.expiry_state(c, today),
            }
            for c in selectors.certificates_of(profile)
        ],
        "postings": [
            {
                "unit": p.unit_id,
                "unit_name": p.unit.name,
                "started_on": p.started_on,
                "ended_on": p.ended_on,
                "note": p.note,
            }
            for p in selectors.postings_of(person)
        ],
    }


@router.get("/staff", response=Paged[StaffOut])
def list_staff(
    request: AuthedRequest,
    paging: Query[PageParams],
    unit: Id | None = None,
    q: str = "",
    post: Post | None = None,
    title: Title | None = None,
    employment: Employment | None = None,
    certificate: str = "",
) -> dict[str, object]:
    """Active staff in scope with their profiles; `certificate`: a certificate kind, `expiring` (30 days) or
    `expired`. ID numbers are masked."""
    require(request, "teacher.read")
    found = None if unit is None else get_object_or_404(units_for(request.user), pk=unit)
    filters = selectors.Filters(
        unit=found,
        q=q[:30],
        post=post or "",
        title=title or "",
        employment=employment or "",
        certificate=certificate if certificate in [*CertificateKind.values, "expiring", "expired"] else "",
    )
    qs = selectors.roster(request.user, filters, today=timezone.localdate())
    page = paginate(qs, page=paging.page, page_size=paging.page_size)
    return {"items": [_staff(p) for p in page.items], "count": page.count}


@router.get("/staff/{pk}", response=StaffDetailOut)
def get_staff(request: AuthedRequest, pk: Id) -> dict[str, object]:
    """One person's profile (a person may always read their own)."""
    person = selectors.person_for(request.user, pk)
    if person is None:
        raise Http404
    return _detail(person)


class StaffIn(Schema):
    version: int
    id_card_no: str | None = None
    gender: Gender | None = None
    birth_date: dt.date | None = None
    post: Post | None = None
    employment: Employment | None = None
    subjects: str | None = None
    is_class_teacher: bool | None = None
    title: Title | None = None
    title_date: dt.date | None = None
    qualification: Qualification | None = None
    qualification_no: str | None = None
    work_started_on: dt.date | None = None


@router.patch("/staff/{pk}", response=StaffDetailOut)
def update_staff(request: AuthedRequest, pk: Id, payload: StaffIn) -> dict[str, object]:
    """Change the fields given; `version` from the last read (409 when someone changed it since)."""
    require(request, "teacher.change")
    person = selectors.person_for(request.user, pk)
    if person is None:
        raise Http404
    if person.unit is None:
        raise Forbidden("您无权修改该人员的档案")
    profile = services.profile_of(person)
    values = {name: getattr(profile, name) for name in services.PROFILE_FIELDS}
    values.update(payload.dict(exclude_unset=True, exclude={"version"}))
    services.update_profile(actor=request.user, person=person, values=values, version=payload.version)
    fresh = selectors.person_for(request.user, pk)
    assert fresh is not None
    return _detail(fresh)
