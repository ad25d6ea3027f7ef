from django.apps import AppConfig


class SchoolHealthConfig(AppConfig):
    name = "dudao.schoolhealth"
    label = "schoolhealth"
    verbose_name = "免疫接种与学校卫生"

    def ready(self) -> None:
        # Menu entries, demo data, monitoring indicators.
        from dudao.schoolhealth import demo, home, indicators  # noqa: F401
