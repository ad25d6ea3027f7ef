"""The form builder: a clerk adds, orders and removes fields, rules and totals, then publishes a version."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from pypinyin import lazy_pinyin

from dudao.accounts.requests import AuthedRequest
from dudao.core.errors import DomainError, Forbidden
from dudao.core.web import form_errors, perform, require
from dudao.directives import selectors, services
from dudao.directives.forms import FieldForm, RuleForm
from dudao.directives.models import FieldType, Form
from dudao.directives.schema import (
    RULE_OPERATORS,
    describe_rule,
    describe_total,
    numeric_fields,
    parse_rule,
    rule_from_picker,
)

COLUMN_TYPES = {"文本": "text", "整数": "integer", "小数": "decimal", "日期": "date", "是否": "boolean"}


def _form(request: AuthedRequest, pk: int, action: str = "read") -> Form:
    require(request, f"form.{action}")
    return get_object_or_404(selectors.forms_for(request.user, action), pk=pk)


def key_for(label: str, taken: set[str]) -> str:
    """A field code from its Chinese name: 教职工数 → jiao_zhi_gong_shu."""
    base = re.sub(r"[^a-z0-9_]", "", "_".join(lazy_pinyin(label)).lower())[:30] or "field"
    if not base[0].isalpha():
        base = "f_" + base
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


@login_required
def form_list(request: AuthedRequest) -> HttpResponse:
    require(request, "form.read")
    forms = selectors.forms_for(request.user).prefetch_related("versions")
    return render(request, "directives/forms.html", {"forms": forms, "can_change": can_change(request)})


def can_change(request: AuthedRequest) -> bool:
    from dudao.orgs.scoping import can

    return can(request.user, "form.change")


@login_required
@require_POST
def form_create(request: AuthedRequest) -> HttpResponse:
    require(request, "form.change")
    try:
        source = request.POST.get("copy_from")
        schema: Any = None
        if source:
            schema = _form(request, int(source)).draft_schema
        form = services.create_form(
            actor=request.user,
            name=request.POST.get("name", ""),
            description=request.POST.get("description", ""),
            schema=schema,
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "参数不正确"))
        return redirect("directives:forms")
    return redirect("directives:form", pk=form.pk)


@login_required
def form_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    form = _form(request, pk)
    editable = selectors.forms_for(request.user, "change").filter(pk=pk).exists()
    return render(
        request,
        "directives/form_builder.html",
        {
            "form": form,
            "schema": form.draft_schema,
            "versions": form.versions.order_by("-number"),
            "editable": editable,
            "field_form": FieldForm(),
            "rule_form": RuleForm(),
            "type_labels": dict(FieldType.choices),
            "numeric_fields": numeric_fields(form.draft_schema),
            "rule_operators": list(RULE_OPERATORS.items()),
            "rule_texts": [describe_rule(form.draft_schema, r) for r in form.draft_schema.get("rules") or []],
            "total_texts": [describe_total(form.draft_schema, t) for t in form.draft_schema.get("totals") or []],
        },
    )


def _save_schema(request: AuthedRequest, form: Form, schema: dict[str, Any]) -> Form:
    version = request.POST.get("version")
    return services.update_form_schema(
        actor=request.user,
        form=form,
        schema=schema,
        version=int(version) if version and version.isdigit() else None,
    )


def _update(request: AuthedRequest, form: Form, schema: dict[str, Any], success: str) -> HttpResponse:
    return perform(
        request, redirect("directives:form", pk=form.pk), lambda: _save_schema(request, form, schema), success
    )


def _columns(text: str, label: str) -> list[dict[str, Any]]:
    columns: list[dict[str, Any]] = []
    taken: set[str] = set()
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _, kind = line.replace("：", ":").partition(":")
        column_type = COLUMN_TYPES.get(kind.strip() or "文本")
        if column_type is None:
            raise DomainError(
                f"表格“{label}”的列“{name.strip()}”类型“{kind.strip()}”不认识", code="schema_type_invalid"
            )
        key = key_for(name.strip(), taken)
        taken.add(key)
        columns.append({"key": key, "label": name.strip(), "type": column_type})
    return columns


@login_required
@require_POST
def form_add_field(request: AuthedRequest, pk: int) -> HttpResponse:
    form = _form(request, pk, "change")
    posted = FieldForm(request.POST)
    if not posted.is_valid():
        messages.error(request, form_errors(posted))
        return redirect("directives:form", pk=pk)
    data = posted.cleaned_data
    schema = dict(form.draft_schema)
    fields = list(schema.get("fields") or [])
    taken = {f["key"] for f in fields} | {t["key"] for t in schema.get("totals") or []}
    field: dict[str, Any] = {
        "key": data["key"] or key_for(data["label"], taken),
        "label": data["label"],
        "type": data["type"],
        "required": data["required"],
        "help": data["help"],
        "unit": data["unit"],
    }
    if data["min"] is not None:
        field["min"] = float(data["min"])
    if data["max"] is not None:
        field["max"] = float(data["max"])
    field["choices"] = [c.strip() for c in data["choices"].splitlines() if c.strip()]
    try:
        if data["type"] == FieldType.TABLE:
            field["columns"] = _columns(data["columns"], data["label"])
            field["max_rows"] = data["max_rows"] or 200
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("directives:form", pk=pk)
    schema["fields"] = [*fields, field]
    return _update(request, form, schema, f"已添加字段“{data['label']}”")


@login_required
@require_POST
def form_remove_field(request: AuthedRequest, pk: int) -> HttpResponse:
    form = _form(request, pk, "change")
    key = request.POST.get("key", "")
    schema = dict(form.draft_schema)
    schema["fields"] = [f for f in schema.get("fields") or [] if f["key"] != key]
    schema["rules"] = [r for r in schema.get("rules") or [] if key not in (r["left"], r["right"])]
    schema["totals"] = [t for t in schema.get("totals") or [] if key not in t["sum"]]
    return _update(request, form, schema, "已删除字段")


@login_required
@require_POST
def form_move_field(request: AuthedRequest, pk: int) -> HttpResponse:
    form = _form(request, pk, "change")
    key, direction = request.POST.get("key", ""), request.POST.get("direction", "up")
    fields = list(form.draft_schema.get("fields") or [])
    index = next((i for i, f in enumerate(fields) if f["key"] == key), None)
    other = None if index is None else index - 1 if direction == "up" else index + 1
    if index is not None and other is not None and 0 <= other < len(fields):
        fields[index], fields[other] = fields[other], fields[index]
    return _update(request, form, {**form.draft_schema, "fields": fields}, "已调整顺序")


@login_required
@require_POST
def form_add_rule(request: AuthedRequest, pk: int) -> HttpResponse:
    form = _form(request, pk, "change")
    try:
        if "left" in request.POST:
            rule = rule_from_picker(
                request.POST.get("left", ""),
                request.POST.get("op", ""),
                request.POST.get("right", ""),
                request.POST.get("number", ""),
            )
        else:
            rule = parse_rule(request.POST.get("rule", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("directives:form", pk=pk)
    schema = {**form.draft_schema, "rules": [*(form.draft_schema.get("rules") or []), rule]}
    return _update(request, form, schema, "已添加校验规则")


@login_required
@require_POST
def form_add_total(request: AuthedRequest, pk: int) -> HttpResponse:
    """合计项 from the picker: a name and the ticked numeric fields (`part`); the code is made from the name.
    The older form posts the codes typed in `parts`; both store the total as before."""
    form = _form(request, pk, "change")
    label = request.POST.get("label", "").strip()[:60]
    parts = request.POST.getlist("part") or [
        p.strip() for p in re.split(r"[,，\s]+", request.POST.get("parts", "")) if p.strip()
    ]
    if not label:
        messages.error(request, "请填写合计项名称")
        return redirect("directives:form", pk=pk)
    if len(parts) < 2:
        messages.error(request, "请勾选至少两个要相加的字段")
        return redirect("directives:form", pk=pk)
    schema = form.draft_schema
    taken = {f["key"] for f in schema.get("fields") or []} | {t["key"] for t in schema.get("totals") or []}
    key = request.POST.get("key", "").strip() or key_for(label, taken)
    total = {"key": key, "label": label, "sum": list(dict.fromkeys(parts))}
    return _update(
        request, form, {**schema, "totals": [*(schema.get("totals") or []), total]}, f"已添加合计项“{label}”"
    )


@login_required
def form_schema_json(request: AuthedRequest, pk: int) -> HttpResponse:
    """The form's draft definition as a JSON file (for another system or another deployment)."""
    form = _form(request, pk)
    response = HttpResponse(
        json.dumps(form.draft_schema, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(form.name)}.json"
    return response


@login_required
@require_POST
def form_import_json(request: AuthedRequest, pk: int) -> HttpResponse:
    form = _form(request, pk, "change")
    try:
        schema = json.loads(request.POST.get("schema", ""))
    except json.JSONDecodeError as exc:
        messages.error(request, f"JSON 格式不正确：第 {exc.lineno} 行 {exc.msg}")
        return redirect("directives:form", pk=pk)
    return _update(request, form, schema, "已导入表单定义")


@login_required
@require_POST
def form_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    form = _form(request, pk, "change")
    return perform(
        request,
        redirect("directives:form", pk=pk),
        lambda: services.publish_form(actor=request.user, form=form),
        lambda v: f"已发布第 {v.number} 版，下发通知时可选用",
    )
