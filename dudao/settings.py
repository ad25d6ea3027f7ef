"""Settings for dudao. Everything that differs between machines comes from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DUDAO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DUDAO_DEBUG")
# Demo accounts (password `dudao-demo`) may log in only on a demo or development box.
DUDAO_DEMO = env_flag("DUDAO_DEMO") or DEBUG


def _secret_key() -> str:
    key = os.environ.get("DJANGO_SECRET_KEY")
    if key:
        return key
    if not DEBUG and not DUDAO_DEMO:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("生产环境必须通过环境变量 DJANGO_SECRET_KEY 提供密钥")
    # Development: a random key kept beside the database, never committed.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h for h in os.environ.get("DUDAO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DUDAO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from local static files, not a CDN
    "template_partials",
    "treebeard",
    "huey.contrib.djhuey",
    "dudao.core",
    "dudao.accounts",
    "dudao.orgs",
    "dudao.audit",
    "dudao.inspections",
    "dudao.rectification",
    "dudao.dashboard",
    "dudao.directives",
    "dudao.duty",
    "dudao.breakdown",
    "dudao.cases",
    "dudao.notices",
    "dudao.health",
    "dudao.command",
    "dudao.campaigns",
    "dudao.cockpit",
    "dudao.profiles",
    "dudao.briefings",
    "dudao.meetings",
    "dudao.appraisal",
    "dudao.supervision",
    "dudao.search",
    "dudao.messaging",
    "dudao.exports",
    "dudao.teachers",
    "dudao.calendars",
    "dudao.api",
    "dudao.demo",
    "dudao.buses",
    "dudao.gate",
    "dudao.complaints",
    "dudao.risks",
    "dudao.canteens",
    "dudao.schoolhealth",
    "dudao.training",
    "dudao.warnings",
    "dudao.partners",
    "dudao.ethics",
    "dudao.integrity",
    "dudao.bullying",
    "dudao.guards",
    "dudao.projects",
    "dudao.returns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dudao.core.middleware.RequestIdMiddleware",
    "dudao.core.middleware.RejectNulMiddleware",
    "dudao.core.middleware.SecurityHeadersMiddleware",
    # A database outage anywhere below answers 503 (docs/部署与运维.md); reads pinned to the primary after a write.
    "dudao.core.availability.DatabaseUnavailableMiddleware",
    "dudao.core.availability.PrimaryPinMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dudao.core.middleware.SlidingSessionMiddleware",
    "dudao.core.middleware.NoStoreMiddleware",
    "dudao.accounts.middleware.ActingAssignmentMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "dudao.urls"
WSGI_APPLICATION = "dudao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dudao" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dudao.accounts.context_processors.acting",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'dudao.sqlite3'}"),
        conn_max_age=int(os.environ.get("DUDAO_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend with a flush that passes the audit trail's delete guard (dudao/core/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "dudao.core.sqlite"
    # Test databases in memory, named outright: tools that recognise SQLite by Django's own engine name (pytest-django
    # giving each xdist worker its database) would otherwise derive a file name from the path.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a write transaction takes the lock at BEGIN, so the audit hash chain
        # and other read-then-write sequences cannot interleave.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;PRAGMA cache_size=-64000;"
        ),
    }
# PostgreSQL (operations guide docs/部署与运维.md): give up connecting after a few seconds so that an outage answers
# 503 (core.availability) instead of hanging every worker; behind pgbouncer in transaction pooling
# (DUDAO_PGBOUNCER=1) no server-side cursor may outlive a transaction.
_PG_OPTIONS: dict[str, object] = {"connect_timeout": int(os.environ.get("DUDAO_DB_CONNECT_TIMEOUT", "5"))}
if env_flag("DUDAO_PGBOUNCER"):
    # psycopg prepares a statement run 5 times on its connection; in transaction pooling the next transaction may
    # run on another server connection that never saw it ("prepared statement does not exist").
    _PG_OPTIONS["prepare_threshold"] = None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **_PG_OPTIONS}
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_flag("DUDAO_PGBOUNCER")
# A streaming read replica for the heavy read-only pages (core.db_router.read_replica); writes never go there.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=int(os.environ.get("DUDAO_CONN_MAX_AGE", "0"))
    )
    DATABASES["replica"]["OPTIONS"] = {**DATABASES["replica"].get("OPTIONS", {}), **_PG_OPTIONS}
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = env_flag("DUDAO_PGBOUNCER")
    # Tests never build a second database: the replica is the primary there.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["dudao.core.db_router.ReplicaRouter"]
# After writing, a browser reads only the primary for this long (read-your-own-writes despite replication lag);
# a replica that failed is left alone for DUDAO_REPLICA_RETRY_SECONDS.
DUDAO_REPLICA_PIN_SECONDS = int(os.environ.get("DUDAO_REPLICA_PIN_SECONDS", "10"))
DUDAO_REPLICA_RETRY_SECONDS = int(os.environ.get("DUDAO_REPLICA_RETRY_SECONDS", "30"))

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["dudao.accounts.backends.LockoutAwareBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "dudao.accounts.validators.NameBasedPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after 8 hours without activity.
SESSION_COOKIE_AGE = 8 * 3600
# Sliding idle timeout: dudao.core.middleware.SlidingSessionMiddleware saves the session again at most every
# five minutes instead of on every request (SESSION_SAVE_EVERY_REQUEST rewrote the row on each GET).
DUDAO_SESSION_REFRESH_SECONDS = int(os.environ.get("DUDAO_SESSION_REFRESH_SECONDS", "300"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_flag("DUDAO_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS, usually terminated by a reverse proxy (nginx) in front of the app. DUDAO_PROXY_SSL_HEADER=1 trusts the
# proxy's X-Forwarded-Proto: set it only when that proxy always overwrites the header (proxy_set_header
# X-Forwarded-Proto $scheme), or a client could claim HTTPS. Without it SECURE_SSL_REDIRECT loops behind a proxy.
if env_flag("DUDAO_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_flag("DUDAO_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("DUDAO_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DUDAO_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_flag("DUDAO_HSTS_PRELOAD")
# htmx sends the token from the page (hx-headers), so scripts never need to read the cookie.
CSRF_COOKIE_HTTPONLY = True

# Login lockout: 5 failures within 15 minutes for one username + IP; and 20 failures within the same window from
# one IP across all usernames (guessing many accounts), after which that address may not log in until it drops below.
DUDAO_LOGIN_MAX_FAILURES = int(os.environ.get("DUDAO_LOGIN_MAX_FAILURES", "5"))
DUDAO_LOGIN_IP_MAX_FAILURES = int(os.environ.get("DUDAO_LOGIN_IP_MAX_FAILURES", "20"))
DUDAO_LOGIN_WINDOW_MINUTES = int(os.environ.get("DUDAO_LOGIN_WINDOW_MINUTES", "15"))
# Number of reverse proxies (nginx …) in front of the app whose X-Forwarded-For entries are trusted.
DUDAO_TRUSTED_PROXIES = int(os.environ.get("DUDAO_TRUSTED_PROXIES", "0"))
DUDAO_TOKEN_DAYS = int(os.environ.get("DUDAO_TOKEN_DAYS", "90"))
# The address printed under 公示 QR codes (e.g. https://dudao.example.gov.cn); empty: the address in use.
DUDAO_PUBLIC_BASE_URL = os.environ.get("DUDAO_PUBLIC_BASE_URL", "")
# Parent notices (告知书): default link lifetime, SMS backend (dotted path, see dudao/notices/sms.py), the class-QR
# phone check (tries, then a wait) and opens per link per minute. The bare insert endpoint exists only for
# bench.receipts_load and is never enabled in production.
# Audiences above this many students are sent by a background job (a city-wide letter reaches a million parents).
DUDAO_NOTICE_SYNC_LIMIT = int(os.environ.get("DUDAO_NOTICE_SYNC_LIMIT", "30000"))
DUDAO_NOTICE_LINK_DAYS = int(os.environ.get("DUDAO_NOTICE_LINK_DAYS", "30"))
DUDAO_SMS_BACKEND = os.environ.get("DUDAO_SMS_BACKEND", "dudao.notices.sms.OutboxBackend")
DUDAO_NOTICE_VERIFY_TRIES = int(os.environ.get("DUDAO_NOTICE_VERIFY_TRIES", "3"))
DUDAO_NOTICE_VERIFY_WAIT_MINUTES = int(os.environ.get("DUDAO_NOTICE_VERIFY_WAIT_MINUTES", "15"))
DUDAO_NOTICE_OPENS_PER_MINUTE = int(os.environ.get("DUDAO_NOTICE_OPENS_PER_MINUTE", "30"))
DUDAO_NOTICE_BAD_TOKENS_PER_MINUTE = int(os.environ.get("DUDAO_NOTICE_BAD_TOKENS_PER_MINUTE", "60"))
DUDAO_NOTICE_STUCK_MINUTES = int(os.environ.get("DUDAO_NOTICE_STUCK_MINUTES", "20"))
DUDAO_BENCH_BARE_ENDPOINT = env_flag("DUDAO_BENCH_BARE_ENDPOINT")
# Messages to staff (消息中心, docs/消息中心.md): 企业微信 and 钉钉 work-app messages (a channel is on when its id and
# secret are set), SMS to staff phones through DUDAO_SMS_BACKEND when switched on; base URLs for a proxy or tests.
DUDAO_WECOM_CORP_ID = os.environ.get("DUDAO_WECOM_CORP_ID", "")
DUDAO_WECOM_AGENT_ID = os.environ.get("DUDAO_WECOM_AGENT_ID", "")
DUDAO_WECOM_SECRET = os.environ.get("DUDAO_WECOM_SECRET", "")
DUDAO_WECOM_BASE_URL = os.environ.get("DUDAO_WECOM_BASE_URL", "https://qyapi.weixin.qq.com")
DUDAO_DINGTALK_APP_KEY = os.environ.get("DUDAO_DINGTALK_APP_KEY", "")
DUDAO_DINGTALK_APP_SECRET = os.environ.get("DUDAO_DINGTALK_APP_SECRET", "")
DUDAO_DINGTALK_AGENT_ID = os.environ.get("DUDAO_DINGTALK_AGENT_ID", "")
DUDAO_DINGTALK_BASE_URL = os.environ.get("DUDAO_DINGTALK_BASE_URL", "https://oapi.dingtalk.com")
DUDAO_MESSAGING_SMS = env_flag("DUDAO_MESSAGING_SMS")
DUDAO_MESSAGING_TIMEOUT = float(os.environ.get("DUDAO_MESSAGING_TIMEOUT", "5"))
DUDAO_MESSAGING_MAX_ATTEMPTS = int(os.environ.get("DUDAO_MESSAGING_MAX_ATTEMPTS", "5"))
# 督办单 still unanswered this many days after its deadline are escalated to the issuing leader (催办 comes first).
DUDAO_SUPERVISION_ESCALATE_DAYS = int(os.environ.get("DUDAO_SUPERVISION_ESCALATE_DAYS", "3"))
# An import still “running” after this long is taken for one whose server process was killed (导入记录).
DUDAO_IMPORT_STALE_MINUTES = int(os.environ.get("DUDAO_IMPORT_STALE_MINUTES", "60"))
# 下载中心: exports above this many rows run as background jobs; their files are kept this many days; a job still
# queued or running after this many minutes is taken for one whose worker died.
DUDAO_EXPORT_SYNC_LIMIT = int(os.environ.get("DUDAO_EXPORT_SYNC_LIMIT", "3000"))
DUDAO_EXPORT_KEEP_DAYS = int(os.environ.get("DUDAO_EXPORT_KEEP_DAYS", "7"))
DUDAO_EXPORT_STALE_MINUTES = int(os.environ.get("DUDAO_EXPORT_STALE_MINUTES", "60"))
DUDAO_UPLOAD_MAX_BYTES = int(os.environ.get("DUDAO_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = DUDAO_UPLOAD_MAX_BYTES + 1024 * 1024
# Duty (值班值守): shifts started by this local time without a sign-in show red for the unit's head and district.
# A page about more units than this (a city's 1,500 schools) shows one line per district, to drill into.
DUDAO_DETAIL_LIMIT = int(os.environ.get("DUDAO_DETAIL_LIMIT", "200"))
DUDAO_DUTY_SIGNIN_DEADLINE = os.environ.get("DUDAO_DUTY_SIGNIN_DEADLINE", "09:30")
# Terms for drill coverage: the month-day each term starts (autumn term from 09-01, spring term from 02-01).
DUDAO_TERM_STARTS = [d for d in os.environ.get("DUDAO_TERM_STARTS", "02-01,09-01").split(",") if d]
# Briefings (调度通报): the weekly briefing is generated on this weekday (1 = Monday … 7 = Sunday) at this local time.
DUDAO_BRIEFING_WEEKDAY = int(os.environ.get("DUDAO_BRIEFING_WEEKDAY", "1"))
DUDAO_BRIEFING_TIME = os.environ.get("DUDAO_BRIEFING_TIME", "08:00")
# Indicator summary (领导驾驶舱): stored figures older than this are recomputed live; a write to a module that
# contributes figures queues one refresh this many seconds later (further writes meanwhile join it).
DUDAO_SUMMARY_MAX_AGE_MINUTES = int(os.environ.get("DUDAO_SUMMARY_MAX_AGE_MINUTES", "60"))
DUDAO_SUMMARY_DEBOUNCE_SECONDS = int(os.environ.get("DUDAO_SUMMARY_DEBOUNCE_SECONDS", "60"))
# Share of 自查 close-outs verified inside a school that the district spot-checks (整改台账 抽查复核).
DUDAO_SELF_CHECK_RECHECK_SHARE = float(os.environ.get("DUDAO_SELF_CHECK_RECHECK_SHARE", "0.10"))
# A report's repeating table posts one field per cell (up to 1,000 rows); an oversized table must reach the
# form's own check ("最多填 N 行") instead of Django's bare 400.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 60_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "dudao" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("DUDAO_MEDIA_ROOT", VAR_DIR / "media"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "dudao", "url": REDIS_URL, "immediate": False, "utc": False}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "dudao",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": env_flag("DUDAO_HUEY_IMMEDIATE"),
        # Periodic tasks run on Beijing time (Django sets the process TZ from TIME_ZONE), not UTC.
        "utc": False,
    }
# Rate limits (parent-notice opens, bad tokens) and shared versions (the health tables) must count once for all
# worker processes and servers, so production never runs on the per-process local-memory cache: Redis when
# REDIS_URL is set, else the database (table `dudao_cache`, created by `migrate`). Development and demo boxes
# (one process under runserver) keep local memory.
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    # While Redis does not answer, the cache falls back to the database table (core.cache.ResilientRedisCache):
    # rate limits keep counting once for all workers instead of failing every request.
    CACHES = {
        "default": {
            "BACKEND": "dudao.core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
elif DEBUG or DUDAO_DEMO:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "dudao.core.cache.DatabaseCache",
            "LOCATION": "dudao_cache",
            # Expired rows are deleted once the table passes this size (every write counts the rows, so keep it
            # modest); rate-limit buckets live 90 seconds.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DUDAO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# 任务分解: term starts and holidays that resolve 开学前 / 暑假期间 (month, day); override with
# DUDAO_BREAKDOWN_AUTUMN_TERM=09-01 and DUDAO_BREAKDOWN_SPRING_TERM=02-20.
BREAKDOWN_CALENDAR = {
    "autumn_term": tuple(int(x) for x in os.environ.get("DUDAO_BREAKDOWN_AUTUMN_TERM", "09-01").split("-")),
    "spring_term": tuple(int(x) for x in os.environ.get("DUDAO_BREAKDOWN_SPRING_TERM", "02-20").split("-")),
}

# 一生一案: keys for case files encrypted at rest. Comma-separated base64url 32-byte keys, the first current; keep
# older keys after it until `manage.py rotate_case_keys` has re-encrypted everything. Development, demo and tests
# fall back to a fixed, public key (logged loudly); production refuses to start without real keys.
DUDAO_CASE_KEYS = [k.strip() for k in os.environ.get("DUDAO_CASE_KEYS", "").split(",") if k.strip()]
if not DUDAO_CASE_KEYS and not DEBUG and not DUDAO_DEMO:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("生产环境必须通过环境变量 DUDAO_CASE_KEYS 提供个案加密密钥（见 docs/一生一案.md）")
DUDAO_CASE_BREAK_GLASS_HOURS = int(os.environ.get("DUDAO_CASE_BREAK_GLASS_HOURS", "24"))
DUDAO_CASE_RETENTION_YEARS = int(os.environ.get("DUDAO_CASE_RETENTION_YEARS", "5"))
DUDAO_CASE_FULLTIME_THRESHOLD = int(os.environ.get("DUDAO_CASE_FULLTIME_THRESHOLD", "1000"))
DUDAO_CASE_ATTACHMENT_MAX_BYTES = int(os.environ.get("DUDAO_CASE_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
DUDAO_DROPOUT_MIN_DAYS = int(os.environ.get("DUDAO_DROPOUT_MIN_DAYS", "3"))
# 晨午检: classes not checked by this local time show red; unacknowledged alerts escalate after these hours.
HEALTH_CHECK_DEADLINE = os.environ.get("DUDAO_HEALTH_CHECK_DEADLINE", "09:00")
HEALTH_NOON_DEADLINE = os.environ.get("DUDAO_HEALTH_NOON_DEADLINE", "14:30")
HEALTH_EVENING_DEADLINE = os.environ.get("DUDAO_HEALTH_EVENING_DEADLINE", "20:00")
HEALTH_ESCALATE_HOURS = float(os.environ.get("DUDAO_HEALTH_ESCALATE_HOURS", "2"))
# Rule 1 (same class, similar symptoms): cases in one day / over 3 consecutive days.
HEALTH_CLASS_DAY_THRESHOLD = int(os.environ.get("DUDAO_HEALTH_CLASS_DAY_THRESHOLD", "3"))
HEALTH_CLASS_3DAY_THRESHOLD = int(os.environ.get("DUDAO_HEALTH_CLASS_3DAY_THRESHOLD", "5"))
HEALTH_SUPPLY_MIN_DAYS = int(os.environ.get("DUDAO_HEALTH_SUPPLY_MIN_DAYS", "30"))
# 门卫登记: visitor records (personal data) are purged this many days after the visit.
DUDAO_VISITOR_RETENTION_DAYS = int(os.environ.get("DUDAO_VISITOR_RETENTION_DAYS", "30"))
# 食堂与食品安全: lunch 留样 and 陪餐 are due by this local time (HH:MM).
DUDAO_CANTEEN_DEADLINE = os.environ.get("DUDAO_CANTEEN_DEADLINE", "14:00")
# 投诉与建议: public submissions allowed per client address within the window.
DUDAO_COMPLAINTS_PER_ADDRESS = int(os.environ.get("DUDAO_COMPLAINTS_PER_ADDRESS", "5"))
DUDAO_COMPLAINTS_WINDOW_SECONDS = int(os.environ.get("DUDAO_COMPLAINTS_WINDOW_SECONDS", "3600"))
# 部门协同: requests to the partners' public task pages per client address and minute (reads and posts together).
DUDAO_PARTNER_LINK_PER_MINUTE = int(os.environ.get("DUDAO_PARTNER_LINK_PER_MINUTE", "30"))
# 学生欺凌防治: the guardians' intake link's budget per client address, and the step deadlines in school days
# (e.g. DUDAO_BULLYING_DEADLINES="accept=1,investigate=10"; defaults in dudao/bullying/selectors.py).
DUDAO_BULLYING_PER_ADDRESS = int(os.environ.get("DUDAO_BULLYING_PER_ADDRESS", "5"))
DUDAO_BULLYING_WINDOW_SECONDS = int(os.environ.get("DUDAO_BULLYING_WINDOW_SECONDS", "3600"))
DUDAO_BULLYING_DEADLINES = {
    k.strip(): int(v)
    for k, _, v in (p.partition("=") for p in os.environ.get("DUDAO_BULLYING_DEADLINES", "").split(","))
    if k.strip() and v.strip().isdigit()
}
# 校园安保与三防: one more guard per this many enrolled students; guards a boarding school needs at night.
DUDAO_GUARD_STUDENTS_PER_GUARD = int(os.environ.get("DUDAO_GUARD_STUDENTS_PER_GUARD", "1000"))
DUDAO_GUARD_BOARDING_NIGHT = int(os.environ.get("DUDAO_GUARD_BOARDING_NIGHT", "2"))
# 维修改造项目: repair works estimated at this many yuan or more must be filed (备案/审批) before they start.
DUDAO_PROJECT_FILING_THRESHOLD = int(os.environ.get("DUDAO_PROJECT_FILING_THRESHOLD", "10000"))
