"""Production settings, each in a process of its own as a deployment starts them: the documented environment passes
`check --deploy` (and fails it while anyone has the demo password), development defaults are refused, and the site
answers over HTTPS only, with HSTS and the Content Security Policy."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_GUIDE = ROOT / "docs" / "deploy.md"


def documented_environment() -> dict[str, str]:
    """The environment block of docs/deploy.md, as an operator would copy it."""
    text = DEPLOY_GUIDE.read_text(encoding="utf-8")
    block = re.search(r"<!-- documented-environment -->\s*```env\n(.*?)```", text, re.S).group(1)
    return dict(line.split("=", 1) for line in block.splitlines() if line and not line.startswith("#"))


def base_environment(tmp_path) -> dict[str, str]:
    """The documented environment with a real secret key and files of the test's own."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_SETTINGS"))}
    env.pop("REDIS_URL", None)
    env.update(documented_environment())
    env["SECRET_KEY"] = secrets.token_urlsafe(64)
    env["AUDIT_KEY"] = secrets.token_urlsafe(48)
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    return env


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory) -> Path:
    """A database migrated once for the module; each test gets a copy of the file."""
    folder = tmp_path_factory.mktemp("production-database")
    database = folder / "migrated.sqlite3"
    env = {**base_environment(folder), "DATABASE_URL": f"sqlite:///{database}"}
    run(env, "manage.py", "migrate", "--noinput", "-v0", check=True)
    return database


@pytest.fixture
def deployment(tmp_path, migrated_database):
    """The documented environment with a real secret key and a migrated database of the test's own."""
    database = tmp_path / "production.sqlite3"
    shutil.copyfile(migrated_database, database)
    return {**base_environment(tmp_path), "DATABASE_URL": f"sqlite:///{database}"}


def run(env, *arguments, check=False):
    return subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=check
    )


def test_the_documented_environment_passes_the_deploy_check(deployment):
    result = run(deployment, "manage.py", "check", "--deploy")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_fails_while_an_active_account_has_the_demo_password(deployment):
    local = {**deployment, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    make = (
        "from users.models import User; from users.backends import DEMO_PASSWORD; "
        "u = User(username='coordinator', is_staff=True); u.set_password(DEMO_PASSWORD); u.save()"
    )
    run(local, "manage.py", "shell", "-c", make, check=True)
    failed = run(deployment, "manage.py", "check", "--deploy")
    assert failed.returncode == 1
    assert "tracker.E001" in failed.stderr and "coordinator" in failed.stderr
    run(local, "manage.py", "shell", "-c", "from users.models import User; User.objects.update(is_active=False)")
    assert run(deployment, "manage.py", "check", "--deploy").returncode == 0


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "development-only-insecure-key-never-use-in-production"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short-but-random-Xq7"}, "SECRET_KEY"),
        ({"SECRET_KEY": documented_environment()["SECRET_KEY"]}, "SECRET_KEY"),  # the guide's placeholder
        ({"AUDIT_KEY": None}, "AUDIT_KEY"),
        ({"AUDIT_KEY": "development-only-audit-key-never-use-in-production"}, "AUDIT_KEY"),
        ({"AUDIT_KEY": "short-audit-key-Xq7"}, "AUDIT_KEY"),
        ({"AUDIT_KEY": documented_environment()["AUDIT_KEY"]}, "AUDIT_KEY"),  # the guide's placeholder
        ({"DEBUG": "true"}, "DEBUG"),
        ({"EMAIL_URL": None}, "EMAIL_URL"),
        ({"WEBHOOK_ALLOW_HTTP": "true"}, "WEBHOOK_ALLOW_HTTP"),
    ],
    ids=[
        "no-key",
        "development-key",
        "short-key",
        "placeholder-key",
        "no-audit-key",
        "development-audit-key",
        "short-audit-key",
        "placeholder-audit-key",
        "debug",
        "no-email",
        "http-webhooks",
    ],  # fmt: skip
)
def test_production_refuses_development_defaults(deployment, change, complaint):
    env = dict(deployment)
    for key, value in change.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    result = run(env, "-c", "import django; django.setup()")  # loading the settings is where they are refused
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr and complaint in result.stderr


REQUESTS = """
import json, django
django.setup()
from django.test import Client
client = Client()
answers = {}
for name, path, extra in [
    ("http", "/admin/login/", {}),
    ("https", "/admin/login/", {"secure": True}),
    ("proxied", "/admin/login/", {"HTTP_X_FORWARDED_PROTO": "https"}),
    ("health", "/health/", {}),
]:
    response = client.get(path, HTTP_HOST="tracker.example.go.jp", **extra)
    answers[name] = {"status": response.status_code, "headers": dict(response.headers)}
print(json.dumps(answers))
"""


def answers(env) -> dict:
    result = run(env, "-c", REQUESTS)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_https_only_with_hsts_and_the_content_security_policy(deployment, tmp_path):
    deployment["STATIC_ROOT"] = str(tmp_path / "static")
    run(deployment, "manage.py", "collectstatic", "--noinput", "-v0", check=True)
    direct = answers({**deployment, "BEHIND_PROXY": "false"})
    assert direct["http"]["status"] == 301
    assert direct["http"]["headers"]["Location"] == "https://tracker.example.go.jp/admin/login/"
    assert direct["proxied"]["status"] == 301  # no proxy is trusted: the header a client sends proves nothing
    assert direct["health"]["status"] in (200, 503)  # the load balancer's plain-http probe is never redirected
    secure = direct["https"]
    assert secure["status"] == 200
    assert secure["headers"]["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    policy = secure["headers"]["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert secure["headers"]["X-Frame-Options"] == "DENY"
    assert "Secure" in secure["headers"].get("Set-Cookie", "Secure")

    behind = answers(deployment)  # BEHIND_PROXY=true, as documented: the proxy's X-Forwarded-Proto is believed
    assert behind["proxied"]["status"] == 200
    assert behind["proxied"]["headers"]["Strict-Transport-Security"].startswith("max-age=31536000")
    assert behind["http"]["status"] == 301

    redirect_off = answers({**deployment, "SECURE_SSL_REDIRECT": "false"})
    assert redirect_off["http"]["status"] == 200  # a proxy that redirects itself
