from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "dudao.inspections"
    label = "inspections"
    verbose_name = "督查测评"

    def ready(self) -> None:
        # Registers home items, menu entries, demo data and indicators; answers the ledger's questions on findings.
        from dudao.inspections import home, indicators, ledger_source  # noqa: F401
