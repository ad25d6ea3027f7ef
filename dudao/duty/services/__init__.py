"""值班值守 services: rosters and shifts, sign-in, duty log, missed sign-ins, plans, drills, 迎检响应 and
离市外出审批. Each one checks permission on the locked fresh row, runs in one transaction and is audited.
Split by use case; import from here. `_bump` and `_locked_roster` are re-exported for the roster import
(`dudao/duty/excel.py`), which shares the roster's lock and version bump."""

from dudao.duty.services._common import ROSTER_UNIT_KINDS, local
from dudao.duty.services.inspection_responses import complete_task, may_complete, trigger_inspection
from dudao.duty.services.leave import campaign_for, decide_leave, file_leave, set_campaign, withdraw_leave
from dudao.duty.services.plans import StepIn, record_drill, save_plan
from dudao.duty.services.rosters import MAX_SHIFT_HOURS, add_shift, create_roster, publish_roster, remove_shift
from dudao.duty.services.rosters import _bump as _bump
from dudao.duty.services.rosters import _locked_roster as _locked_roster
from dudao.duty.services.signins import (
    add_log_entry,
    flag_missed_signins,
    missed_signins,
    remind_upcoming_shifts,
    sign_in,
)
from dudao.duty.services.warnings import PlanSteps, plan_steps, reinforce_duty

__all__ = [
    "MAX_SHIFT_HOURS",
    "ROSTER_UNIT_KINDS",
    "PlanSteps",
    "StepIn",
    "add_log_entry",
    "add_shift",
    "campaign_for",
    "complete_task",
    "create_roster",
    "decide_leave",
    "file_leave",
    "flag_missed_signins",
    "local",
    "may_complete",
    "missed_signins",
    "plan_steps",
    "publish_roster",
    "record_drill",
    "reinforce_duty",
    "remind_upcoming_shifts",
    "remove_shift",
    "save_plan",
    "set_campaign",
    "sign_in",
    "trigger_inspection",
    "withdraw_leave",
]
