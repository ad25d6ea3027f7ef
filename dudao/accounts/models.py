from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone

from dudao.orgs.scoping import ScopedQuerySetMixin

if TYPE_CHECKING:
    from dudao.orgs.models import RoleAssignment


class UserQuerySet(ScopedQuerySetMixin, models.QuerySet["User"]):
    scope_resource = "staff"
    scope_path = "unit__path"


class DudaoUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A staff member's account. Parents and the public never have accounts."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    title = models.CharField("职务", max_length=50, blank=True)
    unit = models.ForeignKey(
        "orgs.OrgUnit",
        verbose_name="所在单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    # Demo accounts log in only where DUDAO_DEMO or DEBUG is set.
    is_demo = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)

    objects: ClassVar[DudaoUserManager] = DudaoUserManager()

    # Not fields: the request's assignments, cached by dudao.orgs.scoping.assignments_of.
    _dudao_assignments: list[RoleAssignment] | None

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        indexes = [models.Index(fields=["unit", "id"], name="user_unit_idx")]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=60)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class LoginAttempt(models.Model):
    """Kept in the database so lockout works across processes and servers."""

    username = models.CharField(max_length=150)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["username", "ip", "at"], name="login_attempt_idx"),
            # The per-address budget counts failures across usernames.
            models.Index(fields=["ip", "at"], name="login_attempt_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip} {'ok' if self.succeeded else 'failed'}"
