from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """督办与问责: supervision orders (督办单), accountability records (问责) and commendations (通报表扬)."""

    name = "dudao.supervision"
    label = "supervision"
    verbose_name = "督办与问责"

    def ready(self) -> None:
        # Home items and the menu entry, demo data.
        from dudao.supervision import adjustments, demo, home  # noqa: F401  (appraisal adjustment sources)
