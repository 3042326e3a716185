"""Production settings: refuse development defaults, HTTPS only (HSTS, redirect, secure cookies), second factor
required, static files through WhiteNoise, logs as JSON lines. `docs/deploy.md` lists the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import AUDIT_KEY, DEVELOPMENT_AUDIT_KEY, DEVELOPMENT_SECRET_KEY, SECRET_KEY, env

if env.bool("DEBUG", default=False):
    raise ImproperlyConfigured("DEBUG is for development only: unset it (or set DEBUG=false) in production.")
DEBUG = False
if (
    SECRET_KEY == DEVELOPMENT_SECRET_KEY
    or SECRET_KEY.startswith("replace-with")  # the placeholder of docs/deploy.md
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a long random value (50 characters or more): the development key is refused in production."
    )

if AUDIT_KEY == DEVELOPMENT_AUDIT_KEY or AUDIT_KEY.startswith("replace-with") or len(AUDIT_KEY) < 32:
    raise ImproperlyConfigured(
        "Set AUDIT_KEY to a long random value (32 characters or more), kept outside the database and its backups: "
        "it seals the history and the security log, and the development key is refused in production."
    )

if not (env.str("EMAIL_URL", default="") or env.str("EMAIL_BACKEND", default="")):
    raise ImproperlyConfigured(
        "Set EMAIL_URL (e.g. smtp+tls://user:password@mail.example.go.jp:587): reminders go by email."
    )

# HTTPS only. Behind a reverse proxy that terminates TLS, set BEHIND_PROXY=true (base.py then trusts its
# X-Forwarded-Proto); SECURE_SSL_REDIRECT=false leaves the redirect to the proxy.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Asking browsers to preload the domain is its owner's decision (a government domain's often is made for the
    # whole domain); without it the deploy check's reminder about preloading is silenced, not the rest.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the load balancer asks over plain http inside the network
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Coordinators, directors and superusers sign in with a second factor.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# The demo password is refused at login, when set, and by seed_demo; `check --deploy` fails while anyone has it.
REFUSE_DEMO_PASSWORD = True

# WhiteNoise serves the collected static files (python manage.py collectstatic) from the app itself.
MIDDLEWARE = [MIDDLEWARE[0], MIDDLEWARE[1], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[2:]]  # noqa: F405

# Logs: one JSON object per line, with the request id (also in the lines Celery tasks write for that request).
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")  # noqa: F405

# Plain-http webhooks are for development and the tests only.
if WEBHOOK_ALLOW_HTTP:  # noqa: F405
    raise ImproperlyConfigured("WEBHOOK_ALLOW_HTTP is for development only: production webhooks use https.")
