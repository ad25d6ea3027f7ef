"""Menu entry and home item of campaigns: the campaigns under way, with the next countdown."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.campaigns import selectors
from dudao.campaigns.models import CampaignStatus
from dudao.core.home import HomeItem, register
from dudao.core.nav import nav_item
from dudao.orgs.models import RoleAssignment
from dudao.orgs.scoping import can

nav_item("专项工作", "campaigns:list", permission="campaign.read", order=15)


@register("campaigns")
def campaigns_home(user: User, acting: RoleAssignment | None) -> list[HomeItem]:
    if acting is None or not can(user, "campaign.read"):
        return []
    active = list(selectors.campaign_list(user, status=CampaignStatus.ACTIVE)[:5])
    if not active:
        return []
    today = timezone.localdate()
    items = []
    for campaign in active[:3]:
        countdown = selectors.countdowns(list(campaign.key_dates.all()), today)
        hint = countdown[0].text if countdown else f"至 {campaign.end:%Y-%m-%d}"
        items.append(
            HomeItem(
                title=f"专项工作：{campaign.name}",
                count=countdown[0].days if countdown else None,
                url=reverse("campaigns:detail", args=[campaign.pk]),
                kind="info",
                level="danger" if countdown and countdown[0].days <= 7 else "warning",
                hint=hint,
                order=5,
            )
        )
    return items
