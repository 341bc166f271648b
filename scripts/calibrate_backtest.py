"""Calibrate the uncertain parameters on 2019–2022 and check them on 2023–2025.

Usage (from the repository root, in the project's environment)::

    python scripts/calibrate_backtest.py            # fit and print the tables (Markdown)
    python scripts/calibrate_backtest.py --write    # also store the values in the default dataset

The method is :mod:`aralnexus.backtest.calibrate` (coordinate search, fit years only). ``--write``
sets each chosen value in ``src/aralnexus/data/default/*.csv`` and its ``sources.csv`` row to
``kind = calibrated`` with the method, the fitted value, the prior and the reason. Re-running
starts from the stored values (a withdrawal scale is relative to the stored profile).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

from aralnexus.backtest.calibrate import KNOBS, METHOD, Calibration, Knob, calibrate
from aralnexus.data.dataset import TABLE_SPECS, default_dir
from aralnexus.scenario import load_scenario


def _fmt(value: float, digits: int = 1) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def markdown(cal: Calibration) -> str:
    """Return the tables of a calibration as Markdown (values, errors before/after, plant means)."""
    lines = ["| parameter | prior | calibrated |", "|---|---|---|"]
    lines += [f"| `{k}` | {cal.priors[k]:g} | {v:g} |" for k, v in cal.values.items()]
    lines += ["", "| period | group | n | MAE % before | MAE % after | RMS km3 before | RMS km3 after |"]
    lines += ["|---|---|---|---|---|---|---|"]
    merged = cal.before.merge(cal.after, on=["period", "group"], suffixes=("_b", "_a"))
    for r in merged.to_dict(orient="records"):
        lines.append(
            f"| {r['period']} | {r['group']} | {int(r['n_a'])} | {_fmt(r['mae_pct_b'])} | {_fmt(r['mae_pct_a'])} "
            f"| {_fmt(r['rms_b'], 2)} | {_fmt(r['rms_a'], 2)} |"
        )
    lines += ["", "| plant | published TWh | before TWh | after TWh | error % after |", "|---|---|---|---|---|"]
    plants = cal.plants_before.merge(cal.plants_after, on=["plant", "published_twh"], suffixes=("_b", "_a"))
    for r in plants.to_dict(orient="records"):
        lines.append(
            f"| {r['plant']} | {r['published_twh']:.3f} | {r['model_twh_b']:.3f} | {r['model_twh_a']:.3f} "
            f"| {r['error_pct_a']:+.1f} |"
        )
    return "\n".join(lines)


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _number(value: float) -> str:
    return f"{value:g}" if abs(value - round(value)) > 1e-9 else str(round(value))


def write_values(cal: Calibration, folder: Path) -> list[str]:
    """Store the calibrated values and their source rows; return what changed."""
    src_header, sources = _read(folder / "sources.csv")
    by_key = {(r["table"], r["element"], r["attribute"]): r for r in sources}
    changed = []
    for knob in KNOBS:
        if knob.name not in cal.values:
            continue
        value, prior = cal.values[knob.name], cal.priors[knob.name]
        header, rows = _read(folder / f"{knob.table}.csv")
        cells = _cells(knob, rows, value)
        _write(folder / f"{knob.table}.csv", header, rows)
        for element, attribute, new in cells:
            row = by_key[(knob.table, element, attribute)]
            was = f"{row['kind']}: {row['note']}".strip()
            row.update(
                value=new,
                kind="calibrated",
                source="calibrated",
                note=f"calibrated ({METHOD}): {_describe(knob, value, prior)}; reason: {knob.reason}; was {was}",
            )
        changed.append(f"{knob.name}: {prior:g} -> {value:g}")
    _write(folder / "sources.csv", src_header, sources)
    return changed


def _describe(knob: Knob, value: float, prior: float) -> str:
    if knob.table == "withdrawals":
        return f"the derived monthly profile scaled by {value:g}"
    return f"{value:g} (prior {prior:g}, candidates {', '.join(f'{c:g}' for c in knob.candidates)})"


def _cells(knob: Knob, rows: list[dict[str, str]], value: float) -> list[tuple[str, str, str]]:
    """Set the knob in the table rows; return ``(element, attribute, new value)`` of every cell changed."""
    out = []
    if knob.table == "withdrawals":
        for row in rows:
            if row["point"] == knob.element:
                row["withdrawal_m3s"] = _number(round(float(row["withdrawal_m3s"]) * value, 1))
                out.append((f"{row['point']}/{row['month']}", "withdrawal_m3s", row["withdrawal_m3s"]))
        return out
    key = TABLE_SPECS[knob.table][0][0]
    for row in rows:
        if row[key] == knob.element:
            row[knob.attribute] = _number(value)
            out.append((knob.element, knob.attribute, row[knob.attribute]))
    return out


def main(argv: list[str]) -> int:
    """Run the calibration; with ``--write`` store the values."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the values in the default dataset")
    parser.add_argument("--passes", type=int, default=1, help="rounds of the coordinate search")
    args = parser.parse_args(argv)
    scenario = load_scenario("default")
    cal = calibrate(scenario, passes=args.passes, log=lambda text: sys.stderr.write(text + "\n"))
    sys.stdout.write(markdown(cal) + "\n")
    if args.write:
        for line in write_values(cal, default_dir()):
            sys.stderr.write(f"stored {line}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
