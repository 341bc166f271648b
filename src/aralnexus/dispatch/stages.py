"""The stage of every LP column and row, from each family's first axis (:data:`~aralnexus.dispatch.names.LEADING_AXIS`).

One map serves every caller that needs to know when an LP element acts: the present-value weight of
a column (:func:`aralnexus.dispatch.objective.column_weights`) and the cutting of the full LP into
stage problems (:func:`aralnexus.policy.aral.build_policy_model`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from aralnexus.dispatch.names import LEADING_AXIS, Block, Layout
from aralnexus.system.system import System

IntArray = npt.NDArray[np.int64]

#: Stage given to elements that span several stages (the annual import-limit rows).
NO_STAGE = -1


def _axis_stages(system: System) -> dict[str, IntArray]:
    """Return the stage of each index of every kind of first axis (``partner``: :data:`NO_STAGE`)."""
    release = system.releases["stage"].to_numpy(dtype=np.int64) if len(system.releases) else np.zeros(0, np.int64)
    return {
        "step": system.calendar.step_stage.astype(np.int64),
        "stage": np.arange(system.calendar.n_stages, dtype=np.int64),
        "release": release,
    }


def element_stages(system: System, blocks: dict[str, Block], total: int) -> IntArray:
    """Return the stage of each of ``total`` elements laid out in ``blocks`` (:data:`NO_STAGE` if none).

    Raises
    ------
    KeyError
        A family without a declared first axis (add it to ``LEADING_AXIS``).
    """
    axes = _axis_stages(system)
    out = np.full(total, NO_STAGE, dtype=np.int64)
    for name, block in blocks.items():
        axis = LEADING_AXIS[name]
        if axis == "partner":
            continue
        lead = axes[axis]
        out[block.index.ravel()] = np.broadcast_to(
            lead.reshape((-1,) + (1,) * (len(block.shape) - 1)), block.shape
        ).ravel()
    return out


def column_stages(system: System, layout: Layout) -> IntArray:
    """Return the stage of every LP column."""
    return element_stages(system, layout.cols, layout.n_cols)


def row_stages(system: System, layout: Layout) -> IntArray:
    """Return the stage of every LP row (:data:`NO_STAGE` for the annual import-limit rows)."""
    return element_stages(system, layout.rows, layout.n_rows)
