from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dudao.dashboard"
    label = "dashboard"
    verbose_name = "通报与总览"

    def ready(self) -> None:
        from dudao.dashboard import home, round_sections  # noqa: F401  (register home items, menu entries, round page)
