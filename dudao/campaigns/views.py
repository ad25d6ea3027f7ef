"""Pages of campaigns: list, create and edit, the campaign page (countdown, progress, indicators, the table of
units with their lights), the named rows behind a cell, the 责任清单 and the attached objects."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.campaigns import excel, selectors, services
from dudao.campaigns.components import COMPONENTS
from dudao.campaigns.forms import (
    AttachForm,
    CampaignCreateForm,
    CampaignEditForm,
    ModuleAttachForm,
    ResponsibilityForm,
    initial_for,
)
from dudao.campaigns.models import Campaign, CampaignStatus, ItemKind
from dudao.command import selectors as command
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, RowError
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, perform, posted_version, require
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can
from dudao.orgs.selectors import account_by_id, units_for


def _campaign(request: AuthedRequest, pk: int) -> Campaign:
    require(request, "campaign.read")
    return get_object_or_404(selectors.campaigns_for(request.user), pk=pk)


def _changeable(request: AuthedRequest, pk: int) -> Campaign:
    campaign = _campaign(request, pk)
    if not selectors.may_change(request.user, campaign):
        raise PermissionDenied("您当前的身份不能修改这项专项工作")
    return campaign


@login_required
def campaign_list(request: AuthedRequest) -> HttpResponse:
    require(request, "campaign.read")
    status = request.GET.get("status", "")
    q = request.GET.get("q", "")
    page = paginate(selectors.campaign_list(request.user, status=status, q=q), page=request.GET.get("page"))
    today = timezone.localdate()
    rows = [(c, selectors.countdowns(list(c.key_dates.all()), today)) for c in page.items]
    acting = acting_assignment(request.user)
    return render(
        request,
        "campaigns/list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "q": q,
            "statuses": CampaignStatus.choices,
            "can_create": can(request.user, "campaign.change")
            and acting is not None
            and acting.unit.kind in services.RUNNING_KINDS,
        },
    )


def _form_choices(request: AuthedRequest, running: OrgUnit) -> dict[str, Any]:
    return {
        "people": selectors.leaders_of(running),
        "offices": [(o.pk, o.name) for o in selectors.offices_of(running)],
        "indicators": [(i.code, i.name) for i in command.catalogue(request.user)],
    }


def _user_or_none(pk: int | None) -> Any:
    return account_by_id(pk) if pk else None


def _office_or_none(request: AuthedRequest, pk: int | None) -> OrgUnit | None:
    return units_for(request.user).filter(pk=pk).first() if pk else None


@login_required
def campaign_create(request: AuthedRequest) -> HttpResponse:
    require(request, "campaign.change")
    acting = acting_assignment(request.user)
    if acting is None or acting.unit.kind not in services.RUNNING_KINDS:
        raise PermissionDenied("请切换到教育局或区县教育局身份后再发起专项工作")
    running = acting.unit
    form = CampaignCreateForm(
        request.POST or None,
        units=[(u.pk, u.name) for u in command.children_of(running) if u.kind in services.INVOLVED_KINDS],
        items=selectors.attach_choices(request.user),
        **_form_choices(request, running),
    )
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, form_errors(form))
        else:
            data = form.cleaned_data
            units = list(units_for(request.user).filter(pk__in=data["units"]))
            refs = []
            for value in data["items"]:
                kind, _, raw = value.partition(":")
                if raw.isdigit():
                    refs.append(services.ItemRef(kind=kind, object_id=int(raw)))
            try:
                campaign = services.create_campaign(
                    actor=request.user,
                    name=data["name"],
                    summary=data["summary"],
                    start=data["start"],
                    end=data["end"],
                    lead=_user_or_none(data["lead"]),
                    deputy=_user_or_none(data["deputy"]),
                    office=_office_or_none(request, data["office"]),
                    key_dates=form.key_dates(),
                    units=units,
                    items=refs,
                    indicator_codes=data["indicator_codes"],
                    green_at=data["green_at"],
                    yellow_at=data["yellow_at"],
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "已创建专项工作，请填写各单位的责任清单")
                return redirect("campaigns:responsibility", pk=campaign.pk)
    return render(request, "campaigns/form.html", {"form": form, "running": running, "creating": True})


@login_required
def campaign_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = _changeable(request, pk)
    form = CampaignEditForm(
        request.POST or None, initial=initial_for(campaign), **_form_choices(request, campaign.unit)
    )
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, form_errors(form))
        else:
            data = form.cleaned_data
            try:
                services.update_campaign(
                    actor=request.user,
                    campaign=campaign,
                    version=data["version"],
                    name=data["name"],
                    summary=data["summary"],
                    start=data["start"],
                    end=data["end"],
                    status=data["status"],
                    lead=_user_or_none(data["lead"]),
                    deputy=_user_or_none(data["deputy"]),
                    office=_office_or_none(request, data["office"]),
                    key_dates=form.key_dates(),
                    indicator_codes=data["indicator_codes"],
                    green_at=data["green_at"],
                    yellow_at=data["yellow_at"],
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
                if exc.status == 409:
                    return render(
                        request,
                        "campaigns/form.html",
                        {"form": form, "running": campaign.unit, "campaign": campaign},
                        status=409,
                    )
            else:
                messages.success(request, "已保存")
                return redirect("campaigns:detail", pk=campaign.pk)
    return render(request, "campaigns/form.html", {"form": form, "running": campaign.unit, "campaign": campaign})


def _unit_param(request: AuthedRequest, raw: str | None) -> OrgUnit | None:
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(units_for(request.user), pk=int(raw))


@login_required
def campaign_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    unit = _unit_param(request, request.GET.get("unit"))
    page = selectors.summary(request.user, campaign, unit)
    first_top = selectors.viewer_top(request.user, campaign)
    trail = [u for u in [first_top] if u.pk != page.top.pk]
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "page": page,
            "trail": trail,
            "may_change": selectors.may_change(request.user, campaign),
            "key_dates": list(campaign.key_dates.order_by("date", "id")),
        },
    )


@login_required
def cell_rows(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    unit = _unit_param(request, request.GET.get("unit")) or selectors.viewer_top(request.user, campaign)
    kind = request.GET.get("kind", "")
    if kind not in COMPONENTS:
        raise Http404
    found, rows = selectors.cell_rows(request.user, campaign, kind, unit)
    pending = [r for r in rows if not r.row.is_done]
    # Back to the table the cell was in: a school's cell sits in its district's table.
    top = selectors.viewer_top(request.user, campaign)
    back = unit if unit.kind != UnitKind.SCHOOL else units_for(request.user).filter(path=unit.parent_path).first()
    back_unit = back if back is not None and back.pk != top.pk and back.path.startswith(top.path) else None
    return render(
        request,
        "campaigns/rows.html",
        {
            "campaign": campaign,
            "unit": unit,
            "component": found,
            "rows": rows,
            "pending": len(pending),
            "line": selectors.unit_line(campaign, unit),
            "limit": len(rows) >= 200,
            "back_unit": back_unit,
        },
    )


# ----- 责任清单 ---------------------------------------------------------------------------------------------------


@login_required
def responsibility(request: AuthedRequest, pk: int, import_errors: list[RowError] | None = None) -> HttpResponse:
    campaign = _campaign(request, pk)
    top = selectors.viewer_top(request.user, campaign)
    lines = list(selectors.responsibility_lines(campaign, under=top if top.pk != campaign.unit_id else None))
    may_change = selectors.may_change(request.user, campaign)
    addable: list[OrgUnit] = []
    if may_change:
        present = {line.unit_id for line in lines}
        addable = [
            u for u in command.children_of(campaign.unit) if u.kind in services.INVOLVED_KINDS and u.pk not in present
        ]
    return render(
        request,
        "campaigns/responsibility.html",
        {
            "campaign": campaign,
            "lines": lines,
            "may_change": may_change,
            "addable": addable,
            "districts_with_schools": [
                line for line in lines if line.unit.kind == UnitKind.DISTRICT and line.unit.numchild
            ],
            "import_errors": import_errors,
        },
        status=400 if import_errors else 200,
    )


@login_required
def responsibility_template(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = _changeable(request, pk)
    response = HttpResponse(
        excel.template_bytes(campaign),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="responsibility-{campaign.pk}.xlsx"'
    return response


@login_required
@require_POST
def responsibility_import(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = _changeable(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要导入的 Excel 文件")
        return redirect("campaigns:responsibility", pk=campaign.pk)
    try:
        count = excel.import_lines(actor=request.user, campaign=campaign, upload=upload, filename=upload.name or "")
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except ImportRejected as exc:
        messages.error(request, exc.message)
        return responsibility(request, campaign.pk, import_errors=exc.errors)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已导入 {count} 个单位的责任清单")
    return redirect("campaigns:responsibility", pk=campaign.pk)


@login_required
def line_edit(request: AuthedRequest, pk: int, line_pk: int) -> HttpResponse:
    campaign = _changeable(request, pk)
    line = selectors.line_for(campaign, line_pk)
    people = selectors.people_choices(line.unit)
    if request.method == "POST":
        form = ResponsibilityForm(request.POST, people=people)
        if not form.is_valid():
            messages.error(request, form_errors(form))
        else:
            data = form.cleaned_data
            try:
                services.set_responsibility(
                    actor=request.user,
                    line=line,
                    version=posted_version(request),
                    first_responsible=_user_or_none(data["first_responsible"]),
                    deputy_responsible=_user_or_none(data["deputy_responsible"]),
                    contact=_user_or_none(data["contact"]),
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
                status = 409 if exc.status == 409 else 400
                return render(
                    request, "campaigns/line.html", {"campaign": campaign, "line": line, "form": form}, status=status
                )
            messages.success(request, f"已保存{line.unit.name}的责任清单")
            return redirect("campaigns:responsibility", pk=campaign.pk)
    form = ResponsibilityForm(
        initial={
            "first_responsible": line.first_responsible_id,
            "deputy_responsible": line.deputy_responsible_id,
            "contact": line.contact_id,
            "version": line.version,
        },
        people=people,
    )
    return render(request, "campaigns/line.html", {"campaign": campaign, "line": line, "form": form})


@login_required
@require_POST
def units_add(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = _changeable(request, pk)
    back = redirect("campaigns:responsibility", pk=campaign.pk)
    ids = [int(v) for v in request.POST.getlist("unit") if v.isdigit()]
    units = list(units_for(request.user).filter(pk__in=ids))
    parent = request.POST.get("schools_of", "")
    if parent.isdigit():
        district = get_object_or_404(units_for(request.user), pk=int(parent))
        units += list(
            OrgUnit.objects.filter(path__under=district.path, kind=UnitKind.SCHOOL, is_closed=False).order_by("path")
        )
    return perform(
        request,
        back,
        lambda: services.add_units(actor=request.user, campaign=campaign, units=units),
        lambda new: f"已加入 {len(new)} 个责任单位" if new else "所选单位已在责任清单中",
    )


@login_required
@require_POST
def line_remove(request: AuthedRequest, pk: int, line_pk: int) -> HttpResponse:
    campaign = _changeable(request, pk)
    line = selectors.line_for(campaign, line_pk)
    return perform(
        request,
        redirect("campaigns:responsibility", pk=campaign.pk),
        lambda: services.remove_unit(actor=request.user, line=line),
        f"已将{line.unit.name}移出责任清单",
    )


# ----- attached objects -------------------------------------------------------------------------------------


@login_required
def items(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    visible, hidden = selectors.visible_items(request.user, campaign)
    kind = request.GET.get("kind", "")
    kind = kind if kind in COMPONENTS else ItemKind.DIRECTIVE.value
    q = request.GET.get("q", "")[:50]
    may_change = selectors.may_change(request.user, campaign)
    context: dict[str, Any] = {
        "campaign": campaign,
        "groups": [(k, label, visible.get(k, [])) for k, label in ItemKind.choices],
        "hidden": hidden,
        "may_change": may_change,
        "kinds": ItemKind.choices,
        "kind": kind,
        "q": q,
    }
    if may_change:
        context["choices"] = selectors.attachable(request.user, kind, q)
    if request.htmx and may_change:
        return render(request, "campaigns/_choices.html", context)
    return render(request, "campaigns/items.html", context)


@login_required
@require_POST
def item_add(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = _changeable(request, pk)
    form = AttachForm(request.POST)
    back = redirect(f"{reverse('campaigns:items', args=[campaign.pk])}?kind={request.POST.get('kind', '')}")
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    data = form.cleaned_data
    return perform(
        request,
        back,
        lambda: services.attach(actor=request.user, campaign=campaign, kind=data["kind"], object_id=data["object_id"]),
        lambda item: f"已关联：{item.title}",
    )


@login_required
@require_POST
def item_remove(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    campaign = _changeable(request, pk)
    item = selectors.items_of(campaign).filter(pk=item_pk).first()
    back = redirect("campaigns:items", pk=campaign.pk)
    if item is None:
        messages.info(request, "该事项已取消关联")
        return back
    return perform(request, back, lambda: services.detach(actor=request.user, item=item), f"已取消关联：{item.title}")


@login_required
@require_POST
def attach_from_module(request: AuthedRequest) -> HttpResponse:
    """The 加入专项工作 control on a module's page posts here and returns to that page."""
    require(request, "campaign.change")
    back_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back_url, allowed_hosts={request.get_host()}):
        back_url = reverse("campaigns:list")
    back = redirect(back_url)
    form = ModuleAttachForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return back
    data = form.cleaned_data
    campaign = get_object_or_404(selectors.campaigns_for(request.user, "change"), pk=data["campaign"])
    return perform(
        request,
        back,
        lambda: services.attach(actor=request.user, campaign=campaign, kind=data["kind"], object_id=data["object_id"]),
        f"已加入专项工作“{campaign.name}”",
    )
