"""Briefing reads: issuers see theirs (drafts too); units see the published briefings sent to them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dudao.accounts.models import User
from dudao.briefings.models import Briefing, BriefingRecipient, BriefingStatus
from dudao.campaigns.models import Campaign
from dudao.orgs.scoping import acting_assignment, can, scope_root_path


def briefings_for(user: User) -> QuerySet[Briefing]:
    root = scope_root_path(user, "briefing.read")
    if root is None:
        return Briefing.objects.none()
    received = BriefingRecipient.objects.filter(unit__path__under=root).values("briefing_id")
    return (
        Briefing.objects.filter(Q(unit__path__under=root) | Q(pk__in=received, status=BriefingStatus.PUBLISHED))
        .select_related("unit", "campaign")
        .distinct()
    )


def recipients_for(user: User, briefing: Briefing) -> QuerySet[BriefingRecipient]:
    return (
        BriefingRecipient.objects.for_user(user, "read")
        .filter(briefing=briefing)
        .select_related("unit", "read_by")
        .order_by("unit__path")
    )


def to_confirm(user: User) -> QuerySet[BriefingRecipient]:
    """Published briefings sent to the acting unit itself and not yet confirmed (its head confirms)."""
    acting = acting_assignment(user)
    if acting is None or not can(user, "briefing.confirm"):
        return BriefingRecipient.objects.none()
    return BriefingRecipient.objects.filter(
        unit=acting.unit, read_at__isnull=True, briefing__status=BriefingStatus.PUBLISHED
    ).select_related("briefing", "unit")


def campaigns_to_brief(user: User) -> QuerySet[Campaign]:
    """Campaigns the writer may brief on: visible ones that are not over long ago."""
    return Campaign.objects.for_user(user, "read").select_related("unit").order_by("-start", "-id")
