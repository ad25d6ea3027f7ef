from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """专项工作: campaigns such as 创城迎检, their key dates, the units involved and their 责任清单, and the objects of
    every module attached to them."""

    name = "dudao.campaigns"
    label = "campaigns"
    verbose_name = "专项工作"

    def ready(self) -> None:
        # Menu entry, home items, demo data.
        from dudao.campaigns import demo, home  # noqa: F401
