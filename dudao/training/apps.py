from django.apps import AppConfig


class TrainingConfig(AppConfig):
    """继续教育: training events with enrolment, QR sign-in at the venue or attendance by import, completion
    certificates, each teacher's hours per year against the required total, and the rates per school/district."""

    name = "dudao.training"
    label = "training"
    verbose_name = "继续教育"

    def ready(self) -> None:
        from dudao.training import demo, home, indicators  # noqa: F401  (menu, home items, demo data, indicators)
