"""The public's pages, outside login: the complaint form (`/complaints/submit/`) and the complainant's tracking
page (`/complaints/track/<token>/`, the signed token checked before any query) where the accepted answer is read
and rated. No captcha: each client address has a budget per hour (`ratelimit`)."""

from __future__ import annotations

import secrets

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from dudao.complaints import ratelimit, selectors, services, tracking
from dudao.complaints.forms import RatingForm, SubmissionForm
from dudao.complaints.models import Status
from dudao.core.errors import DomainError
from dudao.core.middleware import client_ip
from dudao.core.web import form_errors


def _submission(data: dict[str, object]) -> services.Submission:
    return services.Submission(
        kind=str(data["kind"]),
        category=str(data["category"]),
        title=str(data["title"]),
        content=str(data["content"]),
        about=str(data["about"]),
        is_anonymous=bool(data["is_anonymous"]),
        name=str(data["name"]),
        phone=str(data["phone"]),
    )


@never_cache
def submit(request: HttpRequest) -> HttpResponse:
    error, status = "", 200
    if request.method == "POST":
        form = SubmissionForm(request.POST)
        if not ratelimit.admit(client_ip(request)):
            error, status = ratelimit.REFUSED_MESSAGE, 429
        elif not form.is_valid():
            error, status = form_errors(form), 400
        else:
            try:
                complaint = services.submit_public(
                    submission=_submission(form.cleaned_data), request_key=form.cleaned_data["request_key"]
                )
            except DomainError as exc:
                error, status = exc.message, 400
            else:
                return redirect(f"{tracking.path_for(complaint.pk)}?new=1")
    else:
        form = SubmissionForm(initial={"request_key": secrets.token_urlsafe(24)})
    return render(request, "complaints/public_form.html", {"form": form, "error": error}, status=status)


@never_cache
def track(request: HttpRequest, token: str) -> HttpResponse:
    pk = tracking.parse(token)
    complaint = selectors.public_item(pk) if pk is not None else None
    if complaint is None:
        return render(request, "complaints/public_gone.html", status=404)
    error, status = "", 200
    form = RatingForm()
    if request.method == "POST":
        form = RatingForm(request.POST)
        if not form.is_valid():
            error, status = form_errors(form), 400
        else:
            try:
                services.rate(
                    complaint=complaint, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
                )
            except DomainError as exc:
                error, status = exc.message, exc.status if exc.status in (400, 409) else 400
            else:
                return redirect(f"{request.path}?rated=1")
    answered = complaint.status in (Status.ANSWERED, Status.CLOSED) and complaint.answered_at is not None
    return render(
        request,
        "complaints/public_track.html",
        {
            "item": complaint,
            "steps": selectors.public_steps(complaint),
            "answered": answered,
            "may_rate": complaint.status == Status.ANSWERED and not complaint.rating,
            "form": form,
            "error": error,
            "new": request.GET.get("new") == "1",
            "rated": request.GET.get("rated") == "1",
            "link": request.build_absolute_uri(request.path),
        },
        status=status,
    )
