"""Production settings: refuse development defaults, secure cookies, static files through WhiteNoise."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEVELOPMENT_SECRET_KEY, SECRET_KEY, env

DEBUG = False
if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 40:
    raise ImproperlyConfigured("Set SECRET_KEY to a long random value: the development key is refused in production.")

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# The demo password is refused at login, when set, and by seed_demo.
REFUSE_DEMO_PASSWORD = True

# WhiteNoise serves the collected static files (python manage.py collectstatic) from the app itself.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]  # noqa: F405

# Plain-http webhooks are for development and the tests only.
if WEBHOOK_ALLOW_HTTP:  # noqa: F405
    raise ImproperlyConfigured("WEBHOOK_ALLOW_HTTP is for development only: production webhooks use https.")
