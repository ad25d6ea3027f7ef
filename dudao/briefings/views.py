"""Briefing pages: generate (progress polled by htmx), edit, publish, print and download; heads confirm reading."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.briefings import documents, selectors, services
from dudao.briefings.models import Briefing, BriefingStatus
from dudao.briefings.services.publishing import ISSUERS, MAX_SECTIONS
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.core.officialdoc import chinese_date
from dudao.core.pagination import paginate
from dudao.core.web import perform, posted_version, require
from dudao.orgs.scoping import acting_assignment, can


def _writer_unit(request: AuthedRequest) -> Any:
    acting = acting_assignment(request.user)
    if acting is None or acting.unit.kind not in ISSUERS or not can(request.user, "briefing.change"):
        return None
    return acting.unit


@login_required
def briefing_list(request: AuthedRequest) -> HttpResponse:
    require(request, "briefing.read")
    qs = selectors.briefings_for(request.user)
    status = request.GET.get("status", "")
    if status in BriefingStatus.values:
        qs = qs.filter(status=status)
    mine = request.GET.get("mine") == "1"
    if mine:
        qs = qs.filter(pk__in=selectors.to_confirm(request.user).values("briefing_id"))
    page = paginate(qs, page=request.GET.get("page", 1), page_size=20)
    unit = _writer_unit(request)
    return render(
        request,
        "briefings/list.html",
        {
            "page": page,
            "status": status,
            "statuses": BriefingStatus.choices,
            "mine": mine,
            "writer_unit": unit,
            "campaigns": list(selectors.campaigns_to_brief(request.user)[:50]) if unit else [],
            "unread": set(selectors.to_confirm(request.user).values_list("briefing_id", flat=True)),
        },
    )


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise DomainError(f"日期“{raw[:20]}”格式不正确，应为 2026-12-07", code="invalid_date") from None


@login_required
@require_POST
def briefing_create(request: AuthedRequest) -> HttpResponse:
    require(request, "briefing.change")
    unit = _writer_unit(request)
    back = redirect("briefings:list")
    if unit is None:
        messages.error(request, "调度通报由市、区县教育局发出，请切换到教育局的身份后再生成")
        return back
    raw = request.POST.get("campaign", "")
    campaign = None
    if raw:
        campaign = get_object_or_404(
            selectors.campaigns_to_brief(request.user), pk=int(raw) if raw.isdigit() and len(raw) <= 18 else 0
        )

    def start() -> Briefing:
        return services.request_briefing(
            actor=request.user, unit=unit, campaign=campaign, end=_date(request.POST.get("end", "").strip())
        )

    return perform(
        request,
        back,
        start,
        "已开始生成调度通报",
        then=lambda briefing: redirect("briefings:detail", pk=briefing.pk),
    )


def _briefing(request: AuthedRequest, pk: int) -> Briefing:
    return get_object_or_404(selectors.briefings_for(request.user), pk=pk)


@login_required
def briefing_detail(request: AuthedRequest, pk: int, draft: dict[str, Any] | None = None) -> HttpResponse:
    require(request, "briefing.read")
    briefing = _briefing(request, pk)
    may_change = can(request.user, "briefing.change", briefing.unit)
    recipients = list(selectors.recipients_for(request.user, briefing)) if briefing.status == "published" else []
    acting = acting_assignment(request.user)
    mine = [
        r
        for r in recipients
        if r.read_at is None
        and acting is not None
        and r.unit_id == acting.unit_id
        and can(request.user, "briefing.confirm")
    ]
    sections = draft["sections"] if draft else briefing.sections
    return render(
        request,
        "briefings/detail.html",
        {
            "briefing": briefing,
            "draft": draft or {"title": briefing.title, "addressee": briefing.addressee, "copy_to": briefing.copy_to},
            "sections": sections,
            "can_edit": may_change and briefing.is_editable,
            "can_regenerate": may_change and briefing.status == BriefingStatus.FAILED,
            "may_change": may_change,
            "recipients": recipients,
            "counts": services.read_counts(briefing),
            "to_confirm": mine,
            "indicators": briefing.figures.get("indicators", []),
            "document": documents.official_document(briefing),
        },
        status=409 if draft else 200,
    )


@login_required
def briefing_progress(request: AuthedRequest, pk: int) -> HttpResponse:
    """The status row while generating; once done, htmx reloads the whole page."""
    require(request, "briefing.read")
    briefing = _briefing(request, pk)
    response = render(request, "briefings/_progress.html", {"briefing": briefing})
    if briefing.status != BriefingStatus.GENERATING:
        response["HX-Refresh"] = "true"
    return response


def _posted_sections(request: AuthedRequest) -> list[dict[str, str]]:
    raw = request.POST.get("section_count", "0")
    count = min(int(raw), MAX_SECTIONS) if raw.isdigit() and len(raw) < 4 else 0
    return [
        {"heading": request.POST.get(f"heading_{i}", ""), "text": request.POST.get(f"text_{i}", "")}
        for i in range(count)
    ]


@login_required
@require_POST
def briefing_update(request: AuthedRequest, pk: int) -> HttpResponse:
    briefing = _briefing(request, pk)
    fields = {
        "title": request.POST.get("title", ""),
        "addressee": request.POST.get("addressee", ""),
        "copy_to": request.POST.get("copy_to", ""),
    }
    sections = _posted_sections(request)
    try:
        services.update_briefing(
            actor=request.user, briefing=briefing, sections=sections, version=posted_version(request), **fields
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except StaleEditError:
        # Someone saved in between: keep this writer's text on screen instead of throwing it away.
        messages.error(request, "该调度通报已被他人修改。下面仍是您刚才的文字；请对照最新版本后再保存。")
        return briefing_detail(request, pk, draft={**fields, "sections": sections})
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存")
    return redirect("briefings:detail", pk=pk)


@login_required
@require_POST
def briefing_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    briefing = _briefing(request, pk)
    return perform(
        request,
        redirect("briefings:detail", pk=pk),
        lambda: services.publish_briefing(actor=request.user, briefing=briefing, version=posted_version(request)),
        lambda published: f"已发布，文号 {published.number_text}；接收单位负责人须确认已阅",
    )


@login_required
@require_POST
def briefing_regenerate(request: AuthedRequest, pk: int) -> HttpResponse:
    briefing = _briefing(request, pk)
    return perform(
        request,
        redirect("briefings:detail", pk=pk),
        lambda: services.request_briefing(
            actor=request.user, unit=briefing.unit, campaign=briefing.campaign, end=briefing.period_end
        ),
        "正在重新生成",
        then=lambda fresh: redirect("briefings:detail", pk=fresh.pk),
    )


@login_required
@require_POST
def briefing_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    briefing = _briefing(request, pk)
    raw = request.POST.get("recipient", "")
    recipient = get_object_or_404(
        selectors.recipients_for(request.user, briefing).select_related("briefing"),
        pk=int(raw) if raw.isdigit() and len(raw) <= 18 else 0,
    )
    return perform(
        request,
        redirect("briefings:detail", pk=pk),
        lambda: services.confirm_read(actor=request.user, recipient=recipient),
        "已确认阅读",
    )


@login_required
def briefing_document(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "briefing.read")
    briefing = _briefing(request, pk)
    if briefing.status in (BriefingStatus.GENERATING, BriefingStatus.FAILED):
        messages.error(request, "通报尚未生成完成，不能下载")
        return redirect("briefings:detail", pk=pk)
    response = HttpResponse(
        documents.docx_bytes(briefing),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = _attachment(documents.file_name(briefing))
    return response


def _attachment(name: str) -> str:
    return f"attachment; filename=\"briefing.docx\"; filename*=UTF-8''{quote(name)}"


@login_required
def briefing_print(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "briefing.read")
    briefing = _briefing(request, pk)
    if briefing.status in (BriefingStatus.GENERATING, BriefingStatus.FAILED):
        messages.error(request, "通报尚未生成完成，不能打印")
        return redirect("briefings:detail", pk=pk)
    document = documents.official_document(briefing)
    return render(
        request,
        "core/officialdoc.html",
        {"doc": document, "date_text": chinese_date(document.date), "back": briefing.pk},
    )


@login_required
def issuing_settings(request: AuthedRequest) -> HttpResponse:
    require(request, "briefing.change")
    unit = _writer_unit(request)
    if unit is None:
        raise PermissionDenied("发文设置由市、区县教育局维护")
    profile = services.profile_for(unit)
    if request.method == "POST":
        return perform(
            request,
            redirect("briefings:settings"),
            lambda: services.save_profile(
                actor=request.user,
                unit=unit,
                doc_prefix=request.POST.get("doc_prefix", ""),
                masthead=request.POST.get("masthead", ""),
                printer=request.POST.get("printer", ""),
                addressee=request.POST.get("addressee", ""),
                copy_to=request.POST.get("copy_to", ""),
                is_weekly=request.POST.get("is_weekly") == "on",
                version=posted_version(request) if profile.pk else None,
            ),
            "发文设置已保存",
        )
    weekday = "一二三四五六日"[(settings.DUDAO_BRIEFING_WEEKDAY - 1) % 7]
    return render(
        request,
        "briefings/settings.html",
        {"profile": profile, "unit": unit, "schedule": f"每周{weekday} {settings.DUDAO_BRIEFING_TIME}"},
    )
