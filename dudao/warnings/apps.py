from django.apps import AppConfig


class WarningsConfig(AppConfig):
    name = "dudao.warnings"
    label = "warnings"
    verbose_name = "气象预警"

    def ready(self) -> None:
        from dudao.warnings import demo, home  # noqa: F401  (menu, home items, demo data)
