from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "dudao.risks"
    label = "risks"
    verbose_name = "双重预防"

    def ready(self) -> None:
        from dudao.risks import demo, home, indicators  # noqa: F401  (menu entries, home items, demo data, indicators)
