"""What identifies a run and how it is recorded: :class:`RunRecord` and the stable run id."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from aralnexus import __version__
from aralnexus.vocab import RUN_STATUSES, MemberStatus, RunKind, RunStatus

if TYPE_CHECKING:
    from aralnexus.scenario.model import Scenario


#: Statuses of a finished run (visible in ``results list`` by default).
COMPLETE_STATUSES: tuple[RunStatus, ...] = tuple(s for s in RUN_STATUSES if s != "running")


def run_key(
    scenario_hash: str,
    seed: int,
    hydrology: str,
    start: str,
    end: str,
    resolution: str = "monthly",
    kind: str = "run",
) -> str:
    """Return the stable run id: the first 12 hex digits of a SHA-256 of what defines the run.

    Two runs with the same scenario content, seed, hydrology, horizon, resolution and kind get the
    same id, so saving again reuses the stored run (or replaces it when forced).
    """
    text = "|".join([scenario_hash, str(int(seed)), hydrology, start, end, resolution, kind])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class MemberRecord:
    """One ensemble member as the store records it (see :meth:`aralnexus.store.Store.save_member`).

    Parameters
    ----------
    member
        Member number.
    summary
        ``members`` summary numbers (keys among ``schema.MEMBER_SUMMARY_COLUMNS``; absent → NULL).
    metrics
        Long ``country, year, metric, value, unit`` rows (a DataFrame or an Arrow table), or ``None``.
    status
        ``done``, ``failed`` or ``infeasible``.
    started_at, finished_at
        When it started and finished (``finished_at`` ``None``: when it is written).
    error
        What went wrong, if anything.
    """

    member: int
    summary: Mapping[str, float | int | None]
    metrics: pd.DataFrame | pa.Table | None = None
    status: MemberStatus = "done"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str = ""


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


@dataclass(frozen=True)
class RunRecord:
    """Identity, provenance and status of one run.

    Parameters
    ----------
    scenario_name, scenario_hash, scenario_file
        The scenario's name, content hash (SHA-256 of the resolved content) and file.
    seed
        Seed of the hydrology generator (or of anything random in the run).
    hydrology
        Hydrology label, e.g. ``median`` or ``synthetic #3 (seed 42)``.
    start, end
        Horizon, inclusive months ``YYYY-MM``.
    resolution
        ``monthly`` or ``hourly``.
    kind
        What produced the run: ``run`` (pathway), ``optimise``, ``simulate`` or ``ensemble``.
    hydrology_derived
        True when the inflows are derived (not observed records) — reports say ``DERIVED``.
    description
        Scenario description.
    status
        ``ok``, ``infeasible``, ``failed`` or ``running`` (an ensemble still in progress).
    started_at, finished_at
        Wall-clock start and end of the computation.
    n_members
        Number of ensemble members (0 for a single run).
    overrides
        ``(path, default, value)`` for each value the scenario changed.
    sources
        The scenario dataset's sources table (``table, element, attribute, value, kind, source,
        note``), stored with the run for provenance.
    package_version
        Version of aralnexus that produced the run.
    """

    scenario_name: str
    scenario_hash: str
    scenario_file: str
    seed: int
    hydrology: str
    start: str
    end: str
    resolution: str = "monthly"
    kind: RunKind = "run"
    hydrology_derived: bool = True
    description: str = ""
    status: RunStatus = "ok"
    started_at: datetime = field(default_factory=_now)
    finished_at: datetime | None = None
    n_members: int = 0
    overrides: tuple[tuple[str, str, str], ...] = ()
    sources: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    package_version: str = __version__

    @property
    def run_id(self) -> str:
        """The stable run id (see :func:`run_key`)."""
        return run_key(self.scenario_hash, self.seed, self.hydrology, self.start, self.end, self.resolution, self.kind)

    def finished(self, status: RunStatus = "ok", at: datetime | None = None) -> RunRecord:
        """Return a copy marked finished now (or ``at``) with ``status``."""
        return replace(self, status=status, finished_at=at or _now())

    @classmethod
    def from_scenario(
        cls,
        scenario: Scenario,
        *,
        kind: RunKind = "run",
        seed: int | None = None,
        status: RunStatus = "ok",
        n_members: int = 0,
        started_at: datetime | None = None,
    ) -> RunRecord:
        """Build the record of a run of ``scenario`` (seed defaults to the hydrology seed)."""
        hydro = scenario.hydrology
        return cls(
            scenario_name=scenario.name,
            scenario_hash=scenario.content_hash,
            scenario_file=scenario.file,
            seed=hydro.seed if seed is None else seed,
            hydrology=hydro.label,
            start=scenario.start,
            end=scenario.end,
            resolution=scenario.resolution,
            kind=kind,
            hydrology_derived=hydro.kind != "record",
            description=scenario.description,
            status=status,
            started_at=started_at or _now(),
            n_members=n_members,
            overrides=tuple((o.path, o.default, o.value) for o in scenario.overrides),
            sources=scenario.dataset.sources,
        )
