from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dudao.dashboard"
    label = "dashboard"
    verbose_name = "通报与总览"

    def ready(self) -> None:
        from dudao.dashboard import home  # noqa: F401  (registers home items, menu entries and demo data)
