"""Meeting pages: meetings (convene, the 督办 review of the previous meeting, attendance, minutes, decisions, print),
the decisions ledger (督办台账) with progress reports, and task forces."""

from __future__ import annotations

import functools
import secrets
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, perform, post_form, posted_version, require
from dudao.meetings import exports, selectors, services
from dudao.meetings.forms import (
    ATTENDANCE_CHOICES,
    AddAttendeesForm,
    DecisionForm,
    MeetingForm,
    MinutesForm,
    ProgressForm,
    ReopenForm,
    TaskForceForm,
)
from dudao.meetings.models import Attendance, Decision, DecisionKind, Meeting, TaskForce
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment, can
from dudao.orgs.selectors import units_for


def _acting_unit(request: AuthedRequest) -> OrgUnit:
    assignment = acting_assignment(request.user)
    if assignment is None:
        raise PermissionDenied("您没有可用的身份")
    return assignment.unit


def _key() -> str:
    """One key per rendered form: a second click on 保存 answers what the first made."""
    return secrets.token_urlsafe(12)


def _campaigns(request: AuthedRequest) -> Any:
    return selectors.campaign_choices(request.user)


def _unit_filter(request: AuthedRequest, raw: str | None) -> OrgUnit | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(units_for(request.user), pk=int(raw))


# ----- meetings -------------------------------------------------------------------------------


@login_required
def meeting_list(request: AuthedRequest) -> HttpResponse:
    require(request, "meeting.read")
    qs = selectors.meetings_for(request.user)
    task_force = request.GET.get("task_force", "")
    if task_force.isdigit():
        qs = qs.filter(task_force_id=int(task_force))
    page = paginate(qs.order_by("-starts_at", "-id"), page=request.GET.get("page"))
    today = timezone.localdate()
    overdue = selectors.overdue_counts([m.pk for m in page.items], today)
    rows = [(m, overdue.get(m.pk, (0, 0))) for m in page.items]
    return render(
        request,
        "meetings/list.html",
        {
            "page": page,
            "rows": rows,
            "now": timezone.now(),
            "task_force": task_force,
            "may_convene": can(request.user, "meeting.change"),
        },
    )


def _meeting_form(request: AuthedRequest, unit: OrgUnit, data: Any = None, **kwargs: Any) -> MeetingForm:
    return MeetingForm(
        data,
        people=selectors.people_choices(unit),
        task_forces=selectors.task_force_choices(request.user),
        campaigns=_campaigns(request),
        **kwargs,
    )


@login_required
def meeting_create(request: AuthedRequest) -> HttpResponse:
    require(request, "meeting.change")
    unit = _acting_unit(request)
    if request.method == "POST":
        form = _meeting_form(request, unit, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.create_meeting(
                    actor=request.user,
                    title=data["title"],
                    starts_at=data["starts_at"],
                    place=data["place"],
                    chair=data["chair"],
                    task_force=data["task_force"],
                    campaign=data["campaign"],
                    submit_key=data["submit_key"],
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "调度会已登记，请补充参会人员、议定事项和纪要")
                return redirect("meetings:detail", meeting.pk)
        else:
            messages.error(request, form_errors(form))
    else:
        initial: dict[str, Any] = {"submit_key": _key(), "chair": request.user.pk}
        if request.GET.get("task_force", "").isdigit():
            initial["task_force"] = int(request.GET["task_force"])
        form = _meeting_form(request, unit, initial=initial)
    return render(request, "meetings/form.html", {"form": form, "unit": unit})


def _meeting(request: AuthedRequest, pk: int, action: str = "read") -> Meeting:
    require(request, f"meeting.{action}")
    return get_object_or_404(selectors.meetings_for(request.user, action), pk=pk)


def _decision_form(meeting: Meeting, data: Any = None, unit: OrgUnit | None = None, **kwargs: Any) -> DecisionForm:
    """The decision form; the listed people follow the chosen (or posted) owner unit."""
    if data is not None and str(data.get("owner_unit", "")).isdigit():
        unit = selectors.owner_unit_choices(meeting).filter(pk=int(data["owner_unit"])).first()
    return DecisionForm(
        data,
        units=selectors.owner_unit_choices(meeting),
        people=selectors.owner_person_choices(meeting),
        options=selectors.owner_person_options(meeting, unit),
        people_url=reverse("meetings:owner_people", args=[meeting.pk]),
        **kwargs,
    )


@login_required
def owner_people(request: AuthedRequest, pk: int) -> HttpResponse:
    """htmx: the owner person's options for the owner unit just chosen."""
    meeting = _meeting(request, pk, "change")
    raw = request.GET.get("owner_unit", "")
    unit = selectors.owner_unit_choices(meeting).filter(pk=int(raw)).first() if raw.isdigit() else None
    options = selectors.owner_person_options(meeting, unit)
    return render(request, "meetings/_person_options.html", {"options": options})


@login_required
def meeting_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "meetings/detail.html", _detail_context(request, _meeting(request, pk)))


def _detail_context(
    request: AuthedRequest, meeting: Meeting, decision_form: DecisionForm | None = None
) -> dict[str, Any]:
    user = request.user
    may_change = can(user, "meeting.change", meeting.unit)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "meeting": meeting,
        "review": selectors.review(meeting, today),
        "attendees": list(meeting.attendees.select_related("person__unit")),
        "decisions": selectors.decision_rows(selectors.with_rows(meeting.decisions.order_by("position")), today),
        "next": selectors.next_meeting(meeting),
        "may_change": may_change,
        "is_upcoming": meeting.starts_at > timezone.now(),
        "attendance_choices": ATTENDANCE_CHOICES,
    }
    if may_change:
        context.update(
            meeting_form=MeetingForm(
                people=selectors.people_choices(meeting.unit),
                initial={
                    "title": meeting.title,
                    "starts_at": timezone.localtime(meeting.starts_at),
                    "place": meeting.place,
                    "chair": meeting.chair_id,
                },
            ),
            minutes_form=MinutesForm(initial={"minutes": meeting.minutes}),
            attendees_form=AddAttendeesForm(people=selectors.people_choices(meeting.unit)),
            decision_form=decision_form or _decision_form(meeting, initial={"submit_key": _key()}),
            decision_open=decision_form is not None,
            may_directive=can(user, "directive.change", meeting.unit),
        )
    return context


@login_required
def meeting_print(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    today = timezone.localdate()
    attendees = list(meeting.attendees.select_related("person__unit"))
    return render(
        request,
        "meetings/print.html",
        {
            "meeting": meeting,
            "review": selectors.review(meeting, today),
            "present": [a for a in attendees if a.attendance == Attendance.PRESENT],
            "on_leave": [a for a in attendees if a.attendance == Attendance.LEAVE],
            "absent": [a for a in attendees if a.attendance == Attendance.ABSENT],
            "decisions": selectors.decision_rows(selectors.with_rows(meeting.decisions.order_by("position")), today),
        },
    )


@login_required
def meeting_docx(request: AuthedRequest, pk: int) -> HttpResponse:
    """The minutes as a .docx in the official layout (发文机关标志, 关于…调度会议纪要, numbered decisions)."""
    meeting = _meeting(request, pk)
    response = HttpResponse(
        exports.minutes_docx(meeting),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    name = quote(exports.minutes_title(meeting))
    response["Content-Disposition"] = f"attachment; filename=\"minutes.docx\"; filename*=UTF-8''{name}.docx"
    return response


@login_required
@require_POST
def meeting_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk, "change")
    form_class = functools.partial(MeetingForm, people=selectors.people_choices(meeting.unit))
    return post_form(
        request,
        form_class,
        redirect("meetings:detail", pk),
        lambda data: services.update_meeting(
            actor=request.user,
            meeting=meeting,
            title=data["title"],
            starts_at=data["starts_at"],
            place=data["place"],
            chair=data["chair"],
            version=posted_version(request),
        ),
        "会议信息已保存",
    )


@login_required
@require_POST
def meeting_minutes(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk, "change")
    return post_form(
        request,
        MinutesForm,
        redirect("meetings:detail", pk),
        lambda data: services.save_minutes(
            actor=request.user, meeting=meeting, minutes=data["minutes"], version=posted_version(request)
        ),
        "会议纪要已保存",
    )


@login_required
@require_POST
def meeting_add_attendees(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk, "change")
    return post_form(
        request,
        functools.partial(AddAttendeesForm, people=selectors.people_choices(meeting.unit)),
        redirect("meetings:detail", pk),
        lambda data: services.add_attendees(actor=request.user, meeting=meeting, people=list(data["people"])),
        lambda n: f"已添加 {n} 名参会人员" if n else "所选人员已在参会名单中",
    )


@login_required
@require_POST
def meeting_attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk, "change")
    marks: dict[int, tuple[str, str]] = {}
    for name in request.POST:
        if name.startswith("attendance_") and name[11:].isdigit():
            marks[int(name[11:])] = (request.POST.get(name, ""), request.POST.get(f"note_{name[11:]}", ""))
    return perform(
        request,
        redirect("meetings:detail", pk),
        lambda: services.record_attendance(
            actor=request.user, meeting=meeting, marks=marks, version=posted_version(request)
        ),
        "出席情况已保存",
    )


@login_required
@require_POST
def meeting_remove_attendee(request: AuthedRequest, pk: int, attendee_pk: int) -> HttpResponse:
    meeting = _meeting(request, pk, "change")
    attendee = get_object_or_404(meeting.attendees, pk=attendee_pk)
    return perform(
        request,
        redirect("meetings:detail", pk),
        lambda: services.remove_attendee(actor=request.user, meeting=meeting, attendee=attendee),
        "已移出参会名单",
    )


@login_required
@require_POST
def decision_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add a decision; refused input shows the meeting page again with what was typed kept in the form."""
    meeting = _meeting(request, pk, "change")
    form = _decision_form(meeting, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.add_decision(
                actor=request.user,
                meeting=meeting,
                text=data["text"],
                owner_unit=data["owner_unit"],
                owner_person=data["owner_person"],
                deadline=data["deadline"],
                kind=data["kind"],
                submit_key=data["submit_key"],
            )
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            extra = (
                "，并生成工作部署草稿（请在“工作部署”中核对后下发）" if decision.kind == DecisionKind.DIRECTIVE else ""
            )
            messages.success(request, f"已添加议定事项第 {decision.position} 项{extra}")
            return redirect(reverse("meetings:detail", args=[pk]) + "#decisions")
    else:
        messages.error(request, form_errors(form))
    context = _detail_context(request, meeting, decision_form=form)
    return render(request, "meetings/detail.html", context)


# ----- decisions ------------------------------------------------------------------------------


@login_required
def ledger(request: AuthedRequest) -> HttpResponse:
    require(request, "meeting.read")
    state = request.GET.get("state", "")
    unit = _unit_filter(request, request.GET.get("unit"))
    qs = selectors.ledger(request.user, state=state, unit=unit)
    mine = request.GET.get("mine") == "1"
    if mine:
        qs = qs.filter(pk__in=selectors.my_open_tasks(request.user).values("pk"))
    organiser = _unit_filter(request, request.GET.get("organiser"))
    if organiser is not None:
        qs = qs.filter(meeting__unit=organiser)
    page = paginate(qs, page=request.GET.get("page"))
    today = timezone.localdate()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "meetings/ledger.html",
        {
            "page": page,
            "rows": selectors.decision_rows(page.items, today),
            "states": selectors.STATE_FILTERS.items(),
            "state": state,
            "unit": unit,
            "mine": mine,
            "organiser": organiser,
            "query": query.urlencode(),
        },
    )


def _decision(request: AuthedRequest, pk: int) -> Decision:
    require(request, "meeting.read")
    return get_object_or_404(selectors.decisions_of_visible_meetings(request.user), pk=pk)


@login_required
def decision_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    decision = _decision(request, pk)
    user = request.user
    may_report = decision.kind == DecisionKind.TASK and decision.done_on is None and services.may_report(user, decision)
    may_change = can(user, "meeting.change", decision.meeting.unit)
    context: dict[str, Any] = {
        "decision": decision,
        "state": selectors.decision_state(decision),
        "notes": list(decision.notes.select_related("author", "unit")),
        "may_report": may_report,
        "may_change": may_change,
        "progress_form": ProgressForm(initial={"submit_key": _key(), "done_on": timezone.localdate()}),
        "reopen_form": ReopenForm(),
    }
    if may_change and decision.kind == DecisionKind.TASK and decision.done_on is None:
        context["edit_form"] = _decision_form(
            decision.meeting,
            unit=decision.owner_unit,
            initial={
                "text": decision.text,
                "owner_unit": decision.owner_unit_id,
                "owner_person": decision.owner_person_id,
                "deadline": decision.deadline,
                "kind": decision.kind,
            },
        )
    return render(request, "meetings/decision.html", context)


@login_required
@require_POST
def decision_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    decision = _decision(request, pk)
    return post_form(
        request,
        ProgressForm,
        redirect("meetings:decision", pk),
        lambda data: services.report_progress(
            actor=request.user,
            decision=decision,
            text=data["text"],
            mark_done=data["mark_done"],
            done_on=data["done_on"],
            version=posted_version(request),
            submit_key=data["submit_key"],
        ),
        lambda note: "已标记完成" if note.marks_done else "进展情况已报告",
    )


@login_required
@require_POST
def decision_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    decision = _decision(request, pk)

    def form_class(data: Any, files: Any = None) -> DecisionForm:
        return _decision_form(decision.meeting, data)

    return post_form(
        request,
        form_class,
        redirect("meetings:decision", pk),
        lambda data: services.update_decision(
            actor=request.user,
            decision=decision,
            text=data["text"],
            owner_unit=data["owner_unit"],
            owner_person=data["owner_person"],
            deadline=data["deadline"],
            version=posted_version(request),
        ),
        "议定事项已修改",
    )


@login_required
@require_POST
def decision_reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    decision = _decision(request, pk)
    return post_form(
        request,
        ReopenForm,
        redirect("meetings:decision", pk),
        lambda data: services.reopen_decision(
            actor=request.user, decision=decision, reason=data["reason"], version=posted_version(request)
        ),
        "已退回责任单位继续落实",
    )


# ----- task forces ----------------------------------------------------------------------------


@login_required
def task_force_list(request: AuthedRequest) -> HttpResponse:
    require(request, "meeting.read")
    qs = selectors.task_forces_for(request.user).order_by("is_dissolved", "-created_at", "-id")
    page = paginate(qs, page=request.GET.get("page"))
    return render(
        request,
        "meetings/task_forces.html",
        {"page": page, "may_create": can(request.user, "meeting.change")},
    )


def _task_force_form(
    request: AuthedRequest, unit: OrgUnit, data: Any = None, task_force: TaskForce | None = None, **kwargs: Any
) -> TaskForceForm:
    members = task_force.members.values_list("person_id", flat=True) if task_force else []
    people = selectors.people_choices(unit, extra=members)
    return TaskForceForm(data, people=people, campaigns=_campaigns(request), **kwargs)


def _members(form: TaskForceForm) -> list[services.MemberIn]:
    return [services.MemberIn(person=p, duty=d) for p, d in form.member_list()]


@login_required
def task_force_create(request: AuthedRequest) -> HttpResponse:
    require(request, "meeting.change")
    unit = _acting_unit(request)
    if request.method == "POST":
        form = _task_force_form(request, unit, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                task_force = services.create_task_force(
                    actor=request.user,
                    name=data["name"],
                    campaign=data["campaign"],
                    duties=data["duties"],
                    members=_members(form),
                    submit_key=data["submit_key"],
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"工作专班“{task_force.name}”已组建")
                return redirect("meetings:task_force", task_force.pk)
        else:
            messages.error(request, form_errors(form))
    else:
        form = _task_force_form(request, unit, initial={"submit_key": _key()})
    return render(request, "meetings/task_force_form.html", {"form": form, "unit": unit, "task_force": None})


def _task_force(request: AuthedRequest, pk: int, action: str = "read") -> TaskForce:
    require(request, f"meeting.{action}")
    return get_object_or_404(selectors.task_forces_for(request.user, action), pk=pk)


@login_required
def task_force_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    task_force = _task_force(request, pk)
    meetings = list(task_force.meetings.select_related("chair").order_by("-starts_at", "-id")[:50])
    today = timezone.localdate()
    overdue = selectors.overdue_counts([m.pk for m in meetings], today)
    return render(
        request,
        "meetings/task_force.html",
        {
            "task_force": task_force,
            "members": list(task_force.members.select_related("person__unit")),
            "meetings": [(m, overdue.get(m.pk, (0, 0))) for m in meetings],
            "now": timezone.now(),
            "may_change": can(request.user, "meeting.change", task_force.unit),
        },
    )


@login_required
def task_force_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    task_force = _task_force(request, pk, "change")
    members = list(task_force.members.all())
    if request.method == "POST":
        form = _task_force_form(request, task_force.unit, request.POST, task_force)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_task_force(
                    actor=request.user,
                    task_force=task_force,
                    name=data["name"],
                    campaign=data["campaign"],
                    duties=data["duties"],
                    members=_members(form),
                    version=posted_version(request),
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "工作专班已保存")
                return redirect("meetings:task_force", pk)
        else:
            messages.error(request, form_errors(form))
    else:
        by_duty: dict[str, list[int]] = {}
        for m in members:
            by_duty.setdefault(m.duty, []).append(m.person_id)
        form = _task_force_form(
            request,
            task_force.unit,
            task_force=task_force,
            initial={
                "name": task_force.name,
                "campaign": task_force.campaign_id,
                "duties": task_force.duties,
                "lead": next(iter(by_duty.get("lead", [])), None),
                "deputies": by_duty.get("deputy", []),
                "members": by_duty.get("member", []),
                "liaisons": by_duty.get("liaison", []),
            },
        )
    return render(
        request, "meetings/task_force_form.html", {"form": form, "unit": task_force.unit, "task_force": task_force}
    )


@login_required
@require_POST
def task_force_dissolve(request: AuthedRequest, pk: int) -> HttpResponse:
    task_force = _task_force(request, pk, "change")
    return perform(
        request,
        redirect("meetings:task_force", pk),
        lambda: services.dissolve_task_force(
            actor=request.user, task_force=task_force, version=posted_version(request)
        ),
        "工作专班已撤销",
    )
