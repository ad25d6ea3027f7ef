from django.apps import AppConfig


class CanteensConfig(AppConfig):
    name = "dudao.canteens"
    label = "canteens"
    verbose_name = "食堂与食品安全"

    def ready(self) -> None:
        from dudao.canteens import demo, home, indicators  # noqa: F401  (menu, home items, demo data, indicators)
