"""Settings, all read from environment variables with safe defaults for the embedded mode
(SQLite, local files, the local job runner). See the table in README.md."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from .env import SettingError, env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "insecure-embedded-dev-key-set-SECRET_KEY-in-production"
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
# PRODUCTION=true declares a deployment: it refuses to start with the development key (or a short one) and
# turns the HTTPS settings below on by default. See "Controls" in docs/security.md.
PRODUCTION = env_bool("PRODUCTION", False)
if PRODUCTION and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise SettingError(
        "PRODUCTION=true needs SECRET_KEY set to a long random value (50+ characters), not the development key"
    )
if PRODUCTION and DEBUG:
    raise SettingError("PRODUCTION=true and DEBUG=true together would show debug pages to the public")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (only then: the header is trusted as given).
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Only behind a proxy that sets X-Forwarded-Host itself (otherwise a client could choose the host).
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# The address users reach the app at: absolute links in e-mails, calendar feeds and TileJSON start with it
# (`make demo` sets it from HOST and PORT; behind a TLS proxy set it to the https address).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# The map background: a tile URL template (the council's own tile server, or OS Maps API with its
# key), or "none" for no background. Pages never load anything from another host unless set here.
BASEMAP_URL = env_str("BASEMAP_URL", "none")
BASEMAP_ATTRIBUTION = env_str("BASEMAP_ATTRIBUTION", "")
BASEMAP_MAX_ZOOM = env_int("BASEMAP_MAX_ZOOM", 19)

# Share links (viewer app): the longest a link may be valid for, and the face detector that blurs photos
# served through a link (the CenterFace ONNX model, fetched by `make install`; docs/viewer.md).
SHARE_LINK_MAX_DAYS = env_int("SHARE_LINK_MAX_DAYS", 90)
FACE_MODEL_PATH = Path(env_str("FACE_MODEL_PATH", str(BASE_DIR / ".models" / "centerface.onnx")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from this app, not a CDN
    "django_htmx",
    "axes",
    "csp",
    "notify",
    "accounts",
    "booking",
    "policy",
    "surveys",
    "processing",
    "inspection",
    "detection",
    "viewer",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # answers a locked-out sign-in with 429
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx for the fragment endpoints
    "csp.middleware.CSPMiddleware",  # the Content-Security-Policy header (CONTENT_SECURITY_POLICY below)
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.context_processors.site",  # the basemap settings, for the map scripts
                "notify.context_processors.notifications",  # the unread count in the header
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, job runner) share one SQLite file: wait for locks instead of failing.
    # IMMEDIATE transactions wait for the write lock (up to `timeout`) instead of failing at once with
    # "database is locked" when two writers meet; WAL lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests use a file (not memory) so that worker subprocesses and the browser's server share it.
    # SQLITE_TEST_NAME lets two test runs on one machine keep apart.
    DATABASES["default"]["TEST"] = {
        "NAME": env_str("SQLITE_TEST_NAME", str(BASE_DIR / ".test-db.sqlite3"))
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling and lock-out (django-axes): accounts.backends.LoginThrottleBackend counts failures.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_HOURS", 1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Leaflet and its plugins come from the npm registry at install time (package.json), not the repo.
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", BASE_DIR / "node_modules")]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Where uploads in progress are kept until complete and verified.
UPLOAD_TEMP_DIR = Path(env_str("UPLOAD_TEMP_DIR", str(MEDIA_ROOT / "_incoming")))
UPLOAD_MAX_FILE_BYTES = env_int("UPLOAD_MAX_FILE_BYTES", 20 * 1024**3)
# Per survey: what is stored plus what is being uploaded (a day's survey with video is tens of GB).
UPLOAD_MAX_SURVEY_BYTES = env_int("UPLOAD_MAX_SURVEY_BYTES", 500 * 1024**3)
UPLOAD_MAX_SURVEY_FILES = env_int("UPLOAD_MAX_SURVEY_FILES", 20_000)
UPLOAD_ABANDON_HOURS = env_int("UPLOAD_ABANDON_HOURS", 48)
# Decompression-bomb limits, checked from file headers before any pixel is decoded (docs/security.md).
UPLOAD_MAX_IMAGE_PIXELS = env_int("UPLOAD_MAX_IMAGE_PIXELS", 80_000_000)
UPLOAD_MAX_IMAGE_BYTES = env_int("UPLOAD_MAX_IMAGE_BYTES", 512 * 1024**2)
UPLOAD_MAX_RASTER_PIXELS = env_int("UPLOAD_MAX_RASTER_PIXELS", 2_000_000_000)
# A flight recorded with take-off or landing further than this outside its scheduled slot needs a
# reason, which is sent to the policy officers.
FLIGHT_TIME_TOLERANCE_MINUTES = env_int("FLIGHT_TIME_TOLERANCE_MINUTES", 30)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 64 * 1024**2)

# Storage: local files by default; S3-compatible object storage when a bucket is named.
S3_BUCKET = env_str("S3_BUCKET", "")
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("S3_REGION", "") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", "") or None,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Downloads are permission-checked views (MEDIA_ROOT is never served openly). Who sends the bytes once the check
# passed: "django" streams them; "x-accel-redirect" (nginx, an `internal` location at FILE_SERVING_INTERNAL_PREFIX
# aliasing MEDIA_ROOT) and "x-sendfile" (Apache mod_xsendfile, lighttpd) hand the file to the web server;
# "s3-presigned" redirects to a short-lived presigned URL of the bucket.
FILE_SERVING_MODES = ("django", "x-accel-redirect", "x-sendfile", "s3-presigned")
FILE_SERVING = env_choice("FILE_SERVING", FILE_SERVING_MODES, "s3-presigned" if S3_BUCKET else "django")
FILE_SERVING_INTERNAL_PREFIX = env_str("FILE_SERVING_INTERNAL_PREFIX", "/protected-media/")
FILE_SERVING_URL_SECONDS = env_int("FILE_SERVING_URL_SECONDS", 300)
if FILE_SERVING == "s3-presigned" and not S3_BUCKET:
    raise SettingError("FILE_SERVING=s3-presigned needs S3_BUCKET (files are in local storage)")
if FILE_SERVING in ("x-accel-redirect", "x-sendfile") and S3_BUCKET:
    raise SettingError(f"FILE_SERVING={FILE_SERVING} serves local files; with S3_BUCKET use s3-presigned or django")
if not (FILE_SERVING_INTERNAL_PREFIX.startswith("/") and FILE_SERVING_INTERNAL_PREFIX.endswith("/")):
    raise SettingError(f"FILE_SERVING_INTERNAL_PREFIX={FILE_SERVING_INTERNAL_PREFIX!r} must start and end with /")
if not 1 <= FILE_SERVING_URL_SECONDS <= 7 * 24 * 3600:
    raise SettingError(f"FILE_SERVING_URL_SECONDS={FILE_SERVING_URL_SECONDS} must be 1 to 604800 (7 days)")

# Content-Security-Policy (django-csp): scripts only from this site, never inline (page data travels in
# json_script elements and data- attributes), no plugins, no framing. Images may also come from the basemap's
# tile host, from SITE_URL (TileJSON and map data give absolute tile links built from it, which differ from the
# page's own origin when the app is reached by another name) and, with presigned S3 downloads, from the bucket's
# host (an <img> of a download is redirected there).
def _origin_of(url: str) -> str | None:
    """The CSP source for the host of a URL template such as https://{s}.tile.example/{z}/{x}/{y}.png: a
    placeholder in the leftmost label becomes the wildcard CSP allows there; relative URLs are 'self'."""
    from urllib.parse import urlsplit

    url = (url or "").strip()
    if url.lower() in {"", "none"} or (url.startswith("/") and not url.startswith("//")):
        return None
    parts = urlsplit(url if "//" in url else f"https://{url}")
    host = parts.netloc.rsplit("@", 1)[-1]
    labels = host.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    if any("{" in label for label in labels) or not parts.netloc:
        raise SettingError(f"cannot take a host for the Content-Security-Policy from {url!r}")
    return f"{parts.scheme or 'https'}://{'.'.join(labels)}"


_csp_file_hosts = []
if FILE_SERVING == "s3-presigned":
    _csp_file_hosts.append(_origin_of(env_str("S3_ENDPOINT_URL", "")) or "https://*.amazonaws.com")
_csp_site = [o for o in [_origin_of(SITE_URL)] if o]
_csp_img = ["'self'", "data:", "blob:", *_csp_site, *filter(None, [_origin_of(BASEMAP_URL)]), *_csp_file_hosts]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Inline styles, not needed by Leaflet (it styles through element.style, which CSP does not govern:
        # tests/web/test_csp.py) but by the spend bars' style="" widths, the print pages' <style> blocks,
        # Swagger UI's page (drf-spectacular's <style>) and ReDoc (styled-components adds <style> elements).
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": _csp_img,
        "connect-src": ["'self'", *_csp_site, *_csp_file_hosts],
        "media-src": ["'self'", "blob:", *_csp_file_hosts],
        "worker-src": ["'self'", "blob:"],  # ReDoc's search index runs in a worker made from a blob
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Real data for tests, benchmarks and the demo (never copied into the repository).
SHARED_DATA_DIR = Path(env_str("SHARED_DATA_DIR", str(BASE_DIR.parent / "shared" / "data")))

# Jobs: with REDIS_URL set, Celery workers run them; without, `manage.py run_jobs` does.
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 10)
JOB_STALE_AFTER_SECONDS = env_int("JOB_STALE_AFTER_SECONDS", 120)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
# Where a job keeps the outputs of its finished stages until it publishes them (shared disk lets a retry on
# another machine resume from the last finished stage; local disk makes it redo those stages).
# Empty means MEDIA_ROOT/_jobs, resolved when a job runs.
JOB_WORK_DIR = env_str("JOB_WORK_DIR", "")
# With Celery, `celery -A config beat` hands jobs whose worker died back to the queue every minute.
CELERY_BEAT_SCHEDULE = {
    "reclaim-stale-jobs": {"task": "processing.reclaim_stale_jobs", "schedule": 60.0},
    "send-outbox": {"task": "notify.send_outbox", "schedule": 30.0},  # retries of e-mail that failed
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "drones@council.example")
# Notifications go to an outbox in the database; run_jobs, Celery beat or `manage.py send_outbox` send them.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_MAX_ATTEMPTS = env_int("EMAIL_MAX_ATTEMPTS", 5)
EMAIL_RETRY_SECONDS = env_int("EMAIL_RETRY_SECONDS", 60)
if EMAIL_MAX_ATTEMPTS < 1 or EMAIL_RETRY_SECONDS < 1 or EMAIL_TIMEOUT < 1:
    raise SettingError("EMAIL_MAX_ATTEMPTS, EMAIL_RETRY_SECONDS and EMAIL_TIMEOUT must be at least 1")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Throttles per client (anonymous: by address; signed-in: by user), rates from the environment.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/minute"),
        "user": env_str("API_THROTTLE_USER", "2000/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Council drone surveys API",
    "DESCRIPTION": "Flight requests, call-off orders, policy checks, deliveries and map tiles.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and Swagger UI are for signed-in users only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files: /api/docs/ works with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `status` field; give each enum its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "FlightRequestStatusEnum": "booking.models.RequestStatus",
        "OrderStatusEnum": "booking.models.OrderStatus",
        "FlightStatusEnum": "booking.models.FlightStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
