"""gunicorn settings for dudao.

`gunicorn dudao.wsgi` started in the project directory reads this file by itself (gunicorn's default config is
./gunicorn.conf.py); elsewhere pass `-c /path/to/gunicorn.conf.py`. Options on the command line win over this file
(bench/ scripts pass their own --bind and --workers).
"""

import multiprocessing
import os

import gunicorn

# Every response would carry "Server: gunicorn", which only helps a scanner pick exploits. gunicorn has no option to
# drop the header; the name it sends is read from `gunicorn.SERVER` when a worker answers, and this file runs before
# any worker starts. (A reverse proxy in front replaces the header anyway: nginx sends its own.)
gunicorn.SERVER = ""

# A 20,000-row roster import runs for minutes in one request. gunicorn's default 30 s would kill the worker mid-way
# and roll the import back; nginx may give up earlier without harm (the import finishes, 导入记录 shows the result).
timeout = 300

# Production sizing (docs/部署与运维.md): sync workers, by default 2 × cores + 1 on this machine, split over the
# app-server instances that run on it (DUDAO_WEB_INSTANCES, two behind nginx in deploy/). Each worker holds at most
# one database connection (through pgbouncer). DUDAO_WEB_WORKERS overrides the count per instance.
_instances = max(1, int(os.environ.get("DUDAO_WEB_INSTANCES", "1")))
workers = int(os.environ.get("DUDAO_WEB_WORKERS", "0")) or max(2, (2 * multiprocessing.cpu_count() + 1) // _instances)
# Restart a worker now and then (jittered) so slow leaks never accumulate. Not too often: a restart drops the
# worker's kept-alive connections (a client or nginx sending on one at that moment gets a reset; bench.concurrency
# counted 6 at 2,000 on SQLite's 67 requests/s) and its warm caches, and at a city's morning peak a worker serves
# ~30 requests/s. The start-up heap is frozen (dudao.core.gc_tuning), so what could leak is only what requests keep.
max_requests = 20000
max_requests_jitter = 2000
# Stop: finish the requests in flight (a long import included) before exiting.
graceful_timeout = timeout
# nginx keeps connections to the app servers open (upstream keepalive).
keepalive = 75
accesslog = os.environ.get("DUDAO_ACCESS_LOG") or None
errorlog = "-"
