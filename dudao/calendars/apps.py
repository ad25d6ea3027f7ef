from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "dudao.calendars"
    label = "calendars"
    verbose_name = "校历"

    def ready(self) -> None:
        from dudao.calendars import demo, home  # noqa: F401  (menu entries, demo data)
