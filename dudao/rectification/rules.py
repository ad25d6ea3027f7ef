"""Who may act on a ledger item, for any responsible unit. Services enforce these; views and the API ask them
only to decide which buttons to show.

- A school's items: the principal or school office does 四定 (`rectification.assign`); someone above the
  school verifies (`rectification.verify`).
- A district bureau's or an office's items: the unit's own people do 四定 (a role held on the unit itself, or
  the unit as their home unit, with the ledger-manage permission); someone who does not belong to the unit
  verifies, so a district never closes its own problems.
- A school's 自查 items may also be verified inside the school by the principal or school office — never by the
  person who owns it or asked for the close-out; a share of those is spot-checked by the district (`rechecks`).
"""

from __future__ import annotations

from dudao.accounts.models import User
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can
from dudao.rectification.models import ItemSource, RectificationItem

# Units a problem may be raised against.
RESPONSIBLE_KINDS = (UnitKind.SCHOOL, UnitKind.DISTRICT, UnitKind.OFFICE)


def belongs_to(user: User, unit: OrgUnit) -> bool:
    """The person works at the unit: their acting role sits on it, or it is their home unit (office staff hold
    their role on the bureau but belong to their office)."""
    assignment = acting_assignment(user)
    return user.unit_id == unit.pk or (assignment is not None and assignment.unit_id == unit.pk)


def manages(user: User, unit: OrgUnit) -> bool:
    """May do 四定 on the unit's items (name owners, duties and dates)."""
    if unit.kind == UnitKind.SCHOOL:
        return can(user, "rectification.assign", unit)
    return belongs_to(user, unit) and can(user, "rectification.import", unit)


def verifies_from_above(user: User, item: RectificationItem) -> bool:
    """May verify as someone above the unit (inspector, district, bureau), whoever owns the item."""
    return can(user, "rectification.verify", item.school) and not belongs_to(user, item.school)


def verifies_in_school(user: User, item: RectificationItem) -> bool:
    """May verify a 自查 close-out as the school's principal or office."""
    return (
        item.source == ItemSource.SELF_CHECK
        and item.school.kind == UnitKind.SCHOOL
        and can(user, "rectification.assign", item.school)
    )


def is_party(user: User, item: RectificationItem) -> bool:
    """Owns the item or asked for its close-out: may never verify it."""
    return user.pk in (item.owner_id, item.closeout_requested_by_id)


def may_verify(user: User, item: RectificationItem) -> bool:
    return not is_party(user, item) and (verifies_from_above(user, item) or verifies_in_school(user, item))


def may_raise(user: User, unit: OrgUnit, source: str) -> bool:
    """Bureau and district staff raise problems of any source but 自查 against units in their subtree; a school
    records its own 自查 problems."""
    if unit.kind not in RESPONSIBLE_KINDS or unit.is_closed:
        return False
    if source == ItemSource.SELF_CHECK:
        return unit.kind == UnitKind.SCHOOL and can(user, "rectification.assign", unit)
    return can(user, "rectification.import", unit)
