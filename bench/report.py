"""Medians, ratios, the printed table and the JSON file of a benchmark run."""

from __future__ import annotations

import json
import math
import textwrap
from dataclasses import asdict
from pathlib import Path

from bench.measure import Sample, median
from bench.scenarios import Scenario

METRICS = ("requests_per_op", "op_s", "wall_s", "peak_rss_mib")
HEADER = ("", "requests/op", "time/op s", "time/task s", "run wall s", "peak RSS MiB")


def summarise(samples: list[Sample], tasks_per_op: int | None) -> dict[str, object]:
    """Medians over the repeats, the per-task time for Ansible sides, and the raw samples."""
    summary: dict[str, object] = {metric: median([getattr(s, metric) for s in samples]) for metric in METRICS}
    if tasks_per_op:
        summary["tasks_per_op"] = tasks_per_op
        summary["task_s"] = float(summary["op_s"]) / tasks_per_op
    for key in samples[0].extra if samples else ():
        summary[key] = median([s.extra[key] for s in samples])
    summary["samples"] = [asdict(s) for s in samples]
    return summary


def ratios(ours: dict[str, object], other: dict[str, object]) -> dict[str, float]:
    """ours / other for every metric: below 1 means ours needs less."""
    out: dict[str, float] = {}
    for metric in METRICS:
        denominator = float(other[metric])
        out[metric] = float(ours[metric]) / denominator if denominator else math.nan
    return out


def scenario_result(scenario: Scenario, loops: int, samples: dict[str, list[Sample]]) -> dict[str, object]:
    """Everything about one scenario, as it goes into the JSON file; ratios keyed "numerator/denominator"."""
    sides = {side.key: summarise(samples[side.key], side.tasks) for side in scenario.sides}
    return {
        "name": scenario.name,
        "title": scenario.title,
        "loops": loops,
        "labels": {side.key: side.label for side in scenario.sides},
        "sides": sides,
        "ratios": {f"{num}/{den}": ratios(sides[num], sides[den]) for _label, num, den in scenario.ratios},
    }


def _row(label: str, cells: list[str]) -> str:
    return f"  {label:<24}" + "".join(f"{cell:>14}" for cell in cells)


def _side_row(label: str, side: dict[str, object]) -> str:
    task = f"{float(side['task_s']):.3f}" if "task_s" in side else "-"
    return _row(
        label,
        [
            f"{float(side['requests_per_op']):.2f}",
            f"{float(side['op_s']):.3f}",
            task,
            f"{float(side['wall_s']):.2f}",
            f"{float(side['peak_rss_mib']):.1f}",
        ],
    )


def _ratio_row(label: str, values: dict[str, float]) -> str:
    cells = [f"{values[m]:.2f}x" for m in METRICS]
    return _row(label, [*cells[:2], "-", *cells[2:]])


def format_scenario(scenario: Scenario, result: dict[str, object]) -> str:
    """The block the console shows for one scenario."""
    sides: dict[str, dict[str, object]] = result["sides"]  # type: ignore[assignment]
    rats: dict[str, dict[str, float]] = result["ratios"]  # type: ignore[assignment]
    lines = [
        f"{result['name']} (K={result['loops']} a run): {result['title']}",
        _row(HEADER[0], list(HEADER[1:])),
        *(_side_row(side.label, sides[side.key]) for side in scenario.sides),
        *(_ratio_row(label, rats[f"{num}/{den}"]) for label, num, den in scenario.ratios),
    ]
    logins = [
        f"{side.label} {float(sides[side.key]['logins_per_run']):.0f}"
        for side in scenario.sides
        if side.logins != "never"
    ]
    if logins:
        lines.append("  logins a run (request log): " + ", ".join(logins))
    if scenario.note:
        lines.extend(textwrap.wrap(scenario.note, width=110, initial_indent="  ", subsequent_indent="  "))
    if "sdk" in sides:
        sdk = sides["sdk"]
        lines.append(
            f"  SDK set-up (SpeckleClient + authenticate_with_token): {float(sdk['setup_requests']):.0f} requests, "
            f"{float(sdk['setup_s']):.3f} s; import {float(sdk['import_s']):.3f} s. Not in its time/op."
        )
    return "\n".join(lines)


def write_json(path: Path, document: dict[str, object]) -> None:
    """Write the results as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")
