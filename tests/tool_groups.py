"""Test groups that need a program from outside Python (a browser, the gettext tools).

A group runs when its programs are found. Otherwise its tests are left out and the reason is printed at the start
and the end of the run. With REQUIRE_ALL_TEST_GROUPS=1 (as .ci/run sets it) a missing program stops the run
instead, so the full suite cannot pass with a group quietly left out.
"""

from __future__ import annotations

import os
import shutil

import pytest

# group marker -> programs it needs; each entry lists names any one of which will do
TOOL_GROUPS: dict[str, tuple[tuple[str, ...], ...]] = {
    "browser": (("chromium", "chromium-browser", "google-chrome"), ("chromedriver",), ("npm",)),
    "gettext": (("xgettext",), ("msgmerge",)),
    "redis_server": (("redis-server",),),
    "postgres_server": (("initdb",), ("pg_ctl",), ("runuser",)),
}
GROUP_HELP = {
    "browser": "drives the admin in headless Chromium and checks pages with axe-core, fetched by npm (Debian: apt "
    "install chromium chromium-driver fonts-noto-cjk npm)",
    "gettext": "checks the translation catalogue against the source (Debian: apt install gettext)",
    "redis_server": "starts a Redis of its own and freezes it mid-conversation (Debian: apt install redis-server)",
    "postgres_server": "restarts a PostgreSQL cluster of its own under load, run by the postgres user (Debian: apt "
    "install postgresql; initdb and pg_ctl on PATH, from /usr/lib/postgresql/<version>/bin)",
}


def find_program(names: tuple[str, ...]) -> str | None:
    """Full path of the first of `names` on PATH."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def missing_programs(group: str) -> list[str]:
    """The programs `group` needs that are not on PATH (named by their first choice)."""
    return [names[0] for names in TOOL_GROUPS[group] if find_program(names) is None]


def pytest_configure(config):
    for group in TOOL_GROUPS:
        config.addinivalue_line("markers", f"{group}: {GROUP_HELP[group]}")
    config._left_out_groups = {group: missing for group in TOOL_GROUPS if (missing := missing_programs(group))}
    if config._left_out_groups and os.environ.get("REQUIRE_ALL_TEST_GROUPS") == "1":
        raise pytest.UsageError(
            "REQUIRE_ALL_TEST_GROUPS=1 but these test groups cannot run: " + describe(config._left_out_groups)
        )


def describe(left_out: dict[str, list[str]]) -> str:
    return "; ".join(
        f"{group} ({', '.join(missing)} not found: {GROUP_HELP[group]})" for group, missing in left_out.items()
    )


def pytest_report_header(config):
    left_out = config._left_out_groups
    ran = [group for group in TOOL_GROUPS if group not in left_out]
    lines = [f"test groups needing outside programs: selected {', '.join(ran) or 'none'}"]
    if not services_leg():
        lines.append("services_leg tests left out: they run with DATABASE_URL (PostgreSQL) and REDIS_URL set")
    if left_out:
        lines.append("left out: " + describe(left_out))
    return lines


def services_leg() -> bool:
    """Whether this run has PostgreSQL and Redis (the second leg of .ci/run): the `services_leg` tests run only
    there (they add their own servers' faults to that leg; the embedded leg has its own equivalents)."""
    return os.environ.get("DATABASE_URL", "").startswith("postgres") and bool(os.environ.get("REDIS_URL"))


def pytest_collection_modifyitems(config, items):
    left_out = set(config._left_out_groups) | (set() if services_leg() else {"services_leg"})
    if not left_out:
        return
    kept, dropped = [], []
    for item in items:
        (dropped if any(item.get_closest_marker(group) for group in left_out) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_terminal_summary(terminalreporter, config):
    if config._left_out_groups:
        terminalreporter.write_line(
            "Test groups left out (install the programs to run them): " + describe(config._left_out_groups),
            yellow=True,
        )
