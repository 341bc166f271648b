"""Sums over labelled groups as one matrix product (fast, and any leading ``member`` dimension is kept)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import xarray as xr


def group_sum(
    values: xr.DataArray,
    dim: str,
    labels: npt.ArrayLike,
    new_dim: str,
    order: npt.ArrayLike | None = None,
) -> xr.DataArray:
    """Sum ``values`` over ``dim`` into groups given by ``labels`` (one per position along ``dim``).

    Parameters
    ----------
    values
        The array; NaN counts as 0 (as xarray's ``sum``).
    dim
        The dimension summed over.
    labels
        Group label of each position along ``dim``.
    new_dim
        Name of the group dimension (it replaces ``dim``, last).
    order
        The groups, in order; positions whose label is not among them are left out (default: the
        sorted distinct labels).
    """
    keys = np.unique(np.asarray(labels)) if order is None else np.asarray(order)
    other = [d for d in values.dims if d != dim]
    data = np.asarray(values.variable.transpose(*other, dim).values, dtype=np.float64)
    coords = {d: values.indexes[d] for d in other if d in values.indexes}
    return xr.DataArray(
        np.nan_to_num(data) @ one_hot(labels, keys), dims=(*other, new_dim), coords={**coords, new_dim: keys}
    )


def one_hot(labels: npt.ArrayLike, keys: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return the ``(len(labels), len(keys))`` indicator matrix of each label's key (a zero row if none)."""
    lab = np.asarray(labels)
    index = {k: i for i, k in enumerate(np.asarray(keys).tolist())}
    column = np.array([index.get(x, -1) for x in lab.tolist()], dtype=np.int64)
    out = np.zeros((len(lab), len(index)))
    valid = np.flatnonzero(column >= 0)
    out[valid, column[valid]] = 1.0
    return out
