from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "dudao.health"
    label = "health"
    verbose_name = "晨午检与疫情预警"

    def ready(self) -> None:
        from dudao.health import demo, home, tables  # noqa: F401  (home items, menu entries, demo data, cache signals)
