"""Canteen pages: the list of canteens with today's records (red after the deadline) and expiring documents, one
canteen's page, and the phone forms for 留样, 陪餐 and 晨检."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dudao.accounts.requests import AuthedRequest
from dudao.canteens import selectors, services
from dudao.canteens.forms import CanteenForm, CompanionForm, SampleForm, SupplierForm, WorkerForm
from dudao.canteens.models import SAMPLE_MIN_GRAMS, Canteen, CompanionMeal, FoodSample, Meal
from dudao.core.errors import DomainError
from dudao.core.files import file_response
from dudao.core.pagination import paginate
from dudao.core.web import form_errors, perform, post_form, posted_version, require
from dudao.orgs.models import UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.web import acting_unit, viewed_unit

DISH_ROWS = 6
DOCUMENTS_SHOWN = 100


def _canteen(request: AuthedRequest, pk: int) -> Canteen:
    require(request, "canteen.read")
    return get_object_or_404(selectors.canteens_for(request.user), pk=pk)


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    require(request, "canteen.read")
    unit = viewed_unit(request)
    today = timezone.localdate()
    qs = selectors.canteens_for(request.user).filter(school__path__under=unit.path).order_by("school__path", "name")
    may_change = can(request.user, "canteen.change", unit)
    if unit.kind == UnitKind.SCHOOL and may_change and "unit" not in request.GET:
        only = list(qs[:2])
        if len(only) == 1:
            return redirect("canteens:detail", only[0].pk)
    show = request.GET.get("show", "")
    overdue = selectors.is_overdue_now(today)
    missing_qs = qs.filter(selectors.lunch_missing_filter(today))
    listed = missing_qs if show == "red" else qs
    page = paginate(listed, page=request.GET.get("page"), page_size=50)
    rows = selectors.days_of(list(page.items), today)
    expiry = selectors.expiry_counts([r.canteen for r in rows], today)
    documents = selectors.expiring_documents(qs, today)
    expired_total = sum(1 for d in documents if d.is_expired)
    return render(
        request,
        "canteens/index.html",
        {
            "unit": unit,
            "up": unit.get_parent() if unit.pk != acting_unit(request).pk else None,
            "rows": [(r, *expiry.get(r.canteen.pk, (0, 0))) for r in rows],
            "page": page,
            "show": show,
            "total": qs.count(),
            "missing": missing_qs.count(),
            "overdue": overdue,
            "today": today,
            "deadline": selectors.deadline_label(),
            "documents": documents[:DOCUMENTS_SHOWN],
            "documents_total": len(documents),
            "expired_total": expired_total,
            "expiring_total": len(documents) - expired_total,
            "create_form": CanteenForm(initial={"name": "学生食堂"})
            if may_change and unit.kind == UnitKind.SCHOOL
            else None,
        },
    )


@login_required
@require_POST
def create(request: AuthedRequest) -> HttpResponse:
    require(request, "canteen.change")
    school = acting_unit(request)
    back = redirect("canteens:index")
    return post_form(
        request,
        CanteenForm,
        back,
        lambda d: services.create_canteen(actor=request.user, school=school, data=_canteen_in(d)),
        lambda c: f"已登记{c.name}",
        then=lambda c: redirect("canteens:detail", c.pk),
    )


def _canteen_in(d: dict[str, Any]) -> services.CanteenIn:
    return services.CanteenIn(
        name=d["name"],
        licence_number=d["licence_number"],
        licence_expires_on=d["licence_expires_on"],
        open_kitchen=d["open_kitchen"],
        open_kitchen_checked_on=d["open_kitchen_checked_on"],
        serves_breakfast=d["serves_breakfast"],
        serves_dinner=d["serves_dinner"],
    )


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    canteen = _canteen(request, pk)
    today = timezone.localdate()
    day = selectors.days_of([canteen], today)[0]
    may_change = can(request.user, "canteen.change", canteen.school)
    workers = list(canteen.workers.order_by("-is_active", "name"))
    checks = selectors.checks_of(canteen, today)
    return render(
        request,
        "canteens/detail.html",
        {
            "canteen": canteen,
            "day": day,
            "today": today,
            "now": timezone.now(),
            "deadline": selectors.deadline_label(),
            "may_change": may_change,
            "workers": [(w, checks.get(w.pk)) for w in workers],
            "suppliers": list(canteen.suppliers.order_by("-is_active", "name")),
            "samples": list(selectors.recent_samples(canteen, days=3)),
            "companions": list(selectors.recent_companions(canteen)),
            "documents": selectors.expiring_documents(Canteen.objects.filter(pk=canteen.pk), today),
            "warn_on": today + dt.timedelta(days=selectors.EXPIRY_WARNING_DAYS),
            "canteen_form": CanteenForm(
                initial={**{f: getattr(canteen, f) for f in services.CANTEEN_FIELDS}, "version": canteen.version}
            )
            if may_change
            else None,
            "worker_form": WorkerForm() if may_change else None,
            "supplier_form": SupplierForm() if may_change else None,
        },
    )


@login_required
@require_POST
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "canteen.change")
    canteen = _canteen(request, pk)
    back = redirect("canteens:detail", canteen.pk)
    return post_form(
        request,
        CanteenForm,
        back,
        lambda d: services.update_canteen(
            actor=request.user, canteen=canteen, data=_canteen_in(d), version=posted_version(request)
        ),
        "已保存食堂信息",
    )


@login_required
@require_POST
def add_worker(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "canteen.change")
    canteen = _canteen(request, pk)
    return post_form(
        request,
        WorkerForm,
        redirect(reverse("canteens:detail", args=[canteen.pk]) + "#workers"),
        lambda d: services.add_worker(actor=request.user, canteen=canteen, data=_worker_in(d)),
        lambda w: f"已登记从业人员{w.name}",
    )


def _worker_in(d: dict[str, Any]) -> services.WorkerIn:
    return services.WorkerIn(
        name=d["name"],
        post=d["post"],
        certificate_number=d["certificate_number"],
        certificate_expires_on=d["certificate_expires_on"],
        is_active=d["is_active"],
    )


@login_required
@require_POST
def edit_worker(request: AuthedRequest, pk: int, worker_pk: int) -> HttpResponse:
    require(request, "canteen.change")
    canteen = _canteen(request, pk)
    worker = get_object_or_404(canteen.workers.all(), pk=worker_pk)
    return post_form(
        request,
        WorkerForm,
        redirect(reverse("canteens:detail", args=[canteen.pk]) + "#workers"),
        lambda d: services.update_worker(
            actor=request.user, worker=worker, data=_worker_in(d), version=posted_version(request)
        ),
        lambda w: f"已更新{w.name}的信息",
    )


@login_required
@require_POST
def add_supplier(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "canteen.change")
    canteen = _canteen(request, pk)
    return post_form(
        request,
        SupplierForm,
        redirect(reverse("canteens:detail", args=[canteen.pk]) + "#suppliers"),
        lambda d: services.add_supplier(
            actor=request.user,
            canteen=canteen,
            data=services.SupplierIn(
                name=d["name"],
                licence_number=d["licence_number"],
                licence_expires_on=d["licence_expires_on"],
                supplies=d["supplies"],
                contact=d["contact"],
            ),
        ),
        lambda s: f"已登记供应商{s.name}",
    )


def posted_dishes(request: AuthedRequest) -> list[services.DishIn]:
    """The dish rows of the form; blank rows are skipped, a weight that is not a whole number is refused."""
    dishes = []
    for name, grams in zip(request.POST.getlist("dish_name"), request.POST.getlist("dish_grams"), strict=False):
        name, grams = name.strip(), grams.strip()
        if not name and not grams:
            continue
        if not name:
            raise DomainError("请填写菜品名称", code="required")
        if not grams.isdigit():
            raise DomainError(f"请填写“{name}”的留样重量（克，整数）", code="sample_weight_invalid")
        dishes.append(services.DishIn(name=name, grams=int(grams)))
    return dishes


def _current_meal(canteen: Canteen, now: dt.datetime) -> str:
    hour = timezone.localtime(now).hour
    meal = Meal.BREAKFAST if hour < 10 else Meal.LUNCH if hour < 15 else Meal.DINNER
    return meal if meal in canteen.meals else Meal.LUNCH


@login_required
def sample_new(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "canteen.change")
    canteen = _canteen(request, pk)
    if not can(request.user, "canteen.change", canteen.school):
        raise PermissionDenied("只有本校校长、学校管理员或校医可以记录留样")
    now = timezone.localtime()
    if request.method == "POST":
        back = redirect(request.get_full_path())
        form = SampleForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, form_errors(form))
            return back

        def action() -> tuple[FoodSample, bool]:
            d = form.cleaned_data
            sampled_at = timezone.make_aware(dt.datetime.combine(d["served_on"], d["sampled_time"]))
            return services.record_sample(
                actor=request.user,
                canteen=canteen,
                served_on=d["served_on"],
                meal=d["meal"],
                dishes=posted_dishes(request),
                sampled_at=sampled_at,
                sampled_by=d["sampled_by"],
                photo=d["photo"],
            )

        def done(result: tuple[FoodSample, bool]) -> str:
            sample, created = result
            meal = sample.get_meal_display()
            if not created:
                return f"{meal}已有留样记录（{timezone.localtime(sample.sampled_at):%H:%M}），未重复保存"
            return f"已记录{meal}留样，{timezone.localtime(sample.discard_after):%m月%d日 %H:%M} 后方可处理"

        return perform(request, back, action, done, then=lambda r: redirect("canteens:detail", canteen.pk))
    form = SampleForm(
        initial={
            "served_on": now.date(),
            "meal": request.GET.get("meal") or _current_meal(canteen, now),
            "sampled_time": now.strftime("%H:%M"),
            "sampled_by": request.user.display_name,
        }
    )
    return render(
        request,
        "canteens/sample_form.html",
        {
            "canteen": canteen,
            "form": form,
            "rows": range(DISH_ROWS),
            "min_grams": SAMPLE_MIN_GRAMS,
            "worker_names": list(canteen.workers.filter(is_active=True).values_list("name", flat=True)),
        },
    )


@login_required
def companion_new(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "canteen.change")
    canteen = _canteen(request, pk)
    if not can(request.user, "canteen.change", canteen.school):
        raise PermissionDenied("只有本校校长、学校管理员或校医可以记录陪餐")
    if request.method == "POST":

        def done(result: tuple[CompanionMeal, bool]) -> str:
            record, created = result
            if not created:
                return f"{record.get_meal_display()}已有陪餐记录（{record.leader_name}），未重复保存"
            return f"已记录{record.get_meal_display()}陪餐"

        return post_form(
            request,
            CompanionForm,
            redirect(request.get_full_path()),
            lambda d: services.record_companion(
                actor=request.user,
                canteen=canteen,
                served_on=d["served_on"],
                meal=d["meal"],
                leader_name=d["leader_name"],
                leader_title=d["leader_title"],
                note=d["note"],
            ),
            done,
            then=lambda r: redirect("canteens:detail", canteen.pk),
        )
    now = timezone.localtime()
    form = CompanionForm(
        initial={
            "served_on": now.date(),
            "meal": request.GET.get("meal") or _current_meal(canteen, now),
            "leader_name": request.user.display_name,
        }
    )
    return render(request, "canteens/companion_form.html", {"canteen": canteen, "form": form})


@login_required
def morning_check(request: AuthedRequest, pk: int) -> HttpResponse:
    require(request, "canteen.change")
    canteen = _canteen(request, pk)
    if not can(request.user, "canteen.change", canteen.school):
        raise PermissionDenied("只有本校校长、学校管理员或校医可以登记晨检")
    today = timezone.localdate()
    workers = list(canteen.workers.filter(is_active=True).order_by("name"))
    if request.method == "POST":
        results = []
        for w in workers:
            state = request.POST.get(f"w{w.pk}", "")
            if state in ("well", "sick"):
                results.append(
                    services.CheckIn(worker_id=w.pk, is_well=state == "well", symptoms=request.POST.get(f"s{w.pk}", ""))
                )
        return perform(
            request,
            redirect("canteens:check", canteen.pk),
            lambda: services.record_morning_check(actor=request.user, canteen=canteen, day=today, results=results),
            lambda saved: f"已保存 {len(saved)} 人的晨检结果"
            + (
                f"，{sum(1 for c in saved if not c.is_well)} 人身体不适已离岗"
                if any(not c.is_well for c in saved)
                else ""
            ),
            then=lambda r: redirect("canteens:detail", canteen.pk),
        )
    checks = selectors.checks_of(canteen, today)
    return render(
        request,
        "canteens/check_form.html",
        {
            "canteen": canteen,
            "today": today,
            "workers": [(w, checks.get(w.pk), w.certificate_expires_on < today) for w in workers],
        },
    )


@login_required
def sample_photo(request: AuthedRequest, pk: int) -> Any:
    require(request, "canteen.read")
    sample = get_object_or_404(selectors.samples_for(request.user), pk=pk)
    return file_response(sample.photo, as_attachment=False)
