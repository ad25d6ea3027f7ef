"""A user's case alerts (assignment, crisis, break-glass); they are raised by the services that cause them."""

from __future__ import annotations

from django.utils import timezone

from dudao.accounts.models import User
from dudao.cases.models import CaseAlert


def mark_alerts_read(*, actor: User) -> int:
    return CaseAlert.objects.filter(recipient_id=actor.pk, read_at__isnull=True).update(read_at=timezone.now())
