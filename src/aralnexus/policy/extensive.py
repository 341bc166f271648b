"""The extensive (deterministic-equivalent) form of a problem on its full scenario tree, solved by HiGHS.

With stagewise-independent finite noise the tree has ``Π K_s`` nodes at stage ``t`` (``s ≤ t``).
Every node gets a copy of its stage LP with the node's noise outcome applied; a node's incoming
state equals its parent's outgoing state; costs are weighted by node probability. The optimum is
the exact value SDDP converges to, so this is the independent check of the engine (feasible only
for small trees: the size grows geometrically with the number of stages).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from aralnexus.dispatch.solve import new_highs
from aralnexus.policy.problem import Array, Problem


@dataclass(frozen=True)
class ExtensiveSolution:
    """Optimum of the extensive form.

    Parameters
    ----------
    objective
        Expected total cost.
    first_stage_x
        Column values of the first stage's nodes, shape ``(K_0, n_cols_0)``.
    n_cols, n_rows
        Size of the extensive-form LP.
    seconds
        HiGHS run time.
    """

    objective: float
    first_stage_x: Array
    n_cols: int
    n_rows: int
    seconds: float


def tree_size(problem: Problem) -> int:
    """Return the number of nodes of the scenario tree (all stages)."""
    return int(np.cumprod([s.noise.n_outcomes for s in problem.stages]).sum())


def build_extensive(problem: Problem) -> highspy.HighsLp:
    """Return the extensive form of ``problem`` as a ``HighsLp``."""
    blocks, col_lo, col_up, cost, row_lo, row_up = [], [], [], [], [], []
    links_c: list[np.ndarray] = []
    prob: np.ndarray = np.ones(1)
    col_off, row_off = 0, 0
    prev_out: np.ndarray | None = None  # global column of each previous-stage node's outgoing states
    for st in problem.stages:
        noise = st.noise
        k = noise.n_outcomes
        prob = np.kron(prob, noise.probabilities)
        nodes = prob.shape[0]
        outcome = np.arange(nodes) % k
        lo, up = np.tile(st.col_lower, (nodes, 1)), np.tile(st.col_upper, (nodes, 1))
        c = np.tile(st.col_cost, (nodes, 1))
        rl, ru = np.tile(st.row_lower, (nodes, 1)), np.tile(st.row_upper, (nodes, 1))
        vals = noise.values[outcome]
        for j, (kind, idx) in enumerate(zip(noise.kinds, noise.indices, strict=True)):
            v = vals[:, j]
            if kind == "rhs":
                rl[:, idx] = np.where(np.isfinite(st.row_lower[idx]), v, -np.inf)
                ru[:, idx] = np.where(np.isfinite(st.row_upper[idx]), v, np.inf)
            elif kind == "fix":
                lo[:, idx], up[:, idx] = v, v
            elif kind == "lower":
                lo[:, idx] = v
            elif kind == "upper":
                up[:, idx] = v
            else:
                c[:, idx] = v
        base = col_off + np.arange(nodes)[:, None] * st.n_cols
        if prev_out is None:
            lo[:, st.state_in] = problem.initial_state
            up[:, st.state_in] = problem.initial_state
        else:
            links_c.append(np.stack([base + st.state_in[None, :], prev_out[np.arange(nodes) // k]], axis=-1))
        prev_out = base + st.state_out[None, :]
        blocks.append(sp.kron(sp.identity(nodes, format="csc"), st.matrix, format="csc"))
        col_lo.append(lo.ravel())
        col_up.append(up.ravel())
        cost.append((c * prob[:, None]).ravel())
        row_lo.append(rl.ravel())
        row_up.append(ru.ravel())
        col_off += nodes * st.n_cols
        row_off += nodes * st.n_rows
    main = sp.block_diag(blocks, format="csc")
    pairs = np.concatenate([p.reshape(-1, 2) for p in links_c]) if links_c else np.zeros((0, 2), np.int64)
    n_links = pairs.shape[0]
    rows = np.repeat(np.arange(n_links), 2)
    link = sp.csc_matrix((np.tile([1.0, -1.0], n_links), (rows, pairs.ravel())), shape=(n_links, col_off))
    mat = sp.vstack([main, link], format="csc")
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = col_off, row_off + n_links
    lp.col_cost_ = np.concatenate(cost)
    lp.col_lower_ = np.concatenate(col_lo)
    lp.col_upper_ = np.concatenate(col_up)
    lp.row_lower_ = np.concatenate([*row_lo, np.zeros(n_links)])
    lp.row_upper_ = np.concatenate([*row_up, np.zeros(n_links)])
    lp.offset_ = float(sum(st.offset for st in problem.stages))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = mat.indptr.astype(np.int32)
    lp.a_matrix_.index_ = mat.indices.astype(np.int32)
    lp.a_matrix_.value_ = mat.data.astype(np.float64)
    return lp


def solve_extensive(problem: Problem, options: dict[str, bool | float | str] | None = None) -> ExtensiveSolution:
    """Build and solve the extensive form with HiGHS (default options unless given); raise if not optimal."""
    lp = build_extensive(problem)
    h = new_highs()
    for name, value in (options or {}).items():
        h.setOptionValue(name, value)
    h.passModel(lp)
    start = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - start
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"extensive form not solved: {h.modelStatusToString(status)}")
    x = np.asarray(h.getSolution().col_value)
    first = problem.stages[0]
    k0 = first.noise.n_outcomes
    return ExtensiveSolution(
        objective=float(h.getInfo().objective_function_value),
        first_stage_x=x[: k0 * first.n_cols].reshape(k0, first.n_cols),
        n_cols=int(lp.num_col_),
        n_rows=int(lp.num_row_),
        seconds=seconds,
    )
