"""The sections of 一校一档: each reads one module for one school, for one viewer.

A section reads its module through the module's own selectors (scoped by `for_user`) and its figures through the
indicator registry (`dudao.command.selectors`), so it shows the numbers and rows the module's pages show this
viewer. `selectors.profile` calls a section only when the acting role may read its module. Every section costs a
fixed number of queries: lists are cut to a few rows, counts are one aggregate.
"""

from dudao.profiles.sections._common import PERMISSION, Figure
from dudao.profiles.sections.daily import (
    DrillSection,
    DutySection,
    HealthSection,
    NoticeRow,
    NoticeSection,
    ShiftRow,
    drills_section,
    duty_section,
    health_section,
    notices_section,
    week_of,
)
from dudao.profiles.sections.people import (
    CampaignRow,
    CaseSection,
    StaffingSection,
    campaigns_section,
    cases_section,
    staffing_section,
)
from dudao.profiles.sections.work import (
    DirectiveSection,
    InspectionSection,
    LedgerSection,
    ReportRow,
    RoundScore,
    directives_section,
    inspections_section,
    ledger_section,
)

__all__ = [
    "PERMISSION",
    "CampaignRow",
    "CaseSection",
    "DirectiveSection",
    "DrillSection",
    "DutySection",
    "Figure",
    "HealthSection",
    "InspectionSection",
    "LedgerSection",
    "NoticeRow",
    "NoticeSection",
    "ReportRow",
    "RoundScore",
    "ShiftRow",
    "StaffingSection",
    "campaigns_section",
    "cases_section",
    "directives_section",
    "drills_section",
    "duty_section",
    "health_section",
    "inspections_section",
    "ledger_section",
    "notices_section",
    "staffing_section",
    "week_of",
]
