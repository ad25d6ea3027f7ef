"""Case pages: list, open, one case (notes, level/crisis, referral, review, dropout register entry, close),
print and school export with watermark, break-glass, suggestions (screening, absences), alerts, access report.

Every page that shows a case's content writes an access event; a case one may not see answers 404 and the
attempt is logged."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.cases import intake, selectors, services
from dudao.cases.forms import (
    BreakGlassForm,
    CloseForm,
    DismissForm,
    DropoutForm,
    LevelForm,
    NoteForm,
    OpenCaseForm,
    ReferralForm,
    ReviewForm,
    ScreeningForm,
)
from dudao.cases.models import (
    CaseAttachment,
    CaseFile,
    CaseKind,
    CaseStatus,
    CrisisStepKind,
    Referral,
    RiskLevel,
)
from dudao.core import crypto
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, template_xlsx, xlsx_response
from dudao.core.files import file_response
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, perform, post_form, posted_version, require
from dudao.orgs.models import Student, StudentStatus
from dudao.orgs.scoping import acting_assignment, can

NOTE_SECRETS = crypto.NOTE_SECRETS


def _case(request: AuthedRequest, pk: int, via: str = "read", *, log: bool = True) -> CaseFile:
    """The case if the user may see it (logging the read), else 404 with the denied attempt logged."""
    case = selectors.with_rows(selectors.cases_for(request.user)).filter(pk=pk).first()
    if case is None:
        services.log_denied(actor=request.user, case_id=pk, via=via)
        raise Http404("个案不存在或您无权查看")
    if log:
        services.log_read(actor=request.user, case=case, via=via, break_glass=selectors.has_grant(request.user, case))
    return case


def watermark(request: AuthedRequest) -> str:
    user: Any = request.user
    assignment = acting_assignment(user)
    unit = assignment.unit.name if assignment else ""
    return f"{user.display_name}（{user.username}）· {unit} · {timezone.localtime():%Y-%m-%d %H:%M} · 保密资料 严禁外传"


@login_required
def case_list(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, "case.read") and can(request.user, "case.stats"):
        return redirect("cases:stats")
    require(request, "case.read")
    filters = selectors.CaseFilters.from_params(request.GET)
    page = paginate(selectors.with_rows(selectors.case_list(request.user, filters)), page=request.GET.get("page"))
    services.log_list(actor=request.user, cases=page.items, via="list")
    return render(
        request,
        "cases/list.html",
        {
            "page": page,
            "filters": filters,
            "kinds": CaseKind.choices,
            "levels": RiskLevel.choices,
            "statuses": CaseStatus.choices,
            "can_open": can(request.user, "case.open"),
            "can_break_glass": can(request.user, "case.break_glass"),
            "can_export": can(request.user, "case.open") and selectors.acting_school(request.user) is not None,
            "today": timezone.localdate(),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def case_new(request: AuthedRequest) -> HttpResponse:
    require(request, "case.open")
    school = selectors.acting_school(request.user)
    if school is None:
        raise PermissionDenied("请切换到学校身份后建立个案")
    form = OpenCaseForm(request.POST or None, initial={"student_no": request.GET.get("student_no", "")})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            student = (
                Student.objects.filter(
                    student_no=data["student_no"].strip(),
                    klass__path__under=school.path,
                    status=StudentStatus.ENROLLED,
                )
                .select_related("klass")
                .first()
            )
            counsellor = (
                selectors.counsellor_candidates(school).filter(pk=data["counsellor"]).first()
                if data["counsellor"]
                else None
            )
            if student is None:
                messages.error(request, "本校没有该学籍号的在籍学生")
            elif data["counsellor"] and counsellor is None:
                messages.error(request, "负责教师须是本校的心理教师、班主任或校长")
            else:
                try:
                    case = services.open_case(
                        actor=request.user,
                        student=student,
                        kind=data["kind"],
                        source=data["source"],
                        risk_level=data["risk_level"],
                        counsellor=counsellor,
                        plan=data["plan"],
                        follow_up_days=data["follow_up_days"],
                        next_review_on=data["next_review_on"],
                        dropout_reason=data["dropout_reason"],
                        out_since=data["out_since"],
                        guardian_contacted_at=data["guardian_contacted_at"],
                    )
                except Forbidden as exc:
                    raise PermissionDenied(exc.message) from exc
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, f"已建立{case}")
                    return redirect("cases:detail", pk=case.pk)
        else:
            messages.error(request, form_errors(form))
    return render(
        request,
        "cases/new.html",
        {"form": form, "staff": selectors.counsellor_candidates(school), "school": school},
    )


@login_required
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    if not can(request.user, "case.read"):
        services.log_denied(actor=request.user, case_id=pk, via="read")
        raise PermissionDenied("您当前的身份不能查看个案（上级只能查看统计）")
    case = _case(request, pk, "read")
    writable = selectors.may_write(request.user, case)
    today = timezone.localdate()
    # Each encrypted value is opened on its own: one under a missing key shows "无法解密（密钥缺失）".
    crypto.read_fields(case, *selectors.CASE_SECRETS)
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "notes": crypto.readable(case.notes.select_related("author"), *NOTE_SECRETS),
            "referrals": crypto.readable(case.referrals.all(), "institution", "note"),
            "steps": crypto.readable(case.crisis_steps.select_related("done_by"), "note"),
            "attachments": list(case.attachments.select_related("file")),
            "grant": selectors.has_grant(request.user, case),
            "writable": writable and case.status == CaseStatus.OPEN,
            "readers": list(selectors.access_events(request.user, case=case)[:30]),
            "note_form": NoteForm(auto_id="note_%s", initial={"occurred_on": today}),
            "level_form": LevelForm(auto_id="level_%s", initial={"level": case.risk_level, "version": case.version}),
            "referral_form": ReferralForm(auto_id="referral_%s", initial={"referred_on": today}),
            "review_form": ReviewForm(auto_id="review_%s", initial={"version": case.version}),
            "close_form": CloseForm(auto_id="close_%s", initial={"version": case.version}),
            "dropout_form": DropoutForm(
                auto_id="dropout_%s",
                initial={
                    "result": case.dropout_result,
                    "reason": case.dropout_reason,
                    "out_since": case.out_since,
                    "returned_on": case.returned_on,
                    "teacher_contact": case.teacher_contact,
                    "cadre_contact": case.cadre_contact,
                    "township_contact": case.township_contact,
                    "village_contact": case.village_contact,
                    "version": case.version,
                },
            )
            if case.kind == CaseKind.DROPOUT
            else None,
            "watermark": watermark(request),
        },
    )


def _back(pk: int) -> HttpResponse:
    return redirect("cases:detail", pk=pk)


def _post(request: AuthedRequest, pk: int, form_class: type[Any], run: Any, success: str) -> HttpResponse:
    require(request, "case.change")
    case = _case(request, pk, "write", log=False)
    return post_form(request, form_class, _back(pk), lambda data: run(case, data), success)


@login_required
@require_POST
def case_note(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        NoteForm,
        lambda case, d: services.add_note(
            actor=request.user,
            case=case,
            kind=d["kind"],
            text=d["text"],
            occurred_on=d["occurred_on"],
            participants=d["participants"],
            outcome=d["outcome"],
        ),
        "记录已保存",
    )


@login_required
@require_POST
def case_level(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        LevelForm,
        lambda case, d: services.change_level(
            actor=request.user,
            case=case,
            level=d["level"],
            reason=d["reason"],
            version=posted_version(request),
            guardian_contacted_at=d["guardian_contacted_at"],
        ),
        "关注等级已调整",
    )


@login_required
@require_POST
def case_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    if step not in CrisisStepKind.values:
        raise Http404
    require(request, "case.change")
    case = _case(request, pk, "write", log=False)
    return perform(
        request,
        _back(pk),
        lambda: services.complete_crisis_step(
            actor=request.user, case=case, step=step, note=request.POST.get("note", "")
        ),
        "处置步骤已完成",
    )


@login_required
@require_POST
def case_referral(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        ReferralForm,
        lambda case, d: services.add_referral(
            actor=request.user,
            case=case,
            institution=d["institution"],
            referred_on=d["referred_on"],
            status=d["status"],
            note=d["note"],
        ),
        "转介已登记",
    )


@login_required
@require_POST
def referral_status(request: AuthedRequest, pk: int, referral_pk: int) -> HttpResponse:
    require(request, "case.change")
    case = _case(request, pk, "write", log=False)
    referral = get_object_or_404(Referral, pk=referral_pk, case=case)
    return perform(
        request,
        _back(pk),
        lambda: services.update_referral(
            actor=request.user,
            referral=referral,
            status=request.POST.get("status", ""),
            version=posted_version(request),
        ),
        "转介状态已更新",
    )


@login_required
@require_POST
def case_review(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        ReviewForm,
        lambda case, d: services.review_case(
            actor=request.user,
            case=case,
            text=d["text"],
            next_review_on=d["next_review_on"],
            version=posted_version(request),
        ),
        "评估已记录",
    )


@login_required
@require_POST
def case_dropout(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        DropoutForm,
        lambda case, d: services.update_dropout(
            actor=request.user,
            case=case,
            version=posted_version(request),
            result=d["result"],
            reason=d["reason"],
            out_since=d["out_since"],
            returned_on=d["returned_on"],
            teacher_contact=d["teacher_contact"],
            cadre_contact=d["cadre_contact"],
            township_contact=d["township_contact"],
            village_contact=d["village_contact"],
        ),
        "劝返登记已保存",
    )


@login_required
@require_POST
def case_close(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        CloseForm,
        lambda case, d: services.close_case(
            actor=request.user, case=case, summary=d["summary"], version=posted_version(request)
        ),
        "个案已结案",
    )


@login_required
@require_POST
def case_attach(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "case.change")
    case = _case(request, pk, "write", log=False)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要上传的文件")
        return _back(pk)
    return perform(
        request,
        _back(pk),
        lambda: services.add_attachment(actor=request.user, case=case, upload=upload, name=upload.name or ""),
        "附件已上传",
    )


@login_required
def case_file(request: AuthedRequest, pk: int, file_pk: int) -> HttpResponseBase:
    require(request, "case.read")
    case = _case(request, pk, "file")
    attachment = get_object_or_404(CaseAttachment.objects.select_related("file"), case=case, file_id=file_pk)
    return file_response(attachment.file)


@login_required
def case_print(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "case.read")
    case = _case(request, pk, "print")
    crypto.read_fields(case, *selectors.CASE_SECRETS)
    return render(
        request,
        "cases/print.html",
        {
            "case": case,
            "notes": crypto.readable(case.notes.select_related("author"), *NOTE_SECRETS),
            "referrals": crypto.readable(case.referrals.all(), "institution", "note"),
            "steps": crypto.readable(case.crisis_steps.all(), "note"),
            "watermark": watermark(request),
        },
    )


EXPORT_HEADERS = [
    "编号",
    "类型",
    "学生",
    "班级",
    "来源",
    "关注等级",
    "状态",
    "负责教师",
    "班主任",
    "下次评估",
    "辍学原因",
    "劝返结果",
]


@login_required
def case_export(request: AuthedRequest) -> HttpResponseBase:
    """Named export of the cases one sees, at school level only; every row is logged, the sheet watermarked."""
    require(request, "case.open")
    school = selectors.acting_school(request.user)
    if school is None:
        raise PermissionDenied("个案名单只能在学校层面导出")
    cases = list(
        selectors.with_rows(selectors.cases_for(request.user).filter(school=school))
        .exclude(status=CaseStatus.ARCHIVED)
        .order_by("kind", "id")
    )
    services.log_list(actor=request.user, cases=cases, via="export")
    rows = [
        [
            c.pk,
            c.get_kind_display(),
            c.student.name,
            c.student.klass.name,
            c.get_source_display(),
            c.get_risk_level_display(),
            c.get_status_display(),
            c.counsellor.display_name if c.counsellor else "",
            c.class_teacher.display_name if c.class_teacher else "",
            c.next_review_on,
            c.get_dropout_reason_display(),
            c.get_dropout_result_display(),
        ]
        for c in cases
    ]
    rows.append([])
    rows.append([f"水印：{watermark(request)}"])
    return xlsx_response(
        filename=f"个案名单-{timezone.localdate():%Y%m%d}.xlsx",
        headers=EXPORT_HEADERS,
        rows=rows,
        sheet_name="个案名单",
        title=f"{school.name} 个案名单（保密）导出：{watermark(request)}",
        landscape=True,
    )


@login_required
def break_glass(request: AuthedRequest) -> HttpResponse:
    require(request, "case.break_glass")
    student_no = request.GET.get("student_no", "").strip()[:30]
    candidates = list(
        selectors.break_glass_candidates(request.user, student_no)
        .select_related("school")
        .only("pk", "school", "school__name", "school__path")
        .order_by("school__path", "pk")[:20]
    )
    if student_no and request.method == "GET":
        services.log_lookup(actor=request.user, student_no=student_no, cases=candidates)
    # Before a reason is given only "N case files at school S" is shown: no kind, status or name.
    found: dict[int, dict[str, Any]] = {}
    for c in candidates:
        found.setdefault(c.school_id, {"school": c.school, "cases": []})["cases"].append(c)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            case = get_object_or_404(selectors.break_glass_scope(request.user), pk=form.cleaned_data["case"])
            try:
                services.break_glass(actor=request.user, case=case, reason=form.cleaned_data["reason"])
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.warning(request, "已开启紧急授权（24 小时），本次访问已通知个案负责人和安全管理员")
                return redirect("cases:detail", pk=case.pk)
        else:
            messages.error(request, form_errors(form))
    return render(
        request, "cases/break_glass.html", {"student_no": student_no, "found": list(found.values()), "form": form}
    )


@login_required
def suggestions(request: AuthedRequest) -> HttpResponse:
    screening = list(selectors.screening_suggestions(request.user)[:200])
    dropout = list(selectors.dropout_suggestions(request.user)[:200])
    if not (can(request.user, "screening.import") or can(request.user, "case.change")):
        raise PermissionDenied("您当前的身份无权访问此页面")
    school = selectors.acting_school(request.user)
    services.log_suggestions(
        actor=request.user, unit_path=school.path if school else "", screening=screening, dropout=dropout
    )
    return render(
        request,
        "cases/suggestions.html",
        {
            "screening": screening,
            "dropout": dropout,
            "levels": RiskLevel.choices,
            "can_import": can(request.user, "screening.import"),
        },
    )


@login_required
@require_POST
def screening_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "screening.import")
    result = get_object_or_404(selectors.screening_suggestions(request.user), pk=pk)
    back = redirect("cases:suggestions")
    if request.POST.get("decision") == "accept":
        return perform(
            request,
            back,
            lambda: intake.accept_screening(
                actor=request.user, result=result, risk_level=request.POST.get("risk_level", RiskLevel.LEVEL3)
            ),
            lambda case: f"已建立{case}",
            then=lambda case: redirect("cases:detail", pk=case.pk),
        )
    return post_form(
        request,
        DismissForm,
        back,
        lambda data: intake.dismiss_screening(actor=request.user, result=result, reason=data["reason"]),
        "已排除该建议",
        invalid_message="排除建议须填写理由",
    )


@login_required
@require_POST
def dropout_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "case.change")
    suggestion = get_object_or_404(selectors.dropout_suggestions(request.user), pk=pk)
    back = redirect("cases:suggestions")
    if request.POST.get("decision") == "accept":
        if not can(request.user, "case.open"):
            raise PermissionDenied("建立控辍保学个案须由心理教师或校长操作；班主任可排除或提醒学校")
        try:
            case = intake.accept_dropout_suggestion(actor=request.user, suggestion=suggestion)
        except DomainError as exc:
            messages.error(request, exc.message)
            return back
        return redirect("cases:detail", pk=case.pk)
    return post_form(
        request,
        DismissForm,
        back,
        lambda data: intake.dismiss_dropout_suggestion(
            actor=request.user, suggestion=suggestion, reason=data["reason"]
        ),
        "已排除该提示",
        invalid_message="排除提示须填写理由",
    )


SCREENING_TEMPLATE_COLUMNS = [(t, h, w) for t, h, w in intake.SCREENING_COLUMNS]


@login_required
def screening_template(request: AuthedRequest) -> HttpResponse:
    require(request, "screening.import")
    response = HttpResponse(
        template_xlsx(sheet_name="筛查结果", columns=SCREENING_TEMPLATE_COLUMNS),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="screening-template.xlsx"'
    return response


@login_required
def screening_import(request: AuthedRequest) -> HttpResponse:
    require(request, "screening.import")
    form = ScreeningForm(request.POST or None, request.FILES or None)
    errors: list[Any] = []
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = intake.import_screening(
                    actor=request.user,
                    upload=upload,
                    filename=upload.name,
                    name=form.cleaned_data["name"],
                    threshold=form.cleaned_data["threshold"],
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except ImportRejected as exc:
                messages.error(request, exc.message)
                errors = exc.errors
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                flagged = batch.results.filter(is_flagged=True).count()
                messages.success(request, f"已导入 {batch.results.count()} 名学生的结果，其中 {flagged} 人建议建案")
                return redirect("cases:suggestions")
        else:
            messages.error(request, form_errors(form))
    return render(request, "cases/screening.html", {"form": form, "errors": errors})


@login_required
def alerts(request: AuthedRequest) -> HttpResponse:
    from dudao.cases.models import CaseAlert

    items = crypto.readable(
        CaseAlert.objects.filter(recipient_id=request.user.pk).order_by("-created_at")[:100], "text"
    )
    return render(request, "cases/alerts.html", {"alerts": items})


@login_required
@require_POST
def alerts_read(request: AuthedRequest) -> HttpResponse:
    services.mark_alerts_read(actor=request.user)
    return redirect("cases:alerts")


@login_required
def access_report(request: AuthedRequest) -> HttpResponse:
    require(request, "case.access_report")
    events = paginate(selectors.access_events(request.user), page=request.GET.get("page"))
    grants = crypto.readable(selectors.grants_for_report(request.user)[:100], "reason")
    return render(request, "cases/access_report.html", {"page": events, "grants": grants, "now": timezone.now()})
