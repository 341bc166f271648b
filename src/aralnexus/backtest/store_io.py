"""A backtest as a stored run: ``runs.kind = 'backtest'`` with its comparison rows and modelled storage.

:func:`save_backtest` records a :class:`~aralnexus.backtest.BacktestResult` in one transaction:

- a ``runs`` row (kind ``backtest``; horizon ``<start>-01`` – ``<end>-12``; hydrology the record
  the replay rests on; ``metadata`` with what each replayed year was given);
- ``backtest_comparison``: the comparison table (:data:`~aralnexus.backtest.compare.COMPARISON_COLUMNS`);
- ``backtest_storage``: each reservoir's modelled volume at the start of the replay and at the end
  of every replayed month (:func:`storage_series`);
- ``sources`` and ``overrides`` of the scenario, as every run stores them.

:func:`load_backtest` reads it back as a :class:`StoredBacktest` (what the report and the web pages show).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

import pandas as pd

from aralnexus.backtest import BacktestResult
from aralnexus.backtest.compare import COMPARISON_COLUMNS, GROUPS, group_errors
from aralnexus.errors import InputError, Problem
from aralnexus.scenario.model import Scenario
from aralnexus.store import RunRecord, Store
from aralnexus.vocab import RunKind

BACKTEST_KIND: RunKind = "backtest"
#: ``backtest_storage`` columns.
STORAGE_COLUMNS: tuple[str, ...] = ("plant", "time", "storage_hm3")


def storage_series(result: BacktestResult) -> pd.DataFrame:
    """Modelled volume (hm3) of each reservoir at the start of the replay and at each month's end.

    A month's end is the first day of the next month (``time``), so the series of one plant starts
    on 1 January of ``result.start`` with the replay's start storage.
    """
    res = result.replay.storage  # the registered end-of-month storage (time: the month's start)
    ends = pd.DataFrame(
        {
            "plant": res["plant"].astype(str),
            "time": pd.to_datetime(res["time"]) + pd.offsets.MonthBegin(1),
            "storage_hm3": res["storage_hm3"].astype("float64"),
        }
    )
    start = pd.Timestamp(f"{result.start}-01-01")
    starts = pd.DataFrame(
        {
            "plant": list(result.replay.start_storage_hm3),
            "time": [start] * len(result.replay.start_storage_hm3),
            "storage_hm3": [float(v) for v in result.replay.start_storage_hm3.values()],
        }
    )
    out = pd.concat([starts[starts["plant"].isin(ends["plant"])], ends], ignore_index=True)
    return out.sort_values(["plant", "time"], kind="stable").reset_index(drop=True)[list(STORAGE_COLUMNS)]


def _inputs(result: BacktestResult) -> list[dict[str, Any]]:
    return [
        {
            "year": y.year,
            "inflow_source": dict(y.inflow_source),
            "demand_twh": dict(y.demand_twh),
            "demand_source": dict(y.demand_source),
        }
        for y in result.inputs
    ]


def backtest_record(scenario: Scenario, result: BacktestResult, started_at: datetime | None = None) -> RunRecord:
    """Return the run record of a backtest of ``scenario`` (the id depends on the scenario, years and record)."""
    sources = {str(src) for y in result.inputs for src in y.inflow_source.values()}
    climatology = "climatology" in sources
    parts = ([f"observed record ({result.record})"] if sources - {"climatology"} else []) + (
        ["climatology"] if climatology else []
    )
    base = RunRecord.from_scenario(scenario, kind=BACKTEST_KIND, seed=0, started_at=started_at)
    return replace(
        base,
        hydrology=" + ".join(parts),
        hydrology_derived=climatology,
        start=f"{result.start}-01",
        end=f"{result.end}-12",
    ).finished()


def save_backtest(
    store: Store, scenario: Scenario, result: BacktestResult, *, started_at: datetime | None = None
) -> str:
    """Store a backtest as a run of kind ``backtest`` (replacing an earlier one with the same id); return its id."""
    record = backtest_record(scenario, result, started_at)
    metadata = {
        "backtest_record": result.record,
        "backtest_inputs": _inputs(result),
        "start_storage_hm3": dict(result.replay.start_storage_hm3),
    }
    tables = {"backtest_comparison": result.table, "backtest_storage": storage_series(result)}
    return store.save_run(record, None, replace=True, tables=tables, metadata=metadata)


@dataclass(frozen=True)
class StoredBacktest:
    """A backtest as read from the store.

    Attributes
    ----------
    run_id
        The run.
    start, end
        Replayed calendar years.
    record
        ``dataset`` or the record file the replay used.
    table
        The comparison rows (:data:`~aralnexus.backtest.compare.COMPARISON_COLUMNS`).
    storage
        Modelled storage (:data:`STORAGE_COLUMNS`).
    inputs
        What each replayed year was given (``year``, ``inflow_source``, ``demand_twh``, ``demand_source``).
    """

    run_id: str
    start: int
    end: int
    record: str
    table: pd.DataFrame
    storage: pd.DataFrame
    inputs: tuple[dict[str, Any], ...]

    @property
    def errors(self) -> pd.DataFrame:
        """Mean absolute error per group (:func:`~aralnexus.backtest.compare.group_errors`)."""
        return group_errors(self.table)

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as plain data (tables as lists of records)."""
        out = asdict(self)
        out["table"] = self.table.to_dict(orient="records")
        out["storage"] = self.storage.to_dict(orient="records")
        return out


def is_backtest(run: dict[str, Any]) -> bool:
    """Whether a ``runs`` row is a stored backtest."""
    return run.get("kind") == BACKTEST_KIND


def load_backtest(store: Store, run_id: str) -> StoredBacktest:
    """Read a stored backtest (``run_id`` may be a unique prefix).

    Raises
    ------
    InputError
        If the run is not a backtest.
    """
    full = store.resolve(run_id)
    run = store.run(full)
    if not is_backtest(run):
        hint = "store one with `aralnexus backtest`; `aralnexus results list` shows run kinds"
        raise InputError([Problem(str(store.path), "RUN_ID", "the id of a backtest", f"a {run.get('kind')} run", hint)])
    tables = store.tables(("backtest_comparison", "backtest_storage"), full)
    table = tables["backtest_comparison"].reindex(columns=list(COMPARISON_COLUMNS))
    table["year"] = table["year"].astype("int64")
    order = table["group"].map({g: i for i, g in enumerate(GROUPS)})  # the CLI's order of groups
    table = table.assign(_g=order).sort_values(["_g", "quantity", "element", "period"], kind="stable")
    table = table.drop(columns="_g").reset_index(drop=True)
    storage = tables["backtest_storage"].reindex(columns=list(STORAGE_COLUMNS))
    meta = json.loads(run["metadata"]) if isinstance(run.get("metadata"), str) and run["metadata"] else {}
    return StoredBacktest(
        run_id=full,
        start=int(str(run["horizon_start"])[:4]),
        end=int(str(run["horizon_end"])[:4]),
        record=str(meta.get("backtest_record", "")),
        table=table,
        storage=storage,
        inputs=tuple(meta.get("backtest_inputs", [])),
    )
