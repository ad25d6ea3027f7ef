from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from dudao.orgs.fields import TreePathField
from dudao.orgs.scoping import ScopedQuerySetMixin

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dudao.accounts.models import User


class EventKind(models.TextChoices):
    CHANGE = "change", "数据变更"
    ACCESS = "access", "敏感数据访问"
    AUTH = "auth", "登录与令牌"
    # Attacks and policy hits (one address guessing many accounts …), for the security officer.
    SECURITY = "security", "安全事件"


# What the security officer reads; the full trail (changes, logins) is the auditor's.
SECURITY_OFFICER_KINDS = (EventKind.ACCESS, EventKind.SECURITY)


class AuditEventQuerySet(ScopedQuerySetMixin, models.QuerySet["AuditEvent"]):
    scope_resource = "audit"
    scope_path = "unit_path"

    def for_user(self, user: User | AnonymousUser, action: str = "read") -> AuditEventQuerySet:
        """Auditors read everything in their subtree; security officers access and security events."""
        from dudao.orgs.scoping import can

        if action == "read" and not can(user, "audit.read") and can(user, "audit.read_access"):
            return super().for_user(user, "read_access").filter(kind__in=SECURITY_OFFICER_KINDS)
        return super().for_user(user, action)


class AuditEvent(models.Model):
    """Append-only, hash-chained. Never updated or deleted by the application."""

    seq = models.BigIntegerField(unique=True)
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    action = models.CharField(max_length=30)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_name = models.CharField(max_length=150, blank=True)
    acting_unit_id = models.BigIntegerField(null=True, blank=True)
    acting_unit_name = models.CharField(max_length=100, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    # Path of the unit the object belongs to, so events are scoped and filtered by subtree.
    unit_path = TreePathField(max_length=255, blank=True)
    changes = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计事件"
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["kind", "seq"], name="audit_kind_idx"),
            models.Index(fields=["unit_path"], name="audit_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit events are append-only")


class ChainHead(models.Model):
    """One row: the last sequence number and hash, locked while appending."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"
