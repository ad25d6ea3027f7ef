from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "dudao.health"
    label = "health"
    verbose_name = "晨午检与疫情预警"

    def ready(self) -> None:
        from dudao.health import demo, home  # noqa: F401  (registers home items, menu entries and demo data)
