from django.apps import AppConfig


class BriefingsConfig(AppConfig):
    """调度通报: weekly briefings generated from the live indicators, edited, published and exported in the official-
    document layout (GB/T 9704-2012)."""

    name = "dudao.briefings"
    label = "briefings"
    verbose_name = "调度通报"

    def ready(self) -> None:
        # Home items, menu entry, demo data.
        from dudao.briefings import demo, home  # noqa: F401
