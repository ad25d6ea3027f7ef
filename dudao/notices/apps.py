from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "dudao.notices"
    label = "notices"
    verbose_name = "家长告知书"

    def ready(self) -> None:
        # Home items, menu entries, demo data, monitoring indicators.
        from dudao.notices import demo, home, indicators  # noqa: F401
