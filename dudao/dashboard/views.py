"""Bulletin pages: generate from a round, edit, publish, print; schools confirm reading."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.access import access
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.core.officialdoc import OfficialDocument, build_docx
from dudao.core.web import perform, posted_version, require
from dudao.dashboard import selectors, services
from dudao.dashboard.models import Bulletin, BulletinStatus
from dudao.inspections.selectors import rounds_for
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment, can


@login_required
def bulletin_list(request: AuthedRequest) -> HttpResponse:
    require(request, "bulletin.read")
    context = {
        "bulletins": selectors.bulletins_for(request.user)[:200],
        "may_number": access().can(request.user, "bulletin.change"),
    }
    return render(request, "dashboard/bulletin_list.html", context)


@login_required
@require_POST
def bulletin_create(request: AuthedRequest, inspection_pk: int) -> HttpResponse:
    require(request, "bulletin.change")
    inspection = get_object_or_404(rounds_for(request.user, "read").select_related("unit"), pk=inspection_pk)
    raw = request.POST.get("threshold", "3")
    threshold = int(raw) if raw.isdigit() else 0
    return perform(
        request,
        redirect("inspections:round", pk=inspection_pk),
        lambda: services.generate_bulletin(actor=request.user, inspection=inspection, threshold=threshold),
        "已生成通报草稿，请修改后发布",
        then=lambda bulletin: redirect("dashboard:bulletin", pk=bulletin.pk),
    )


def _bulletin(request: AuthedRequest, pk: int) -> Bulletin:
    return get_object_or_404(selectors.bulletins_for(request.user), pk=pk)


@login_required
def bulletin_detail(request: AuthedRequest, pk: int, draft: dict[str, str] | None = None) -> HttpResponse:
    require(request, "bulletin.read")
    bulletin = _bulletin(request, pk)
    recipients = list(selectors.recipients_for(request.user, bulletin))
    mine = [r for r in recipients if r.read_at is None and can(request.user, "rectification.assign", r.school)]
    return render(
        request,
        "dashboard/bulletin_detail.html",
        {
            "bulletin": bulletin,
            "draft": draft or {"title": bulletin.title, "body": bulletin.body},
            "can_edit": can(request.user, "bulletin.change", bulletin.unit) and bulletin.status == BulletinStatus.DRAFT,
            "can_see_recipients": can(request.user, "bulletin.change", bulletin.unit),
            "recipients": recipients,
            "counts": services.read_counts(bulletin),
            "to_confirm": mine,
            "next_prefix": services.numbering_prefix(bulletin.unit),
        },
        status=409 if draft else 200,
    )


@login_required
@require_POST
def bulletin_update(request: AuthedRequest, pk: int) -> HttpResponse:
    bulletin = _bulletin(request, pk)
    title, body = request.POST.get("title", ""), request.POST.get("body", "")
    try:
        services.update_bulletin(
            actor=request.user, bulletin=bulletin, title=title, body=body, version=posted_version(request)
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except StaleEditError:
        # Someone saved in between: keep this clerk's text on screen instead of throwing it away.
        messages.error(request, "该通报已被他人修改。下面仍是您刚才的文字；请对照最新版本后再保存。")
        return bulletin_detail(request, pk, draft={"title": title, "body": body})
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存")
    return redirect("dashboard:bulletin", pk=pk)


@login_required
@require_POST
def bulletin_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    bulletin = _bulletin(request, pk)
    return perform(
        request,
        redirect("dashboard:bulletin", pk=pk),
        lambda: services.publish_bulletin(actor=request.user, bulletin=bulletin, version=posted_version(request)),
        "通报已发布，各校校长须确认已阅",
    )


@login_required
@require_POST
def bulletin_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    bulletin = _bulletin(request, pk)
    recipient = get_object_or_404(
        selectors.recipients_for(request.user, bulletin).select_related("bulletin"),
        pk=int(raw) if (raw := request.POST.get("recipient", "")).isdigit() and len(raw) <= 18 else 0,
    )
    return perform(
        request,
        redirect("dashboard:bulletin", pk=pk),
        lambda: services.confirm_read(actor=request.user, recipient=recipient),
        "已确认阅读",
    )


@login_required
def bulletin_docx(request: AuthedRequest, pk: int) -> HttpResponse:
    """The bulletin in the official-document layout (GB/T 9704-2012), as the 调度通报 are exported."""
    require(request, "bulletin.read")
    bulletin = _bulletin(request, pk)
    published = bulletin.status == BulletinStatus.PUBLISHED
    document = OfficialDocument(
        masthead=f"{bulletin.unit.name}文件",
        title=bulletin.title,
        addressee="本轮被查各学校",
        body=bulletin.body,
        signer=bulletin.unit.name,
        number=bulletin.number_text,
        date=timezone.localdate(bulletin.published_at) if bulletin.published_at else timezone.localdate(),
        printer=f"{bulletin.unit.name}办公室",
        draft_mark="" if published else "草稿",
    )
    response = HttpResponse(
        build_docx(document), content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = (
        f"attachment; filename=\"bulletin.docx\"; filename*=UTF-8''{quote(bulletin.title)}.docx"
    )
    return response


def _numbering_unit(request: AuthedRequest) -> OrgUnit:
    acting = acting_assignment(request.user)
    if acting is None:
        raise PermissionDenied("您当前的身份无权访问此页面")
    unit: OrgUnit = acting.unit
    return unit


@login_required
def bulletin_numbering(request: AuthedRequest) -> HttpResponse:
    """The 发文字号 prefix of the acting unit's bulletins."""
    require(request, "bulletin.change")
    unit = _numbering_unit(request)
    numbering = services.numbering_for(unit)
    if request.method == "POST":
        return perform(
            request,
            redirect("dashboard:bulletin_numbering"),
            lambda: services.save_numbering(
                actor=request.user,
                unit=unit,
                prefix=request.POST.get("prefix", ""),
                version=posted_version(request) if numbering.pk else None,
            ),
            "通报发文字号前缀已保存",
        )
    return render(request, "dashboard/bulletin_numbering.html", {"unit": unit, "numbering": numbering})
