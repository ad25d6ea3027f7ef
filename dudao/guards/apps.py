from django.apps import AppConfig


class GuardsConfig(AppConfig):
    name = "dudao.guards"
    label = "guards"
    verbose_name = "校园安保与三防"

    def ready(self) -> None:
        from dudao.guards import demo, home, indicators  # noqa: F401  (menu, home items, demo data, indicators)
