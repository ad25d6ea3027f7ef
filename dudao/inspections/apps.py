from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "dudao.inspections"
    label = "inspections"
    verbose_name = "督查测评"

    def ready(self) -> None:
        from dudao.inspections import home  # noqa: F401  (registers home items, menu entries and demo data)
