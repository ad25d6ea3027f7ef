"""A unit with reports still to make cannot be closed without saying so."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dudao.directives.models import DirectiveStatus, Submission, SubmissionStatus
from dudao.orgs.registry import open_work_checker

if TYPE_CHECKING:
    from dudao.orgs.models import OrgUnit


@open_work_checker
def open_reports(unit: OrgUnit) -> list[str]:
    count = Submission.objects.filter(
        unit__path__under=unit.path,
        directive__status=DirectiveStatus.ISSUED,
        status__in=[SubmissionStatus.DRAFT, SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED],
    ).count()
    return [f"{count} 份进行中的报送"] if count else []
