"""``LPModel``: one LP structure kept in HiGHS; re-solved with new heads or new inflows, warm-started.

The ensemble runner builds one model per scenario and calls :meth:`LPModel.update_inflows` and
:meth:`LPModel.solve` per member: only the water-balance right-hand sides change and HiGHS starts
from the previous basis (pywr's pattern).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from aralnexus.dispatch.build import build_lp
from aralnexus.dispatch.linearise import Linearisation
from aralnexus.dispatch.lp import LPArrays
from aralnexus.dispatch.names import STORAGE, WATER_BALANCE
from aralnexus.dispatch.solve import LPSolution, new_highs, run_highs, to_highs_lp
from aralnexus.dispatch.water import storage_bounds_hm3, water_rhs_hm3
from aralnexus.system.system import System

Array = npt.NDArray[np.float64]


class LPModel:
    """A built LP held by HiGHS.

    Parameters
    ----------
    system
        The system.
    inflow_m3s
        Natural inflow per (stage, plant), m3/s.
    heads_m
        Heads per (stage, plant) for the power coefficients, m.
    relaxed
        Relax strict constraints at very high penalties.
    threads
        HiGHS threads (default: HiGHS's choice).
    """

    def __init__(
        self, system: System, inflow_m3s: Array, heads_m: Array, *, relaxed: bool = False, threads: int | None = None
    ) -> None:
        self.system = system
        self.relaxed = relaxed
        self.inflow_m3s = np.asarray(inflow_m3s, dtype=np.float64)
        self.heads_m = np.asarray(heads_m, dtype=np.float64)
        self._highs = new_highs(threads)
        self.linearisation: Linearisation | None = None
        self.arrays: LPArrays = build_lp(system, self.inflow_m3s, self.heads_m, relaxed=relaxed)
        self._highs.passModel(to_highs_lp(self.arrays))

    @property
    def n_cols(self) -> int:
        """Number of LP columns."""
        return self.arrays.layout.n_cols

    @property
    def n_rows(self) -> int:
        """Number of LP rows."""
        return self.arrays.layout.n_rows

    def set_heads(self, heads_m: Array, linearisation: Linearisation | None = None) -> None:
        """Rebuild the coefficients for new heads (and head sensitivity), keeping the basis for a warm start."""
        basis = self._highs.getBasis()
        self.heads_m = np.asarray(heads_m, dtype=np.float64)
        self.linearisation = linearisation
        self.arrays = build_lp(
            self.system, self.inflow_m3s, self.heads_m, relaxed=self.relaxed, linearisation=linearisation
        )
        self._highs.passModel(to_highs_lp(self.arrays))
        if basis.valid:
            self._highs.setBasis(basis)

    def update_inflows(self, inflow_m3s: Array) -> None:
        """Change the water-balance right-hand sides (and filling bounds) to new inflows ``(S, P)`` in m3/s."""
        self.inflow_m3s = np.asarray(inflow_m3s, dtype=np.float64)
        rhs = water_rhs_hm3(self.system, self.inflow_m3s).ravel()
        idx = self.arrays.layout.rows[WATER_BALANCE].index.ravel()
        self.arrays.row_lower[idx] = rhs
        self.arrays.row_upper[idx] = rhs
        highs: Any = self._highs
        highs.changeRowsBounds(len(idx), idx.astype(np.int32), rhs, rhs)
        cols = self.arrays.layout.cols[STORAGE].index.ravel()
        lower_2d, upper_2d = storage_bounds_hm3(self.system, self.inflow_m3s)
        lower, upper = lower_2d.ravel(), upper_2d.ravel()
        self.arrays.col_upper[cols] = upper
        self.arrays.col_lower[cols] = lower
        self._highs.changeColsBounds(len(cols), cols.astype(np.int32), lower, upper)

    def solve(self) -> LPSolution:
        """Solve (warm-started from the last basis when there is one)."""
        return run_highs(self._highs)
