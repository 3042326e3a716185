"""`manage.py benchmark` refuses what it cannot use with a clear error before it makes anything, and its client
talks only to a loopback server it started."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from coordination.benchmark import load
from coordination.benchmark.load import Client, ratio_range, throughput_pair, throughput_turns
from coordination.benchmark.reference import machine_reference
from coordination.benchmark.report import _api_table, _scope_lines, _visibility_lines, reference_lines
from coordination.management.commands.benchmark import _page_rows


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"sizes": "ten thousand"}, "--sizes takes item counts"),
        ({"sizes": "100"}, "at least 300 items"),
        ({"sizes": ""}, "at least 300 items"),
        ({"rounds": 0}, "must be positive"),
        ({"sizes": "1000", "today": "2026-13-45"}, "YYYY-MM-DD"),
    ],
)
def test_bad_options_are_refused_with_a_reason(db, arguments, message, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with pytest.raises(CommandError, match=message):
        call_command("benchmark", **arguments)


def test_it_runs_on_postgresql_only(db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/tracker.sqlite3")
    with pytest.raises(CommandError, match="runs on PostgreSQL"):
        call_command("benchmark", sizes="1000")


@pytest.mark.parametrize("host", ["10.0.0.5", "example.org", "192.168.1.1"])
def test_the_client_refuses_any_server_but_loopback_without_connecting(host):
    with pytest.raises(ValueError, match="loopback"):
        Client(8000, host=host)


@pytest.mark.services_leg  # the fixed query is PostgreSQL's generate_series, as the benchmark runs there only
@pytest.mark.django_db
def test_the_report_states_the_machine_speed_on_fixed_work_at_the_start_and_end():
    reference = machine_reference()
    assert reference["python_ms"] > 0 and reference["postgresql_ms"] > 0 and reference["round_trips_ms"] > 0
    machine = {"reference": {"start": reference, "end": {"python_ms": 1.5, "postgresql_ms": 2.5, "round_trips_ms": 9}}}
    (line,) = reference_lines(machine)
    assert (
        f"Python {reference['python_ms']} ms at the start, 1.5 ms at the end; "
        f"PostgreSQL {reference['postgresql_ms']} ms, 2.5 ms; 500 round trips to it {reference['round_trips_ms']} ms, "
        "9 ms." in line
    )
    # A run from before the round trips were timed, and one from before the reference.
    older = {"reference": {"start": {"python_ms": 1, "postgresql_ms": 2}, "end": {"python_ms": 1, "postgresql_ms": 2}}}
    assert reference_lines(older)[0].endswith("PostgreSQL 2 ms, 2 ms.")
    assert reference_lines({"machine": "x86_64, 2 cores"}) == []


def test_a_path_and_its_baseline_are_measured_in_alternating_windows(monkeypatch):
    """Throughput is taken path, baseline, baseline, path, ...: a machine whose speed drifts weighs on both alike.
    Each side's rate is its requests over its own windows' time."""
    windows = []

    def window(call, *, connections, seconds):
        side = call()
        windows.append((side, connections, seconds))
        return (30, 1.5, 0) if side == "path" else (20, 0.5, 2)  # requests, seconds, failures

    monkeypatch.setattr(load, "_window", window)
    path, baseline = throughput_pair(lambda: "path", lambda: "baseline", connections=4, seconds=8.0, turns=4)
    assert [side for side, _connections, _seconds in windows] == ["path", "baseline", "baseline", "path"] * 2
    assert {(connections, seconds) for _side, connections, seconds in windows} == {(4, 2.0)}
    assert path == {"per_second": 20.0, "failures": 0, "windows": [20.0] * 4}  # 120 requests in 6 s
    assert baseline == {"per_second": 40.0, "failures": 8, "windows": [40.0] * 4}  # 80 in 2 s
    with pytest.raises(ValueError, match="even number"):
        throughput_pair(lambda: "path", lambda: "baseline", connections=1, seconds=1.0, turns=3)


def test_throughput_is_taken_in_windows_of_two_seconds_four_a_side_at_least_and_each_pair_gives_a_ratio():
    """The full run's 16 s a side are eight windows of 2 s; a shorter run still takes four a side (shorter ones). A
    call window and the baseline window beside it make a pair: the report gives the lowest and highest of their
    ratios beside the ratio of the totals, so a reader sees how far one window moves."""
    assert [throughput_turns(seconds) for seconds in (16.0, 8.0, 2.0, 20.0, 17.0)] == [8, 4, 4, 10, 8]
    call = {"per_second": 90.0, "windows": [80.0, 100.0, 90.0, 90.0]}
    baseline = {"per_second": 100.0, "windows": [100.0, 100.0, 90.0, 120.0]}
    assert ratio_range(call, baseline) == [0.75, 1.0]
    assert ratio_range({"per_second": 90.0}, {"per_second": 100.0}) is None  # a run before windows were kept
    timing = {"median_ms": 20.0, "p95_ms": 30.0, "queries": 3, "baseline": {"median_ms": 19.0, "p95_ms": 28.0}}
    row = {"path": "list default", "role": "coordinator", **timing, "throughput": call, "baseline_throughput": baseline}
    _header, _rule, with_range, without = _api_table(
        {
            "api": [
                {**row, "throughput_ratio": 0.9, "throughput_ratio_range": [0.75, 1.0]},
                {**row, "throughput_ratio": 0.9},
            ],
            "admin": [],
        }
    )
    assert "| 90.0 | 100.0 | 0.9x (0.75-1.0) | met |" in with_range
    assert "| 90.0 | 100.0 | 0.9x | met |" in without


def test_the_report_shows_how_many_items_each_list_page_held():
    """A search that finds nothing measures little but the finding: the table says how many items each page showed
    (read from the answer's own results), and '-' for a path that is not a list or an older run without it."""
    assert _page_rows(b'{"next": null, "previous": null, "results": [{"id": 1}, {"id": 2}]}') == 2
    assert _page_rows(b'{"results": []}') == 0
    assert _page_rows(b"<html>Bad gateway</html>") is None and _page_rows(b"[]") is None
    timing = {"median_ms": 20.0, "p95_ms": 30.0, "queries": 3}
    baseline = {"median_ms": 19.0, "p95_ms": 28.0}
    listed = {"path": "list search 防衛", "role": "coordinator", **timing, "rows": 0, "baseline": baseline}
    listed |= {"throughput": {"per_second": 90}, "baseline_throughput": {"per_second": 100}, "throughput_ratio": 0.9}
    older = {**listed, "path": "list default"}
    older.pop("rows")
    header, _rule, searched, default, write = _api_table(
        {"api": [listed, older], "admin": [{"path": "PATCH", "role": "coordinator", **timing}]}
    )
    assert "| queries | rows |" in header
    assert searched.startswith("| list search 防衛 | coordinator | 20.0 | 30.0 | 3 | 0 | 19.0 / 28.0 | 90 | 100 |")
    assert "| 3 | - | 19.0 / 28.0 |" in default
    assert write.startswith("| PATCH | coordinator | 20.0 | 30.0 | 3 | - | - |")


def test_the_report_sets_the_liaisons_list_beside_the_concurrences_at_each_size():
    """The visibility selector's cost against the number of concurrences: one figure per size, then how both grew."""

    def run(concurrences: int, median: float, baseline: float) -> dict:
        rows = [
            {"path": path, "role": role, "median_ms": median, "p95_ms": median + 5, "queries": 3,
             "baseline": {"median_ms": baseline}}
            for path in ("list default", "list search 防衛")
            for role in ("coordinator", "mod-liaison")
        ]  # fmt: skip
        return {"data_set": {"concurrences": concurrences}, "api": rows}

    assert _visibility_lines([run(11_400, 28.0, 27.0)]) == []  # one size says nothing of growth
    lines = _visibility_lines([run(11_400, 28.0, 27.0), run(113_900, 29.4, 27.0)])
    assert lines[2] == "- 11,400 concurrences: median 28.0 ms, p95 33.0 ms (baseline 27.0 ms), 3 queries."
    assert lines[3] == "- 113,900 concurrences: median 29.4 ms, p95 34.4 ms (baseline 27.0 ms), 3 queries."
    assert lines[4] == "- 10.0x the concurrences: the median is 1.05x, the baseline's 1.00x."


def test_a_smaller_or_shorter_run_says_its_marks_against_the_targets_only_show_the_way():
    """The targets are set for the full run; `make bench-quick` (smaller tables, shorter measurements) says so beside
    them, and the full run does not."""

    def document(sizes: tuple[int, ...], rounds: int, seconds: float) -> dict:
        return {"options": {"rounds": rounds, "throughput_seconds": seconds}, "runs": [{"items": n} for n in sizes]}

    assert _scope_lines(document((10_000, 100_000), 60, 16.0)) == []
    (quick,) = _scope_lines(document((1_000, 5_000), 15, 2.0))
    assert "set for 100,000 items" in quick and "(5,000 items at most, 15 requests, 2 s a side)" in quick
    assert _scope_lines(document((10_000, 100_000), 60, 2.0)) and _scope_lines(document((10_000,), 60, 16.0))
