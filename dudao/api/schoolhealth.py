"""免疫接种与学校卫生 API: doses (list, record), coverage per unit and child unit, annual health exams.

Lists name students, so each call leaves one access event (what was listed, not every row)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.audit.services import record_access
from dudao.core.errors import DomainError
from dudao.core.pagination import paginate
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment
from dudao.orgs.text import mask_student_no
from dudao.schoolhealth import selectors, services
from dudao.schoolhealth.models import HealthExam, VaccinationRecord
from dudao.schoolhealth.services import DoseInput, DoseRejected
from dudao.schoolhealth.vaccines import BY_CODE, VACCINES

router = Router(tags=["免疫接种与学校卫生"])


class DoseOut(Schema):
    id: int
    student: int | None
    student_name: str
    student_no: str  # masked
    staff: int | None
    unit: int
    vaccine: str
    vaccine_name: str
    dose_number: int | None
    date: dt.date | None
    completes_course: bool
    contraindication: str


def _dose(r: VaccinationRecord) -> DoseOut:
    return DoseOut(
        id=r.pk,
        student=r.student_id,
        student_name=r.student.name if r.student else (r.staff.display_name if r.staff else ""),
        student_no=mask_student_no(r.student.student_no) if r.student else "",
        staff=r.staff_id,
        unit=r.unit_id,
        vaccine=r.vaccine,
        vaccine_name=r.get_vaccine_display(),
        dose_number=r.dose_number,
        date=r.date,
        completes_course=r.completes_course,
        contraindication=r.contraindication,
    )


def _unit(request: AuthedRequest, unit: int | None) -> OrgUnit:
    if unit is None:
        assignment = acting_assignment(request.user)
        if assignment is None:
            raise DomainError("没有可用的身份", code="no_assignment")
        return assignment.unit
    return get_object_or_404(selectors.viewable_units(request.user), pk=unit)


def _log_list(request: AuthedRequest, what: str, unit: OrgUnit, count: int) -> None:
    record_access(
        actor=request.user,
        action=f"list_{what}",
        obj=None,
        unit_path=unit.path,
        details={"object_type": f"schoolhealth.{what}", "object_repr": unit.name, "rows": count},
    )


@router.get("/vaccinations", response=Paged[DoseOut])
def list_vaccinations(
    request: AuthedRequest,
    paging: Query[PageParams],
    unit: Id | None = None,
    vaccine: str = "",
    student: Id | None = None,
) -> dict[str, object]:
    """Doses and contraindications in scope; `unit`: inside that unit, `vaccine`: one vaccine's code."""
    require(request, "schoolhealth.read")
    scope = _unit(request, unit)
    qs = selectors.records_for(request.user).filter(unit__path__under=scope.path)
    if vaccine:
        qs = qs.filter(vaccine=vaccine)
    if student is not None:
        qs = qs.filter(student_id=student)
    page = paginate(qs.select_related("student", "staff").order_by("id"), page=paging.page, page_size=paging.page_size)
    _log_list(request, "vaccinations", scope, len(page.items))
    return {"items": [_dose(r) for r in page.items], "count": page.count}


class DoseIn(Schema):
    student: Id
    vaccine: str
    dose_number: int | None = None
    date: dt.date | None = None
    contraindication: str = ""


@router.post("/vaccinations", response={201: DoseOut, 200: DoseOut})
def record_vaccination(request: AuthedRequest, payload: DoseIn) -> Status[DoseOut]:
    """Record one dose (or a contraindication). The same dose with the same date again answers 200 with the record."""
    require(request, "schoolhealth.record")
    student = get_object_or_404(selectors.students_in_scope(request.user).select_related("klass"), pk=payload.student)
    item = DoseInput(
        vaccine=payload.vaccine,
        dose_number=payload.dose_number,
        date=payload.date,
        contraindication=payload.contraindication,
        student=student,
    )
    try:
        created = services.record_doses(actor=request.user, inputs=[item], source="接口登记")
    except DoseRejected as exc:
        raise DomainError(exc.problems[0].message, code="vaccination_invalid") from exc
    if created:
        return Status(201, _dose(created[0]))
    existing = selectors.records_for(request.user).get(
        student=student, vaccine=payload.vaccine, dose_number=payload.dose_number
    )
    return Status(200, _dose(existing))


class VaccineCoverageOut(Schema):
    vaccine: str
    vaccine_name: str
    enrolled: int
    covered: int
    contraindicated: int
    rate: float | None
    target: Decimal


class UnitCoverageOut(Schema):
    unit: int
    unit_name: str
    vaccines: list[VaccineCoverageOut]


class CoverageOut(Schema):
    unit: UnitCoverageOut
    children: list[UnitCoverageOut]


@router.get("/vaccinations/coverage", response=CoverageOut)
def coverage(request: AuthedRequest, unit: Id | None = None, vaccine: str = "") -> CoverageOut:
    """Coverage of the unit, then of each child unit: per vaccine, enrolled students, those with the full course,
    those with a contraindication (not counted as covered) and the bureau's target."""
    require(request, "schoolhealth.read")
    scope = _unit(request, unit)
    if vaccine and vaccine not in BY_CODE:
        raise DomainError("不在疫苗目录中", code="vaccine_unknown")
    codes = [vaccine] if vaccine else [v.code for v in VACCINES]
    children = selectors.child_units(scope)
    figures = selectors.coverage([scope, *children], codes)
    targets = selectors.targets()

    def one(u: OrgUnit) -> UnitCoverageOut:
        c = figures[u.pk]
        return UnitCoverageOut(
            unit=u.pk,
            unit_name=u.name,
            vaccines=[
                VaccineCoverageOut(
                    vaccine=code,
                    vaccine_name=BY_CODE[code].name,
                    enrolled=c.enrolled,
                    covered=c.counts.get(code, (0, 0))[0],
                    contraindicated=c.counts.get(code, (0, 0))[1],
                    rate=c.rate(code),
                    target=targets[code],
                )
                for code in codes
            ],
        )

    return CoverageOut(unit=one(scope), children=[one(c) for c in children])


class ExamOut(Schema):
    id: int
    student: int
    student_name: str
    klass: int
    school_year: int
    exam_date: dt.date
    is_new_student: bool
    tb_result: str
    vision_left: Decimal | None
    vision_right: Decimal | None
    is_myopic: bool
    has_caries: bool


def _exam(e: HealthExam) -> ExamOut:
    return ExamOut(
        id=e.pk,
        student=e.student_id,
        student_name=e.student.name,
        klass=e.klass_id,
        school_year=e.school_year,
        exam_date=e.exam_date,
        is_new_student=e.is_new_student,
        tb_result=e.tb_result,
        vision_left=e.vision_left,
        vision_right=e.vision_right,
        is_myopic=e.is_myopic,
        has_caries=e.has_caries,
    )


@router.get("/health-exams", response=Paged[ExamOut])
def list_exams(
    request: AuthedRequest, paging: Query[PageParams], unit: Id | None = None, school_year: int | None = None
) -> dict[str, object]:
    """Annual exams in scope; `unit`: inside that unit; `school_year`: the year it starts (2026 = 2026–2027)."""
    require(request, "schoolhealth.read")
    scope = _unit(request, unit)
    qs = selectors.exams_for(request.user).filter(klass__path__under=scope.path)
    if school_year is not None:
        qs = qs.filter(school_year=school_year)
    page = paginate(qs.select_related("student").order_by("id"), page=paging.page, page_size=paging.page_size)
    _log_list(request, "health_exams", scope, len(page.items))
    return {"items": [_exam(e) for e in page.items], "count": page.count}
