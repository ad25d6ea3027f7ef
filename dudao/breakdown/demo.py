"""Demo: one saved analysis of a sample speech (文明城市创建推进会讲话) for city.admin."""

from __future__ import annotations

from pathlib import Path

from dudao.demo.registry import DemoContext, demo_step

SAMPLE = Path(__file__).parent / "fixtures" / "sample_speech.txt"


@demo_step(order=95)
def breakdown_demo(context: DemoContext) -> dict[str, int]:
    from dudao.accounts.models import User
    from dudao.breakdown import services

    admin = User.objects.get(username="city.admin")
    analysis = services.analyse(
        actor=admin, doc_date=context.today, text=SAMPLE.read_text("utf-8"), title="创建全国文明城市推进会讲话（示例）"
    )
    return {"breakdown_rows": analysis.rows.count()}
