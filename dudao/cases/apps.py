from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "dudao.cases"
    label = "cases"
    verbose_name = "一生一案"

    def ready(self) -> None:
        # System checks, demo step, home items and menu, monitoring indicators.
        from dudao.cases import checks, demo, home, indicators  # noqa: F401
        from dudao.core.backup import register_case_key_ids
        from dudao.core.crypto import keyring

        # `manage.py backup` records which keys the data needs; `restore` refuses when one is missing.
        register_case_key_ids(lambda: [key.key_id for key in keyring()])
