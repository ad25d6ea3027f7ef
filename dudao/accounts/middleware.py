from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from dudao.core import context
from dudao.orgs.scoping import acting_assignment

SESSION_KEY = "dudao_acting_assignment"


def bind_acting(request: HttpRequest, chosen: int | None) -> None:
    """Set the acting assignment on request.user and in the audit context."""
    user = request.user
    user.acting_assignment_id = chosen  # type: ignore[union-attr]
    acting = acting_assignment(user)
    if acting is not None:
        context.update(acting_unit_id=acting.unit_id, acting_unit_name=acting.unit.name)


class ActingAssignmentMiddleware:
    """The browser's acting assignment comes from the session (switched in the header)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            bind_acting(request, request.session.get(SESSION_KEY))
        return self.get_response(request)
