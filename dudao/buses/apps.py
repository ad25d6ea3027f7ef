from django.apps import AppConfig


class BusesConfig(AppConfig):
    name = "dudao.buses"
    label = "buses"
    verbose_name = "校车管理"

    def ready(self) -> None:
        from dudao.buses import demo, home, indicators  # noqa: F401  (home items, menu entries, demo data, indicators)
