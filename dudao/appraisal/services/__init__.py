"""考评 services: schemes (definition, rules, editions), computing results, assessors' entries, objections and
目标管理责任书. Each checks permission, runs in one transaction and is audited. Split by use case; import from here."""

from dudao.appraisal.services.assessing import add_deduction, lift_veto, score_manual, set_veto
from dudao.appraisal.services.computing import (
    appraised_units,
    compute,
    freeze,
    measured_range,
    publish,
    recompute_open_schemes,
)
from dudao.appraisal.services.objections import decide_objection, file_objection
from dudao.appraisal.services.schemes import (
    ItemIn,
    SchemeIn,
    add_item,
    announce,
    copy_scheme,
    create_scheme,
    remove_item,
    update_scheme,
)
from dudao.appraisal.services.targets import TargetIn, check_target, issue_books, sign_book

__all__ = [
    "ItemIn",
    "SchemeIn",
    "TargetIn",
    "add_deduction",
    "add_item",
    "announce",
    "appraised_units",
    "check_target",
    "compute",
    "copy_scheme",
    "create_scheme",
    "decide_objection",
    "file_objection",
    "freeze",
    "issue_books",
    "lift_veto",
    "measured_range",
    "publish",
    "recompute_open_schemes",
    "remove_item",
    "score_manual",
    "set_veto",
    "sign_book",
    "update_scheme",
]
