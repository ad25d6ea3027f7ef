"""Login with lockout, API tokens, passwords and the acting assignment."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dudao.accounts.models import ApiToken, LoginAttempt, User
from dudao.audit.models import AuditEvent, EventKind
from dudao.audit.services import record_auth, record_change, record_security
from dudao.core import context
from dudao.core.errors import DomainError
from dudao.orgs.scoping import acting_assignment

TOKEN_PREFIX = "ddt_"  # noqa: S105 (a public marker, not a secret)


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.DUDAO_LOGIN_WINDOW_MINUTES)


def _failures(**where: Any) -> QuerySet[LoginAttempt]:
    return LoginAttempt.objects.filter(succeeded=False, at__gte=_window_start(), **where)


def recent_failures(username: str, ip: str | None) -> int:
    return _failures(username=username.lower(), ip=ip).count()


def _minutes_until_below(failures: QuerySet[LoginAttempt], limit: int) -> int:
    """Minutes until fewer than `limit` of these failures remain in the window (the limit-th newest expires)."""
    oldest_counted = failures.order_by("-at")[limit - 1 : limit].values_list("at", flat=True).first()
    unlock = (oldest_counted or timezone.now()) + dt.timedelta(minutes=settings.DUDAO_LOGIN_WINDOW_MINUTES)
    return max(1, int((unlock - timezone.now()).total_seconds() // 60) + 1)


def _report_address_throttled(ip: str | None, failures: QuerySet[LoginAttempt]) -> None:
    """One security event per address and window, not one per refused request: a flood of refusals
    must not flood the audit trail."""
    subject = ip or "（未知地址）"
    already = AuditEvent.objects.filter(
        kind=EventKind.SECURITY, action="login_throttled", object_repr=subject, at__gte=_window_start()
    ).exists()
    if already:
        return
    usernames = sorted(set(failures.values_list("username", flat=True)))
    shown = "、".join(usernames[:20]) + (f" 等 {len(usernames)} 个" if len(usernames) > 20 else "")
    record_security(
        action="login_throttled",
        object_type="accounts.loginattempt",
        subject=subject,
        details={
            "ip": subject,
            "failures": failures.count(),
            "window_minutes": settings.DUDAO_LOGIN_WINDOW_MINUTES,
            "usernames": shown,
        },
    )


def _unit_path(user: Any) -> str:
    unit = getattr(user, "unit", None)
    return str(unit.path) if unit is not None else ""


def login(*, username: str, password: str, ip: str | None, request: Any = None) -> User:
    """Check credentials, refusing addresses over their failure budget and locked username+IP pairs.

    Raises DomainError on failure. Successful logins never clear failures: an attacker who owns one
    account cannot interleave it to keep guessing others from the same address.
    """
    username = (username or "").strip()
    if not username or not password:
        raise DomainError("请输入用户名和密码", code="credentials_required")
    if "\x00" in username or "\x00" in password:
        raise DomainError("用户名或密码包含非法字符", code="bad_input")
    key = username.lower()
    # The attempt is written as a failure *before* the password is checked, so parallel
    # guesses count against each other; it becomes a success below if the password is right.
    # A refused attempt is deleted again: it does not prolong the lock.
    attempt = LoginAttempt.objects.create(username=key, ip=ip, succeeded=False)
    address_limit = settings.DUDAO_LOGIN_IP_MAX_FAILURES
    address_failures = _failures(ip=ip)
    if address_failures.count() > address_limit:
        attempt.delete()
        _report_address_throttled(ip, address_failures)
        minutes = _minutes_until_below(address_failures, address_limit)
        raise DomainError(
            f"该网络地址登录失败次数过多，已暂停从此地址登录，请约 {minutes} 分钟后再试；"
            "如为单位共用网络，请联系系统管理员",
            code="address_throttled",
            status=429,
        )
    limit = settings.DUDAO_LOGIN_MAX_FAILURES
    failures = recent_failures(key, ip)
    if failures > limit:
        attempt.delete()
        minutes = _minutes_until_below(_failures(username=key, ip=ip), limit)
        raise DomainError(
            f"连续登录失败 {limit} 次，该账户已临时锁定，请约 {minutes} 分钟后再试，或联系系统管理员",
            code="account_locked",
            status=429,
        )
    user = authenticate(request, username=username, password=password)
    if user is None:
        record_auth(actor=None, action="login_failed", username=username)
        left = limit - failures
        window = settings.DUDAO_LOGIN_WINDOW_MINUTES
        hint = f"，再失败 {left} 次将锁定 {window} 分钟" if left > 0 else f"，账户已锁定 {window} 分钟"
        raise DomainError(f"用户名或密码错误{hint}", code="bad_credentials", status=401)
    LoginAttempt.objects.filter(pk=attempt.pk).update(succeeded=True)
    assert isinstance(user, User)
    acting = acting_assignment(user)
    if acting is not None:
        context.update(acting_unit_id=acting.unit_id, acting_unit_name=acting.unit.name)
    record_auth(actor=user, action="login", username=user.username, unit_path=_unit_path(user))
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, actor: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Make a token; the plain value is returned once and never stored."""
    name = (name or "").strip() or "API 令牌"
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    lifetime = dt.timedelta(days=days or settings.DUDAO_TOKEN_DAYS)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name[:60],
            prefix=plain[: len(TOKEN_PREFIX) + 6],
            digest=_digest(plain),
            expires_at=timezone.now() + lifetime,
        )
        record_change(
            actor=actor,
            action="create",
            obj=token,
            unit_path=_unit_path(actor),
            after={"name": token.name, "prefix": token.prefix, "expires_at": token.expires_at},
        )
    return token, plain


def revoke_token(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk:
        raise DomainError("只能撤销自己的令牌", code="forbidden", status=403)
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise DomainError("该令牌已撤销", code="already_revoked", status=409)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_change(
            actor=actor,
            action="revoke",
            obj=token,
            unit_path=_unit_path(actor),
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at},
        )
    return token


class TokenError(DomainError):
    pass


def user_for_token(plain: str) -> User:
    """The active user behind a bearer token, or TokenError (answered as 401)."""
    if not plain.startswith(TOKEN_PREFIX):
        raise TokenError("令牌无效", code="token_invalid", status=401)
    token = ApiToken.objects.select_related("user").filter(digest=_digest(plain)).first()
    if token is None:
        raise TokenError("令牌无效", code="token_invalid", status=401)
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenError("令牌已撤销", code="token_revoked", status=401)
    if token.expires_at <= now:
        raise TokenError("令牌已过期，请重新申请", code="token_expired", status=401)
    user = token.user
    if not user.is_active or (user.is_demo and not settings.DUDAO_DEMO):
        raise TokenError("账户已停用", code="account_inactive", status=401)
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user


def check_password_strength(password: str, user: User, *, label: str = "密码") -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(f"{label}不符合要求：" + "；".join(exc.messages), code="weak_password") from exc


def replace_password(user: User, password: str) -> int:
    """Set a new password and end every API token issued under the old one; returns how many."""
    user.set_password(password)
    user.save(update_fields=["password"])
    return int(user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now()))


def change_password(*, actor: User, old_password: str, new_password: str, new_password2: str) -> None:
    if not actor.check_password(old_password):
        raise DomainError("原密码不正确", code="bad_old_password")
    if new_password != new_password2:
        raise DomainError("两次输入的新密码不一致", code="password_mismatch")
    if new_password == old_password:
        raise DomainError("新密码不能与原密码相同", code="password_unchanged")
    check_password_strength(new_password, actor, label="新密码")
    with transaction.atomic():
        replace_password(actor, new_password)
        record_change(
            actor=actor,
            action="change_password",
            obj=actor,
            unit_path=_unit_path(actor),
            before={"password": "***"},
            after={"password": "***（已修改）"},
        )
