"""Demo: saved analyses for city.admin — a sample speech (文明城市创建推进会讲话) and an annual work conference
speech that opens with a year in review (its review, greeting and exhortation rows are marked 回顾/非任务)."""

from __future__ import annotations

from pathlib import Path

from dudao.demo.registry import DemoContext, demo_step

SAMPLE = Path(__file__).parent / "fixtures" / "sample_speech.txt"
ANNUAL = Path(__file__).parent / "fixtures" / "annual_speech.txt"


@demo_step(order=95)
def breakdown_demo(context: DemoContext) -> dict[str, int]:
    from dudao.accounts.models import User
    from dudao.breakdown import services

    admin = User.objects.get(username="city.admin")
    analysis = services.analyse(
        actor=admin, doc_date=context.today, text=SAMPLE.read_text("utf-8"), title="创建全国文明城市推进会讲话（示例）"
    )
    # An annual work conference is held in late February: the latest one on or before the demo's today.
    conference = context.today.replace(month=2, day=26)
    if conference > context.today:
        conference = conference.replace(year=conference.year - 1)
    annual = services.analyse(
        actor=admin,
        doc_date=conference,
        text=ANNUAL.read_text("utf-8"),
        title="全市教育工作会议讲话（示例，含工作回顾）",
    )
    return {"breakdown_rows": analysis.rows.count() + annual.rows.count()}
