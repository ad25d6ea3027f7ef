from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """调度会与工作专班: task forces attached to campaigns, dispatch meetings and their decisions tracked to done."""

    name = "dudao.meetings"
    label = "meetings"
    verbose_name = "调度会"

    def ready(self) -> None:
        from dudao.meetings import demo, home, indicators  # noqa: F401  (home items, menu entry, demo data, indicator)
