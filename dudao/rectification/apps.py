from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "dudao.rectification"
    label = "rectification"
    verbose_name = "整改台账"

    def ready(self) -> None:
        from dudao.rectification import home  # noqa: F401  (registers home items, menu entries and demo data)
