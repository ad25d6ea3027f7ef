"""党风廉政 pages: an overview, the lists of 一岗双责, talks, festival checks and 三重一大 with their forms, one page
per record (each read access-logged), and a leader's own lists to acknowledge. Roles without `integrity.read` get
404 on every page but their own lists."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError
from dudao.core.files import file_response
from dudao.core.pagination import paginate
from dudao.core.web import perform, post_form, posted_version
from dudao.integrity import selectors, services
from dudao.integrity.forms import (
    CheckForm,
    DocumentsForm,
    DutyEditForm,
    DutyForm,
    FindingForm,
    MatterForm,
    TalkForm,
    TargetForm,
)
from dudao.integrity.models import (
    DutyList,
    Festival,
    MajorMatter,
    MatterCategory,
    SpotCheck,
    Talk,
    TalkKind,
)
from dudao.orgs.scoping import can
from dudao.orgs.web import acting_unit

PAGE_SIZE = 30


def _may_change(request: AuthedRequest, unit: Any = None) -> bool:
    return can(request.user, "integrity.change", unit)


def _year(request: AuthedRequest) -> int:
    raw = request.GET.get("year", "")
    this = timezone.localdate().year
    return int(raw) if raw.isdigit() and this - 10 <= int(raw) <= this + 1 else this


def _years() -> list[int]:
    this = timezone.localdate().year
    return list(range(this + 1, this - 6, -1))


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    selectors.require_read(request.user)
    year = _year(request)
    return render(
        request,
        "integrity/index.html",
        {
            "unit": acting_unit(request),
            "o": selectors.overview(request.user, year),
            "years": _years(),
            "talks": list(selectors.talks_for(request.user)[:5]),
            "checks": list(selectors.checks_for(request.user)[:5]),
            "matters": list(selectors.matters_for(request.user)[:5]),
            "may_change": _may_change(request),
        },
    )


@login_required
def people(request: AuthedRequest) -> HttpResponse:
    """The picker's suggestions (htmx): `<option>`s of accounts in scope matching `q`."""
    selectors.require_read(request.user)
    # Each person field sends its own name (leader, talker, subject, person): whichever has text is the query.
    q = next((v for v in (request.GET.get(k, "") for k in request.GET) if v.strip()), "")
    if "（" in q:
        q = q[: q.index("（")]
    found = list(selectors.people(request.user, q)[: selectors.PEOPLE_SHOWN])
    return render(request, "integrity/_people.html", {"people": found})


# ----- 一岗双责 ---------------------------------------------------------------------------------------


def _duty_in(d: dict[str, Any]) -> services.DutyIn:
    return services.DutyIn(
        year=d["year"], post=d["post"], business_duties=d["business_duties"], integrity_duties=d["integrity_duties"]
    )


@login_required
def duties(request: AuthedRequest) -> HttpResponse:
    selectors.require_read(request.user)
    year = _year(request)
    qs = selectors.duty_lists_for(request.user).filter(year=year).order_by("unit__path", "leader__username")
    status = request.GET.get("status", "")
    if status == "pending":
        qs = qs.filter(acknowledged_at__isnull=True)
    page = paginate(qs, page=request.GET.get("page"), page_size=PAGE_SIZE)
    return render(
        request,
        "integrity/duties.html",
        {
            "page": page,
            "year": year,
            "years": _years(),
            "status": status,
            "form": DutyForm() if _may_change(request) else None,
        },
    )


@login_required
@require_POST
def duty_create(request: AuthedRequest) -> HttpResponse:
    selectors.require_read(request.user)

    def create(d: dict[str, Any]) -> DutyList:
        leader = selectors.person(request.user, d["leader"], label="领导干部")
        duty, created = services.create_duty_list(actor=request.user, leader=leader, data=_duty_in(d))
        return duty

    return post_form(
        request,
        DutyForm,
        redirect("integrity:duties"),
        create,
        lambda d: f"已制定{d.leader.display_name}的{d.year}年一岗双责清单",
        then=lambda d: redirect("integrity:duty", d.pk),
    )


def _duty(request: AuthedRequest, pk: int) -> tuple[DutyList, bool]:
    """The list if in scope, or the user's own list (the leader reads it whatever the role); else 404."""
    if can(request.user, "integrity.read"):
        found = selectors.duty_lists_for(request.user).filter(pk=pk).first()
        if found is not None:
            return found, True
    own = selectors.own_duty_lists(request.user).filter(pk=pk).first()
    if own is None:
        raise Http404("清单不存在")
    return own, False


@login_required
def duty(request: AuthedRequest, pk: int) -> HttpResponse:
    item, in_scope = _duty(request, pk)
    selectors.log_view(request.user, item, what="一岗双责清单")
    may_change = in_scope and _may_change(request, item.unit)
    return render(
        request,
        "integrity/duty.html",
        {
            "duty": item,
            "in_scope": in_scope,
            "is_leader": item.leader_id == request.user.pk,
            "form": DutyEditForm(
                initial={
                    "year": item.year,
                    "post": item.post,
                    "business_duties": item.business_duties,
                    "integrity_duties": item.integrity_duties,
                    "version": item.version,
                }
            )
            if may_change
            else None,
        },
    )


@login_required
@require_POST
def duty_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    selectors.require_read(request.user)
    item = get_object_or_404(selectors.duty_lists_for(request.user), pk=pk)
    return post_form(
        request,
        DutyEditForm,
        redirect("integrity:duty", item.pk),
        lambda d: services.update_duty_list(
            actor=request.user, duty=item, data=_duty_in(d), version=posted_version(request)
        ),
        "已保存清单；清单内容有修改的，须由本人重新签收",
    )


@login_required
@require_POST
def duty_acknowledge(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.own_duty_lists(request.user), pk=pk)
    return perform(
        request,
        redirect("integrity:duty", item.pk),
        lambda: services.acknowledge_duty_list(actor=request.user, duty=item, version=posted_version(request)),
        "已签收一岗双责清单",
    )


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    """A leader's own 一岗双责 lists, for any role (nothing else of this app is shown here)."""
    return render(
        request,
        "integrity/mine.html",
        {"lists": list(selectors.own_duty_lists(request.user).order_by("-year", "id"))},
    )


# ----- talks ------------------------------------------------------------------------------------------


def _talk_in(request: AuthedRequest, d: dict[str, Any]) -> services.TalkIn:
    return services.TalkIn(
        kind=d["kind"],
        talker=selectors.person(request.user, d["talker"], label="谈话人"),
        subject=selectors.person(request.user, d["subject"], label="谈话对象"),
        held_on=d["held_on"],
        place=d["place"],
        summary=d["summary"],
    )


def _picked(user: Any) -> str:
    return f"{user.display_name}（{user.username}）"


@login_required
def talks(request: AuthedRequest) -> HttpResponse:
    selectors.require_read(request.user)
    qs = selectors.talks_for(request.user)
    kind = request.GET.get("kind", "")
    if kind in TalkKind.values:
        qs = qs.filter(kind=kind)
    page = paginate(qs, page=request.GET.get("page"), page_size=PAGE_SIZE)
    return render(
        request,
        "integrity/talks.html",
        {
            "page": page,
            "kind": kind,
            "kinds": TalkKind.choices,
            "form": TalkForm(initial={"held_on": timezone.localdate(), "talker": _picked(request.user)})
            if _may_change(request)
            else None,
        },
    )


@login_required
@require_POST
def talk_create(request: AuthedRequest) -> HttpResponse:
    selectors.require_read(request.user)
    return post_form(
        request,
        TalkForm,
        redirect("integrity:talks"),
        lambda d: services.record_talk(actor=request.user, data=_talk_in(request, d))[0],
        lambda t: f"已登记与{t.subject.display_name}的{t.get_kind_display()}",
        then=lambda t: redirect("integrity:talk", t.pk),
    )


def _talk(request: AuthedRequest, pk: int) -> Talk:
    selectors.require_read(request.user)
    return get_object_or_404(selectors.talks_for(request.user), pk=pk)


@login_required
def talk(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _talk(request, pk)
    selectors.log_view(request.user, item, what="谈话记录")
    may_change = _may_change(request, item.unit)
    return render(
        request,
        "integrity/talk.html",
        {
            "talk": item,
            "form": TalkForm(
                initial={
                    "kind": item.kind,
                    "talker": _picked(item.talker),
                    "subject": _picked(item.subject),
                    "held_on": item.held_on,
                    "place": item.place,
                    "summary": item.summary,
                    "version": item.version,
                }
            )
            if may_change
            else None,
        },
    )


@login_required
@require_POST
def talk_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _talk(request, pk)
    return post_form(
        request,
        TalkForm,
        redirect("integrity:talk", item.pk),
        lambda d: services.update_talk(
            actor=request.user, talk=item, data=_talk_in(request, d), version=posted_version(request)
        ),
        "已保存谈话记录",
    )


# ----- festival spot checks ----------------------------------------------------------------------------


def _check_in(d: dict[str, Any]) -> services.CheckIn:
    return services.CheckIn(
        name=d["name"], festival=d["festival"], starts_on=d["starts_on"], ends_on=d["ends_on"], focus=d["focus"]
    )


@login_required
def checks(request: AuthedRequest) -> HttpResponse:
    selectors.require_read(request.user)
    page = paginate(selectors.checks_for(request.user), page=request.GET.get("page"), page_size=PAGE_SIZE)
    return render(
        request,
        "integrity/checks.html",
        {
            "page": page,
            "festivals": Festival.choices,
            "form": CheckForm(initial={"starts_on": timezone.localdate(), "ends_on": timezone.localdate()})
            if _may_change(request)
            else None,
        },
    )


@login_required
@require_POST
def check_create(request: AuthedRequest) -> HttpResponse:
    selectors.require_read(request.user)
    unit = acting_unit(request)
    return post_form(
        request,
        CheckForm,
        redirect("integrity:checks"),
        lambda d: services.create_check(actor=request.user, unit=unit, data=_check_in(d))[0],
        lambda c: f"已创建{c.name}，请添加检查对象",
        then=lambda c: redirect("integrity:check", c.pk),
    )


def _spot(request: AuthedRequest, pk: int) -> SpotCheck:
    selectors.require_read(request.user)
    return get_object_or_404(selectors.checks_for(request.user), pk=pk)


@login_required
def check(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _spot(request, pk)
    selectors.log_view(request.user, item, what="节日监督检查")
    may_change = _may_change(request, item.unit) and item.closed_at is None
    targets = list(item.targets.select_related("target_unit", "target_user"))
    findings = list(selectors.findings_for(request.user).filter(spot_check=item))
    by_target: dict[int, list[Any]] = {}
    for f in findings:
        by_target.setdefault(f.target_id, []).append(f)
    return render(
        request,
        "integrity/check.html",
        {
            "check": item,
            "targets": [(t, by_target.get(t.pk, [])) for t in targets],
            "problems": sum(1 for f in findings if f.is_problem),
            "may_change": may_change,
            "may_close": _may_change(request, item.unit) and item.closed_at is None,
            "edit_form": CheckForm(
                initial={
                    **{f: getattr(item, f) for f in ("name", "festival", "starts_on", "ends_on", "focus")},
                    "version": item.version,
                }
            )
            if may_change
            else None,
            "target_form": TargetForm(units=selectors.target_units(request.user).filter(path__under=item.unit.path))
            if may_change
            else None,
            "finding_form": FindingForm(
                targets=[(t.pk, t.label) for t in targets], initial={"found_on": timezone.localdate()}
            )
            if may_change and targets
            else None,
        },
    )


@login_required
@require_POST
def check_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _spot(request, pk)
    return post_form(
        request,
        CheckForm,
        redirect("integrity:check", item.pk),
        lambda d: services.update_check(
            actor=request.user, check=item, data=_check_in(d), version=posted_version(request)
        ),
        "已保存检查信息",
    )


@login_required
@require_POST
def check_close(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _spot(request, pk)
    return perform(
        request,
        redirect("integrity:check", item.pk),
        lambda: services.close_check(actor=request.user, check=item, version=posted_version(request)),
        "已结束本次检查",
    )


@login_required
@require_POST
def check_targets(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _spot(request, pk)
    units = selectors.target_units(request.user).filter(path__under=item.unit.path)

    def add(d: dict[str, Any]) -> list[Any]:
        persons = [selectors.person(request.user, d["person"], label="被检查人员")] if d["person"] else []
        return services.add_targets(actor=request.user, check=item, units=list(d["units"]), people=persons)

    return post_form(
        request,
        functools.partial(TargetForm, units=units),
        redirect(reverse("integrity:check", args=[item.pk]) + "#targets"),
        add,
        lambda added: f"已添加 {len(added)} 个检查对象" if added else "所选对象已在检查名单中",
    )


@login_required
@require_POST
def target_remove(request: AuthedRequest, pk: int, target_pk: int) -> HttpResponse:
    item = _spot(request, pk)
    target = get_object_or_404(item.targets.all(), pk=target_pk)
    return perform(
        request,
        redirect(reverse("integrity:check", args=[item.pk]) + "#targets"),
        lambda: services.remove_target(actor=request.user, target=target),
        "已移除检查对象",
    )


@login_required
@require_POST
def check_finding(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _spot(request, pk)
    targets = list(item.targets.select_related("target_unit", "target_user"))
    back = redirect(reverse("integrity:check", args=[item.pk]) + "#targets")

    def add(d: dict[str, Any]) -> Any:
        target = next((t for t in targets if t.pk == d["target"]), None)
        if target is None:
            raise DomainError("请选择检查对象", code="target_required")
        return services.add_finding(
            actor=request.user,
            target=target,
            data=services.FindingIn(found_on=d["found_on"], text=d["text"], is_problem=d["is_problem"]),
            photo=d["photo"],
        )[0]

    return post_form(
        request,
        functools.partial(FindingForm, targets=[(t.pk, t.label) for t in targets]),
        back,
        add,
        "已记录检查发现",
    )


@login_required
def finding_photo(request: AuthedRequest, pk: int) -> Any:
    selectors.require_read(request.user)
    finding = get_object_or_404(selectors.findings_for(request.user).filter(photo__isnull=False), pk=pk)
    selectors.log_view(request.user, finding.spot_check, what="检查发现照片")
    assert finding.photo is not None
    return file_response(finding.photo, as_attachment=False)


# ----- 三重一大 -----------------------------------------------------------------------------------------


def _matter_in(d: dict[str, Any]) -> services.MatterIn:
    return services.MatterIn(
        category=d["category"],
        title=d["title"],
        decided_on=d["decided_on"],
        meeting=d["meeting"],
        participants=d["participants"],
        vote=d["vote"],
        vote_detail=d["vote_detail"],
        amount=d["amount"],
        note=d["note"],
    )


@login_required
def matters(request: AuthedRequest) -> HttpResponse:
    selectors.require_read(request.user)
    qs = selectors.matters_for(request.user)
    category = request.GET.get("category", "")
    if category in MatterCategory.values:
        qs = qs.filter(category=category)
    page = paginate(qs, page=request.GET.get("page"), page_size=PAGE_SIZE)
    return render(
        request,
        "integrity/matters.html",
        {
            "page": page,
            "category": category,
            "categories": MatterCategory.choices,
            "form": MatterForm(initial={"decided_on": timezone.localdate()}) if _may_change(request) else None,
        },
    )


@login_required
@require_POST
def matter_create(request: AuthedRequest) -> HttpResponse:
    selectors.require_read(request.user)
    unit = acting_unit(request)
    return post_form(
        request,
        MatterForm,
        redirect("integrity:matters"),
        lambda d: services.create_matter(actor=request.user, unit=unit, data=_matter_in(d), documents=d["documents"])[
            0
        ],
        lambda m: f"已登记“{m.title}”",
        then=lambda m: redirect("integrity:matter", m.pk),
    )


def _matter(request: AuthedRequest, pk: int) -> MajorMatter:
    selectors.require_read(request.user)
    return get_object_or_404(selectors.matters_for(request.user), pk=pk)


@login_required
def matter(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _matter(request, pk)
    selectors.log_view(request.user, item, what="三重一大事项")
    may_change = _may_change(request, item.unit)
    return render(
        request,
        "integrity/matter.html",
        {
            "matter": item,
            "documents": list(item.documents.select_related("file")),
            "form": MatterForm(
                initial={**{f: getattr(item, f) for f in services.MATTER_FIELDS}, "version": item.version}
            )
            if may_change
            else None,
            "documents_form": DocumentsForm() if may_change else None,
        },
    )


@login_required
@require_POST
def matter_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _matter(request, pk)
    return post_form(
        request,
        MatterForm,
        redirect("integrity:matter", item.pk),
        lambda d: services.update_matter(
            actor=request.user, matter=item, data=_matter_in(d), version=posted_version(request)
        ),
        "已保存事项",
    )


@login_required
@require_POST
def matter_documents(request: AuthedRequest, pk: int) -> HttpResponse:
    item = _matter(request, pk)
    return post_form(
        request,
        DocumentsForm,
        redirect("integrity:matter", item.pk),
        lambda d: services.add_documents(actor=request.user, matter=item, documents=d["documents"]),
        lambda docs: f"已上传 {len(docs)} 个文件",
    )


@login_required
def matter_document(request: AuthedRequest, pk: int, doc_pk: int) -> Any:
    item = _matter(request, pk)
    document = get_object_or_404(item.documents.select_related("file"), pk=doc_pk)
    selectors.log_view(request.user, item, what=f"三重一大文件：{document.file.name}")
    return file_response(document.file)
