"""Read a scenario file, validate it, apply it to the default dataset: ``load_scenario``.

Every problem (YAML syntax, schema, units, overlay, structure) is collected and raised once as
:class:`aralnexus.errors.InputError`; problem files read ``<file>:<line>`` where the line is known.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from aralnexus.data.dataset import TABLE_NAMES, TABLE_SPECS, Dataset, default_dir, load_default
from aralnexus.errors import InputError, Problem
from aralnexus.i18n import _
from aralnexus.scenario.checks import run_checks
from aralnexus.scenario.horizon import horizon_problems
from aralnexus.scenario.model import ClimateShift, HydrologySpec, Override, Scenario, TradeLevers
from aralnexus.scenario.overlay import apply_scenario, did_you_mean, fmt
from aralnexus.scenario.schema import ScenarioFile
from aralnexus.scenario.validation import Located, allowed_keys, problems_from_validation, prune
from aralnexus.scenario.yaml_read import MAX_SCENARIO_BYTES, read_scenario_text, read_yaml

DEFAULT = "default"
_MAX_PRUNE_PASSES = 5


def load_scenario(source: str | Path, *, base: Dataset | None = None) -> Scenario:
    """Load a scenario file (or ``"default"``) into a validated :class:`Scenario`.

    Parameters
    ----------
    source
        Path of a YAML scenario file, or the word ``default`` for the built-in scenario.
    base
        Dataset the overlay applies to; the built-in default dataset when omitted.

    Raises
    ------
    InputError
        Listing every problem found (file, field, expected, found, hint).
    """
    if str(source) == DEFAULT:
        return _default_scenario(base if base is not None else load_default(), builtin=base is None)
    label = str(source)
    # The file is read and parsed before the dataset is loaded, so a hostile file is refused fast.
    text = read_scenario_text(Path(source), label)
    return scenario_from_text(text, label=label, folder=Path(source).parent, base=base)


def scenario_from_text(text: str, *, label: str, folder: Path | None = None, base: Dataset | None = None) -> Scenario:
    """Validate a scenario file's text (e.g. as typed in an editor) without reading or writing a file.

    Problems read ``<label>:<line>`` where the line is known, exactly as for :func:`load_scenario`.

    Parameters
    ----------
    text
        The YAML text of a scenario file.
    label
        File name used in problems and provenance, and as ``Scenario.file``.
    folder
        Folder that relative paths (``hydrology.record_file``) are resolved from; the current one
        when omitted.
    base
        Dataset the overlay applies to; the built-in default dataset when omitted.

    Raises
    ------
    InputError
        Listing every problem found (a text over the size limit of a scenario file is one).
    """
    size = len(text.encode("utf-8"))
    if size > MAX_SCENARIO_BYTES:  # the limit a scenario file has
        expected = f"a scenario text of at most {MAX_SCENARIO_BYTES:,} bytes"
        raise InputError([Problem(label, "", expected, f"{size:,} bytes")])
    raw, lines = read_yaml(text, label)
    dataset = base if base is not None else load_default()  # after parsing: a hostile text is refused fast
    return _resolve(raw, Located(label, lines), (folder or Path()) / Path(label).name, dataset)


def scenario_from_mapping(
    data: dict[str, Any], *, label: str, folder: Path | None = None, base: Dataset | None = None
) -> Scenario:
    """Validate an already-parsed scenario mapping (e.g. a file's content with variations merged in).

    Parameters
    ----------
    data
        The scenario content, as ``yaml.safe_load`` of a scenario file would return it.
    label
        Name used in problems and provenance (``scenario file <label>``) and as ``Scenario.file``.
    folder
        Folder that relative paths (``hydrology.record_file``) are resolved from; the current one
        when omitted.
    base
        Dataset the overlay applies to; the built-in default dataset when omitted.

    Raises
    ------
    InputError
        Listing every problem found.
    """
    dataset = base if base is not None else load_default()
    return _resolve(data, Located(label), (folder or Path()) / Path(label).name, dataset)


def _resolve(raw: object, located: Located, source: Path, dataset: Dataset) -> Scenario:
    """Validate parsed content, apply it to ``dataset`` and run the checks; raise every problem once."""
    label = located.label
    spec, problems, pruned = _validate(raw, located)
    if spec is None:
        raise InputError(problems)
    start = (spec.horizon.start if spec.horizon else None) or _DEFAULTS.start
    resolved, overrides, overlay_problems = apply_scenario(dataset, spec, label, start)
    options, option_overrides, option_problems = _options(spec, source, located, resolved)
    # A refused schedule shift already says how it conflicts with in_service: no second problem.
    shifted = {p.field.rsplit(".", 1)[0] for p in overlay_problems if p.field.endswith(".schedule_shift_months")}
    checks = [
        p
        for p in run_checks(resolved)
        if not (p.field.endswith(".in_service") and p.field.rsplit(".", 1)[0] in shifted)
    ]
    later = [
        located.place(p)
        for p in [*overlay_problems, *option_problems, *checks]
        if not any(_related(p.field, path) for path in pruned)
    ]
    problems += later
    if problems:
        raise InputError(_dedupe(problems))
    return Scenario(
        name=spec.name or source.stem,
        description=spec.description.strip(),
        file=label,
        content_hash=content_hash(resolved, options),
        dataset=resolved,
        overrides=(*option_overrides, *overrides),
        **options,
    )


def _default_scenario(dataset: Dataset, *, builtin: bool) -> Scenario:
    problems = run_checks(dataset)
    if problems:
        folder = default_dir() if builtin else Path("<dataset>")
        raise InputError([Problem(str(folder / p.file), p.field, p.expected, p.found, p.hint) for p in problems])
    options = _default_options()
    return Scenario(
        name=DEFAULT,
        description="The default dataset, no overrides.",
        file=DEFAULT,
        content_hash=content_hash(dataset, options),
        dataset=dataset,
    )


_DEFAULTS = Scenario(name="", description="", file="", content_hash="", dataset=None)  # type: ignore[arg-type]


def _default_options() -> dict[str, Any]:
    """Run options of the default scenario (the :class:`Scenario` field defaults)."""
    names = ("start", "end", "resolution", "head_mode", "hydrology", "trade")
    return {name: getattr(_DEFAULTS, name) for name in names}


def _validate(raw: object, located: Located) -> tuple[ScenarioFile | None, list[Problem], list[str]]:
    """Validate; on errors, prune the bad values and retry so later checks still run."""
    if raw is None:
        found = "an empty file"
        return None, [located.problem("", "a mapping of scenario fields (name, horizon, plants, …)", found)], []
    if not isinstance(raw, dict):
        found = f"a list of {len(raw)} items" if isinstance(raw, list) else f"the single value {raw!r}"
        hint = "write one 'key: value' per line, e.g. 'name: my scenario'"
        return None, [located.problem("", "a mapping of scenario fields (name, horizon, plants, …)", found, hint)], []
    problems: list[Problem] = []
    pruned: list[str] = []
    data: Any = copy.deepcopy(raw)
    for _attempt in range(_MAX_PRUNE_PASSES):
        try:
            spec = ScenarioFile.model_validate(data)
        except ValidationError as error:
            found_now = problems_from_validation(error, located)
            problems += [p for p in found_now if p not in problems]
            pruned += prune(data, error)
            continue
        return spec, problems, pruned
    return None, problems, pruned


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(f"{b}.") or b.startswith(f"{a}.")


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: list[Problem] = []
    for p in problems:
        if p not in seen:
            seen.append(p)
    return seen


def _initial_storage(spec: ScenarioFile, dataset: Dataset) -> tuple[tuple[tuple[str, float], ...], list[Problem]]:
    """Return the scenario's start storages ``(plant, hm3)`` sorted by plant, and problems with them."""
    plants = dataset.plants.set_index("plant")
    problems: list[Problem] = []
    pairs = []
    for plant, value in sorted(spec.initial_storage_hm3.items()):
        path = f"initial_storage_hm3.{plant}"
        if plant not in plants.index:
            hint = did_you_mean(plant, list(plants.index))
            problems.append(Problem("", path, _("the id of a plant"), repr(plant), hint))
            continue
        full = float(plants.at[plant, "storage_full_hm3"])  # type: ignore[arg-type]
        if float(value) > full:
            expected = _("a storage at most the full storage ({full} hm3)", full=format(full, "g"))
            problems.append(Problem("", path, expected, f"{value:g} hm3"))
            continue
        pairs.append((plant, float(value)))
    return tuple(pairs), problems


def _options(
    spec: ScenarioFile, source: Path, located: Located, dataset: Dataset | None = None
) -> tuple[dict[str, Any], list[Override], list[Problem]]:
    """Resolve run options (horizon, resolution, head, hydrology, trade) against the defaults."""
    defaults = _DEFAULTS
    problems: list[Problem] = []
    overrides: list[Override] = []
    horizon = spec.horizon
    start = (horizon.start if horizon else None) or defaults.start
    end = (horizon.end if horizon else None) or defaults.end
    problems += horizon_problems(start, end, file="", start_field="horizon.start", end_field="horizon.end")
    options = _default_options()
    options.update(start=start, end=end)
    options["resolution"] = spec.resolution or defaults.resolution
    options["head_mode"] = spec.head or defaults.head_mode
    hyd = spec.hydrology
    if hyd is not None:
        record = hyd.record_file
        # A record with another kind (dry, wet, synthetic …) fits the generator to the record.
        if hyd.kind == "record" and not record:
            problems.append(Problem("", "hydrology.record_file", _("the path of the inflow record"), _("nothing")))
        if record:
            path = Path(record) if Path(record).is_absolute() else source.parent / record
            if not path.is_file():
                problems.append(
                    Problem(
                        "",
                        "hydrology.record_file",
                        _("an existing CSV or Parquet file"),
                        _("{file} (no such file)", file=repr(record)),
                    )
                )
            record = str(path)
        climate = ClimateShift(**hyd.climate.model_dump()) if hyd.climate else ClimateShift()
        options["hydrology"] = HydrologySpec(hyd.kind, hyd.seed, hyd.member, record, climate)
    if spec.trade is not None:
        given = {k: v for k, v in spec.trade.model_dump(exclude_unset=True).items() if v is not None}
        options["trade"] = TradeLevers(**{**asdict(defaults.trade), **given})
    stated = _initial_storage(spec, dataset) if dataset is not None else ((), [])
    problems += stated[1]
    if stated[0]:
        options["initial_storage_hm3"] = stated[0]
    for name, value in options.items():
        old: Any = getattr(defaults, name)
        if value == old:
            continue
        if name == "initial_storage_hm3":
            overrides += [Override(f"{name}.{plant}", "", fmt(hm3)) for plant, hm3 in value]
            continue
        if isinstance(value, HydrologySpec | TradeLevers):
            section = "hydrology" if name == "hydrology" else "trade"
            flat_new, flat_old = _flatten(asdict(value)), _flatten(asdict(old))
            overrides += [
                Override(f"{section}.{k}", fmt(flat_old[k]), fmt(v)) for k, v in flat_new.items() if v != flat_old[k]
            ]
        else:
            field_path = {"start": "horizon.start", "end": "horizon.end", "head_mode": "head"}.get(name, name)
            overrides.append(Override(field_path, fmt(old), fmt(value)))
    return options, overrides, problems


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def content_hash(dataset: Dataset, options: dict[str, Any]) -> str:
    """SHA-256 of the resolved scenario: every table (rows sorted) and the run options.

    Independent of key order, whitespace, units used in the file and the file's path; values set
    equal to their defaults hash like the default.
    """
    digests = {}
    for name in TABLE_NAMES:
        keys = list(TABLE_SPECS[name][0])
        frame = dataset.table(name).sort_values(keys, kind="stable").reset_index(drop=True)
        digests[name] = hashlib.sha256(frame.to_csv(index=False, float_format="%.12g").encode()).hexdigest()
    canon = {k: asdict(v) if hasattr(v, "__dataclass_fields__") else v for k, v in options.items() if v != ()}
    text = json.dumps({"options": canon, "tables": digests}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


__all__ = [
    "DEFAULT",
    "allowed_keys",
    "content_hash",
    "did_you_mean",
    "load_scenario",
    "scenario_from_mapping",
    "scenario_from_text",
]
