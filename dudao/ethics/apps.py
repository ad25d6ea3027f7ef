from django.apps import AppConfig


class EthicsConfig(AppConfig):
    name = "dudao.ethics"
    label = "ethics"
    verbose_name = "师德师风"

    def ready(self) -> None:
        from dudao.ethics import demo, home, indicators  # noqa: F401  (menu, home items, demo data, indicators)
