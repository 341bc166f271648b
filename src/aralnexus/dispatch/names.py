"""Variable and constraint families of the LP and their index maps.

Every family is a dense block of consecutive columns (or rows) with a fixed shape; the index of
element ``(i, j)`` of family ``f`` is ``layout.cols[f].index[i, j]``. Names are module constants,
used both when building and when reading results back.

Column families (unit, shape):

- ``turbine_m3s``       turbined flow per (step, plant)
- ``spill_m3s``         spilled flow per (stage, plant), mean over the stage
- ``storage_hm3``       storage at the end of each (stage, plant)
- ``water_deficit_hm3`` artificial water per (stage, plant); fixed at 0 except when explaining
  an infeasible scenario
- ``thermal_mw``        thermal output per (step, thermal plant)
- ``unserved_mw``       unserved demand per (step, detailed country)
- ``unserved_deep_mw``  unserved demand beyond the first deficit segment per (step, detailed
  country, deeper segment); no segments (last axis 0) unless ``deficit_segment_depth_pct`` is set
- ``flow_fwd_mw``, ``flow_bwd_mw`` sent power per (step, link) in and against the link direction
- ``release_slack_hm3`` shortfall per minimum-release row

Row families: ``water_balance`` (stage, plant), ``power_balance`` (step, country),
``min_release`` (release row), ``import_limit`` (partner, year), ``deficit_segment``
(step, country, deeper segment: unserved − deep ≤ depth · demand).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

TURBINE = "turbine_m3s"
SPILL = "spill_m3s"
STORAGE = "storage_hm3"
WATER_DEFICIT = "water_deficit_hm3"
THERMAL = "thermal_mw"
UNSERVED = "unserved_mw"
UNSERVED_DEEP = "unserved_deep_mw"
FLOW_FWD = "flow_fwd_mw"
FLOW_BWD = "flow_bwd_mw"
RELEASE_SLACK = "release_slack_hm3"

WATER_BALANCE = "water_balance"
POWER_BALANCE = "power_balance"
MIN_RELEASE = "min_release"
IMPORT_LIMIT = "import_limit"
DEFICIT_SEGMENT = "deficit_segment"

COLUMN_FAMILIES = (
    TURBINE,
    SPILL,
    STORAGE,
    WATER_DEFICIT,
    THERMAL,
    UNSERVED,
    FLOW_FWD,
    FLOW_BWD,
    RELEASE_SLACK,
    UNSERVED_DEEP,
)
ROW_FAMILIES = (WATER_BALANCE, POWER_BALANCE, MIN_RELEASE, IMPORT_LIMIT, DEFICIT_SEGMENT)

#: What a family's first axis counts: a time ``step`` (hour or load block), a ``stage`` (month or
#: year), a minimum-``release`` row (each row has its stage), or a ``partner`` (annual rows that
#: span a year's stages). :mod:`aralnexus.dispatch.stages` turns it into the stage of every element.
LeadingAxis = Literal["step", "stage", "release", "partner"]
LEADING_AXIS: dict[str, LeadingAxis] = {
    TURBINE: "step",
    THERMAL: "step",
    UNSERVED: "step",
    UNSERVED_DEEP: "step",
    FLOW_FWD: "step",
    FLOW_BWD: "step",
    SPILL: "stage",
    STORAGE: "stage",
    WATER_DEFICIT: "stage",
    RELEASE_SLACK: "release",
    WATER_BALANCE: "stage",
    POWER_BALANCE: "step",
    MIN_RELEASE: "release",
    DEFICIT_SEGMENT: "step",
    IMPORT_LIMIT: "partner",
}


@dataclass(frozen=True)
class Block:
    """A family of consecutive columns or rows: ``offset`` and ``shape``."""

    name: str
    offset: int
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        """Number of elements."""
        return math.prod(self.shape)

    @property
    def index(self) -> npt.NDArray[np.int64]:
        """Global indices with the family's shape."""
        return (self.offset + np.arange(self.size, dtype=np.int64)).reshape(self.shape)

    def take(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Return this family's slice of a full-length vector, with the family's shape."""
        return np.asarray(values[self.offset : self.offset + self.size]).reshape(self.shape)


@dataclass(frozen=True)
class Layout:
    """Column and row blocks of one LP."""

    cols: dict[str, Block]
    rows: dict[str, Block]

    @property
    def n_cols(self) -> int:
        """Number of columns."""
        return sum(b.size for b in self.cols.values())

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return sum(b.size for b in self.rows.values())

    @staticmethod
    def from_shapes(cols: dict[str, tuple[int, ...]], rows: dict[str, tuple[int, ...]]) -> Layout:
        """Lay families out in the given order."""

        def lay(shapes: dict[str, tuple[int, ...]]) -> dict[str, Block]:
            out, offset = {}, 0
            for name, shape in shapes.items():
                out[name] = Block(name, offset, shape)
                offset += out[name].size
            return out

        return Layout(lay(cols), lay(rows))
