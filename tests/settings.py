"""Test settings: production settings with a fixed key, demo logins allowed and quick hashing."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-a-secret")
os.environ.setdefault("DUDAO_DEMO", "1")
if "DUDAO_VAR_DIR" not in os.environ:
    # One scratch folder per run (xdist workers inherit it), removed by the process that made it.
    os.environ["DUDAO_VAR_DIR"] = tempfile.mkdtemp(prefix="dudao-test-")
    atexit.register(shutil.rmtree, os.environ["DUDAO_VAR_DIR"], ignore_errors=True)

from dudao.settings import *  # noqa: F403

# Argon2 stays first so hashing is tested as deployed; factories reuse one precomputed hash.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
HUEY = {**HUEY, "immediate": True}  # noqa: F405
WHITENOISE_AUTOREFRESH = True
