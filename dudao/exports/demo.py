"""Demo data of 下载中心: yesterday afternoon the principal exported the school's full roster and the city office
the first district's ledger, both in the background; the files wait to be downloaded."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.errors import DomainError
from dudao.demo.registry import DemoContext, demo_step
from dudao.exports import services
from dudao.exports.models import ExportJob, JobStatus
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment


@demo_step(order=995)
def exports_demo(context: DemoContext) -> dict[str, int]:
    principal = User.objects.get(username="school.principal")
    office = User.objects.get(username="city.admin")
    school = acting_assignment(principal)
    district = OrgUnit.objects.filter(pk=context.city.districts[0]).first() if context.city.districts else None
    wanted: list[tuple[User, str, dict[str, str], int]] = []
    if school is not None:
        wanted.append((principal, "roster", {"unit": str(school.unit_id), "full": "1"}, 16))
    if district is not None:
        wanted.append((office, "ledger", {"unit": str(district.pk)}, 17))
    done = 0
    for user, kind, filters, hour in wanted:
        try:
            job = services.start_export(actor=user, kind=kind, filters=filters, background=True).job
        except DomainError:
            continue  # nothing to export at this scale
        assert job is not None
        services.run_export(job_id=job.pk)
        # On the demo clock: started yesterday afternoon, kept the usual number of days from then.
        started = timezone.make_aware(dt.datetime.combine(context.today - dt.timedelta(days=1), dt.time(hour, 20)))
        finished = started + dt.timedelta(minutes=1)
        ExportJob.objects.filter(pk=job.pk, status=JobStatus.DONE).update(
            created_at=started,
            started_at=started,
            finished_at=finished,
            expires_at=finished + dt.timedelta(days=settings.DUDAO_EXPORT_KEEP_DAYS),
        )
        done += 1
    return {"export_jobs": done}
