"""消息中心: messages to staff (in-app), their deliveries through external channels, account bindings, preferences."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dudao.orgs.scoping import ScopedQuerySetMixin


class Category(models.TextChoices):
    DIRECTIVE = "directive", "催报提醒"
    RECTIFICATION = "rectification", "整改到期与逾期"
    HEALTH_ALERT = "health_alert", "疫情预警"
    DUTY = "duty", "值班提醒"
    SUPERVISION = "supervision", "督办单"
    SYSTEM = "system", "系统通知"


# Urgent categories ignore quiet hours (an outbreak warning at 23:00 must wake the person on call).
URGENT_CATEGORIES = frozenset({Category.HEALTH_ALERT})


class Channel(models.TextChoices):
    WECOM = "wecom", "企业微信"
    DINGTALK = "dingtalk", "钉钉"
    SMS = "sms", "短信"


class Message(models.Model):
    """One message in one person's message centre. `dedupe_key` is unique per recipient: the same reminder sent
    twice (a job run again, a double click) stays one message."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=500, blank=True)
    urgent = models.BooleanField("紧急", default=False)
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        constraints = [
            # Key first: a job looks up the keys of its batch (one index range per key, whoever received it).
            models.UniqueConstraint(fields=["dedupe_key", "recipient"], name="message_once_per_recipient"),
        ]
        indexes = [
            # The bell: unread messages of one person.
            models.Index(fields=["recipient", "read_at"], name="message_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="message_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    HELD = "held", "免打扰暂缓"
    SENDING = "sending", "发送中"
    RETRY = "retry", "等待重试"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"
    # Not a failure of the channel: read in the app while it waited, or the account was unbound.
    CANCELLED = "cancelled", "无需推送"


OPEN_DELIVERY_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.HELD, DeliveryStatus.RETRY)


class DeliveryQuerySet(ScopedQuerySetMixin, models.QuerySet["Delivery"]):
    """The failed-push page: an administrator sees the pushes to people whose unit lies in their subtree."""

    scope_resource = "push"
    scope_path = "message__recipient__unit__path"


class Delivery(models.Model):
    """One message through one external channel. The send job picks rows whose `next_attempt_at` has come."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    address = models.CharField("接收账号", max_length=64)
    status = models.CharField("状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    external_id = models.CharField("渠道消息编号", max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField("最近尝试时间", null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = "外部推送"
        verbose_name_plural = "外部推送"
        constraints = [models.UniqueConstraint(fields=["message", "channel"], name="delivery_once_per_channel")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.message_id}"


class ChannelBinding(models.Model):
    """A person's account in 企业微信 or 钉钉 (their userid in that organisation). Messages go only to a verified
    binding: the person typed the code the channel delivered to that account."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    external_id = models.CharField("账号", max_length=64)
    verified_at = models.DateTimeField(null=True, blank=True)
    code_digest = models.CharField(max_length=64, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_tries = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "账号绑定"
        verbose_name_plural = "账号绑定"
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="binding_one_per_channel"),
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=Q(verified_at__isnull=False), name="binding_account_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.external_id}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


DEFAULT_QUIET_START = dt.time(22, 0)
DEFAULT_QUIET_END = dt.time(7, 0)


class Preference(models.Model):
    """A person's choices: per category the external channels to use (in-app always), and quiet hours in which
    external pushes wait (urgent categories excepted). No row: the defaults of `services.preferences_of`."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channels = models.JSONField("各类消息的推送渠道", default=dict)
    quiet_enabled = models.BooleanField("启用免打扰", default=True)
    quiet_start = models.TimeField("免打扰开始", default=DEFAULT_QUIET_START)
    quiet_end = models.TimeField("免打扰结束", default=DEFAULT_QUIET_END)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "消息设置"
        verbose_name_plural = "消息设置"

    def __str__(self) -> str:
        return f"消息设置 {self.user_id}"
