from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "dudao.orgs"
    label = "orgs"
    verbose_name = "组织与人员"

    def ready(self) -> None:
        from dudao.core.access import Access, plug
        from dudao.orgs import enrolment, home  # noqa: F401  (enrolment cache signals; home items)
        from dudao.orgs.scoping import acting_assignment, can

        plug(Access(can=can, acting_assignment=acting_assignment))
