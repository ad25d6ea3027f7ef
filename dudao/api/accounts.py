from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from dudao.accounts import services
from dudao.api.schemas import Error
from dudao.core.middleware import client_ip
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import acting_assignment, assignments_of

router = Router(tags=["账户"])


class TokenIn(Schema):
    username: str
    password: str
    name: str = "API 令牌"


class TokenOut(Schema):
    token: str
    expires_at: str


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: Error, 429: Error, 400: Error})
def obtain_token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    """Exchange username and password for a personal token (lockout rules as for the login page)."""
    user = services.login(username=payload.username, password=payload.password, ip=client_ip(request), request=request)
    token, plain = services.create_token(actor=user, name=payload.name)
    return TokenOut(token=plain, expires_at=token.expires_at.isoformat())


class AssignmentOut(Schema):
    id: int
    role: str
    role_name: str
    unit: int
    unit_name: str


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    title: str
    unit: int | None
    unit_name: str
    roles: list[AssignmentOut]
    acting: AssignmentOut | None


def _assignment(a: RoleAssignment) -> AssignmentOut:
    return AssignmentOut(
        id=a.pk,
        role=a.role,
        role_name=a.get_role_display(),
        unit=a.unit_id,
        unit_name=a.unit.name,
    )


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    user = request.user
    acting = acting_assignment(user)
    return MeOut(
        id=int(user.pk or 0),
        username=user.username,
        full_name=user.full_name,  # type: ignore[union-attr]
        title=user.title,  # type: ignore[union-attr]
        unit=user.unit_id,  # type: ignore[union-attr]
        unit_name=user.unit.name if user.unit_id else "",  # type: ignore[union-attr]
        roles=[_assignment(a) for a in assignments_of(user)],
        acting=_assignment(acting) if acting else None,
    )
