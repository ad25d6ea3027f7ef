"""The roster export for the download centre (dudao.core.exporting): the same checks, masking and rows as the
direct download, which calls `roster_plan` too."""

from __future__ import annotations

from collections.abc import Mapping

from django.urls import reverse
from django.utils.http import urlencode

from dudao.accounts.models import User
from dudao.audit.services import record_access
from dudao.core.errors import Forbidden
from dudao.core.exporting import ExportPlan, NotInScope, register_export
from dudao.orgs import roster, selectors
from dudao.orgs.scoping import can


def roster_plan(user: User, filters: Mapping[str, str]) -> ExportPlan:
    """The students of a unit (`unit`), personal numbers masked unless `full=1` and the role may see them."""
    if not can(user, "student.read"):
        raise Forbidden("您当前的身份不能导出学生名册")
    raw = filters.get("unit", "")
    unit = selectors.units_for(user).filter(pk=int(raw)).first() if raw.isdigit() and len(raw) <= 18 else None
    if unit is None:
        raise NotInScope()
    wants_full = filters.get("full") == "1"
    unmask_id = wants_full and can(user, "student.unmask_id", unit)
    unmask_phone = wants_full and can(user, "student.unmask_phone", unit)
    if wants_full and not (unmask_id or unmask_phone):
        raise Forbidden("您的角色不能导出完整的个人信息")
    students = selectors.students_for(user, unit=unit)
    count = students.count()

    def record() -> None:
        record_access(
            actor=user,
            action="export_roster",
            obj=unit,
            unit_path=unit.path,
            details={
                "unmasked_id": unmask_id,
                "unmasked_student_no": unmask_id,
                "unmasked_phone": unmask_phone,
                "rows": count,
            },
        )

    query = {"full": "1"} if wants_full else {}
    return ExportPlan(
        filename=f"roster-{unit.pk}.xlsx",
        headers=roster.headers(),
        rows=lambda: roster.stream_rows(students, unmask_id=unmask_id, unmask_phone=unmask_phone),
        count=count,
        sheet_name="学生名册",
        direct_url=reverse("orgs:roster_export", args=[unit.pk]) + (f"?{urlencode(query)}" if query else ""),
        record_access=record,
        description=f"学生名册 · {unit.name}" + ("（完整个人信息）" if wants_full else ""),
    )


register_export("roster", "学生名册", permission="student.read", personal_data=True, writer=roster_plan)
