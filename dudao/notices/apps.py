from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "dudao.notices"
    label = "notices"
    verbose_name = "家长告知书"

    def ready(self) -> None:
        from dudao.notices import demo, home  # noqa: F401  (registers home items, menu entries and demo data)
