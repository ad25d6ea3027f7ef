"""The parent's pages behind `/n/<token>/`: no login, no JavaScript, large text; nothing beyond the child's
given name and class. Forged, expired, revoked and unknown tokens all get the same 404 page."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from dudao.core import ratelimit
from dudao.core.errors import DomainError
from dudao.core.files import file_response
from dudao.core.middleware import client_ip
from dudao.notices import services, tokens
from dudao.notices.bench import insert_bare_row
from dudao.notices.models import Receipt
from dudao.notices.services.drafting import MULTI_SEPARATOR

_IMAGE_SRC = re.compile(r'src="/notices/images/([0-9]{1,18})/"')


def _over(key: str, limit: int) -> bool:
    """A per-minute budget in the shared cache (Redis when REDIS_URL is set, so all processes share it)."""
    return not ratelimit.admit("notices", key, per=limit, window=60)


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "notices/public_wait.html", {"message": "访问过于频繁，请一分钟后再试"}, status=429)


def _not_found(request: HttpRequest) -> HttpResponse:
    ip = client_ip(request) or ""
    if _over(f"bad:{ip}", settings.DUDAO_NOTICE_BAD_TOKENS_PER_MINUTE):
        return _too_many(request)
    # One page for unknown, forged, expired, revoked and withdrawn: nothing tells them apart.
    return render(request, "notices/public_gone.html", status=404)


# No CSRF token: the page has no session or cookie to abuse; the unguessable token in the URL is the only
# credential, and a cross-site form cannot know it.
@csrf_exempt
@never_cache
def public_page(request: HttpRequest, token: str) -> HttpResponseBase:
    parsed = tokens.parse(token)
    if parsed is None:
        return _not_found(request)
    # A personal link is one family's; a class QR is shared by the whole class, so it is limited per address.
    key = f"open:{token[:16]}" if parsed[0] != "c" else f"open:{token[:16]}:{client_ip(request) or ''}"
    if _over(key, settings.DUDAO_NOTICE_OPENS_PER_MINUTE):
        return _too_many(request)
    if parsed[0] == "c":
        return _class_code(request, token)
    error = ""
    if request.method == "POST":
        try:
            outcome = services.confirm_by_token(link_id=parsed[1], posted=_posted(request), ip=client_ip(request) or "")
        except DomainError as exc:
            error = exc.message
        else:
            if outcome is None:
                return _not_found(request)
            return redirect(f"{request.path}?done={1 if outcome else 2}")
    link = services.live_link(token)
    if link is None:
        return _not_found(request)
    receipt = link.receipt
    notice = receipt.notice
    if request.method == "GET":
        services.mark_opened(link)
    klass_name = receipt.klass.name if receipt.klass_id else ""
    posted = _posted(request) if request.method == "POST" else {}
    questions = []
    for q in notice.questions:
        answer = receipt.answers.get(q["key"], "") or posted.get(q["key"], "")
        questions.append({**q, "answer": answer, "chosen": answer.split(MULTI_SEPARATOR) if answer else []})
    return render(
        request,
        "notices/public.html",
        {
            "notice": notice,
            "body": body_for_link(notice.body_html, token),
            "child": services.given_name(receipt.student.name),
            "klass": klass_name,
            "receipt": receipt,
            "questions": questions,
            "attachments": list(notice.attachments.select_related("file")),
            "token": token,
            "error": error,
            "done": request.GET.get("done", ""),
        },
        status=400 if error else 200,
    )


def _posted(request: HttpRequest) -> dict[str, str]:
    """The form's answers, a multiple-choice question's ticked boxes joined into one value."""
    return {key: MULTI_SEPARATOR.join(request.POST.getlist(key)) for key in request.POST}


def _class_code(request: HttpRequest, token: str) -> HttpResponseBase:
    code = services.live_code(token)
    if code is None:
        return _not_found(request)
    receipts = list(
        Receipt.objects.filter(notice_id=code.notice_id, klass_id=code.klass_id)
        .select_related("student")
        .order_by("student__name", "id")
    )
    children = _children(receipts)
    error = ""
    status = 200
    chosen = request.POST.get("child", "")
    if request.method == "POST":
        try:
            link = services.verify_guardian(
                code=code,
                receipt_id=int(chosen) if re.fullmatch(r"[0-9]{1,18}", chosen) else 0,
                digits=request.POST.get("digits", ""),
                ip=client_ip(request) or "",
            )
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect("notices:public", token=tokens.link_token(link.pk))
    return render(
        request,
        "notices/public_class.html",
        {"code": code, "notice": code.notice, "children": children, "error": error, "chosen": chosen},
        status=status,
    )


def _children(receipts: list[Receipt]) -> list[tuple[int, str]]:
    """(receipt id, given name) with a number added where two children share a given name."""
    names = [services.given_name(r.student.name) for r in receipts]
    seen: dict[str, int] = {}
    out = []
    for receipt, name in zip(receipts, names, strict=True):
        if names.count(name) > 1:
            seen[name] = seen.get(name, 0) + 1
            name = f"{name}（{seen[name]}）"
        out.append((receipt.pk, name))
    return out


@never_cache
def public_file(request: HttpRequest, token: str, file_pk: int) -> HttpResponseBase:
    link = services.live_link(token)
    if link is None:
        return _not_found(request)
    item = get_object_or_404(link.receipt.notice.attachments.select_related("file"), file_id=file_pk)
    return file_response(item.file)


def body_for_link(body_html: str, token: str) -> str:
    """The body with its pictures served through the parent's own link (the staff address needs a login)."""
    return _IMAGE_SRC.sub(
        lambda found: f'src="{reverse("notices:public_image", args=[token, found.group(1)])}"', body_html
    )


@never_cache
def public_image(request: HttpRequest, token: str, image_pk: int) -> HttpResponseBase:
    link = services.live_link(token)
    if link is None:
        return _not_found(request)
    image = get_object_or_404(link.receipt.notice.images.select_related("file"), pk=image_pk)
    return file_response(image.file, as_attachment=False)


@csrf_exempt
def bench_bare(request: HttpRequest) -> HttpResponse:
    """bench.receipts_load's baseline: one insert per POST through the same server and middleware. Routed only
    when DUDAO_BENCH_BARE_ENDPOINT is set (never in production)."""
    if request.method != "POST":
        raise Http404
    insert_bare_row()
    return HttpResponse("ok", content_type="text/plain")
