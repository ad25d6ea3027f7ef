from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    """考评: appraisal schemes, results and ranking, objections, target responsibility."""

    name = "dudao.appraisal"
    label = "appraisal"
    verbose_name = "考评"

    def ready(self) -> None:
        from dudao.appraisal import demo, home  # noqa: F401  (menu entries, home items, demo data)
