"""一校一档: one school across every module (`GET /api/v1/schools/{id}/profile`) and the schools one may open."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema
from pydantic import Field

from dudao.accounts.requests import AuthedRequest
from dudao.api.auth import require
from dudao.api.schemas import Id, Paged, PageParams
from dudao.core.pagination import paginate
from dudao.profiles import selectors
from dudao.profiles.sections import Figure
from dudao.profiles.selectors import SchoolProfile

router = Router(tags=["一校一档"])


class FigureOut(Schema):
    code: str = Field(description="监测指标代码（见 GET /indicators）")
    name: str
    unit: str = Field(description="计量单位，如 %、项、人次")
    value: float | None = Field(description="指标值；无可统计对象时为 null（不同于 0）")
    numerator: float | None
    denominator: float | None
    basis: str = Field(description="统计口径，如“当前”“近 30 天”“本学期”")


class RoundScoreOut(Schema):
    inspection: int
    inspection_name: str
    kind_name: str
    submitted_on: dt.date | None
    percent: float | None = Field(description="得分率 %")
    findings: int = Field(description="发现的问题数")
    is_self_check: bool


class InspectionsOut(Schema):
    scores: list[RoundScoreOut] = Field(description="近一年已提交的测评，最近的在前（最多 12 轮）")
    upcoming: list[int] = Field(description="尚未测评的轮次编号")
    figures: list[FigureOut]


class LedgerItemOut(Schema):
    id: int
    category: str
    description: str
    owner: int | None
    owner_name: str = Field(description="责任人；未落实四定时为空")
    due_date: dt.date
    is_overdue: bool
    progress: int
    status: str


class LedgerOut(Schema):
    open: int = Field(description="未销号")
    overdue: int = Field(description="已逾期未销号")
    awaiting: int = Field(description="待验收")
    closed: int = Field(description="已销号")
    items: list[LedgerItemOut] = Field(description="未销号问题，时限最早的在前（最多 8 项）")
    figures: list[FigureOut]


class ReportOut(Schema):
    id: int = Field(description="报送编号")
    directive: int
    directive_title: str
    period_label: str
    deadline: dt.datetime
    status: str
    is_overdue: bool


class DirectivesOut(Schema):
    due: int = Field(description="待报送（未填报、填报中、已退回）")
    overdue: int = Field(description="其中已过截止时间")
    late: int = Field(description="近 30 天逾期报送")
    reports: list[ReportOut] = Field(description="待报送任务，截止最早的在前（最多 8 项）")
    figures: list[FigureOut]


class AlertOut(Schema):
    id: int
    title: str
    on_date: dt.date
    status: str


class DayOut(Schema):
    date: dt.date
    classes_checked: int
    illness: int
    illness_pct: float
    attendance_pct: float


class HealthOut(Schema):
    date: dt.date
    is_school_day: bool
    classes: int
    checked: int = Field(description="今日已晨检班级")
    unchecked_classes: list[str] = Field(description="今日尚未晨检的班级（非上课日为空）")
    illness: int = Field(description="今日因病缺勤人数")
    other: int = Field(description="今日其他缺勤人数")
    awaiting_clearance: int = Field(description="待复课人数")
    month: list[DayOut] = Field(description="本月每日晨检合计")
    open_alerts: list[AlertOut]
    figures: list[FigureOut]


class NoticeRateOut(Schema):
    notice: int
    title: str
    sent_at: dt.datetime | None
    students: int
    confirmed: int
    rate: float | None = Field(description="知晓率 %；没有收件学生时为 null")


class NoticesOut(Schema):
    recent: list[NoticeRateOut] = Field(description="最近发到本校的告知书（最多 5 份）")
    figures: list[FigureOut]


class ShiftOut(Schema):
    id: int
    person: int
    person_name: str
    role: str
    phone: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    signed_at: dt.datetime | None
    is_missed: bool = Field(description="已过签到时限仍未签到")


class DutyOut(Schema):
    week_start: dt.date
    week_end: dt.date
    total: int = Field(description="本周已发布的班次")
    signed: int = Field(description="其中已签到")
    missed: int = Field(description="其中已过签到时限仍未签到")
    shifts: list[ShiftOut] = Field(description="未签到、正在值班和接下来的班次")
    figures: list[FigureOut]


class DrillOut(Schema):
    id: int
    plan_type: str
    held_on: dt.date
    participants: int
    duration_minutes: int


class DrillsOut(Schema):
    term_start: dt.date
    term_end: dt.date
    drills: list[DrillOut]
    missing_plan_types: list[str] = Field(description="本学期尚未演练的预案类型")


class RoleCountOut(Schema):
    role: str
    count: int


class CounsellorsOut(Schema):
    students: int
    full_time: int
    part_time: int
    certified: int
    rooms: int
    standard_rooms: int
    students_per_counsellor: int | None


class StaffingOut(Schema):
    roles: list[RoleCountOut] = Field(description="在本校任职的人数（按角色）")
    counsellors: CounsellorsOut | None = Field(description="心理健康队伍；无权查看时为 null")


class CountOut(Schema):
    label: str
    count: int


class CasesOut(Schema):
    open: int
    crisis: int
    overdue_reviews: int
    by_level: list[CountOut]
    by_kind: list[CountOut]
    figures: list[FigureOut]


class CampaignOut(Schema):
    id: int
    name: str
    status: str
    start: dt.date
    end: dt.date
    run_by: str
    through: str = Field(description="本校以哪个单位列入责任清单：“本校”或其区县教育局")


class ProfileOut(Schema):
    id: int
    name: str
    school_type: str
    district: int | None
    district_name: str
    classes: int
    students: int
    staff: int
    date: dt.date
    sections: list[str] = Field(description="当前身份可看的栏目；不可看的栏目为 null")
    inspections: InspectionsOut | None
    ledger: LedgerOut | None
    directives: DirectivesOut | None
    health: HealthOut | None
    notices: NoticesOut | None
    duty: DutyOut | None
    drills: DrillsOut | None
    staffing: StaffingOut | None
    cases: CasesOut | None = Field(description="一生一案：只有数量，不含姓名")
    campaigns: list[CampaignOut] | None


def _figures(figures: list[Figure]) -> list[FigureOut]:
    return [
        FigureOut(
            code=f.code,
            name=f.name,
            unit=f.measure,
            value=f.value.value,
            numerator=f.value.numerator,
            denominator=f.value.denominator,
            basis=f.basis,
        )
        for f in figures
    ]


def _profile_out(p: SchoolProfile) -> ProfileOut:
    out = ProfileOut(
        id=p.school.pk,
        name=p.school.name,
        school_type=p.school.school_type,
        district=p.district.pk if p.district else None,
        district_name=p.district.name if p.district else "",
        classes=p.counts.classes,
        students=p.counts.students,
        staff=p.counts.staff,
        date=p.today,
        sections=p.sections,
        inspections=None,
        ledger=None,
        directives=None,
        health=None,
        notices=None,
        duty=None,
        drills=None,
        staffing=None,
        cases=None,
        campaigns=None,
    )
    if (i := p.inspections) is not None:
        out.inspections = InspectionsOut(
            scores=[
                RoundScoreOut(
                    inspection=s.inspection_id,
                    inspection_name=s.name,
                    kind_name=s.kind,
                    submitted_on=s.submitted_on,
                    percent=s.percent,
                    findings=s.findings,
                    is_self_check=s.is_self_check,
                )
                for s in i.scores
            ],
            upcoming=[t.inspection_id for t in i.upcoming],
            figures=_figures(i.figures),
        )
    if (led := p.ledger) is not None:
        out.ledger = LedgerOut(
            open=led.open,
            overdue=led.overdue,
            awaiting=led.awaiting,
            closed=led.closed,
            items=[
                LedgerItemOut(
                    id=item.pk,
                    category=item.category,
                    description=item.description,
                    owner=item.owner_id,
                    owner_name=item.owner.display_name if item.owner else "",
                    due_date=item.due_date,
                    is_overdue=item.is_overdue_on(p.today),
                    progress=item.progress,
                    status=item.status,
                )
                for item in led.items
            ],
            figures=_figures(led.figures),
        )
    if (d := p.directives) is not None:
        out.directives = DirectivesOut(
            due=d.due_count,
            overdue=d.overdue_count,
            late=d.late_count,
            reports=[
                ReportOut(
                    id=r.submission.pk,
                    directive=r.submission.directive_id,
                    directive_title=r.submission.directive.title,
                    period_label=r.submission.period.label,
                    deadline=r.deadline,
                    status=r.submission.status,
                    is_overdue=r.is_overdue,
                )
                for r in d.due
            ],
            figures=_figures(d.figures),
        )
    if (h := p.health) is not None:
        out.health = HealthOut(
            date=h.day,
            is_school_day=h.is_school_day,
            classes=h.classes,
            checked=h.checked,
            unchecked_classes=[k.name for k in h.unchecked],
            illness=h.illness,
            other=h.other,
            awaiting_clearance=h.awaiting,
            month=[
                DayOut(
                    date=day.date,
                    classes_checked=day.classes_checked,
                    illness=day.illness,
                    illness_pct=day.illness_pct,
                    attendance_pct=day.attendance_pct,
                )
                for day in h.month
            ],
            open_alerts=[AlertOut(id=a.pk, title=a.title, on_date=a.on_date, status=a.status) for a in h.alerts],
            figures=_figures(h.figures),
        )
    if (n := p.notices) is not None:
        out.notices = NoticesOut(
            recent=[
                NoticeRateOut(
                    notice=r.notice_id,
                    title=r.title,
                    sent_at=r.sent_at,
                    students=r.total,
                    confirmed=r.confirmed,
                    rate=r.rate,
                )
                for r in n.rows
            ],
            figures=_figures(n.figures),
        )
    if (du := p.duty) is not None:
        out.duty = DutyOut(
            week_start=du.week[0],
            week_end=du.week[1],
            shifts=[
                ShiftOut(
                    id=r.shift.pk,
                    person=r.shift.person_id,
                    person_name=r.shift.person.display_name,
                    role=r.shift.role,
                    phone=r.shift.phone,
                    starts_at=r.shift.starts_at,
                    ends_at=r.shift.ends_at,
                    signed_at=r.signed_at,
                    is_missed=r.is_missed,
                )
                for r in du.shifts
            ],
            total=du.total,
            signed=du.signed,
            missed=du.missed,
            figures=_figures(du.figures),
        )
    if (dr := p.drills) is not None:
        out.drills = DrillsOut(
            term_start=dr.term[0],
            term_end=dr.term[1],
            drills=[
                DrillOut(
                    id=x.pk,
                    plan_type=x.plan.plan_type,
                    held_on=x.held_on,
                    participants=x.participants,
                    duration_minutes=x.duration_minutes,
                )
                for x in dr.drills
            ],
            missing_plan_types=dr.missing,
        )
    if (st := p.staffing) is not None:
        c = st.counsellors
        out.staffing = StaffingOut(
            roles=[RoleCountOut(role=label, count=n) for label, n in st.roles],
            counsellors=CounsellorsOut(
                students=c.students,
                full_time=c.full_time,
                part_time=c.part_time,
                certified=c.certified,
                rooms=c.rooms,
                standard_rooms=c.standard_rooms,
                students_per_counsellor=c.students_per_counsellor,
            )
            if c is not None
            else None,
        )
    if (ca := p.cases) is not None:
        out.cases = CasesOut(
            open=ca.open,
            crisis=ca.crisis,
            overdue_reviews=ca.overdue,
            by_level=[CountOut(label=label, count=n) for label, n in ca.by_level],
            by_kind=[CountOut(label=label, count=n) for label, n in ca.by_kind],
            figures=_figures(ca.figures),
        )
    if p.campaigns is not None:
        out.campaigns = [
            CampaignOut(
                id=c.pk, name=c.name, status=c.status, start=c.start, end=c.end, run_by=c.run_by, through=c.through
            )
            for c in p.campaigns
        ]
    return out


@router.get("/schools/{school_id}/profile", response=ProfileOut)
def school_profile(request: AuthedRequest, school_id: Id) -> ProfileOut:
    """一校一档：本校在各模块的情况。只返回当前身份可看的栏目（其余为 null）；一生一案只有数量。
    无权查看一校一档的身份返回 403；不是本人管理范围内的学校（含其他区县的学校、班级、区县）返回 404。"""
    require(request, selectors.PERMISSION)
    school = selectors.school_for(request.user, school_id)
    return _profile_out(selectors.profile(request.user, school))


class SchoolOut(Schema):
    id: int
    name: str
    school_type: str
    is_closed: bool


class SchoolsQuery(PageParams):
    q: str = Field("", max_length=50, description="学校名称、简称或拼音首字母")


@router.get("/schools", response=Paged[SchoolOut])
def list_schools(request: AuthedRequest, query: Query[SchoolsQuery]) -> dict[str, object]:
    """当前身份可查看一校一档的学校（按名称、简称或拼音首字母查找）。"""
    require(request, selectors.PERMISSION)
    page = paginate(selectors.schools_for(request.user, q=query.q), page=query.page, page_size=query.page_size)
    return {
        "items": [
            SchoolOut(id=s.pk, name=s.name, school_type=s.school_type, is_closed=s.is_closed) for s in page.items
        ],
        "count": page.count,
    }
