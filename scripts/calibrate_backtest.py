"""Calibrate the uncertain parameters on 2019–2022 and check them on 2023–2025.

Usage (from the repository root, in the project's environment)::

    python scripts/calibrate_backtest.py            # fit and print the tables (Markdown)
    python scripts/calibrate_backtest.py --write    # also store the values in the default dataset
    python scripts/calibrate_backtest.py --only thermal.dushanbe2_chp.availability --write   # one part

The method is :mod:`aralnexus.backtest.calibrate` (coordinate search, fit years only). ``--write``
sets each chosen value in ``src/aralnexus/data/default/*.csv`` and its ``sources.csv`` row to
``kind = calibrated`` with the method, the fitted value, the prior and the reason. The fit starts
from each knob's stated prior and a withdrawal scale multiplies the stated profile
(``base_withdrawal_m3s``), so re-running (with or without ``--write``) gives the same values.
``--only`` fits the named knobs and holds every other one at its stored value (a part of the fit
re-run after a change that concerns only that part).
"""

from __future__ import annotations

import argparse
import math
import sys

from aralnexus.backtest.calibrate import Calibration, calibrate, select_knobs, write_values
from aralnexus.data.dataset import default_dir
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


def main(argv: list[str]) -> int:
    """Run the calibration; with ``--write`` store the values."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the values in the default dataset")
    parser.add_argument("--passes", type=int, default=1, help="rounds of the coordinate search")
    parser.add_argument(
        "--only", action="append", default=[], metavar="KNOB", help="fit only this knob (table.element.attribute)"
    )
    args = parser.parse_args(argv)
    try:
        knobs = select_knobs(args.only)
    except ValueError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    scenario = load_scenario("default")
    cal = calibrate(scenario, knobs, passes=args.passes, log=lambda text: sys.stderr.write(text + "\n"))
    sys.stdout.write(markdown(cal) + "\n")
    if args.write:
        for line in write_values(cal.values, default_dir(), knobs):
            sys.stderr.write(f"stored {line}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
