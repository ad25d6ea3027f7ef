"""Settings for bench.checkin_load only: the product's settings plus a bench-only URLconf (the bare endpoint).

Never used in production: it lives in bench/, and the bare endpoint exists only in `bench.checkin_urls`."""

from dudao.settings import *  # noqa: F403

ROOT_URLCONF = "bench.checkin_urls"
