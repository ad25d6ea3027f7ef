from django.apps import AppConfig


class BreakdownConfig(AppConfig):
    name = "dudao.breakdown"
    label = "breakdown"
    verbose_name = "任务分解"

    def ready(self) -> None:
        from dudao.breakdown import demo  # noqa: F401  (register the demo step)
        from dudao.core.nav import nav_item

        nav_item("任务分解", "breakdown:list", permission="breakdown.read", order=22)
