"""The typed vocabularies of aralnexus, each defined once (``Literal`` types and their allowed values).

Every option, status or category a user, the store or another module spells as a word is listed here;
modules import the type (for mypy) and the tuple of values (for validation and messages) from this module
instead of writing the words again.
"""

from __future__ import annotations

from typing import Literal, get_args

#: Time resolution of a run: monthly stages with load blocks, or hourly steps.
Resolution = Literal["monthly", "hourly"]
#: How the optimiser treats head: successive linearisation, or fixed at rated heads.
HeadMode = Literal["iterate", "fixed"]
#: How a solve's heads ended (``Convergence.mode``, stored as ``runs.head_mode``): iterated by successive
#: linearisation, fixed at rated heads, or fixed at the median-hydrology solution's heads (ensemble members).
ConvergenceMode = Literal["head", "fixed", "median-heads"]
#: Heads of an ensemble member: fixed at the median-hydrology solution, or iterated per member.
HeadStrategy = Literal["median", "iterate"]
#: Trust region of a head-iteration step: a share of live storage, or a share of every net head.
TrustRegion = Literal["storage", "head"]
#: Which inflows a scenario runs on.
HydrologyKind = Literal["median", "mean", "dry", "wet", "dry-sequence", "synthetic", "record"]
#: Status of a stored run.
RunStatus = Literal["ok", "infeasible", "failed", "running"]
#: What produced a stored run.
RunKind = Literal["run", "optimise", "simulate", "ensemble", "policy", "backtest"]
#: Status of one stored ensemble member.
MemberStatus = Literal["done", "failed", "infeasible"]
#: Trade channel of an electricity flow: CASA-1000, between the two detailed countries, or with a partner market.
Channel = Literal["casa", "bilateral", "partner"]
#: How CASA-1000 energy is attributed between the pair: by the feeder's flow, or by the contract shares.
CasaRule = Literal["flow", "contract"]
#: How a run judges whether CASA-1000 exports are surplus: storage (one run), counterfactual (two runs), none.
CasaCriterion = Literal["storage", "counterfactual", "none"]
#: File format of ``aralnexus results export``.
ExportFormat = Literal["parquet", "csv", "netcdf"]

RESOLUTIONS: tuple[Resolution, ...] = get_args(Resolution)
HEAD_MODES: tuple[HeadMode, ...] = get_args(HeadMode)
HEAD_STRATEGIES: tuple[HeadStrategy, ...] = get_args(HeadStrategy)
CONVERGENCE_MODES: tuple[ConvergenceMode, ...] = get_args(ConvergenceMode)
HYDROLOGY_KINDS: tuple[HydrologyKind, ...] = get_args(HydrologyKind)
RUN_STATUSES: tuple[RunStatus, ...] = get_args(RunStatus)
RUN_KINDS: tuple[RunKind, ...] = get_args(RunKind)
MEMBER_STATUSES: tuple[MemberStatus, ...] = get_args(MemberStatus)
CHANNELS: tuple[Channel, ...] = get_args(Channel)
CASA_RULES: tuple[CasaRule, ...] = get_args(CasaRule)
CASA_CRITERIA: tuple[CasaCriterion, ...] = get_args(CasaCriterion)
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)

#: Each trade channel by name, typed (a misspelt channel is a type error; the words live only here).
CASA_CHANNEL: Channel = "casa"
BILATERAL_CHANNEL: Channel = "bilateral"
PARTNER_CHANNEL: Channel = "partner"
