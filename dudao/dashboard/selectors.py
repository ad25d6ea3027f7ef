"""Bulletin reads: issuers see theirs; schools see the published ones sent to them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dudao.accounts.models import User
from dudao.dashboard.models import Bulletin, BulletinRecipient, BulletinStatus
from dudao.orgs.scoping import scope_root_path


def bulletins_for(user: User) -> QuerySet[Bulletin]:
    root = scope_root_path(user, "bulletin.read")
    if root is None:
        return Bulletin.objects.none()
    received = BulletinRecipient.objects.filter(school__path__under=root).values("bulletin_id")
    return (
        Bulletin.objects.filter(Q(unit__path__under=root) | Q(pk__in=received, status=BulletinStatus.PUBLISHED))
        .select_related("inspection", "unit")
        .distinct()
    )


def recipients_for(user: User, bulletin: Bulletin) -> QuerySet[BulletinRecipient]:
    return (
        BulletinRecipient.objects.for_user(user, "read").filter(bulletin=bulletin).select_related("school", "read_by")
    )
