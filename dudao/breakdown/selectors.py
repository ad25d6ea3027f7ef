"""Reading analyses: always through `for_user`, so other units' analyses answer 404."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from dudao.accounts.models import User
from dudao.breakdown.models import Analysis, Row


def analyses_for(user: User, action: str = "read") -> QuerySet[Analysis]:
    return Analysis.objects.for_user(user, action).select_related("unit", "created_by")


def analysis_list(user: User) -> QuerySet[Analysis]:
    return analyses_for(user).annotate(row_count=Count("rows"))


def rows_of(analysis: Analysis) -> QuerySet[Row]:
    return analysis.rows.select_related("directive").order_by("position", "pk")


def rows_for(user: User, action: str = "read") -> QuerySet[Row]:
    return Row.objects.for_user(user, action).select_related("analysis")
