"""调度通报 state changes: generating (on demand or weekly, in the background), editing, publishing, confirming."""

from dudao.briefings.services.generation import (
    default_period,
    generate_weekly,
    request_briefing,
    run_generation,
)
from dudao.briefings.services.publishing import (
    confirm_read,
    profile_for,
    publish_briefing,
    read_counts,
    save_profile,
    update_briefing,
)

__all__ = [
    "confirm_read",
    "default_period",
    "generate_weekly",
    "profile_for",
    "publish_briefing",
    "read_counts",
    "request_briefing",
    "run_generation",
    "save_profile",
    "update_briefing",
]
