"""Test settings: fast password hashing, email kept in memory."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_ALWAYS_EAGER = False
if REDIS_URL:  # noqa: F405
    # The suite's cache and broker in Redis databases of their own (the end-to-end tests' processes take 13 and
    # down); each throttling test keeps its own key prefix.
    from urllib.parse import urlparse, urlunparse

    CACHES["default"]["LOCATION"] = urlunparse(urlparse(REDIS_URL)._replace(path="/14"))  # noqa: F405
    CELERY_BROKER_URL = urlunparse(urlparse(REDIS_URL)._replace(path="/15"))  # noqa: F405
else:
    # What the suite publishes goes to a folder of its own, never to the one `make run`'s worker reads.
    import atexit
    import shutil
    import tempfile

    _broker = Path(tempfile.mkdtemp(prefix="tracker-test-broker-"))  # noqa: F405
    (_broker / "control").mkdir()
    atexit.register(shutil.rmtree, _broker, True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {  # noqa: F405
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "data_folder_in": str(_broker),
        "data_folder_out": str(_broker),
        "control_folder": str(_broker / "control"),
        "processed_folder": str(_broker / "processed"),
    }

# The tests' webhook receivers listen on 127.0.0.1 over plain http; every other private address stays refused.
WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
WEBHOOK_ALLOW_HTTP = True

# The live server's request threads close their database connection after each request: left open (a client that
# keeps its HTTP connection alive) it would outlive the server and keep the test database from being dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
