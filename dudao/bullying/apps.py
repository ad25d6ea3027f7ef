from django.apps import AppConfig


class BullyingConfig(AppConfig):
    """学生欺凌防治: confidential bullying reports handled by the school, counts only above it."""

    name = "dudao.bullying"
    label = "bullying"
    verbose_name = "学生欺凌防治"

    def ready(self) -> None:
        # Menu entry and home items, the cockpit indicator, demo data.
        from dudao.bullying import demo, home, indicators  # noqa: F401
