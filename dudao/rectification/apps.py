from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "dudao.rectification"
    label = "rectification"
    verbose_name = "整改台账"

    def ready(self) -> None:
        # Home items, menu entries, demo data, monitoring indicators; the intake of hazards handed over by domain
        # apps on the ledger's floor (dudao.core.ledger).
        from dudao.core import ledger
        from dudao.rectification import demo, home, indicators  # noqa: F401
        from dudao.rectification.intake import LedgerIntake

        ledger.plug(LedgerIntake())
