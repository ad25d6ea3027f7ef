"""继续教育 pages: the list of trainings, one training (enrolment, attendance, the sign-in QR), the phone page a
scanned code opens, the hours gap of a unit, one's own hours and a printable completion certificate."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected
from dudao.core.pagination import paginate
from dudao.core.web import perform, post_form, posted_version, require
from dudao.orgs.scoping import can
from dudao.orgs.web import acting_unit, viewed_unit
from dudao.training import excel, selectors, services
from dudao.training.forms import AttendForm, EnrolForm, EventForm, ImportForm
from dudao.training.models import Category, Level, TrainingEvent


def _event(request: AuthedRequest, pk: int) -> TrainingEvent:
    event = selectors.event_for(request.user, pk)
    if event is None:
        raise Http404("培训不存在")
    return event


def _organised(request: AuthedRequest, pk: int) -> TrainingEvent:
    require(request, "training.organise")
    event = _event(request, pk)
    if not selectors.may_organise(request.user, event):
        raise PermissionDenied("只有主办单位的管理人员可以操作该培训")
    return event


def _year(request: AuthedRequest) -> int:
    raw = request.GET.get("year", "")
    today = timezone.localdate()
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year + 1 else today.year


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    require(request, "training.read")
    unit = viewed_unit(request)
    year = _year(request)
    qs = selectors.events_for(request.user).filter(year=year)
    category = request.GET.get("category", "")
    if category in Category.values:
        qs = qs.filter(category=category)
    page = paginate(qs.order_by("-starts_at", "-id"), page=request.GET.get("page"), page_size=50)
    figures = selectors.rates([unit], year).get(unit.pk)
    may_organise = can(request.user, "training.organise", unit)
    return render(
        request,
        "training/index.html",
        {
            "unit": unit,
            "year": year,
            "years": selectors.year_choices(timezone.localdate()),
            "categories": Category.choices,
            "category": category,
            "page": page,
            "figures": figures,
            "required": selectors.requirement(),
            "form": EventForm(initial={"level": _level_of(unit.kind), "category": Category.OTHER})
            if may_organise
            else None,
        },
    )


def _level_of(kind: str) -> str:
    return {"school": Level.SCHOOL, "district": Level.DISTRICT}.get(kind, Level.CITY)


def _event_in(d: dict[str, Any]) -> services.EventIn:
    return services.EventIn(
        title=d["title"],
        level=d["level"],
        category=d["category"],
        starts_at=d["starts_at"],
        ends_at=d["ends_at"],
        venue=d["venue"],
        hours=d["hours"],
        audience=d["audience"],
    )


@login_required
@require_POST
def create(request: AuthedRequest) -> HttpResponse:
    require(request, "training.organise")
    organiser = acting_unit(request)
    return post_form(
        request,
        EventForm,
        redirect("training:index"),
        lambda d: services.create_event(actor=request.user, organiser=organiser, data=_event_in(d)),
        lambda e: f"已发布培训“{e.title}”",
        then=lambda e: redirect("training:detail", e.pk),
    )


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    may_organise = selectors.may_organise(request.user, event)
    enrolments = paginate(selectors.participants(request.user, event), page=request.GET.get("page"), page_size=100)
    people = [e.user for e in enrolments.items]
    attended = selectors.attendance_by_user(event, [p.pk for p in people])
    mine = selectors.attendance_by_user(event, [request.user.pk]).get(request.user.pk)
    return render(
        request,
        "training/detail.html",
        {
            "event": event,
            "may_organise": may_organise,
            "page": enrolments,
            "rows": [(p, attended.get(p.pk)) for p in people],
            "enrolled": event.enrolments.count(),
            "attended": event.attendances.count(),
            "mine": mine,
            "form": EventForm(
                initial={
                    **{f: getattr(event, f) for f in services.EVENT_FIELDS},
                    "starts_at": timezone.localtime(event.starts_at),
                    "ends_at": timezone.localtime(event.ends_at),
                    "version": event.version,
                }
            )
            if may_organise
            else None,
            "units": selectors.organiser_units(request.user).filter(path__under=event.organiser.path)[:300]
            if may_organise
            else [],
        },
    )


@login_required
@require_POST
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    event = _organised(request, pk)
    return post_form(
        request,
        EventForm,
        redirect("training:detail", event.pk),
        lambda d: services.update_event(
            actor=request.user, event=event, data=_event_in(d), version=posted_version(request)
        ),
        "已保存培训信息",
    )


@login_required
@require_POST
def enrol(request: AuthedRequest, pk: int) -> HttpResponse:
    event = _organised(request, pk)
    back = redirect("training:detail", event.pk)
    form = EnrolForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择报名的单位")
        return back
    unit = selectors.organiser_units(request.user).filter(pk=form.cleaned_data["unit"]).first()
    if unit is None:
        messages.error(request, "请选择报名的单位")
        return back
    only = form.cleaned_data["class_teachers_only"]
    return perform(
        request,
        back,
        lambda: services.enrol_unit(actor=request.user, event=event, unit=unit, class_teachers_only=only),
        lambda n: f"已报名 {n} 人" if n else "所选人员都已报名",
    )


@login_required
@require_POST
def attend(request: AuthedRequest, pk: int) -> HttpResponse:
    event = _organised(request, pk)
    back = redirect("training:detail", event.pk)
    form = AttendForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请检查学时")
        return back
    person = User.objects.select_related("unit").filter(pk=form.cleaned_data["person"]).first()
    if person is None:
        raise Http404("人员不存在")
    return perform(
        request,
        back,
        lambda: services.record_attendance(
            actor=request.user, event=event, person=person, hours=form.cleaned_data["hours"]
        ),
        lambda a: f"已登记{person.display_name} {a.hours} 学时",
    )


@login_required
def qr(request: AuthedRequest, pk: int) -> HttpResponse:
    """The code shown on the organiser's screen at the venue; htmx renews it every minute."""
    event = _organised(request, pk)
    url = request.build_absolute_uri(reverse("training:sign", args=[services.sign_in_token(event)]))
    now = timezone.now()
    opens, closes = event.window(services.SIGN_IN_MARGIN)
    context = {
        "event": event,
        "url": url,
        "qr": segno.make(url, error="m").svg_inline(scale=6),
        "open": opens <= now <= closes,
        "opens": opens,
        "attended": event.attendances.count(),
        "enrolled": event.enrolments.count(),
        "minutes": services.qr_minutes(),
    }
    template = "training/_qr.html" if request.headers.get("HX-Request") else "training/qr.html"
    return render(request, template, context)


@login_required
def sign(request: AuthedRequest, token: str) -> HttpResponse:
    """What a scanned code opens on the teacher's phone: the training and one button (GET changes nothing)."""
    event: TrainingEvent | None = None
    problem = ""
    try:
        event = TrainingEvent.objects.select_related("organiser").filter(pk=services.event_of_token(token)).first()
    except DomainError as exc:
        problem = exc.message
    attendance = None
    if request.method == "POST" and event is not None:
        try:
            attendance, created = services.sign_in(person=request.user, token=token)
        except DomainError as exc:
            problem = exc.message
        else:
            if created:
                messages.success(request, f"签到成功，获得 {attendance.hours} 学时")
            else:
                messages.info(request, f"您已于 {timezone.localtime(attendance.signed_at):%H:%M} 签到，无需重复签到")
            return redirect("training:mine")
    elif event is not None:
        attendance = selectors.attendance_by_user(event, [request.user.pk]).get(request.user.pk)
    if event is None and not problem:
        problem = "该培训已不存在"
    return render(
        request,
        "training/sign.html",
        {"event": event, "token": token, "problem": problem, "attendance": attendance},
        status=200,
    )


@login_required
def hours(request: AuthedRequest) -> HttpResponse:
    """The hours gap of a unit: each staff member's hours this year, the shortest first."""
    require(request, "training.read")
    unit = viewed_unit(request)
    year = _year(request)
    short = request.GET.get("short") == "1"
    qs = selectors.hours_gap(unit, year, short_only=short)
    page = paginate(qs, page=request.GET.get("page"), page_size=50)
    figures = selectors.rates([unit], year).get(unit.pk)
    return render(
        request,
        "training/hours.html",
        {
            "unit": unit,
            "year": year,
            "years": selectors.year_choices(timezone.localdate()),
            "short": short,
            "page": page,
            "rows": selectors.as_hours(list(page.items)),
            "figures": figures,
            "required": selectors.requirement(),
            "up": unit.get_parent() if unit.pk != acting_unit(request).pk else None,
            "children": unit.get_children().filter(is_closed=False, kind__in=["district", "school"])[:300],
        },
    )


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    year = _year(request)
    return render(
        request,
        "training/mine.html",
        {
            "year": year,
            "years": selectors.year_choices(timezone.localdate()),
            "hours": selectors.hours_of(request.user, year),
            "attendances": list(selectors.attendances_of(request.user, year)),
            "upcoming": list(
                TrainingEvent.objects.filter(enrolments__user=request.user, ends_at__gte=timezone.now())
                .select_related("organiser")
                .order_by("starts_at")[:20]
            ),
        },
    )


@login_required
def certificate(request: AuthedRequest, pk: int) -> HttpResponse:
    attendance = selectors.attendance_for(request.user, pk)
    if attendance is None:
        raise Http404("证书不存在")
    return render(request, "training/certificate.html", {"a": attendance, "today": timezone.localdate()})


@login_required
def import_attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    event = _organised(request, pk)
    errors = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, "请选择要导入的 Excel 文件")
        else:
            upload = form.cleaned_data["file"]
            try:
                added, kept = excel.import_attendance(
                    actor=request.user, event=event, upload=upload, filename=upload.name or ""
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except ImportRejected as exc:
                messages.error(request, exc.message)
                errors = exc.errors
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已导入 {added} 人的签到" + (f"，{kept} 人此前已签到" if kept else ""))
                return redirect("training:detail", event.pk)
    return render(request, "training/import.html", {"event": event, "import_errors": errors})


@login_required
def import_template(request: AuthedRequest, pk: int) -> HttpResponse:
    _organised(request, pk)
    response = HttpResponse(
        excel.template_bytes(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="training-attendance-template.xlsx"'
    return response
