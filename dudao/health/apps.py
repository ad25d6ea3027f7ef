from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "dudao.health"
    label = "health"
    verbose_name = "晨午检与疫情预警"

    def ready(self) -> None:
        # Home items, menu entries, demo data, monitoring indicators, cache signals.
        from dudao.health import demo, home, indicators, tables  # noqa: F401
