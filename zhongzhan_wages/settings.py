"""Settings, read from the environment so the same code runs on a clerk's PC (SQLite) and in production.

Environment variables: DJANGO_SECRET_KEY, DJANGO_DEBUG, DJANGO_LOCAL_DEV, DJANGO_ALLOWED_HOSTS, DATABASE_URL,
CELERY_BROKER_URL, MEDIA_ROOT, STATIC_ROOT, the HTTPS switches (DJANGO_SECURE_*) and DJANGO_NUM_PROXIES; README
"Configuration" lists them all.
"""

import contextlib
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _local_dev_secret_key(path: Path) -> str:
    """A random key made on first use and kept in var/ (ignored by git and docker): one per clone, never shared."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f"{path.name}.{os.getpid()}")
    draft.write_text(secrets.token_urlsafe(50))
    draft.chmod(0o600)
    try:
        # link() refuses an existing target: when the web server and the worker start together, one key wins
        # and neither reads a half-written file.
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip()


DEBUG = env_bool("DJANGO_DEBUG", False)
# The secret key. Production sets DJANGO_SECRET_KEY; without it, and with DEBUG off, the app refuses to start
# rather than sign sessions with a key anyone could know. Two local paths need no setup from the user:
# - local development, i.e. DEBUG on or DJANGO_LOCAL_DEV=1 (the Makefile exports it, so `make run`, `make test`
#   and .ci/run qualify): a random key generated once into var/secret_key;
# - the test suite (pytest, or `manage.py test`): a fixed key, as a test process never serves anyone.
# docker-compose sets neither, so a production container without the secret stops with this message.
RUNNING_TESTS = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
LOCAL_DEV = DEBUG or env_bool("DJANGO_LOCAL_DEV", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if RUNNING_TESTS:
        SECRET_KEY = "tests-only-key-never-used-to-serve-anyone-0123456789-abcdefghij"
    elif LOCAL_DEV:
        SECRET_KEY = _local_dev_secret_key(BASE_DIR / "var" / "secret_key")
    else:
        raise ImproperlyConfigured(
            "未设置 DJANGO_SECRET_KEY，拒绝启动（生产环境必须设置，见 README“配置”）。本机开发请用 make run，"
            "或设置 DJANGO_LOCAL_DEV=1。 DJANGO_SECRET_KEY is required when DEBUG is off."
        )
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",  # API tokens (stored hashed, with an expiry): REST_KNOX below
    # Login throttling (AXES_* below); the subclass only names the app in Chinese for the admin.
    "zhongzhan_wages.apps.AxesConfig",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    "common",
    "projects",
    "deposits",
    "clues",
    "supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a lockout flagged during authentication into the response (common.views.login_locked_out).
    "axes.middleware.AxesMiddleware",
]
# Axes' backend comes first: it refuses a locked-out username before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "zhongzhan_wages.urls"
WSGI_APPLICATION = "zhongzhan_wages.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "common.context_processors.calendar_banner",
                "common.context_processors.access",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run`: the web server and the Celery worker write one SQLite file. WAL lets pages read while the
    # other process writes; IMMEDIATE takes the write lock at BEGIN, so a transaction waits for it (up to
    # `timeout` seconds) instead of failing with "database is locked" when it upgrades from read to write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )

# The cache holds background jobs' progress (common.jobs): the polling page must see it while the job's own
# transaction is still open, so it can't live in that database. DJANGO_CACHE_URL=redis://… in production
# (web and worker are separate containers); a folder under var/ for `make run` (two processes, one machine);
# tests use locmem (tests/conftest.py).
_CACHE_URL = os.environ.get("DJANGO_CACHE_URL", "")
if _CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": _CACHE_URL.removeprefix("file://") or str(BASE_DIR / "var" / "cache"),
        }
    }
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "common.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A government office PC is shared: log out after 30 idle minutes (each request renews the timer).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# HTTPS, when the intranet proxy terminates TLS (docker/.env.example turns all of these on; with them
# `manage.py check --deploy` reports nothing: tests/common/test_security_settings.py). Off by default, so
# `make run` on plain http://127.0.0.1 works.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
# The header the proxy sets to "https" (e.g. X-Forwarded-Proto). Only set it when a proxy always overwrites
# that header: otherwise a client could claim HTTPS itself.
_proxy_ssl_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
# How many proxies stand in front of gunicorn: the API throttle then counts the client's address, not the
# proxy's (DRF NUM_PROXIES; axes reads the same number).
NUM_PROXIES = int(os.environ.get("DJANGO_NUM_PROXIES", "0"))

# Login throttling (django-axes), issue 5 B3: after 5 failures for one username, that username is refused for
# 15 minutes whatever the password, on /login/, /admin/login/ and POST /api/token/. By username only: offices
# share one NAT address, so locking an IP would lock a whole bureau out. A failure while locked does not
# extend the lock. The counter forgets failures after 15 minutes without a new one, and a successful login
# clears it. An admin unlocks at once in 管理后台 › 登录防护 › 登录失败记录 (delete the username's row).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "common.views.login_locked_out"
AXES_IPWARE_PROXY_COUNT = NUM_PROXIES or None
AXES_VERBOSE = False  # one log line per failure is enough; no banner on every start
# axes.W006 asks for "ip_address" in the lockout parameters, against attackers who rotate User-Agents or cookies
# to dodge a username+agent lock. A lock on the username alone cannot be dodged that way, and an IP lock here
# would shut every clerk behind a bureau's NAT out after 5 typos; the token endpoint is throttled per address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# B9: the admin writes dates like common.formats (2026-12-01 16:28), see formats/zh_Hans/formats.py.
FORMAT_MODULE_PATH = ["zhongzhan_wages.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))
if "STATIC_ROOT" not in os.environ:
    # WhiteNoise warns "No directory at …/staticfiles/" on every start when STATIC_ROOT is missing; locally
    # the files come from the finders (below), so an empty folder under var/ is all it needs.
    with contextlib.suppress(OSError):
        STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Issued documents' PDFs (common.documents): private like JOB_FILES_ROOT, outside every URL; web and worker share
# it. DOCUMENT_VERIFY_BASE_URL: the site address printed in each PDF's QR code (default: the first trusted origin).
DOCUMENT_FILES_ROOT = Path(os.environ.get("DOCUMENT_FILES_ROOT", BASE_DIR / "var" / "documents"))
DOCUMENT_VERIFY_BASE_URL = os.environ.get("DOCUMENT_VERIFY_BASE_URL", "")
CLUE_FILES_ROOT = Path(os.environ.get("CLUE_FILES_ROOT", BASE_DIR / "var" / "clue_files"))  # C1, private
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("DJANGO_MANIFEST_STATIC", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# `seed_demo` creates users with a published password: docker-compose (production) turns it off.
DEMO_DATA_ALLOWED = env_bool("DJANGO_ALLOW_DEMO_DATA", True)

# WhiteNoise serves static files straight from the app folders too, so `make run` works with DEBUG off
# (a clerk sees the Chinese 404/500 pages, never Django's debug page) without collectstatic.
WHITENOISE_USE_FINDERS = True
# Only the hashed copies are served in production: halves collectstatic's work on every web start.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True

# Uploads, capped before the body is read. UPLOAD_MAX_BYTES refuses any multipart request whose
# Content-Length is larger (zhongzhan_wages/uploads.py, before Django's parser reads a byte); the reverse
# proxy's limit (nginx client_max_body_size, README "Production") should match it. DATA_UPLOAD_MAX_MEMORY_SIZE
# caps every other body (JSON, forms) the same way; FILE_UPLOAD_MAX_MEMORY_SIZE only decides when an upload is
# spooled to a temporary file instead of memory. The ledger import checks its own, smaller limit.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 12 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "zhongzhan_wages.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
LEDGER_IMPORT_MAX_BYTES = int(os.environ.get("LEDGER_IMPORT_MAX_BYTES", 5 * 1024 * 1024))
# 2,000 rows import in about 11 s here (bench/ledger_bench.py), well inside gunicorn's 120 s timeout.
LEDGER_IMPORT_MAX_ROWS = int(os.environ.get("LEDGER_IMPORT_MAX_ROWS", 2000))

# The API (common/api.py, */api.py). Token first: an anonymous request gets 401 with "WWW-Authenticate: Token"
# (DRF takes the header from the first class); the browser's session works too (CSRF enforced).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "common.api.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # POST /api/token/ per client address, beside axes' per-username lock: slows a spray over many usernames.
    "DEFAULT_THROTTLE_RATES": {"api_token": "10/minute"},
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "common.api.ReadOnlyForLeaders",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "common.api_schema.ErrorDocumentingAutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
}
# API tokens (django-rest-knox; only a hash is stored). Two kinds, told apart by their prefix:
# - a personal token from POST /api/token/: expires after 30 idle minutes like a session (each use renews it,
#   at most once a minute), never lives past 12 hours, and is revoked when its browser session logs out;
# - an integration token an admin issues in 管理后台 › 用户 (action “签发集成令牌”): a fixed lifetime of
#   API_INTEGRATION_TOKEN_DAYS days, never renewed; the admin deletes it to revoke it sooner.
# Leaders get neither unless an admin ticks 允许使用 API 令牌 on their user (common.access.may_use_api_token).
REST_KNOX = {
    "TOKEN_TTL": timedelta(minutes=30),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": timedelta(hours=12),
    "AUTH_HEADER_PREFIX": "Token",
}
API_INTEGRATION_TOKEN_DAYS = int(os.environ.get("API_INTEGRATION_TOKEN_DAYS", "90"))
SPECTACULAR_SETTINGS = {
    # The docs are for whoever may hold a token: the same rule shows the 接口文档 link (templates/base.html).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated", "common.api.MayUseApiToken"],
    "TITLE": "中站区根治欠薪协同办案系统 API",
    "DESCRIPTION": (
        "单位、企业、项目推送（附件1，规则 P1–P6）。\n\n"
        "**认证**：浏览器登录后的会话（写操作须带 CSRF 令牌），或在请求头加 `Authorization: Token <令牌>`。"
        "个人令牌由 `POST /api/token/` 以用户名、密码换取，30分钟无操作即失效（每次使用自动续期，最长12小时），"
        "在浏览器中换取的令牌随退出登录一并作废；对接系统使用管理员签发的集成令牌（固定有效期，默认90天）。"
        "同一用户名连续5次密码错误将锁定15分钟，换取令牌每个地址每分钟最多10次（返回429）。"
        "领导账号须经管理员开通方可使用令牌。\n\n"
        "**权限**：经办人只能查看和修改本单位的数据（其他单位的记录返回404）；人社局、管理员可见全区；"
        "领导账号只读（写操作返回403）。\n\n"
        "**错误**：所有错误均为同一结构 `{code, message, errors}`（见 `Error`）：`code` 为错误代码，"
        "`message` 为中文说明，`errors` 仅在校验错误（400）时出现，按字段列出中文消息，"
        "`non_field_errors` 为不属于某一字段的错误。\n\n"
        "**分页**：`page`、`page_size`（默认50，最多200）；**排序**：`ordering`（前加 `-` 为倒序）。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Government intranet: Swagger UI assets come from drf-spectacular-sidecar (static files), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `kind` field with its own choices: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "InstitutionKindEnum": "deposits.models.InstitutionKind",
        "FundKindEnum": "deposits.models.FundKind",
        "MovementKindEnum": "deposits.models.MovementKind",
        "CategoryEnum": "projects.models.Category",  # keeps the name the projects API had before clues
        "ClueCategoryEnum": "clues.models.Category",
        "ClueStatusEnum": "clues.models.ClueStatus",
        "BlacklistStatusEnum": "supervision.models.BlacklistStatus",
        "MeetingStatusEnum": "supervision.models.MeetingStatus",
        "LetterKindEnum": "clues.models.LetterKind",
        "LetterStatusEnum": "clues.models.LetterStatus",
        "InspectionKindEnum": "supervision.models.InspectionKind",
    },
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True, "displayOperationId": False},
}

# Celery: always a real worker (docs/architecture.md, "Background jobs and make run"). Production sets
# CELERY_BROKER_URL=redis://…; without it (`make run`, a clerk's PC) the broker is kombu's filesystem transport:
# messages are files under var/celery, so the worker needs no server. Tests run tasks eagerly (tests/conftest.py).
CSRF_FAILURE_VIEW = "common.views.csrf_failure"

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "") or "filesystem://localhost//"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"  # beat ignores TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A job takes seconds to minutes: a worker process takes one message at a time, so a second export waits for
# a free process instead of queueing behind a long one that was prefetched.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Tasks take primary keys and are idempotent, so a message is acknowledged only after its task ran: a worker
# killed mid-task (OOM, deploy) leaves the message to be redelivered instead of lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_FS_ROOT = Path(os.environ.get("CELERY_FS_ROOT", BASE_DIR / "var" / "celery"))
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The web server writes a message file into queue/, the worker moves it out (the folders are created by
    # zhongzhan_wages/celery.py). No broadcast on this transport: remote control (`celery inspect`) is off.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FS_ROOT / "queue"),
        "data_folder_out": str(CELERY_FS_ROOT / "queue"),
        "control_folder": str(CELERY_FS_ROOT / "control"),
        "processed_folder": str(CELERY_FS_ROOT / "processed"),
        "store_processed": False,
        "polling_interval": 0.5,
    }
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False

# Background jobs (common.jobs): uploads and result files live here, outside MEDIA_ROOT and STATIC_ROOT, so no
# URL reaches them; only /jobs/<id>/download/ serves a file, to the job's own user. Web and worker must share it.
JOB_FILES_ROOT = Path(os.environ.get("JOB_FILES_ROOT", BASE_DIR / "var" / "jobs"))
JOB_FILES_KEEP_DAYS = 7  # the daily beat task common.tasks.job_files_cleanup deletes older files
# A running job that reported no progress for this long is shown as failed (its worker was killed or restarted).
JOB_STALE_MINUTES = int(os.environ.get("JOB_STALE_MINUTES", "15"))
# `celery worker` lowers its own CPU priority by this much (zhongzhan_wages/celery.py): pages before jobs.
JOB_WORKER_NICE = int(os.environ.get("JOB_WORKER_NICE", "10"))


def _client_errors_in_one_line(record) -> bool:
    """django.request logs a 403 (PermissionDenied) or 400 with the exception's traceback: for a client's error
    (a clerk opening another unit's record) that is a screenful in the console per click. Keep the line
    ("Forbidden (Permission denied): /projects/7/"), drop the traceback; 5xx keep theirs."""
    if getattr(record, "status_code", 500) < 500:
        record.exc_info = None
        record.exc_text = None
    return True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_in_one_line": {
            "()": "django.utils.log.CallbackFilter",
            "callback": _client_errors_in_one_line,
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_errors_in_one_line"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Failures and lockouts are warnings; axes' INFO lines (3 per login) would drown the console.
        "axes": {"level": "WARNING"},
    },
}

# Notifications (common.notifications): the inbox always; e-mail through Django's mail backend — the console in
# `make run` and tests, SMTP from the environment in production (EMAIL_HOST…). Each delivery channel is a backend
# class (common.notifications.NotificationBackend); an SMS gateway is one more entry here.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "zhongzhan-wages@localhost")
NOTIFICATION_BACKENDS = [
    b for b in os.environ.get("NOTIFICATION_BACKENDS", "common.notifications.EmailBackend").split(",") if b
]
