"""The guardians' pages, outside login: a school's intake form (`/bullying/r/<token>/`, the school's id signed) and the
status page of one report (`/bullying/s/<token>/`). Tokens are checked before any query; each client address has a
budget of submissions per hour (`ratelimit`). The status page shows the receipt number, the school, the status and
the dates of the steps done, never the text."""

from __future__ import annotations

import secrets

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from dudao.bullying import public_links, ratelimit, selectors, services
from dudao.bullying.forms import PublicReportForm
from dudao.bullying.models import Status, Step
from dudao.core.errors import DomainError
from dudao.core.middleware import client_ip
from dudao.core.web import form_errors
from dudao.orgs.models import OrgUnit, UnitKind


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "bullying/public_gone.html", status=404)


@never_cache
def intake(request: HttpRequest, token: str) -> HttpResponse:
    school_id = public_links.parse_intake(token)
    school = (
        OrgUnit.objects.filter(pk=school_id, kind=UnitKind.SCHOOL, is_closed=False).first()
        if school_id is not None
        else None
    )
    if school is None:
        return _gone(request)
    error, status = "", 200
    if request.method == "POST":
        form = PublicReportForm(request.POST)
        if not ratelimit.admit(client_ip(request)):
            error, status = ratelimit.REFUSED_MESSAGE, 429
        elif not form.is_valid():
            error, status = form_errors(form), 400
        else:
            d = form.cleaned_data
            try:
                report, _ = services.submit_public(
                    school=school,
                    data=services.ReportIn(
                        kind=d["kind"],
                        occurred_on=d["occurred_on"],
                        place=d["place"],
                        description=d["description"],
                        reporter=d["reporter"],
                    ),
                    request_key=d["request_key"],
                )
            except DomainError as exc:
                error, status = exc.message, 400
            else:
                return redirect(f"{public_links.status_path(report.pk)}?new=1")
    else:
        form = PublicReportForm(initial={"occurred_on": timezone.localdate(), "request_key": secrets.token_urlsafe(24)})
    return render(request, "bullying/public_form.html", {"form": form, "error": error, "school": school}, status=status)


@never_cache
def status(request: HttpRequest, token: str) -> HttpResponse:
    pk = public_links.parse_status(token)
    report = selectors.public_report(pk) if pk is not None else None
    if report is None:
        return _gone(request)
    steps = list(Step.objects.filter(report=report).order_by("created_at", "id").values_list("kind", "done_on"))
    return render(
        request,
        "bullying/public_status.html",
        {
            "report": report,
            "steps": [(Step(kind=k).get_kind_display(), d) for k, d in steps],
            "closed": report.status == Status.CLOSED,
            "new": request.GET.get("new") == "1",
            "link": request.build_absolute_uri(request.path),
        },
    )
