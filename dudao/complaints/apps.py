from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    """意见建议、投诉举报: public intake, routing to the responsible unit, reply, acceptance, satisfaction."""

    name = "dudao.complaints"
    label = "complaints"
    verbose_name = "投诉与建议"

    def ready(self) -> None:
        # Menu entry and home items, indicators, demo data.
        from dudao.complaints import demo, home, indicators  # noqa: F401
