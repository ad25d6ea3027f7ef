"""Demo data: the city's weekly 调度通报, generated from the demo's live indicators as the office clerk
(city.admin), published with the city's first 发文字号 of the year, and confirmed read by the demo district."""

from __future__ import annotations

from dudao.accounts.models import User
from dudao.briefings import services
from dudao.briefings.models import BriefingRecipient, BriefingStatus, Trigger
from dudao.briefings.services.generation import act_for
from dudao.demo.registry import DemoContext, demo_step
from dudao.orgs.models import OrgUnit


@demo_step(order=110)
def briefings_demo(context: DemoContext) -> dict[str, int]:
    admin = User.objects.get(username="city.admin")
    root = OrgUnit.objects.get(pk=context.city.root)
    act_for(admin, root)
    services.save_profile(
        actor=admin,
        unit=root,
        doc_prefix=f"{root.name[:1]}教督",
        masthead=f"{root.name}文件",
        printer=f"{root.name}办公室",
        addressee="各区县教育局，市直属各学校",
        copy_to="市委教育工委，局领导班子成员",
        is_weekly=True,
        version=None,
    )
    requested = services.request_briefing(actor=admin, unit=root, trigger=Trigger.WEEKLY, queue=False)
    briefing = services.run_generation(requested.pk)
    if briefing.status != BriefingStatus.DRAFT:
        raise RuntimeError(f"demo briefing not generated: {briefing.progress_note}")
    briefing = services.publish_briefing(actor=admin, briefing=briefing, version=None)
    confirmed = 0
    district_admin = User.objects.filter(username="district.admin").first()
    if district_admin is not None:
        for recipient in BriefingRecipient.objects.filter(briefing=briefing, unit__assignments__user=district_admin):
            services.confirm_read(actor=district_admin, recipient=recipient)
            confirmed += 1
    return {"briefings": 1, "briefing_recipients": briefing.recipients.count(), "briefing_confirmed": confirmed}
