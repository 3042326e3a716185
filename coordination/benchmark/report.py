"""The benchmark's report: a Markdown file with the figures, the ratios to the baseline, the targets, a plot of
latency against table size (an SVG file beside it, drawn here: no plotting library) and the query plans."""

from __future__ import annotations

import html
import math
from pathlib import Path

from .load import throughput_turns
from .reference import ROUND_TRIPS

TARGETS = {
    "list": "throughput >= 0.8x the baseline, p95 < 50 ms (search: p95 < 100 ms)",
    "write": "median < 30 ms, at most 12 queries",
    "admin": "median < 300 ms",
    "sweep": "within 2x the raw SQL of its due set",
}
# What the targets are set for: the full run (`make bench`): its largest table, and how long it measures each path.
TARGET_ITEMS, FULL_ROUNDS, FULL_THROUGHPUT_SECONDS = 100_000, 60, 16.0
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]


def _verdict(row: dict) -> str:
    path = row["path"]
    if path.startswith("list"):
        limit = 100 if "search" in path else 50
        good = row["p95_ms"] < limit and row["throughput_ratio"] >= 0.8
    elif path.startswith("admin"):
        good = row["median_ms"] < 300
    else:
        good = row["median_ms"] < 30 and row["queries"] <= 12
    return "met" if good else "**missed**"


def _spread(row: dict) -> str:
    """The lowest and highest ratio of one window to the baseline's beside it, where the run kept them."""
    spread = row.get("throughput_ratio_range")
    return f" ({spread[0]}-{spread[1]})" if spread else ""


def _api_table(run: dict) -> list[str]:
    lines = [
        "| path | role | median ms | p95 ms | queries | rows | baseline median / p95 ms | req/s (4 conn.) "
        "| baseline req/s | ratio | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in run["api"] + run["admin"]:
        base = row.get("baseline")
        lines.append(
            f"| {row['path']} | {row['role']} | {row['median_ms']} | {row['p95_ms']} | {row['queries']} | "
            f"{row.get('rows', '-')} | "
            + (f"{base['median_ms']} / {base['p95_ms']} | " if base else "- | ")
            + (f"{row['throughput']['per_second']} | {row['baseline_throughput']['per_second']} | " if base else "-|-|")
            + (f"{row['throughput_ratio']}x{_spread(row)} | " if base else "- | ")
            + f"{_verdict(row)} |"
        )
    return lines


def _visibility_lines(runs: list[dict]) -> list[str]:
    """The liaison's default list at each size beside the concurrences of the data set: what the visibility selector
    (items the agency leads, or on which it was asked to concur) costs as they grow. The agency's own concurrences
    grow with the data set's, every copy holding the same share."""
    sized = [
        (run["data_set"]["concurrences"], row)
        for run in runs
        for row in run["api"]
        if row["path"] == "list default" and row["role"] == "mod-liaison"
    ]
    if len(sized) < 2:
        return []
    lines = ["## The liaison's visibility against the concurrences", ""]
    lines += [
        f"- {concurrences:,} concurrences: median {row['median_ms']} ms, p95 {row['p95_ms']} ms "
        f"(baseline {row['baseline']['median_ms']} ms), {row['queries']} queries."
        for concurrences, row in sized
    ]
    (fewest, first), (most, last) = sized[0], sized[-1]
    lines += [
        f"- {most / fewest:.1f}x the concurrences: the median is {last['median_ms'] / first['median_ms']:.2f}x, "
        f"the baseline's {last['baseline']['median_ms'] / first['baseline']['median_ms']:.2f}x.",
        "",
    ]
    return lines


def _sweep_lines(run: dict) -> list[str]:
    sweep = run["sweep"]
    verdict = "met" if sweep["ratio_to_raw_sql"] <= 2 else "**missed**"
    lines = [
        f"- Due set: raw SQL {sweep['raw_sql_ms']} ms ({sweep['raw_sql_due_rows']} rows); `reminders_due` "
        f"{sweep['reminders_due_ms']} ms ({sweep['due_reminders']} reminders, {sweep['reminders_due_queries']} "
        f"queries, peak {sweep['reminders_due_peak_mb']} MB): **{sweep['ratio_to_raw_sql']}x** ({verdict}).",
        f"- Sweep recording them: {sweep['sweep_ms']} ms ({sweep['sweep_recorded']} new ledger rows beside "
        f"{sweep['ledger_rows_before']}); a second sweep at the same moment: {sweep['second_sweep_ms']} ms, "
        f"{sweep['second_sweep_recorded']} new, {sweep['second_sweep_queries']} queries, peak "
        f"{sweep['second_sweep_peak_mb']} MB.",
        f"- `verify_audit`: {run['verify_audit']['rows']} sealed rows in {run['verify_audit']['seconds']} s "
        f"({run['verify_audit']['rows_per_second']} rows/s), {'intact' if run['verify_audit']['ok'] else 'FAILED'}.",
        f"- Web processes' peak memory: master {run['web_peak_memory_mb']['master']} MB, workers "
        f"{', '.join(str(value) for value in run['web_peak_memory_mb']['workers'])} MB.",
    ]
    outbox, digests = run.get("outbox_relay"), run.get("digests")
    if outbox:
        lines.append(
            f"- Outbox relay: {outbox['messages']} messages published to {outbox['broker']} in {outbox['seconds']} s "
            f"({outbox['per_second']}/s, {outbox['queries_per_message']} queries each)."
        )
    if digests and "skipped" in digests:
        lines.append(f"- Digests through a worker: skipped ({digests['skipped']}).")
    elif digests:
        lines.append(
            f"- Digests through one worker (concurrency {digests['worker_concurrency']}): {digests['digests']} in "
            f"{digests['seconds']} s ({digests['per_second']}/s, {digests['emails']} emails; relay "
            f"{digests['relay_seconds']} s)."
        )
    return lines


def plot_svg(runs: list[dict]) -> str:
    """Median latency (ms) of each path against the number of items, one line per path, log-scaled sizes."""
    series: dict[str, list[tuple[int, float]]] = {}
    for run in runs:
        for row in run["api"] + run["admin"]:
            key = f"{row['path']} ({row['role']})"
            series.setdefault(key, []).append((run["items"], row["median_ms"]))
            if row.get("baseline"):
                series.setdefault(f"baseline {row['path']} ({row['role']})", []).append(
                    (run["items"], row["baseline"]["median_ms"])
                )
    width, height, left, bottom, top = 900, 520, 60, 40, 20
    legend_x = 560
    sizes = sorted({run["items"] for run in runs})
    highest = max((value for points in series.values() for _size, value in points), default=1)
    low, high = math.log10(min(sizes)), math.log10(max(sizes))

    def x(size):
        span = (high - low) or 1
        return left + (math.log10(size) - low) / span * (legend_x - left - 40)

    def y(value):
        return height - bottom - value / highest * (height - bottom - top)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
        'font-size="11">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{legend_x - 20}" y2="{height - bottom}" stroke="#000"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#000"/>',
        f'<text x="{left}" y="{top - 5}">median ms (max {highest:.0f})</text>',
    ]
    for size in sizes:
        parts.append(f'<text x="{x(size):.0f}" y="{height - bottom + 15}" text-anchor="middle">{size:,}</text>')
    for tick in range(0, 5):
        value = highest * tick / 4
        parts.append(f'<text x="{left - 5}" y="{y(value):.0f}" text-anchor="end">{value:.0f}</text>')
    for index, (name, points) in enumerate(sorted(series.items())):
        colour = COLOURS[index % len(COLOURS)]
        dash = ' stroke-dasharray="4 3"' if name.startswith("baseline") else ""
        line = " ".join(f"{x(size):.1f},{y(value):.1f}" for size, value in sorted(points))
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.5"{dash}/>')
        legend_y = top + 12 * index
        parts.append(
            f'<line x1="{legend_x}" y1="{legend_y - 4}" x2="{legend_x + 20}" y2="{legend_y - 4}" '
            f'stroke="{colour}"{dash}/><text x="{legend_x + 25}" y="{legend_y}">{html.escape(name)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def reference_lines(machine: dict) -> list[str]:
    """The machine's speed on fixed work at the run's start and end (absent from reports of older runs)."""
    reference = machine.get("reference")
    if not reference:
        return []
    start, end = reference["start"], reference["end"]
    trips = (
        f"; {ROUND_TRIPS} round trips to it {start['round_trips_ms']} ms, {end['round_trips_ms']} ms"
        if "round_trips_ms" in start and "round_trips_ms" in end
        else ""  # runs made before the round trips were timed
    )
    return [
        f"- Machine speed on fixed work (coordination/benchmark/reference.py; compare runs by these, lower is faster): "
        f"Python {start['python_ms']} ms at the start, {end['python_ms']} ms at the end; PostgreSQL "
        f"{start['postgresql_ms']} ms, {end['postgresql_ms']} ms{trips}."
    ]


def _shortened(sql: str, limit: int = 900) -> str:
    """The query's text up to `limit` characters (the column lists are long; the plan says what it does)."""
    return sql if len(sql) <= limit else f"{sql[:limit]} …"


def _window_seconds(options: dict) -> float:
    """How long each throughput window of the run lasted."""
    seconds = float(options["throughput_seconds"])
    return round(seconds / throughput_turns(seconds), 2)


def _scope_lines(document: dict) -> list[str]:
    """For a run smaller or shorter than the full one: what its marks against the targets are worth."""
    options = document["options"]
    largest = max(run["items"] for run in document["runs"])
    if (
        largest >= TARGET_ITEMS
        and options["rounds"] >= FULL_ROUNDS
        and options["throughput_seconds"] >= FULL_THROUGHPUT_SECONDS
    ):
        return []
    return [
        f"- The targets are set for {TARGET_ITEMS:,} items measured over {FULL_ROUNDS} requests a path and "
        f"{FULL_THROUGHPUT_SECONDS:g} s of throughput a side (`make bench`, BENCHMARKS.md). This run is smaller or "
        f"shorter ({largest:,} items at most, {options['rounds']} requests, {options['throughput_seconds']:g} s "
        "a side): its marks show the way, not the verdict. A fixed cost weighs more in a small table, and a short "
        "window catches more of whatever else the machine is doing, so its ratios move more from run to run."
    ]


def report_write(document: dict, output: Path) -> None:
    runs = document["runs"]
    machine = document["machine"]
    plot = output.with_suffix(".svg")
    plot.write_text(plot_svg(runs))
    lines = [
        "# Benchmarks",
        "",
        "Measured by `manage.py benchmark` (`make bench`, or `make bench-quick` for smaller sizes) on scratch "
        "PostgreSQL databases: the data set is built for each size, two gunicorn sync workers serve it with the "
        "production code paths, and each list path is interleaved with a baseline view on the same server (same "
        "token authentication, throttle, visibility selector, filters and ordering, the page's rows from "
        "`.values()`): request by request for latency, in alternating windows (path, baseline, baseline, path, ...) "
        f"of {_window_seconds(document['options']):g} s for throughput, beside each ratio the lowest and highest "
        "ratio of one window to the baseline's beside it. Rerun it to replace this file.",
        "",
        f"- Measured: {document['measured_at']} on {machine['machine']}; Python {machine['python']}, Django "
        f"{machine['django']}, PostgreSQL {machine['postgresql']}, {machine['gunicorn_workers']} gunicorn workers.",
        *reference_lines(machine),
        f"- Options: {document['options']}.",
        "- Targets: " + "; ".join(f"{name}: {text}" for name, text in TARGETS.items()) + ".",
        *_scope_lines(document),
        "",
        f"![Median latency against table size]({plot.name})",
        "",
    ]
    for run in runs:
        data = run["data_set"]
        lines += [
            f"## {run['items']:,} items",
            "",
            f"{data['items']:,} items ({data['walked_through_services']} walked through the services, the rest "
            f"copies of them in {data['copies']} copies), {data['concurrences']:,} concurrences, "
            f"{data['progress_updates']:,} progress updates, {data['extension_requests']:,} extension requests, "
            f"{data['reminders']:,} ledger rows, {data['history_rows']:,} sealed history rows, "
            f"{data['initiatives']} initiatives; filled in {data['fill_seconds']} s.",
            "",
            *_api_table(run),
            "",
            *_sweep_lines(run),
            "",
        ]
    lines += [*_visibility_lines(runs), "## Query plans", ""]
    for run in runs:
        lines += [f"### {run['items']:,} items", ""]
        for plan in run["plans"]:
            lines += [
                f"**{plan['name']}** ({plan['queries']} queries; the slowest, {plan['ms']} ms):",
                "",
                "```",
                _shortened(plan["sql"]),
                "",
                plan["plan"],
                "```",
                "",
            ]
    output.write_text("\n".join(lines))
