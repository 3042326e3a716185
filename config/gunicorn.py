"""gunicorn's settings for the web processes (`gunicorn -c config/gunicorn.py config.wsgi`), from the environment.

Its own lines are JSON like the app's (LOG_FORMAT=plain for text); each access line names the request id the app
returned in X-Request-ID, the id in the app's lines for that request and in those of the tasks it queued."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project, read before gunicorn loads the app
from config.log_formats import formatters  # noqa: E402

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# The reverse proxy's address: only from there are X-Forwarded-* headers believed by gunicorn (Django reads them
# where BEHIND_PROXY is set).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'

_format = os.environ.get("LOG_FORMAT", "json")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": formatters(),
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": _format, "stream": "ext://sys.stdout"}},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
