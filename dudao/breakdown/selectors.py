"""Reading analyses: always through `for_user`, so other units' analyses answer 404."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from dudao.accounts.models import User
from dudao.breakdown.models import Analysis, Row, RowKind


def analyses_for(user: User, action: str = "read") -> QuerySet[Analysis]:
    return Analysis.objects.for_user(user, action).select_related("unit", "created_by")


def analysis_list(user: User) -> QuerySet[Analysis]:
    return analyses_for(user).annotate(row_count=Count("rows"))


def rows_of(analysis: Analysis) -> QuerySet[Row]:
    return analysis.rows.select_related("directive").order_by("position", "pk")


def task_rows_of(analysis: Analysis) -> QuerySet[Row]:
    """The rows that are tasks: exports and draft directives leave review and other non-task rows out."""
    return rows_of(analysis).filter(kind=RowKind.TASK)


def corrected_analyses() -> QuerySet[Analysis]:
    """Analyses in which a person changed at least one row (for `manage.py breakdown_corrections`; unscoped: the
    command is run by the operator on the server)."""
    return Analysis.objects.filter(rows__corrected=True).distinct().order_by("pk")


def rows_for(user: User, action: str = "read") -> QuerySet[Row]:
    return Row.objects.for_user(user, action).select_related("analysis")
