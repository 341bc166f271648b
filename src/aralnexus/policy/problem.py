"""Linear multistage problems: stage LPs with states and finite noise, and a builder to write them.

A multistage problem is a sequence of stages ``t = 0 … T-1``. Stage ``t`` is a linear program

    minimise   c_t·x + θ_t
    subject to row_lower ≤ A_t x ≤ row_upper,  col_lower ≤ x ≤ col_upper,
               x[state_in] = incoming state (the previous stage's outgoing state, or the initial state),

where ``θ_t`` is the expected cost of the later stages as a function of the outgoing state
``x[state_out]`` (approximated from below by Benders cuts; zero after the last stage). Before the
stage's decision a noise outcome ``ω`` is drawn from a finite distribution, independently of the past
(stagewise independence); it sets right-hand sides, column bounds or costs. Noise that depends on the
past (e.g. inflows with lag-1 correlation) is written with a state holding the past value and a
linear equation such as ``inflow_out = μ + φ·inflow_in + σ·ω``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: What a noise term sets: a row's right-hand side (both finite sides of the row), a column's
#: value (lower = upper), its lower or upper bound, or its cost coefficient.
NoiseKind = Literal["rhs", "fix", "lower", "upper", "cost"]
#: ``single``: one cost-to-go variable per stage and one averaged cut per trial point;
#: ``multi``: one cost-to-go variable per outcome of the next stage and one cut per outcome.
CutType = Literal["single", "multi"]


@dataclass(frozen=True)
class StageNoise:
    """The finite noise distribution of one stage.

    Parameters
    ----------
    probabilities
        Probability of each outcome, shape ``(K,)``, summing to 1.
    values
        Value of each noise term in each outcome, shape ``(K, n_terms)``.
    kinds
        What each term sets (:data:`NoiseKind`), length ``n_terms``.
    indices
        The row (``rhs``) or column (the other kinds) each term sets, shape ``(n_terms,)``.
    """

    probabilities: Array
    values: Array
    kinds: tuple[NoiseKind, ...] = ()
    indices: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @staticmethod
    def none() -> StageNoise:
        """Return the noise of a deterministic stage (one outcome, no terms)."""
        return StageNoise(np.ones(1), np.zeros((1, 0)))

    @property
    def n_outcomes(self) -> int:
        """Number of outcomes ``K``."""
        return int(self.probabilities.shape[0])

    @property
    def n_terms(self) -> int:
        """Number of noise terms."""
        return int(self.values.shape[1])


@dataclass(frozen=True)
class StageLP:
    """One stage's linear program as arrays (see the module docstring for the form).

    Parameters
    ----------
    matrix
        Constraint matrix ``A_t``, shape ``(n_rows, n_cols)``.
    col_lower, col_upper, col_cost
        Column bounds and costs, shape ``(n_cols,)``; the bounds of ``state_in`` columns are
        overwritten by the incoming state.
    row_lower, row_upper
        Row bounds, shape ``(n_rows,)``.
    state_in, state_out
        Columns holding the incoming and outgoing value of each state, shape ``(n_states,)``.
    noise
        The stage's noise distribution.
    offset
        Constant added to the stage cost.
    col_names
        Optional column names (for reading solutions).
    """

    matrix: sp.csc_matrix
    col_lower: Array
    col_upper: Array
    col_cost: Array
    row_lower: Array
    row_upper: Array
    state_in: IntArray
    state_out: IntArray
    noise: StageNoise = field(default_factory=StageNoise.none)
    offset: float = 0.0
    col_names: tuple[str, ...] = ()

    @property
    def n_cols(self) -> int:
        """Number of columns."""
        return int(self.col_cost.shape[0])

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.row_lower.shape[0])

    @property
    def n_states(self) -> int:
        """Number of state variables."""
        return int(self.state_in.shape[0])


@dataclass(frozen=True)
class Problem:
    """A linear multistage stochastic problem.

    Parameters
    ----------
    stages
        The stage LPs in time order; every stage has the same states, in the same order.
    initial_state
        The incoming state of the first stage, shape ``(n_states,)``.
    state_names
        One name per state.
    cost_to_go_lower_bound
        A lower bound on the expected cost of any tail of stages (bounds ``θ`` from below before
        cuts exist; e.g. 0 when all costs are non-negative).
    cut_type
        ``single`` or ``multi`` (:data:`CutType`).
    """

    stages: tuple[StageLP, ...]
    initial_state: Array
    state_names: tuple[str, ...]
    cost_to_go_lower_bound: float = 0.0
    cut_type: CutType = "single"

    def __post_init__(self) -> None:
        """Check that the stages fit together; raise ``ValueError`` listing every mismatch."""
        problems = check_problem(self)
        if problems:
            raise ValueError("invalid multistage problem:\n  - " + "\n  - ".join(problems))

    @property
    def n_stages(self) -> int:
        """Number of stages ``T``."""
        return len(self.stages)

    @property
    def n_states(self) -> int:
        """Number of state variables."""
        return int(self.initial_state.shape[0])


def check_problem(problem: Problem) -> list[str]:
    """Return every inconsistency of ``problem`` as a sentence (empty when it is well formed)."""
    out: list[str] = []
    n = problem.initial_state.shape[0]
    if len(problem.state_names) != n:
        out.append(f"{len(problem.state_names)} state names for {n} initial values")
    if not problem.stages:
        out.append("no stages")
    if problem.cut_type not in get_args(CutType):
        out.append(f"cut_type must be one of {get_args(CutType)}, found {problem.cut_type!r}")
    for t, stage in enumerate(problem.stages):
        out.extend(f"stage {t}: {text}" for text in _check_stage(stage, n))
    return out


def _check_stage(stage: StageLP, n_states: int) -> list[str]:
    """Return the inconsistencies of one stage."""
    out: list[str] = []
    if stage.matrix.shape != (stage.n_rows, stage.n_cols):
        out.append(f"matrix shape {stage.matrix.shape} != ({stage.n_rows}, {stage.n_cols})")
    if stage.state_in.shape != (n_states,) or stage.state_out.shape != (n_states,):
        out.append(f"expected {n_states} incoming and outgoing state columns")
    noise = stage.noise
    if noise.values.shape != (noise.n_outcomes, len(noise.kinds)) or noise.indices.shape != (len(noise.kinds),):
        out.append("noise values must have shape (outcomes, terms) with one kind and index per term")
    if noise.n_outcomes < 1 or abs(float(noise.probabilities.sum()) - 1.0) > 1e-9 or (noise.probabilities < 0).any():
        out.append(f"noise probabilities must be non-negative and sum to 1, found sum {noise.probabilities.sum()}")
    if any(kind not in get_args(NoiseKind) for kind in noise.kinds):
        out.append(f"noise kinds must be among {get_args(NoiseKind)}")
    sets: dict[str, tuple[str, ...]] = {"rhs": ("row",), "fix": ("lower", "upper"), "lower": ("lower",)}
    sets |= {"upper": ("upper",), "cost": ("cost",)}
    targets = [(what, int(i)) for k, i in zip(noise.kinds, noise.indices, strict=True) for what in sets.get(k, ())]
    if len(set(targets)) != len(targets):
        out.append("a row or column is set by more than one noise term")
    for kind, idx in zip(noise.kinds, noise.indices, strict=True):
        size = stage.n_rows if kind == "rhs" else stage.n_cols
        if not 0 <= idx < size:
            out.append(f"noise term {kind} index {idx} out of range")
        elif kind == "rhs" and -np.inf < stage.row_lower[idx] < stage.row_upper[idx] < np.inf:
            out.append(f"noise sets the right-hand side of ranged row {idx}")
    return out


@dataclass(frozen=True)
class StateRef:
    """The two columns of one state in a :class:`StageBuilder`."""

    name: str
    incoming: int
    outgoing: int


class StageBuilder:
    """Write a stage LP variable by variable and constraint by constraint.

    Examples
    --------
    >>> b = StageBuilder()
    >>> volume = b.state("volume", lower=0.0, upper=200.0)
    >>> release = b.variable("release", lower=0.0)
    >>> inflow = b.variable("inflow")
    >>> row = b.constraint({volume.outgoing: 1.0, volume.incoming: -1.0, release: 1.0, inflow: -1.0}, equals=0.0)
    >>> b.noise(fix=[inflow], outcomes=[[0.0], [50.0]])
    >>> stage = b.build()
    >>> stage.n_cols, stage.n_rows, stage.noise.n_outcomes
    (4, 1, 2)
    """

    def __init__(self) -> None:
        """Start an empty stage."""
        self._lower: list[float] = []
        self._upper: list[float] = []
        self._cost: list[float] = []
        self._names: list[str] = []
        self._row_lower: list[float] = []
        self._row_upper: list[float] = []
        self._entries: list[tuple[int, int, float]] = []
        self._states: list[StateRef] = []
        self._noise = StageNoise.none()
        self.offset = 0.0

    def variable(self, name: str, lower: float = -np.inf, upper: float = np.inf, cost: float = 0.0) -> int:
        """Add a column; return its index."""
        self._lower.append(float(lower))
        self._upper.append(float(upper))
        self._cost.append(float(cost))
        self._names.append(name)
        return len(self._names) - 1

    def state(self, name: str, lower: float = -np.inf, upper: float = np.inf, cost: float = 0.0) -> StateRef:
        """Add a state: a free incoming column and an outgoing column with the given bounds and cost."""
        incoming = self.variable(f"{name}_in")
        outgoing = self.variable(f"{name}_out", lower, upper, cost)
        ref = StateRef(name, incoming, outgoing)
        self._states.append(ref)
        return ref

    def constraint(
        self,
        terms: Mapping[int, float],
        lower: float = -np.inf,
        upper: float = np.inf,
        equals: float | None = None,
    ) -> int:
        """Add the row ``lower ≤ Σ coefficient·column ≤ upper`` (or ``= equals``); return its index."""
        row = len(self._row_lower)
        if equals is not None:
            lower = upper = equals
        self._row_lower.append(float(lower))
        self._row_upper.append(float(upper))
        self._entries.extend((row, int(col), float(val)) for col, val in terms.items())
        return row

    def noise(
        self,
        outcomes: Sequence[Sequence[float]] | Array,
        probabilities: Sequence[float] | Array | None = None,
        fix: Sequence[int] = (),
        rhs: Sequence[int] = (),
        lower: Sequence[int] = (),
        upper: Sequence[int] = (),
        cost: Sequence[int] = (),
    ) -> None:
        """Set the stage's noise (see :data:`NoiseKind`).

        Each outcome lists values for the ``fix`` columns, then the ``rhs`` rows, the ``lower`` and
        ``upper`` bound columns, then the ``cost`` columns. Outcomes are equally likely unless
        ``probabilities`` are given.
        """
        values = np.atleast_2d(np.asarray(outcomes, dtype=np.float64))
        k = values.shape[0]
        probs = np.full(k, 1.0 / k) if probabilities is None else np.asarray(probabilities, dtype=np.float64)
        groups: tuple[tuple[NoiseKind, Sequence[int]], ...] = (
            ("fix", fix),
            ("rhs", rhs),
            ("lower", lower),
            ("upper", upper),
            ("cost", cost),
        )
        kinds = tuple(kind for kind, idx in groups for _ in idx)
        indices = np.asarray([i for _, idx in groups for i in idx], dtype=np.int64)
        self._noise = StageNoise(probs, values, kinds, indices)

    def build(self) -> StageLP:
        """Return the stage as a :class:`StageLP`."""
        n, m = len(self._names), len(self._row_lower)
        if self._entries:
            rows, cols, vals = (np.asarray(v) for v in zip(*self._entries, strict=True))
        else:
            rows, cols, vals = np.zeros(0, int), np.zeros(0, int), np.zeros(0)
        matrix = sp.csc_matrix((vals.astype(np.float64), (rows, cols)), shape=(m, n))
        return StageLP(
            matrix=matrix,
            col_lower=np.asarray(self._lower),
            col_upper=np.asarray(self._upper),
            col_cost=np.asarray(self._cost),
            row_lower=np.asarray(self._row_lower),
            row_upper=np.asarray(self._row_upper),
            state_in=np.asarray([s.incoming for s in self._states], dtype=np.int64),
            state_out=np.asarray([s.outgoing for s in self._states], dtype=np.int64),
            noise=self._noise,
            offset=self.offset,
            col_names=tuple(self._names),
        )

    @property
    def state_names(self) -> tuple[str, ...]:
        """Names of the states added so far."""
        return tuple(s.name for s in self._states)


def with_fixed_noise(problem: Problem, path: Sequence[Array]) -> Problem:
    """Return the deterministic problem whose stage ``t`` has the single noise outcome ``path[t]``.

    Its optimum is the perfect-foresight cost of that path (solve it with
    :func:`~aralnexus.policy.extensive.solve_extensive`, a chain of ``T`` nodes).
    """
    stages = tuple(
        dataclasses.replace(
            st, noise=dataclasses.replace(st.noise, probabilities=np.ones(1), values=np.atleast_2d(values))
        )
        for st, values in zip(problem.stages, path, strict=True)
    )
    return dataclasses.replace(problem, stages=stages)
