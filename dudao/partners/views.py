"""Partner pages for the bureau and districts: partner units with per-partner counts, one partner, tasks (send,
link, revoke, resend, review and close), joint campaigns; schools read the tasks about themselves."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.files import file_response
from dudao.core.pagination import paginate
from dudao.core.web import perform, post_form, posted_version, require
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.web import acting_unit
from dudao.partners import links, selectors, services
from dudao.partners.forms import CampaignForm, ContactForm, PartnerForm, ReviewForm, TaskForm
from dudao.partners.models import JointCampaign, Partner, PartnerKind, PartnerTask, TaskStatus


def _schools(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False, path__startswith=unit.path).order_by("path")


def _may_change(request: AuthedRequest) -> bool:
    unit = acting_unit(request)
    return can(request.user, "partner.change", unit) and unit.kind != UnitKind.SCHOOL


def _partner_in(d: dict[str, Any]) -> services.PartnerIn:
    return services.PartnerIn(
        name=d["name"],
        kind=d["kind"],
        address=d["address"],
        note=d["note"],
        is_active=d["is_active"],
        covers=list(d["covers"]),
    )


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    require(request, "partner.read")
    unit = acting_unit(request)
    today = timezone.localdate()
    kind = request.GET.get("kind", "")
    partners = selectors.partners_for(request.user).prefetch_related("contacts")
    if kind in PartnerKind.values:
        partners = partners.filter(kind=kind)
    rows = list(partners)
    stats = selectors.stats_by_partner(selectors.tasks_for(request.user), today)
    empty = selectors.PartnerStats()
    may_change = _may_change(request)
    return render(
        request,
        "partners/index.html",
        {
            "unit": unit,
            "rows": [(p, stats.get(p.pk, empty)) for p in rows],
            "kinds": PartnerKind.choices,
            "kind": kind,
            "may_change": may_change,
            "form": PartnerForm(schools=_schools(unit)) if may_change else None,
        },
    )


@login_required
@require_POST
def partner_create(request: AuthedRequest) -> HttpResponse:
    require(request, "partner.change")
    unit = acting_unit(request)
    return post_form(
        request,
        functools.partial(PartnerForm, schools=_schools(unit)),
        redirect("partners:index"),
        lambda d: services.create_partner(actor=request.user, owner=unit, data=_partner_in(d)),
        lambda p: f"已登记协作单位{p.name}",
        then=lambda p: redirect("partners:detail", p.pk),
    )


def _partner(request: AuthedRequest, pk: int) -> Partner:
    require(request, "partner.read")
    return get_object_or_404(selectors.partners_for(request.user), pk=pk)


@login_required
def partner_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    partner = _partner(request, pk)
    today = timezone.localdate()
    may_change = can(request.user, "partner.change", partner.owner)
    tasks = selectors.tasks_for(request.user).filter(partner=partner)
    covers = list(partner.covers.order_by("path"))
    return render(
        request,
        "partners/detail.html",
        {
            "partner": partner,
            "today": today,
            "contacts": list(partner.contacts.all()),
            "covers": covers,
            "tasks": list(tasks[:50]),
            "stats": selectors.stats_by_partner(tasks, today).get(partner.pk, selectors.PartnerStats()),
            "may_change": may_change,
            "form": PartnerForm(
                initial={**{f: getattr(partner, f) for f in services.PARTNER_FIELDS}, "covers": covers}
                | {"version": partner.version},
                schools=_schools(partner.owner),
            )
            if may_change
            else None,
            "contact_form": ContactForm() if may_change else None,
        },
    )


@login_required
@require_POST
def partner_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "partner.change")
    partner = _partner(request, pk)
    return post_form(
        request,
        functools.partial(PartnerForm, schools=_schools(partner.owner)),
        redirect("partners:detail", partner.pk),
        lambda d: services.update_partner(
            actor=request.user, partner=partner, data=_partner_in(d), version=posted_version(request)
        ),
        "已保存协作单位信息",
    )


@login_required
@require_POST
def contact_add(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "partner.change")
    partner = _partner(request, pk)
    return post_form(
        request,
        ContactForm,
        redirect(reverse("partners:detail", args=[partner.pk]) + "#contacts"),
        lambda d: services.add_contact(
            actor=request.user, partner=partner, name=d["name"], post=d["post"], phone=d["phone"]
        ),
        lambda c: f"已添加联系人{c.name}",
    )


@login_required
@require_POST
def contact_remove(request: AuthedRequest, pk: int, contact_pk: int) -> HttpResponse:
    require(request, "partner.change")
    partner = _partner(request, pk)
    contact = get_object_or_404(partner.contacts.all(), pk=contact_pk)
    return perform(
        request,
        redirect(reverse("partners:detail", args=[partner.pk]) + "#contacts"),
        lambda: services.remove_contact(actor=request.user, contact=contact),
        f"已删除联系人{contact.name}",
    )


# ----- tasks ----------------------------------------------------------------------------------------

FILTERS = {
    "open": ("未办结", lambda qs, today: qs.exclude(status=TaskStatus.CLOSED)),
    "reported": ("待审核", lambda qs, today: qs.filter(status=TaskStatus.REPORTED)),
    "overdue": ("逾期未反馈", lambda qs, today: selectors.overdue(qs, today)),
    "closed": ("已办结", lambda qs, today: qs.filter(status=TaskStatus.CLOSED)),
}


@login_required
def tasks(request: AuthedRequest) -> HttpResponse:
    require(request, "partner.task_read")
    today = timezone.localdate()
    show = request.GET.get("show", "open")
    qs = selectors.tasks_for(request.user).order_by("-sent_at", "-id")
    if show in FILTERS:
        qs = FILTERS[show][1](qs, today)
    page = paginate(qs, page=request.GET.get("page"), page_size=50)
    return render(
        request,
        "partners/tasks.html",
        {
            "page": page,
            "tasks": list(page.items),
            "show": show,
            "filters": [(k, v[0]) for k, v in FILTERS.items()],
            "today": today,
            "may_send": _may_change(request),
        },
    )


@login_required
def task_new(request: AuthedRequest) -> HttpResponse:
    require(request, "partner.change")
    if not _may_change(request):
        raise Http404("学校不能交办协同任务")
    unit = acting_unit(request)
    partners = selectors.partners_for(request.user, "change").filter(is_active=True)
    schools = _schools(unit)
    campaign = None
    raw_campaign = request.POST.get("campaign") or request.GET.get("campaign") or ""
    if raw_campaign:
        if not raw_campaign.isdigit():
            raise Http404
        campaign = get_object_or_404(selectors.campaigns_for(request.user, "change"), pk=int(raw_campaign))
        partners = partners.filter(pk__in=campaign.partners.values("pk"))
        schools = schools.filter(pk__in=campaign.schools.values("pk"))
    form_class = functools.partial(TaskForm, partners=partners, schools=schools)
    if request.method == "POST":

        def send(d: dict[str, Any]) -> tuple[PartnerTask, bool]:
            return services.send_task(
                actor=request.user,
                partner=d["partner"],
                data=services.TaskIn(
                    title=d["title"],
                    description=d["description"],
                    location=d["location"],
                    due_on=d["due_on"],
                    school=d["school"],
                    hazard_id=d["hazard"],
                    campaign=campaign,
                ),
            )

        def done(result: tuple[PartnerTask, bool]) -> str:
            task, created = result
            return f"已向{task.partner.name}交办，请把链接发给对方" if created else "该任务刚刚已交办，未重复发送"

        return post_form(
            request,
            form_class,
            redirect(request.get_full_path()),
            send,
            done,
            then=lambda r: redirect("partners:task", r[0].pk),
        )
    initial: dict[str, Any] = {"due_on": timezone.localdate() + dt.timedelta(days=7)}
    hazard = None
    raw_hazard = request.GET.get("hazard", "")
    if raw_hazard.isdigit():
        hazard = selectors.hazard_for(request.user, int(raw_hazard))
        if hazard is None:
            raise Http404("隐患不存在或不在您的管理范围内")
        initial |= {
            "hazard": hazard.pk,
            "title": f"协助整改：{hazard.category}"[:100],
            "description": hazard.description,
            "school": hazard.school_id if schools.filter(pk=hazard.school_id).exists() else None,
        }
    if campaign is not None:
        initial["campaign"] = campaign.pk
    raw_partner = request.GET.get("partner", "")
    if raw_partner.isdigit():
        initial["partner"] = int(raw_partner)
    return render(
        request,
        "partners/task_form.html",
        {"form": form_class(initial=initial), "hazard": hazard, "campaign": campaign},
    )


def _task(request: AuthedRequest, pk: int) -> PartnerTask:
    require(request, "partner.task_read")
    return get_object_or_404(selectors.tasks_for(request.user), pk=pk)


@login_required
def task_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    may_change = can(request.user, "partner.change", task.owner)
    hazard = selectors.hazard_for(request.user, task.hazard_id) if task.hazard_id else None
    return render(
        request,
        "partners/task.html",
        {
            "task": task,
            "today": timezone.localdate(),
            "may_change": may_change,
            "hazard": hazard,
            "photos": selectors.photos_of(task),
            "contacts": list(task.partner.contacts.all()),
            "link": request.build_absolute_uri(links.path_for(task.pk, task.link_key))
            if may_change and task.is_link_live
            else "",
            "review_form": ReviewForm(initial={"version": task.version}) if may_change else None,
        },
    )


def _task_action(request: AuthedRequest, pk: int, action: Any, success: str) -> HttpResponse:
    require(request, "partner.change")
    task = get_object_or_404(selectors.tasks_to_change(request.user), pk=pk)
    back = redirect("partners:task", task.pk)
    return perform(request, back, lambda: action(task), success)


@login_required
@require_POST
def task_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    return _task_action(
        request,
        pk,
        lambda t: services.revoke_link(actor=request.user, task=t, version=posted_version(request)),
        "链接已撤回，对方打开将提示链接无效",
    )


@login_required
@require_POST
def task_resend(request: AuthedRequest, pk: int) -> HttpResponse:
    return _task_action(
        request,
        pk,
        lambda t: services.resend_link(actor=request.user, task=t, version=posted_version(request)),
        "已生成新链接（原链接已失效），请发给对方",
    )


@login_required
@require_POST
def task_close(request: AuthedRequest, pk: int) -> HttpResponse:
    return _task_action(
        request,
        pk,
        lambda t: services.close_task(
            actor=request.user, task=t, version=posted_version(request), note=request.POST.get("note", "")
        ),
        "已办结",
    )


@login_required
@require_POST
def task_return(request: AuthedRequest, pk: int) -> HttpResponse:
    return _task_action(
        request,
        pk,
        lambda t: services.return_task(
            actor=request.user, task=t, version=posted_version(request), note=request.POST.get("note", "")
        ),
        "已退回，对方可通过原链接重新反馈",
    )


@login_required
def task_photo(request: AuthedRequest, pk: int, file_pk: int) -> Any:
    task = _task(request, pk)
    photo = get_object_or_404(task.photos.select_related("file"), file_id=file_pk)
    return file_response(photo.file, as_attachment=False)


# ----- joint campaigns ---------------------------------------------------------------------------


@login_required
def campaigns(request: AuthedRequest) -> HttpResponse:
    require(request, "partner.read")
    unit = acting_unit(request)
    may_change = _may_change(request)
    items = list(selectors.campaigns_for(request.user).prefetch_related("partners"))
    return render(
        request,
        "partners/campaigns.html",
        {
            "campaigns": items,
            "may_change": may_change,
            "form": CampaignForm(
                partners=selectors.partners_for(request.user, "change").filter(is_active=True),
                schools=_schools(unit),
            )
            if may_change
            else None,
        },
    )


@login_required
@require_POST
def campaign_create(request: AuthedRequest) -> HttpResponse:
    require(request, "partner.change")
    unit = acting_unit(request)

    def create(d: dict[str, Any]) -> JointCampaign:
        return services.create_campaign(
            actor=request.user,
            owner=unit,
            data=services.CampaignIn(
                title=d["title"],
                description=d["description"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                partners=list(d["partners"]),
                schools=list(d["schools"]),
            ),
        )

    return post_form(
        request,
        functools.partial(
            CampaignForm,
            partners=selectors.partners_for(request.user, "change").filter(is_active=True),
            schools=_schools(unit),
        ),
        redirect("partners:campaigns"),
        create,
        lambda c: f"已创建联合行动“{c.title}”",
        then=lambda c: redirect("partners:campaign", c.pk),
    )


@login_required
def campaign_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "partner.read")
    campaign = get_object_or_404(selectors.campaigns_for(request.user), pk=pk)
    today = timezone.localdate()
    tasks = selectors.tasks_for(request.user).filter(campaign=campaign)
    stats = selectors.stats_by_partner(tasks, today)
    partners = list(campaign.partners.order_by("kind", "name"))
    total = selectors.PartnerStats()
    for s in stats.values():
        for name in ("sent", "acknowledged", "reported", "closed", "overdue"):
            setattr(total, name, getattr(total, name) + getattr(s, name))
    return render(
        request,
        "partners/campaign.html",
        {
            "campaign": campaign,
            "today": today,
            "partners": [(p, stats.get(p.pk, selectors.PartnerStats())) for p in partners],
            "total": total,
            "schools": list(campaign.schools.order_by("path")),
            "tasks": list(tasks.order_by("status", "due_on", "id")),
            "may_change": can(request.user, "partner.change", campaign.owner),
        },
    )


@login_required
@require_POST
def campaign_close(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "partner.change")
    campaign = get_object_or_404(selectors.campaigns_for(request.user, "change"), pk=pk)
    return perform(
        request,
        redirect("partners:campaign", campaign.pk),
        lambda: services.close_campaign(actor=request.user, campaign=campaign, version=posted_version(request)),
        "联合行动已结束",
    )
