"""全局搜索 pages: the results grouped by kind, one kind's full list, and the header's live suggestions."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from dudao.accounts.requests import AuthedRequest
from dudao.core.pagination import paginate
from dudao.search import selectors, services


def _log_cases(request: AuthedRequest, groups: list[selectors.Group]) -> None:
    for group in groups:
        if group.kind == "cases":
            services.log_case_hits(actor=request.user, cases=group.rows)


@login_required
def results(request: AuthedRequest) -> HttpResponse:
    q = selectors.clean_query(request.GET.get("q"))
    kinds = selectors.kinds_for(request.user)
    key = request.GET.get("kind", "")
    if key:
        kind = selectors.KIND_KEYS.get(key)
        if kind is None:
            raise Http404("没有这类搜索结果")
        if kind not in kinds:
            raise PermissionDenied(f"您当前的身份不能查看{kind.label}")
        page = paginate(selectors.queryset(request.user, kind, q), page=request.GET.get("page"), page_size=20)
        kind.prepare(page.items)
        if kind.key == "cases":
            services.log_case_hits(actor=request.user, cases=page.items)
        return render(
            request,
            "search/results.html",
            {
                "q": q,
                "kind": kind,
                "page": page,
                "hits": [kind.hit(row) for row in page.items],
                "note": kind.note(request.user, q) if q else "",
                "kinds": kinds,
                "all_url": reverse("search:results") + "?" + urlencode({"q": q}),
            },
        )
    groups = selectors.search(request.user, q)
    _log_cases(request, groups)
    return render(
        request,
        "search/results.html",
        {"q": q, "groups": groups, "kinds": kinds, "total": sum(g.count for g in groups)},
    )


@login_required
def suggest(request: AuthedRequest) -> HttpResponse:
    """The header's dropdown: three hits of each kind while typing (htmx), the full page otherwise."""
    q = selectors.clean_query(request.GET.get("q"))
    if not request.htmx:
        return redirect(reverse("search:results") + "?" + urlencode({"q": q}))
    groups = selectors.search(request.user, q, per_kind=3) if len(q) >= 1 else []
    _log_cases(request, groups)
    return render(request, "search/_suggest.html", {"q": q, "groups": groups})
