"""Production serves hashed static files: collectstatic must succeed with the manifest storage (a vendored
file pointing at a missing source map broke it)."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_succeeds_with_the_production_manifest_storage(tmp_path):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0, stdout=StringIO())
    assert (tmp_path / "staticfiles.json").exists()
