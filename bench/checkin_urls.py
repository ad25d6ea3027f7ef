"""The product's URLs plus the baseline of bench.checkin_load: a bare authenticated endpoint doing one insert,
authenticated exactly like the API (bearer token through the same TokenOrSession) and served by the same server."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI

from dudao.accounts.models import LoginAttempt
from dudao.api.auth import TokenOrSession
from dudao.urls import urlpatterns as product_urls

bare = NinjaAPI(urls_namespace="bench_bare", auth=TokenOrSession(), docs_url=None, openapi_url=None)


@bare.post("/insert")
def insert_one(request: HttpRequest) -> dict[str, int]:
    row = LoginAttempt.objects.create(username=request.user.get_username(), succeeded=True)
    return {"id": row.pk}


urlpatterns = [*product_urls, path("bench/bare/", bare.urls)]
