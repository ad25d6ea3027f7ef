"""任务分解 pages: paste or upload, the table beside the source text, row edits, exports, draft directives."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.breakdown import exports, selectors, services
from dudao.breakdown.forms import AnalyseForm, RowForm
from dudao.breakdown.models import Analysis, Row
from dudao.breakdown.parser import MODULES
from dudao.breakdown.parser.reading import MAX_BYTES
from dudao.core.errors import DomainError, Forbidden
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, perform, post_form, posted_version, require
from dudao.orgs.scoping import can


@login_required
def analysis_list(request: AuthedRequest) -> HttpResponse:
    require(request, "breakdown.read")
    form = AnalyseForm()
    if request.method == "POST":
        require(request, "breakdown.change")
        form = AnalyseForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, form_errors(form))
        else:
            upload = form.cleaned_data.get("file")
            try:
                if upload is not None and upload.size > MAX_BYTES:
                    raise DomainError(f"文件太大（{upload.size / 1024 / 1024:.1f} MB），最大 5 MB。", code="too_large")
                analysis = services.analyse(
                    actor=request.user,
                    doc_date=form.cleaned_data["doc_date"],
                    text=form.cleaned_data.get("text") or "",
                    data=upload.read() if upload is not None else None,
                    filename=upload.name if upload is not None else "",
                    title=form.cleaned_data.get("title") or "",
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                tasks, total = selectors.task_rows_of(analysis).count(), selectors.rows_of(analysis).count()
                hidden = f"，另有 {total - tasks} 行回顾/非任务（默认隐藏）" if total > tasks else ""
                messages.success(request, f"已分解出 {tasks} 项任务{hidden}")
                return redirect("breakdown:detail", pk=analysis.pk)
    return render(
        request,
        "breakdown/list.html",
        {
            "page": paginate(selectors.analysis_list(request.user), page=request.GET.get("page")),
            "form": form,
            "can_change": can(request.user, "breakdown.change"),
        },
    )


def _analysis(request: AuthedRequest, pk: int, action: str = "read") -> Analysis:
    return get_object_or_404(selectors.analyses_for(request.user, action), pk=pk)


@login_required
def analysis_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "breakdown.read")
    analysis = _analysis(request, pk)
    rows = list(selectors.rows_of(analysis))
    hidden = sum(1 for r in rows if not r.is_task)
    numbers = iter(range(1, len(rows) + 1))
    numbered = [(r, next(numbers) if r.is_task else None) for r in rows]  # tasks are 1, 2, 3 … as in the exports
    text = analysis.source_text
    return render(
        request,
        "breakdown/detail.html",
        {
            "analysis": analysis,
            "rows": rows,
            "numbered": numbered,
            "task_count": len(rows) - hidden,
            "hidden_count": hidden,
            "modules": MODULES,
            "can_change": can(request.user, "breakdown.change"),
            "can_draft": can(request.user, "directive.change"),
            "source_lines": _source_pieces(text, rows),
        },
    )


def _source_pieces(text: str, rows: list[Row]) -> list[tuple[str, int | None]]:
    """The source text cut at row boundaries: (piece, row id or None), for highlighting without JavaScript maths."""
    marks = sorted((r.source_start, r.source_end, r.pk) for r in rows if r.source_end > r.source_start)
    pieces: list[tuple[str, int | None]] = []
    at = 0
    for start, end, pk in marks:
        if start < at:
            continue
        if start > at:
            pieces.append((text[at:start], None))
        pieces.append((text[start:end], pk))
        at = end
    pieces.append((text[at:], None))
    return pieces


def _row(request: AuthedRequest, pk: int, row_pk: int) -> tuple[Analysis, Row]:
    analysis = _analysis(request, pk, "change")
    return analysis, get_object_or_404(selectors.rows_of(analysis), pk=row_pk)


@login_required
@require_POST
def row_edit(request: AuthedRequest, pk: int, row_pk: int) -> HttpResponseBase:
    require(request, "breakdown.change")
    analysis, row = _row(request, pk, row_pk)
    return post_form(
        request,
        RowForm,
        redirect(f"/breakdown/{analysis.pk}/#row-{row.pk}"),
        lambda data: services.update_row(
            actor=request.user,
            row=row,
            version=posted_version(request),
            task=data["task"],
            responsible=data["responsible"],
            deadline_text=data["deadline_text"],
            deadline_start=data["deadline_start"],
            deadline_end=data["deadline_end"],
            module=request.POST.get("module") or None,
            targets=data["targets"] if "targets" in request.POST else None,
            mechanisms=data["mechanisms"] if "mechanisms" in request.POST else None,
        ),
        "已保存",
    )


@login_required
@require_POST
def row_kind(request: AuthedRequest, pk: int, row_pk: int) -> HttpResponseBase:
    """Mark a row as a task or as not a task (回顾/非任务)."""
    require(request, "breakdown.change")
    analysis, row = _row(request, pk, row_pk)
    kind = request.POST.get("kind", "")
    return perform(
        request,
        redirect(f"/breakdown/{analysis.pk}/#row-{row.pk}"),
        lambda: services.set_row_kind(actor=request.user, row=row, version=posted_version(request), kind=kind),
        lambda changed: f"已把这一行标为“{changed.get_kind_display()}”",
    )


@login_required
@require_POST
def row_delete(request: AuthedRequest, pk: int, row_pk: int) -> HttpResponseBase:
    require(request, "breakdown.change")
    analysis, row = _row(request, pk, row_pk)
    return perform(
        request,
        redirect("breakdown:detail", pk=analysis.pk),
        lambda: services.delete_row(actor=request.user, row=row, version=posted_version(request)),
        "已删除",
    )


@login_required
@require_POST
def row_split(request: AuthedRequest, pk: int, row_pk: int) -> HttpResponseBase:
    require(request, "breakdown.change")
    analysis, row = _row(request, pk, row_pk)
    raw = request.POST.get("at", "")
    at = int(raw) if raw.isdigit() else -1
    return perform(
        request,
        redirect("breakdown:detail", pk=analysis.pk),
        lambda: services.split_row(actor=request.user, row=row, version=posted_version(request), at=at),
        "已拆分为两行",
    )


def _chosen(request: AuthedRequest, analysis: Analysis) -> list[Row]:
    ids = [int(i) for i in request.POST.getlist("rows") if i.isdigit() and len(i) <= 10 and int(i) < 2**31]
    return list(selectors.rows_of(analysis).filter(pk__in=ids))


@login_required
@require_POST
def rows_action(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """Merge the chosen rows, or make draft directives of them (the button pressed decides)."""
    require(request, "breakdown.change")
    analysis = _analysis(request, pk, "change")
    rows = _chosen(request, analysis)
    back = redirect("breakdown:detail", pk=analysis.pk)
    if request.POST.get("action") == "drafts":
        if not can(request.user, "directive.change"):
            raise PermissionDenied("您的身份不能创建工作部署")
        return perform(
            request,
            back,
            lambda: services.create_drafts(actor=request.user, analysis=analysis, row_ids=[r.pk for r in rows]),
            lambda created: f"已生成 {len(created)} 份工作部署草稿（已生成过的行不会重复生成）",
        )
    versions = {}
    for r in rows:
        raw = request.POST.get(f"version-{r.pk}", "")
        versions[r.pk] = int(raw) if raw.isdigit() else None
    return perform(
        request, back, lambda: services.merge_rows(actor=request.user, rows=rows, versions=versions), "已合并"
    )


@login_required
def export(request: AuthedRequest, pk: int, kind: str) -> HttpResponseBase:
    require(request, "breakdown.read")
    analysis = _analysis(request, pk)
    rows = [exports.row_dict(r) for r in selectors.task_rows_of(analysis)]
    if kind == "docx":
        return exports.docx(rows, title=analysis.title)
    return exports.xlsx(rows, title=analysis.title)
