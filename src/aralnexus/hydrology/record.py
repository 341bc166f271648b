"""Observed monthly inflow records: import (validate a long CSV), store as Parquet, read back.

Long format, one row per site and month::

    site,date,discharge_m3s           (or a column ``discharge`` plus a ``unit`` column saying m3/s)
    toktogul_inflow,1990-01,152.3

``site`` is an inflow site of the dataset (``kambarata1_headwater``) or a base series
(``toktogul_inflow``, e.g. gauge 16936; ``nurek_inflow``, gauge 17084), whose sites are then split
by their shares. Every problem is collected and raised once as :class:`InputError`.
"""

from __future__ import annotations

import difflib
import io
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from aralnexus.data.dataset import Dataset
from aralnexus.errors import InputError, Problem
from aralnexus.hydrology.climatology import FloatArray
from aralnexus.input_files import read_limited_bytes, text_encoding_problem

#: Column names accepted for discharge in m3/s.
DISCHARGE_COLUMNS = ("discharge_m3s", "discharge_m3_s", "discharge", "q_m3s")
#: Unit spellings accepted in a ``unit``/``units`` column.
UNIT_SPELLINGS = frozenset({"m3/s", "m³/s", "m3 s-1", "m3s-1", "m^3/s", "cumecs", "m3s"})
RECORD_COLUMNS = ("site", "date", "discharge_m3s")
#: Largest record file read, bytes (a century of monthly values for every site is well under 1 MB).
MAX_RECORD_BYTES = 64 * 1024 * 1024
#: Discharges above this are refused as a unit mistake (the Amazon carries about 200,000 m3/s).
MAX_DISCHARGE_M3S = 100_000.0
PARQUET_MAGIC = b"PAR1"
_EXPECTED_CSV = "a long CSV record (site, date, discharge_m3s)"
_MAX_LISTED = 5


def known_ids(dataset: Dataset) -> tuple[str, ...]:
    """Site and base-series ids a record may use."""
    sites = list(dataset.inflow_sites["site"].astype(str))
    series = list(dataset.inflow_monthly["series"].astype(str))
    return tuple(dict.fromkeys(sites + series))


def _rows(index: pd.Index | pd.Series, limit: int = _MAX_LISTED) -> str:
    """CSV row numbers (header = row 1) of index labels, shortened."""
    numbers = [str(int(i) + 2) for i in index[:limit]]
    more = f" and {len(index) - limit} more" if len(index) > limit else ""
    return "row " + ", ".join(numbers) + more if len(numbers) == 1 else "rows " + ", ".join(numbers) + more


def _discharge_column(frame: pd.DataFrame, file: str, problems: list[Problem]) -> str | None:
    lower = {c.lower().strip(): c for c in frame.columns}
    for name in DISCHARGE_COLUMNS:
        if name in lower:
            return lower[name]
    wrong = [c for c in frame.columns if c.lower().startswith(("discharge", "q_", "flow"))]
    if wrong:
        problems.append(
            Problem(
                file,
                wrong[0],
                "discharge in m3/s (column 'discharge_m3s')",
                f"a column {wrong[0]!r} in other units",
                "convert to m3/s and rename the column",
            )
        )
    else:
        problems.append(Problem(file, "discharge_m3s", "a discharge column in m3/s", f"columns {list(frame.columns)}"))
    return None


def validate_record(frame: pd.DataFrame, dataset: Dataset, file: str) -> pd.DataFrame:
    """Validate a raw long table and return ``site, date (month start), discharge_m3s`` sorted.

    Raises
    ------
    InputError
        Missing columns, wrong units, unknown sites, bad dates, non-numbers, negative values,
        duplicate months and gaps (missing months inside a site's period).
    """
    problems: list[Problem] = []
    frame = frame.rename(columns=lambda c: str(c).strip())
    problems += [
        Problem(file, col, f"a column {col!r}", f"columns {list(frame.columns)}")
        for col in ("site", "date")
        if col not in frame.columns
    ]
    value_col = _discharge_column(frame, file, problems)
    unit_col = next((c for c in frame.columns if c.lower() in {"unit", "units"}), None)
    if unit_col is not None:
        units = frame[unit_col].astype(str).str.strip().str.lower()
        bad_units = units[~units.isin(UNIT_SPELLINGS)]
        if not bad_units.empty:
            problems.append(
                Problem(
                    file,
                    f"{unit_col} ({_rows(bad_units.index)})",
                    "m3/s",
                    repr(bad_units.iloc[0]),
                    "convert the discharge to m3/s (l/s ÷ 1000)",
                )
            )
    if problems:
        raise InputError(problems)
    assert value_col is not None
    sites = frame["site"].astype(str).str.strip()
    known = known_ids(dataset)
    for name in sorted(set(sites) - set(known)):
        close = difflib.get_close_matches(name, known, n=1)
        problems.append(
            Problem(
                file,
                f"site ({_rows(sites.index[sites == name])})",
                f"an inflow site or base series ({', '.join(known)})",
                repr(name),
                f"did you mean {close[0]!r}?" if close else "",
            )
        )
    dates = pd.to_datetime(frame["date"].astype(str).str.strip(), errors="coerce", format="mixed")
    if dates.isna().any():
        bad = dates.index[dates.isna()]
        problems.append(
            Problem(file, f"date ({_rows(bad)})", "a date YYYY-MM or YYYY-MM-DD", repr(frame.loc[bad[0], "date"]))
        )
    raw = frame[value_col]
    values = pd.to_numeric(raw, errors="coerce")
    blank = raw.isna() | (raw.astype(str).str.strip() == "")
    if (values.isna() & ~blank).any():
        bad = values.index[values.isna() & ~blank]
        problems.append(Problem(file, f"{value_col} ({_rows(bad)})", "a number (m3/s)", repr(raw.loc[bad[0]])))
    if blank.any():
        bad = values.index[blank]
        problems.append(
            Problem(file, f"{value_col} ({_rows(bad)})", "a discharge for every month (no gaps)", "an empty value")
        )
    if (values < 0).any():
        bad = values.index[values < 0]
        problems.append(
            Problem(file, f"{value_col} ({_rows(bad)})", "a discharge ≥ 0 m3/s", repr(float(values.loc[bad[0]])))
        )
    if (values > MAX_DISCHARGE_M3S).any():
        bad = values.index[values > MAX_DISCHARGE_M3S]
        problems.append(
            Problem(
                file,
                f"{value_col} ({_rows(bad)})",
                f"a finite discharge below {MAX_DISCHARGE_M3S:,.0f} m3/s",
                repr(float(values.loc[bad[0]])),
                "the largest rivers on Earth carry about 200,000 m3/s; is the unit right?",
            )
        )
    if problems:
        raise InputError(problems)
    table = pd.DataFrame(
        {"site": sites, "date": dates.dt.to_period("M").dt.to_timestamp(), "discharge_m3s": values.astype("float64")}
    )
    dup = table.duplicated(["site", "date"], keep=False)
    for (site, date), group in table[dup].groupby(["site", "date"], sort=True):
        hint = "daily data? aggregate to monthly means first" if len(group) > 2 else "keep one row per site and month"
        problems.append(
            Problem(
                file,
                f"date ({_rows(group.index)})",
                f"one value per site and month for {site}",
                f"{len(group)} rows for {date:%Y-%m}",
                hint,
            )
        )
        if len(problems) >= _MAX_LISTED:
            break
    if problems:
        raise InputError(problems)
    table = table.sort_values(["site", "date"]).reset_index(drop=True)
    for site, group in table.groupby("site", sort=True):
        full = pd.date_range(group["date"].iloc[0], group["date"].iloc[-1], freq="MS")
        missing = full.difference(pd.DatetimeIndex(group["date"]))
        if len(missing):
            listed = ", ".join(pd.DatetimeIndex(missing[:_MAX_LISTED]).strftime("%Y-%m")) + (
                f" and {len(missing) - _MAX_LISTED} more" if len(missing) > _MAX_LISTED else ""
            )
            problems.append(Problem(file, f"date ({site!s})", "consecutive months without gaps", f"missing {listed}"))
    if problems:
        raise InputError(problems)
    return table


def _csv_text(path: Path, field: str) -> str:
    """Return the UTF-8 text of a record CSV, refusing what is not one (with the file named)."""
    label = str(path)
    data = read_limited_bytes(path, label, expected=_EXPECTED_CSV, max_bytes=MAX_RECORD_BYTES, field=field)
    encoding = text_encoding_problem(data)
    if encoding:
        raise InputError([Problem(label, field, "a UTF-8 CSV file", encoding, "save the file as UTF-8")])
    if data.startswith(PARQUET_MAGIC):
        hint = "name a Parquet record in a scenario directly (hydrology.record_file); `hydrology import` reads CSV"
        raise InputError([Problem(label, field, _EXPECTED_CSV, "a Parquet file", hint)])
    if b"\x00" in data:
        raise InputError([Problem(label, field, _EXPECTED_CSV, "binary data (a NUL byte)")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        found = f"the byte 0x{data[exc.start]:02x} on line {line}, which is not UTF-8 (Latin-1 or another encoding?)"
        raise InputError([Problem(label, field, "a UTF-8 CSV file", found, "save the file as UTF-8")]) from None
    if not text.strip():
        raise InputError([Problem(label, field, _EXPECTED_CSV, "an empty file")])
    return text


def read_record_csv(path: Path, dataset: Dataset, *, field: str = "") -> pd.DataFrame:
    """Read and validate a long CSV record.

    Raises
    ------
    InputError
        Naming the file: missing, not a regular file, larger than :data:`MAX_RECORD_BYTES`, not
        UTF-8 text (UTF-16, Latin-1, binary, Parquet), empty, without data rows, or invalid.
    """
    return validate_record(read_record_table(path, field=field), dataset, str(path))


def read_record_table(path: Path, *, field: str = "") -> pd.DataFrame:
    """Read a record CSV as text columns (file checks and CSV parsing only; see :func:`read_record_csv`).

    Raises
    ------
    InputError
        Naming the file, as :func:`read_record_csv` does for the file itself.
    """
    text = _csv_text(Path(path), field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)  # rows longer than the header
            raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, comment="#", index_col=False)
    except (pd.errors.ParserError, pd.errors.ParserWarning, pd.errors.EmptyDataError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError([Problem(str(path), field, _EXPECTED_CSV, f"unreadable CSV ({first})")]) from None
    if raw.empty:
        found = f"a header ({', '.join(map(str, raw.columns))}) and no rows"
        raise InputError([Problem(str(path), field, "one row per site and month", found)])
    return raw.replace("", pd.NA)


def write_record(table: pd.DataFrame, path: Path, source: str) -> None:
    """Write a validated record as Parquet (with the source file in the metadata)."""
    arrow = pa.Table.from_pandas(table[list(RECORD_COLUMNS)], preserve_index=False)
    meta = dict(arrow.schema.metadata or {})
    meta[b"aralnexus"] = f"validated inflow record (m3/s) from {source}".encode()
    pq.write_table(arrow.replace_schema_metadata(meta), path)


def read_parquet_file(path: Path, *, expected: str, field: str = "", columns: list[str] | None = None) -> pd.DataFrame:
    """Read a Parquet file, refusing (with the file named) what is not a readable Parquet file.

    Raises
    ------
    InputError
        If the file is missing, not a regular file, larger than :data:`MAX_RECORD_BYTES`, not
        Parquet, or lacks ``columns``.
    """
    label = str(path)
    head = read_limited_bytes(path, label, expected=expected, max_bytes=MAX_RECORD_BYTES, field=field)
    if not (head.startswith(PARQUET_MAGIC) and head.endswith(PARQUET_MAGIC)):
        found = "a CSV or text file" if head[:200].isascii() and b"," in head[:200] else "not a Parquet file"
        raise InputError([Problem(label, field, expected, found)])
    try:
        table = pq.read_table(io.BytesIO(head))
    except (pa.ArrowException, OSError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError([Problem(label, field, expected, f"an unreadable Parquet file ({first})")]) from None
    missing = [c for c in columns or [] if c not in table.column_names]
    if missing:
        raise InputError([Problem(label, field, f"columns {columns}", f"columns {table.column_names}")])
    try:
        frame: pd.DataFrame = table.to_pandas()
        return frame
    except (pa.ArrowException, ValueError, OverflowError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError([Problem(label, field, expected, f"values pandas cannot read ({first})")]) from None


def load_record(path: str | Path, dataset: Dataset) -> pd.DataFrame:
    """Load a record from Parquet (written by the import) or a long CSV, validated either way."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        frame = read_parquet_file(path, expected="a Parquet record (site, date, discharge_m3s)")
        return validate_record(frame, dataset, str(path))
    return read_record_csv(path, dataset)


def record_years(table: pd.DataFrame, file: str = "<record>") -> tuple[tuple[str, ...], FloatArray, int]:
    """Complete calendar years common to all record columns.

    Returns
    -------
    tuple
        ``(columns, flows (year, 12, column), first_year)``.

    Raises
    ------
    InputError
        If fewer than 5 complete calendar years are common to all columns.
    """
    wide = table.pivot(index="date", columns="site", values="discharge_m3s").dropna()
    wide = wide.reindex(pd.date_range(wide.index.min(), wide.index.max(), freq="MS"))
    years = wide.groupby(pd.DatetimeIndex(wide.index).year).filter(lambda g: len(g) == 12 and not g.isna().any().any())
    n_years = len(years) // 12
    if n_years < 5:
        raise InputError(
            [Problem(file, "date", "at least 5 complete calendar years common to all sites", f"{n_years}")]
        )
    first = int(pd.DatetimeIndex(years.index).year[0])
    columns = tuple(str(c) for c in years.columns)
    flows = years.to_numpy(dtype="float64").reshape(n_years, 12, len(columns))
    return columns, flows, first
