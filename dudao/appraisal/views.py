"""考评 pages: schemes (define, announce, compute, freeze, publish, copy), the ranking and its export, a unit's
result explained with its objections, assessors' entries, the objection queue, 目标管理责任书."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.appraisal import excel, selectors, services
from dudao.appraisal.forms import (
    CheckForm,
    DecideForm,
    DeductionForm,
    IssueForm,
    ItemForm,
    ManualScoreForm,
    ObjectionForm,
    SchemeForm,
    VetoForm,
)
from dudao.appraisal.models import (
    AppraisalScheme,
    ItemKind,
    ObjectionStatus,
    Result,
    SchemeItem,
    SchemeStatus,
    Target,
)
from dudao.appraisal.rules import describe_scheme, scheme_problems, weight_total
from dudao.command.selectors import catalogue
from dudao.core import adjustments
from dudao.core.files import file_response
from dudao.core.pagination import paginate
from dudao.core.web import perform, post_form, posted_version, require
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can


def _acting_unit(request: AuthedRequest) -> OrgUnit:
    assignment = acting_assignment(request.user)
    if assignment is None:
        raise PermissionDenied("您没有可用的身份")
    return assignment.unit


def _scheme(request: AuthedRequest, pk: int) -> AppraisalScheme:
    scheme: AppraisalScheme = get_object_or_404(selectors.schemes_for(request.user), pk=pk)
    return scheme


def _files(request: AuthedRequest) -> list[tuple[Any, str]]:
    return [(f, f.name or "") for f in request.FILES.getlist("evidence")]


def _indicator_choices(request: AuthedRequest) -> list[tuple[str, str]]:
    return [(i.code, f"{i.name}（{i.measure}，{i.direction.label}）") for i in catalogue(request.user)]


# ----- schemes ------------------------------------------------------------------------------------


@login_required
def schemes(request: AuthedRequest) -> HttpResponse:
    require(request, "appraisal.read")
    unit = _acting_unit(request)
    may_create = can(request.user, "appraisal.change") and unit.kind in (UnitKind.BUREAU, UnitKind.DISTRICT)
    page = paginate(selectors.schemes_for(request.user).order_by("-period_start", "-id"), page=request.GET.get("page"))
    return render(
        request,
        "appraisal/schemes.html",
        {
            "page": page,
            "may_create": may_create,
            "pending": selectors.pending_objections_to_decide(request.user).count(),
        },
    )


def _scheme_in(data: dict[str, Any], previous: AppraisalScheme | None) -> services.SchemeIn:
    return services.SchemeIn(
        name=data["name"],
        period_kind=data["period_kind"],
        period_start=data["period_start"],
        period_end=data["period_end"],
        unit_kind=data["unit_kind"],
        school_types=data["school_types"],
        green_from=data["green_from"],
        yellow_from=data["yellow_from"],
        veto_cap=data["veto_cap"],
        objection_days=data["objection_days"],
        publish_ranking=data["publish_ranking"],
        previous=previous,
    )


def _previous_choices(request: AuthedRequest) -> list[tuple[Any, str]]:
    rows = selectors.schemes_for(request.user).filter(status=SchemeStatus.PUBLISHED).order_by("-period_start")[:50]
    return [(s.pk, str(s)) for s in rows]


@login_required
def scheme_create(request: AuthedRequest) -> HttpResponse:
    require(request, "appraisal.change")
    unit = _acting_unit(request)
    choices = _previous_choices(request)
    today = timezone.localdate()
    form = SchemeForm(
        request.POST or None,
        previous_choices=choices,
        initial={
            "period_start": today.replace(month=1, day=1),
            "period_end": today.replace(month=12, day=31),
            "unit_kind": UnitKind.DISTRICT if unit.kind == UnitKind.BUREAU else UnitKind.SCHOOL,
            "name": f"{today.year}年度{unit.short_name or unit.name}工作考评方案",
        },
    )
    if request.method == "POST":
        # Rendered lazily, after post_form has added its message.
        back = TemplateResponse(request, "appraisal/scheme_form.html", {"form": form, "unit": unit})

        def create(data: dict[str, Any]) -> AppraisalScheme:
            previous = (
                get_object_or_404(selectors.schemes_for(request.user), pk=data["previous"])
                if data.get("previous")
                else None
            )
            return services.create_scheme(actor=request.user, unit=unit, data=_scheme_in(data, previous))

        return post_form(
            request,
            partial(SchemeForm, previous_choices=choices),
            back,
            create,
            "考评方案已创建，请添加考评项目",
            then=lambda s: redirect("appraisal:scheme", s.pk),
        )
    return render(request, "appraisal/scheme_form.html", {"form": form, "unit": unit})


def _item_form(request: AuthedRequest, scheme: AppraisalScheme, data: Any = None) -> ItemForm:
    staff = selectors.assessors_under(scheme)[:300]
    return ItemForm(
        data,
        initial={"version": scheme.version, "kind": ItemKind.LIVE, "rule": "linear"},
        indicators=_indicator_choices(request),
        sources=[(s.code, s.name) for s in adjustments.registered()],
        assessors=[(u.pk, f"{u.display_name}（{u.title}）" if u.title else u.display_name) for u in staff],
    )


@login_required
def scheme(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "appraisal.read")
    item = _scheme(request, pk)
    items = list(item.items.prefetch_related("assessors"))
    may_change = selectors.may_change(request.user, item)
    organiser = selectors.is_organiser(request.user, item)
    results = list(selectors.results_for(request.user, item)[:2000])
    columns = [i for i in items if i.kind != ItemKind.VETO]
    own = [] if organiser else list(selectors.own_results(request.user, item).order_by("unit__path")[:20])
    return render(
        request,
        "appraisal/scheme.html",
        {
            "scheme": item,
            "items": items,
            "rules": describe_scheme(item, items),
            "problems": scheme_problems(item, items) if organiser else [],
            "weight_total": weight_total(items),
            "may_change": may_change,
            "organiser": organiser,
            "results": [(r, [r.items.get(str(c.pk), {}).get("score") for c in columns]) for r in results],
            "own": own,
            "own_ids": {r.unit_id for r in own},
            "shows_rank": selectors.shows_rank(request.user, item),
            "item_form": _item_form(request, item) if may_change and item.is_editable else None,
            "columns": columns,
        },
    )


@login_required
def scheme_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "appraisal.change")
    item = _scheme(request, pk)
    choices = [c for c in _previous_choices(request) if c[0] != item.pk]
    initial = {f: getattr(item, f) for f in SchemeForm.base_fields if hasattr(item, f)}
    initial["previous"] = item.previous_id
    form = SchemeForm(request.POST or None, previous_choices=choices, initial=initial)
    if request.method == "POST":
        back = TemplateResponse(
            request, "appraisal/scheme_form.html", {"form": form, "unit": item.unit, "scheme": item}
        )

        def update(data: dict[str, Any]) -> AppraisalScheme:
            previous = (
                get_object_or_404(selectors.schemes_for(request.user), pk=data["previous"])
                if data.get("previous")
                else None
            )
            return services.update_scheme(
                actor=request.user, scheme=item, data=_scheme_in(data, previous), version=posted_version(request)
            )

        return post_form(
            request,
            partial(SchemeForm, previous_choices=choices),
            back,
            update,
            "方案已保存",
            then=lambda s: redirect("appraisal:scheme", s.pk),
        )
    return render(request, "appraisal/scheme_form.html", {"form": form, "unit": item.unit, "scheme": item})


@login_required
@require_POST
def item_add(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "appraisal.change")
    item = _scheme(request, pk)
    back = redirect(reverse("appraisal:scheme", args=[item.pk]) + "#items")

    def add(data: dict[str, Any]) -> SchemeItem:
        people = list(selectors.assessors_under(item).filter(pk__in=data["assessors"] or []))
        return services.add_item(
            actor=request.user,
            scheme=item,
            data=services.ItemIn(
                name=data["name"],
                kind=data["kind"],
                weight=data["weight"] if data["weight"] is not None else "0",
                indicator_code=data["indicator_code"],
                rule=data["rule"],
                floor=data["floor"],
                target=data["target"],
                bands=data["bands"],
                comparison=data["comparison"],
                threshold=data["threshold"],
                source_code=data["source_code"],
                criteria=data["criteria"],
                assessors=people,
            ),
            version=data["version"],
        )

    return post_form(request, lambda *a: _item_form(request, item, a[0]), back, add, lambda i: f"已添加项目：{i.name}")


@login_required
@require_POST
def item_remove(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    require(request, "appraisal.change")
    item = _scheme(request, pk)
    row = get_object_or_404(item.items, pk=item_pk)
    back = redirect(reverse("appraisal:scheme", args=[item.pk]) + "#items")
    return perform(
        request,
        back,
        lambda: services.remove_item(actor=request.user, scheme=item, item=row, version=posted_version(request)),
        f"已删除项目：{row.name}",
    )


_ACTIONS = {
    "announce": (lambda u, s, v: services.announce(actor=u, scheme=s, version=v), "规则已公布，被考评单位可以查看"),
    "compute": (lambda u, s, v: services.compute(actor=u, scheme=s), None),
    "freeze": (lambda u, s, v: services.freeze(actor=u, scheme=s, version=v), "成绩已冻结"),
    "publish": (lambda u, s, v: services.publish(actor=u, scheme=s, version=v), None),
}


@login_required
@require_POST
def scheme_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    require(request, "appraisal.change")
    item = _scheme(request, pk)
    back = redirect("appraisal:scheme", item.pk)
    if action in ("copy", "next"):
        return perform(
            request,
            back,
            lambda: services.copy_scheme(actor=request.user, scheme=item, next_period=action == "next"),
            "已复制为新的草稿方案，请修改后公布" if action == "copy" else "已创建下一期方案（草稿）",
            then=lambda s: redirect("appraisal:scheme", s.pk),
        )
    if action not in _ACTIONS:
        raise Http404
    run, message = _ACTIONS[action]

    def success(result: Any) -> str:
        if action == "compute":
            return f"已计算 {result} 个单位的成绩"
        if action == "publish":
            return f"成绩已发布，申诉截止 {result.objection_until:%Y年%m月%d日}"
        return str(message)

    return perform(request, back, lambda: run(request.user, item, posted_version(request)), success)


@login_required
def scheme_export(request: AuthedRequest, pk: int) -> Any:
    require(request, "appraisal.read")
    item = _scheme(request, pk)
    return excel.results_response(request.user, item)


# ----- a unit's result ----------------------------------------------------------------------------


@login_required
def result(request: AuthedRequest, pk: int, unit_pk: int) -> HttpResponse:
    require(request, "appraisal.read")
    item = _scheme(request, pk)
    row = selectors.result_visible(request.user, item, unit_pk)
    computed = row is not None
    if row is None:
        # Not computed yet: the organiser's side may still open the unit (to enter manual scores).
        if not selectors.is_organiser(request.user, item):
            raise Http404
        unit = get_object_or_404(services.appraised_units(item), pk=unit_pk)
        row = Result(scheme=item, unit=unit)
    lines = selectors.explain(request.user, row)
    may_assess = can(request.user, "appraisal.assess", item.unit) and item.is_editable
    may_object = computed and selectors.may_object(request.user, item, row)
    objections = (
        list(row.objections.select_related("item", "filed_by", "decided_by").prefetch_related("evidence"))
        if computed
        else []
    )
    return render(
        request,
        "appraisal/result.html",
        {
            "scheme": item,
            "result": row,
            "computed": computed,
            "lines": lines,
            "shows_rank": selectors.shows_rank(request.user, item),
            "count": item.results.count(),
            "may_assess": may_assess,
            "may_object": may_object,
            "objections": objections,
            "may_decide": can(request.user, "appraisal.assess", item.unit),
            "scored_items": [
                line.item for line in lines if line.item.kind != ItemKind.VETO or line.entry.get("vetoed")
            ],
            "manual_form": ManualScoreForm(),
            "deduction_form": DeductionForm(),
            "veto_form": VetoForm(),
            "objection_form": ObjectionForm(),
            "decide_form": DecideForm(),
        },
    )


def _result_item(request: AuthedRequest, pk: int, unit_pk: int, item_pk: int) -> tuple[Any, SchemeItem, HttpResponse]:
    item = _scheme(request, pk)
    row = selectors.result_visible(request.user, item, unit_pk)
    unit = row.unit if row is not None else None
    if unit is None:
        unit = get_object_or_404(
            services.appraised_units(item).filter(path__under=_acting_unit(request).path), pk=unit_pk
        )
    scheme_item = get_object_or_404(item.items, pk=item_pk)
    return unit, scheme_item, redirect("appraisal:result", item.pk, unit.pk)


@login_required
@require_POST
def manual_score(request: AuthedRequest, pk: int, unit_pk: int, item_pk: int) -> HttpResponse:
    require(request, "appraisal.assess")
    unit, item, back = _result_item(request, pk, unit_pk, item_pk)
    return post_form(
        request,
        ManualScoreForm,
        back,
        lambda d: services.score_manual(
            actor=request.user,
            item=item,
            unit=unit,
            score=d["score"],
            note=d["note"],
            evidence=_files(request),
            version=d["version"],
        ),
        "评分已保存，重新计算后计入成绩",
    )


@login_required
@require_POST
def deduction(request: AuthedRequest, pk: int, unit_pk: int, item_pk: int) -> HttpResponse:
    require(request, "appraisal.assess")
    unit, item, back = _result_item(request, pk, unit_pk, item_pk)
    return post_form(
        request,
        DeductionForm,
        back,
        lambda d: services.add_deduction(
            actor=request.user, item=item, unit=unit, points=d["points"], reason=d["reason"], evidence=_files(request)
        ),
        "扣分已登记，重新计算后计入成绩",
    )


@login_required
@require_POST
def veto(request: AuthedRequest, pk: int, unit_pk: int, item_pk: int) -> HttpResponse:
    require(request, "appraisal.assess")
    unit, item, back = _result_item(request, pk, unit_pk, item_pk)
    return post_form(
        request,
        VetoForm,
        back,
        lambda d: services.set_veto(
            actor=request.user, item=item, unit=unit, reason=d["reason"], evidence=_files(request)
        ),
        "已登记一票否决，重新计算后生效",
    )


@login_required
@require_POST
def objection_file(request: AuthedRequest, pk: int, unit_pk: int) -> HttpResponse:
    require(request, "appraisal.object")
    item = _scheme(request, pk)
    row = selectors.result_visible(request.user, item, unit_pk)
    if row is None:
        raise Http404
    back = redirect("appraisal:result", item.pk, row.unit_id)

    def file(data: dict[str, Any]) -> Any:
        scheme_item = get_object_or_404(item.items, pk=data["item"])
        return services.file_objection(
            actor=request.user, result=row, item=scheme_item, reason=data["reason"], evidence=_files(request)
        )

    return post_form(request, ObjectionForm, back, file, "申诉已提交，请等待考评单位处理")


# ----- objections ---------------------------------------------------------------------------------


@login_required
def objections(request: AuthedRequest) -> HttpResponse:
    require(request, "appraisal.read")
    rows = selectors.objections_for(request.user)
    status = request.GET.get("status", "")
    if status in ObjectionStatus.values:
        rows = rows.filter(status=status)
    page = paginate(rows, page=request.GET.get("page"))
    return render(
        request,
        "appraisal/objections.html",
        {"page": page, "status": status, "statuses": ObjectionStatus.choices, "decide_form": DecideForm()},
    )


@login_required
@require_POST
def objection_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "appraisal.assess")
    row = get_object_or_404(selectors.objections_for(request.user), pk=pk)
    nxt = request.POST.get("next", "")
    back = redirect(nxt if nxt.startswith("/appraisal/") else reverse("appraisal:objections"))
    return post_form(
        request,
        DecideForm,
        back,
        lambda d: services.decide_objection(
            actor=request.user,
            objection=row,
            accept=d["decision"] == "accept",
            note=d["note"],
            corrected_score=d["corrected_score"],
            version=d["version"],
            result_version=d["result_version"],
        ),
        lambda o: "已采纳申诉，成绩和排位已重新计算" if o.status == ObjectionStatus.ACCEPTED else "已处理：不予采纳",
    )


@login_required
def objection_file_download(request: AuthedRequest, pk: int, file_pk: int) -> Any:
    """An objection's evidence, for the unit that filed it and the assessors deciding it."""
    require(request, "appraisal.read")
    row = get_object_or_404(selectors.objections_for(request.user), pk=pk)
    return file_response(get_object_or_404(row.evidence.all(), pk=file_pk))


@login_required
def evidence_download(request: AuthedRequest, pk: int, unit_pk: int, file_pk: int) -> Any:
    """Assessors' evidence for a unit's score, for the organiser and the unit itself."""
    require(request, "appraisal.read")
    item = _scheme(request, pk)
    if selectors.result_visible(request.user, item, unit_pk) is None and not selectors.is_organiser(request.user, item):
        raise Http404
    files = [f for group in selectors.evidence_of(item, unit_pk).values() for f in group if f.pk == file_pk]
    if not files:
        raise Http404
    return file_response(files[0])


# ----- target responsibility ----------------------------------------------------------------------


@login_required
def books(request: AuthedRequest) -> HttpResponse:
    require(request, "target.read")
    unit = _acting_unit(request)
    may_issue = can(request.user, "target.change") and unit.kind in (UnitKind.BUREAU, UnitKind.DISTRICT)
    rows = selectors.books_for(request.user)
    year = request.GET.get("year", "")
    if year.isdigit():
        rows = rows.filter(year=int(year))
    page = paginate(rows.order_by("-year", "unit__path"), page=request.GET.get("page"))
    form = IssueForm(
        initial={
            "year": timezone.localdate().year,
            "unit_kind": UnitKind.DISTRICT if unit.kind == UnitKind.BUREAU else UnitKind.SCHOOL,
            "title": f"{timezone.localdate().year}年度目标管理责任书",
        },
        indicators=_indicator_choices(request),
    )
    return render(request, "appraisal/books.html", {"page": page, "may_issue": may_issue, "form": form, "year": year})


@login_required
@require_POST
def books_issue(request: AuthedRequest) -> HttpResponse:
    require(request, "target.change")
    unit = _acting_unit(request)
    back = redirect("appraisal:books")

    def issue(data: dict[str, Any]) -> int:
        rows = [
            services.TargetIn(
                text=data[f"text_{n}"],
                indicator_code=data[f"indicator_{n}"],
                comparison=data[f"comparison_{n}"],
                value=data[f"value_{n}"],
            )
            for n in range(1, 7)
        ]
        return services.issue_books(
            actor=request.user,
            issuer=unit,
            year=data["year"],
            unit_kind=data["unit_kind"],
            title=data["title"],
            targets=rows,
        )

    return post_form(
        request,
        partial(IssueForm, indicators=_indicator_choices(request)),
        back,
        issue,
        lambda n: f"已向 {n} 个单位下达责任书" if n else "这些单位本年度都已有责任书，没有重复下达",
    )


@login_required
def book(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "target.read")
    row = get_object_or_404(selectors.books_for(request.user), pk=pk)
    acting = acting_assignment(request.user)
    return render(
        request,
        "appraisal/book.html",
        {
            "book": row,
            "lines": selectors.progress(request.user, row),
            "may_sign": can(request.user, "target.sign", row.unit)
            and acting is not None
            and acting.unit_id == row.unit_id,
            "may_check": can(request.user, "target.change", row.issuer),
            "check_form": CheckForm(initial={"version": row.version}),
        },
    )


@login_required
@require_POST
def book_sign(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "target.sign")
    row = get_object_or_404(selectors.books_for(request.user), pk=pk)
    return perform(
        request,
        redirect("appraisal:book", row.pk),
        lambda: services.sign_book(actor=request.user, book=row, version=posted_version(request)),
        "责任书已签订",
    )


@login_required
@require_POST
def target_check(request: AuthedRequest, pk: int, target_pk: int) -> HttpResponse:
    require(request, "target.change")
    row = get_object_or_404(selectors.books_for(request.user), pk=pk)
    target: Target = get_object_or_404(row.targets.select_related("book__issuer", "book__unit"), pk=target_pk)
    return post_form(
        request,
        CheckForm,
        redirect("appraisal:book", row.pk),
        lambda d: services.check_target(
            actor=request.user,
            target=target,
            is_met={"1": True, "0": False}.get(d["is_met"] or ""),
            note=d["note"],
            version=d["version"],
        ),
        "核查结果已保存",
    )
