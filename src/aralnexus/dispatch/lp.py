"""``LPArrays``: the LP as numpy arrays (bounds, costs, sparse triplets) filled by ``define_*``.

The LP minimises ``cost · x + offset`` (a cost is a negative welfare: revenues enter negative).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from aralnexus.dispatch.names import Layout

Array = npt.NDArray[np.float64]


@dataclass
class LPArrays:
    """Mutable arrays of one LP while it is being built.

    Parameters
    ----------
    layout
        Column and row families.
    """

    layout: Layout
    col_lower: Array = field(init=False)
    col_upper: Array = field(init=False)
    col_cost: Array = field(init=False)
    row_lower: Array = field(init=False)
    row_upper: Array = field(init=False)
    offset: float = 0.0
    _rows: list[npt.NDArray[np.int64]] = field(default_factory=list)
    _cols: list[npt.NDArray[np.int64]] = field(default_factory=list)
    _vals: list[Array] = field(default_factory=list)

    def __post_init__(self) -> None:
        n, m = self.layout.n_cols, self.layout.n_rows
        self.col_lower = np.zeros(n)
        self.col_upper = np.full(n, np.inf)
        self.col_cost = np.zeros(n)
        self.row_lower = np.zeros(m)
        self.row_upper = np.zeros(m)

    def add(self, rows: npt.ArrayLike, cols: npt.ArrayLike, vals: npt.ArrayLike) -> None:
        """Add matrix entries (broadcast together, flattened); duplicates are summed."""
        r, c, v = np.broadcast_arrays(np.asarray(rows), np.asarray(cols), np.asarray(vals, dtype=np.float64))
        self._rows.append(r.ravel().astype(np.int64))
        self._cols.append(c.ravel().astype(np.int64))
        self._vals.append(v.ravel().astype(np.float64))

    def set_cols(
        self, family: str, lower: npt.ArrayLike = 0.0, upper: npt.ArrayLike = np.inf, cost: npt.ArrayLike = 0.0
    ) -> None:
        """Set bounds and cost of a whole column family (values broadcast to its shape)."""
        block = self.layout.cols[family]
        idx = block.index.ravel()
        self.col_lower[idx] = np.broadcast_to(lower, block.shape).ravel()
        self.col_upper[idx] = np.broadcast_to(upper, block.shape).ravel()
        self.col_cost[idx] = np.broadcast_to(cost, block.shape).ravel()

    def set_rows(self, family: str, lower: npt.ArrayLike, upper: npt.ArrayLike) -> None:
        """Set bounds of a whole row family (values broadcast to its shape)."""
        block = self.layout.rows[family]
        idx = block.index.ravel()
        self.row_lower[idx] = np.broadcast_to(lower, block.shape).ravel()
        self.row_upper[idx] = np.broadcast_to(upper, block.shape).ravel()

    def triplets(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], Array]:
        """Return all matrix entries added so far as ``(rows, cols, values)`` (duplicates not summed)."""
        if not self._rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        return np.concatenate(self._rows), np.concatenate(self._cols), np.concatenate(self._vals)

    def matrix(self) -> sp.csc_matrix:
        """Return the constraint matrix in compressed-column form."""
        shape = (self.layout.n_rows, self.layout.n_cols)
        if not self._rows:
            return sp.csc_matrix(shape)
        rows, cols, vals = self.triplets()
        keep = vals != 0.0
        mat = sp.csc_matrix((vals[keep], (rows[keep], cols[keep])), shape=shape)
        mat.sum_duplicates()
        return mat


@dataclass(frozen=True)
class SparsePattern:
    """A fixed compressed-column structure: column starts and row indices of every entry.

    Values live outside (one array per state of the LP); :meth:`of` also returns where each given
    entry lands, so values can be written in place with ``np.bincount``.
    """

    n_rows: int
    n_cols: int
    indptr: npt.NDArray[np.int32]
    indices: npt.NDArray[np.int32]

    @property
    def nnz(self) -> int:
        """Number of structural entries."""
        return int(self.indices.size)

    @staticmethod
    def of(
        n_rows: int, n_cols: int, rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64]
    ) -> tuple[SparsePattern, npt.NDArray[np.int64]]:
        """Return the pattern of entries ``(rows, cols)`` (repeats merged) and each entry's position in it."""
        key = cols.astype(np.int64) * n_rows + rows.astype(np.int64)
        unique, position = np.unique(key, return_inverse=True)
        col_of = unique // n_rows
        indptr = np.searchsorted(col_of, np.arange(n_cols + 1)).astype(np.int32)
        pattern = SparsePattern(n_rows, n_cols, indptr, (unique % n_rows).astype(np.int32))
        return pattern, position.astype(np.int64).ravel()

    def values(self, position: npt.NDArray[np.int64], values: Array) -> Array:
        """Return the pattern's values from entries at ``position`` (repeats summed)."""
        return np.bincount(position, weights=values, minlength=self.nnz).astype(np.float64)
