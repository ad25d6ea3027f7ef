"""The /api/v1/ application: one NinjaAPI, one router module per app."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from dudao.api.auth import TokenOrSession
from dudao.core.errors import DomainError

api = NinjaAPI(
    title="督导通 API",
    version="1.0",
    description="督导通开放接口。认证：`POST /api/v1/auth/token` 获取令牌，"
    "之后在请求头加 `Authorization: Bearer <令牌>`。"
    "多身份用户可用请求头 `X-Acting-Assignment: <授权编号>` 选择身份（见 `GET /api/v1/me`）。",
    urls_namespace="api",
    auth=TokenOrSession(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(request: HttpRequest, detail: str, code: str, status: int, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "code": code, **extra}, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.message, exc.code, exc.status)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, "未登录：请在请求头提供 Authorization: Bearer <令牌>", "unauthenticated", 401)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, "对象不存在或不在您的管理范围内", "not_found", 404)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return _error(request, "请求体不是有效的 JSON", "malformed_json", 400)
    codes = {403: "forbidden", 404: "not_found", 400: "bad_request", 409: "conflict"}
    return _error(request, str(exc), codes.get(exc.status_code, "error"), exc.status_code)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.errors
    if any(e.get("type") == "json_invalid" or "JSON" in str(e.get("msg", "")) for e in errors):
        return _error(request, "请求体不是有效的 JSON", "malformed_json", 400)
    fields = "、".join(".".join(str(p) for p in e.get("loc", [])[1:]) or "请求" for e in errors)
    return _error(request, f"参数不正确：{fields}", "invalid_input", 400, errors=errors)


from django.http.request import RawPostDataException  # noqa: E402

from dudao.api import accounts, audit, bulletins, checklists, inspections, orgs, rectification  # noqa: E402
from dudao.api import appraisal as appraisal_api  # noqa: E402
from dudao.api import breakdown as breakdown_api  # noqa: E402
from dudao.api import briefings as briefings_api  # noqa: E402
from dudao.api import buses as buses_api  # noqa: E402
from dudao.api import calendars as calendars_api  # noqa: E402
from dudao.api import campaigns as campaigns_api  # noqa: E402
from dudao.api import canteens as canteens_api  # noqa: E402
from dudao.api import cases as cases_api  # noqa: E402
from dudao.api import cockpit as cockpit_api  # noqa: E402
from dudao.api import command as command_api  # noqa: E402
from dudao.api import complaints as complaints_api  # noqa: E402
from dudao.api import directives as directives_api  # noqa: E402
from dudao.api import duty as duty_api  # noqa: E402
from dudao.api import exports as exports_api  # noqa: E402
from dudao.api import gate as gate_api  # noqa: E402
from dudao.api import health as health_api  # noqa: E402
from dudao.api import meetings as meetings_api  # noqa: E402
from dudao.api import messaging as messaging_api  # noqa: E402
from dudao.api import notices as notices_api  # noqa: E402
from dudao.api import profiles as profiles_api  # noqa: E402
from dudao.api import risks as risks_api  # noqa: E402
from dudao.api import search as search_api  # noqa: E402
from dudao.api import supervision as supervision_api  # noqa: E402
from dudao.api import teachers as teachers_api  # noqa: E402

api.description = (api.description or "") + inspections.API_NOTE
api.add_router("/", accounts.router)
api.add_router("/", orgs.router)
api.add_router("/", audit.router)
api.add_router("/", inspections.router)
api.add_router("/", checklists.router)
api.add_router("/", rectification.router)
api.add_router("/", bulletins.router)
api.add_router("/", directives_api.router)
api.add_router("/", duty_api.router)
api.add_router("/", breakdown_api.router)
api.add_router("/", cases_api.router)
api.add_router("/", notices_api.router)
api.add_router("/", health_api.router)
api.add_router("/", command_api.router)
api.add_router("/", campaigns_api.router)
api.add_router("/", cockpit_api.router)
api.add_router("/", profiles_api.router)
api.add_router("/", briefings_api.router)
api.add_router("/", meetings_api.router)
api.add_router("/", appraisal_api.router)
api.add_router("/", supervision_api.router)
api.add_router("/", search_api.router)
api.add_router("/", messaging_api.router)
api.add_router("/", exports_api.router)
api.add_router("/", teachers_api.router)
api.add_router("/", buses_api.router)
api.add_router("/", gate_api.router)
api.add_router("/", complaints_api.router)
api.add_router("/", risks_api.router)
api.add_router("/", calendars_api.router)
api.add_router("/", canteens_api.router)

from dudao.api import schoolhealth as schoolhealth_api  # noqa: E402

api.add_router("/", schoolhealth_api.router)

from dudao.api import training as training_api  # noqa: E402

api.add_router("/", training_api.router)
from dudao.api import unit_tags as unit_tags_api  # noqa: E402
from dudao.api import warnings as warnings_api  # noqa: E402

api.add_router("/", unit_tags_api.router)
api.add_router("/", warnings_api.router)
from dudao.api import partners as partners_api  # noqa: E402

api.add_router("/", partners_api.router)
from dudao.api import ethics as ethics_api  # noqa: E402

api.add_router("/", ethics_api.router)
from dudao.api import integrity as integrity_api  # noqa: E402

api.add_router("/", integrity_api.router)
from dudao.api import bullying as bullying_api  # noqa: E402

api.add_router("/", bullying_api.router)
from dudao.api import guards as guards_api  # noqa: E402
from dudao.api import projects as projects_api  # noqa: E402

api.add_router("/", guards_api.router)
api.add_router("/", projects_api.router)
from dudao.api import returns as returns_api  # noqa: E402

api.add_router("/", returns_api.router)


@api.exception_handler(RawPostDataException)
def on_form_body_for_json(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
    # A form body sent where JSON is expected: the form was already parsed, the raw body is gone.
    return _error(request, "请求体应为 JSON（Content-Type: application/json）", "json_required", 400)
