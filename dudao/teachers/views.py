"""教师档案 pages: the list with its figures and filters, a person's profile (certificates, postings), edit, the ID
number revealed on request, Excel import and a masked export, 调动."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.models import User
from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.excel import ImportRejected, xlsx_response
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, perform, post_form, posted_version, require
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment, can
from dudao.orgs.selectors import units_for
from dudao.orgs.text import mask_id_card
from dudao.teachers import excel, selectors, services
from dudao.teachers.forms import CertificateForm, ImportForm, ProfileForm, TransferForm
from dudao.teachers.models import CertificateKind, Employment, Post, StaffProfile, Title

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _unit(request: AuthedRequest) -> OrgUnit | None:
    raw = request.GET.get("unit", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(units_for(request.user), pk=int(raw))


def _filters(request: AuthedRequest) -> selectors.Filters:
    def pick(name: str, allowed: list[str]) -> str:
        value = request.GET.get(name, "")
        return value if value in allowed else ""

    return selectors.Filters(
        unit=_unit(request),
        q=request.GET.get("q", "")[:30],
        post=pick("post", Post.values),
        title=pick("title", Title.values),
        employment=pick("employment", Employment.values),
        certificate=pick("certificate", [*CertificateKind.values, "expiring", "expired"]),
        incomplete=request.GET.get("incomplete") == "1",
    )


@login_required
def roster(request: AuthedRequest) -> HttpResponse:
    require(request, "teacher.read")
    today = timezone.localdate()
    filters = _filters(request)
    acting = acting_assignment(request.user)
    unit = filters.unit or (acting.unit if acting else None)
    page = paginate(selectors.roster(request.user, filters, today=today), page=request.GET.get("page"))
    facts = selectors.row_facts(list(page.items), today)
    rows = [(p, getattr(p, "staff_profile", None), facts[p.pk]) for p in page.items]
    return render(
        request,
        "teachers/list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "unit": unit,
            "summary": selectors.summary(request.user, filters.unit, today=today),
            "posts": Post.choices,
            "titles": Title.choices,
            "employments": Employment.choices,
            "certificate_kinds": CertificateKind.choices,
            "can_change": unit is not None and can(request.user, "teacher.change", unit),
            "today": today,
        },
    )


@login_required
def export(request: AuthedRequest) -> HttpResponse | FileResponse:
    require(request, "teacher.read")
    filters = _filters(request)
    people = selectors.roster(request.user, filters, today=timezone.localdate())
    count = people.count()
    if count > settings.DUDAO_EXPORT_SYNC_LIMIT:
        messages.error(
            request,
            f"要导出 {count:,} 人，超过一次 {settings.DUDAO_EXPORT_SYNC_LIMIT:,} 人，请按区县或学校筛选后分别导出",
        )
        return redirect(request.get_full_path().replace("export.xlsx", "", 1))
    acting = acting_assignment(request.user)
    scope_path = (filters.unit or (acting.unit if acting else None) or request.user.unit).path  # type: ignore[union-attr]
    return xlsx_response(
        filename=f"教师档案-{timezone.localdate():%Y%m%d}.xlsx",
        headers=excel.EXPORT_HEADERS,
        rows=excel.export_rows(actor=request.user, people=people, unit_path=scope_path),
        sheet_name="教师档案",
        column_widths=excel.EXPORT_WIDTHS,
        title="教师档案（身份证号已打码）",
    )


def _person(request: AuthedRequest, pk: int) -> User:
    person = selectors.person_for(request.user, pk)
    if person is None:
        raise Http404
    return person


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    return redirect("teachers:detail", request.user.pk)


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    today = timezone.localdate()
    profile: StaffProfile | None = getattr(person, "staff_profile", None)
    unit = person.unit
    can_change = unit is not None and can(request.user, "teacher.change", unit)
    certificates = [(c, selectors.expiry_state(c, today)) for c in selectors.certificates_of(profile)]
    return render(
        request,
        "teachers/detail.html",
        {
            "person": person,
            "profile": profile,
            "masked_id": mask_id_card(profile.id_card_no) if profile and profile.id_card_no else "",
            "age": profile.age(today) if profile else None,
            "service_years": profile.years_of_service(today) if profile else None,
            "certificates": certificates,
            "postings": selectors.postings_of(person),
            "can_change": can_change,
            "can_unmask": unit is not None
            and profile is not None
            and bool(profile.id_card_no)
            and can(request.user, "teacher.unmask_id", unit),
            "can_transfer": unit is not None and can(request.user, "teacher.transfer", unit),
            "certificate_form": CertificateForm(),
            "transfer_form": TransferForm(
                units=selectors.transfer_targets(request.user).exclude(pk=unit.pk if unit else None)
            )
            if unit is not None and can(request.user, "teacher.transfer", unit)
            else None,
            "today": today,
        },
    )


@login_required
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    if person.unit is None or not can(request.user, "teacher.change", person.unit):
        raise PermissionDenied("您无权修改该人员的档案")
    profile = services.profile_of(person)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if not data["id_card_no"]:
                data["id_card_no"] = profile.id_card_no  # left blank: keep the number on file (shown masked)
            try:
                services.update_profile(actor=request.user, person=person, values=data, version=posted_version(request))
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "档案已保存")
                return redirect("teachers:detail", person.pk)
        else:
            messages.error(request, form_errors(form))
        version = request.POST.get("version", profile.version)
    else:
        initial = {name: getattr(profile, name) for name in services.PROFILE_FIELDS}
        initial["id_card_no"] = ""
        form = ProfileForm(initial=initial)
        version = profile.version
    return render(
        request,
        "teachers/edit.html",
        {
            "person": person,
            "profile": profile,
            "form": form,
            "version": version,
            "masked_id": mask_id_card(profile.id_card_no) if profile.id_card_no else "",
        },
    )


@login_required
@require_POST
def reveal(request: AuthedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    profile = getattr(person, "staff_profile", None)
    if profile is None:
        raise Http404
    try:
        number = services.reveal_id(actor=request.user, profile=profile)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        return HttpResponse(exc.message, status=400)
    return HttpResponse(f'<span class="font-monospace" data-testid="id-revealed">{number}</span>')


@login_required
@require_POST
def certificate_add(request: AuthedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    return post_form(
        request,
        CertificateForm,
        redirect("teachers:detail", person.pk),
        lambda data: services.add_certificate(
            actor=request.user, person=person, data=services.CertificateInput(**data)
        ),
        "证书已登记",
    )


@login_required
@require_POST
def certificate_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    certificate = selectors.certificate_for(request.user, pk)
    if certificate is None:
        raise Http404
    person_pk = certificate.profile.user_id
    return perform(
        request,
        redirect("teachers:detail", person_pk),
        lambda: services.remove_certificate(actor=request.user, certificate=certificate),
        "证书已删除",
    )


@login_required
@require_POST
def transfer(request: AuthedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    require(request, "teacher.transfer")
    form_class = functools.partial(TransferForm, units=selectors.transfer_targets(request.user))
    return post_form(
        request,
        form_class,
        redirect("teachers:detail", person.pk),
        lambda data: services.transfer(
            actor=request.user, person=person, to_unit=data["to_unit"], on=data["on"], note=data["note"]
        ),
        lambda posting: f"已调往{posting.unit.name}（{posting.started_on:%Y-%m-%d} 起）",
    )


@login_required
def import_template(request: AuthedRequest) -> HttpResponse:
    require(request, "teacher.change")
    response = HttpResponse(excel.template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="teacher-profiles-template.xlsx"'
    return response


@login_required
def import_page(request: AuthedRequest) -> HttpResponse:
    require(request, "teacher.change")
    acting = acting_assignment(request.user)
    if acting is None:
        raise PermissionDenied("您没有可用的身份")
    unit = _unit(request) or acting.unit
    errors = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, "请选择要导入的 Excel 文件")
        else:
            upload = form.cleaned_data["file"]
            try:
                count = excel.import_profiles(actor=request.user, unit=unit, upload=upload, filename=upload.name or "")
            except Forbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except ImportRejected as exc:
                messages.error(request, exc.message)
                errors = exc.errors
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已导入 {count} 人的档案")
                return redirect(f"{request.path.replace('import/', '')}?unit={unit.pk}")
    return render(request, "teachers/import.html", {"unit": unit, "form": ImportForm(), "import_errors": errors})
