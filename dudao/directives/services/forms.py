"""Report forms: create, edit the draft schema, publish a version."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.core.errors import DomainError
from dudao.core.locking import bump, locked
from dudao.directives import schema as form_schema
from dudao.directives.models import (
    Form,
    FormVersion,
)
from dudao.directives.services._common import (
    _acting_unit,
    _require,
)
from dudao.orgs.scoping import can


def create_form(
    *, actor: User, name: str, description: str = "", schema: Any = None, is_template: bool = False
) -> Form:
    unit = _acting_unit(actor)
    _require(can(actor, "form.change", unit))
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写表单名称", code="form_name_required")
    clean = form_schema.check_schema(schema or {"fields": []})
    with transaction.atomic():
        form = Form.objects.create(
            name=name[:100],
            description=description,
            unit=unit,
            draft_schema=clean,
            created_by=actor,
            is_template=is_template,
        )
        record_change(actor=actor, action="create", obj=form, unit_path=unit.path, after={"name": form.name})
    return form


def update_form_schema(*, actor: User, form: Form, schema: Any, version: int | None) -> Form:
    """Replace the draft (unpublished) schema; submissions keep the version they were filled on."""
    _require(can(actor, "form.change", form.unit))
    clean = form_schema.check_schema(schema)
    with transaction.atomic():
        form = locked(Form.objects, form.pk, version)
        # Fields by their labels: the audit trail is read by people, the codes are in the schema itself.
        before = {"fields": [f.get("label") or f["key"] for f in form.draft_schema.get("fields", [])]}
        form.draft_schema = clean
        form.updated_at = timezone.now()
        bump(form, ["draft_schema", "updated_at"])
        record_change(
            actor=actor,
            action="update",
            obj=form,
            unit_path=form.unit.path,
            before=before,
            after={"fields": [f["label"] for f in clean["fields"]]},
        )
    return form


def publish_form(*, actor: User, form: Form) -> FormVersion:
    _require(can(actor, "form.change", form.unit))
    clean = form_schema.check_schema(form.draft_schema)
    if not clean["fields"]:
        raise DomainError("表单还没有字段，不能发布", code="form_empty")
    with transaction.atomic():
        form = Form.objects.select_for_update().get(pk=form.pk)
        latest = form.versions.order_by("-number").first()
        if latest is not None and latest.schema == clean:
            return latest
        version = FormVersion.objects.create(
            form=form, number=(latest.number + 1) if latest else 1, schema=clean, created_by=actor
        )
        record_change(
            actor=actor, action="publish", obj=form, unit_path=form.unit.path, after={"number": version.number}
        )
    return version
