"""The store's tables: column names and SQL types, and the ``CREATE TABLE`` statements.

Result tables mirror :mod:`aralnexus.results.tables` with a leading ``run_id``; column types follow
the unit suffix convention (``_m3s``, ``_hm3``, ``_mw``, ``_mwh``, ``_musd`` … are ``DOUBLE``).
Identifiers are always quoted in generated SQL because ``violations`` has a column called
``constraint`` (a reserved word: write ``"constraint"`` in your own queries).

Schema versions (``meta.schema_version``): 1 — first release; 2 — ``reservoirs.level_min_m`` and
``reservoirs.level_max_m``; 3 — the ``start_storage`` table (where each plant's start storage
came from and any adjustment); 4 — the ``backtest_comparison`` and ``backtest_storage`` tables of
a stored backtest (``runs.kind = 'backtest'``). Changes are additive, so :func:`upgrade_statements` brings an
older store up to date by adding the missing columns (NULL in rows stored before) and
:func:`create_statements` the missing tables (no rows for runs stored before).
"""

from __future__ import annotations

from aralnexus.results import tables as rt

SCHEMA_VERSION = 4

#: What a store of an older schema version may lack (the upgrade adds it); anything else missing
#: means the file is not an aralnexus store and is refused rather than "repaired".
ADDED_TABLES: frozenset[str] = frozenset({"start_storage", "backtest_comparison", "backtest_storage"})
ADDED_COLUMNS: dict[str, frozenset[str]] = {"reservoirs": frozenset({"level_min_m", "level_max_m"})}

_VARCHAR = {
    "block",
    "plant",
    "country",
    "river",
    "link",
    "from_country",
    "to_country",
    "point",
    "agreement",
    "term",
    "constraint",
    "element",
    "period",
    "unit",
    "metric",
    "direction",
    "kind",
    "product_group",
}
_INTEGER = {"step", "year", "month", "member"}


def sql_type(column: str) -> str:
    """Return the SQL type of a result column from its name."""
    if column == "time":
        return "TIMESTAMP"
    if column in _VARCHAR:
        return "VARCHAR"
    if column in _INTEGER:
        return "INTEGER"
    return "DOUBLE"


def _typed(columns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((c, sql_type(c)) for c in columns)


#: Tables filled from a :class:`~aralnexus.results.Results` (attribute name = table name).
RESULT_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "plants": _typed(rt.PLANT_COLUMNS),
    "countries": _typed(rt.COUNTRY_COLUMNS),
    "links": _typed(rt.LINK_COLUMNS),
    "reservoirs": _typed(rt.RESERVOIR_COLUMNS),
    "releases": _typed(rt.RELEASE_COLUMNS),
    "objective": _typed(rt.OBJECTIVE_COLUMNS),
    "violations": _typed(rt.VIOLATION_COLUMNS),
    "start_storage": (
        ("plant", "VARCHAR"),
        ("storage_hm3", "DOUBLE"),
        ("source", "VARCHAR"),
        ("stated_hm3", "DOUBLE"),
        ("adjustment_hm3", "DOUBLE"),
        ("note", "VARCHAR"),
    ),
}

#: Result columns a :class:`~aralnexus.results.Results` table may lack (stored as NULL): columns
#: added after the first release, so Results built by older or hand-written code still store.
RESULT_OPTIONAL: dict[str, frozenset[str]] = {"reservoirs": frozenset({"level_min_m", "level_max_m"})}

#: Pathway metrics (long): one row per country, year and metric.
METRIC_COLUMNS: tuple[tuple[str, str], ...] = (
    ("country", "VARCHAR"),
    ("year", "INTEGER"),
    ("metric", "VARCHAR"),
    ("value", "DOUBLE"),
    ("unit", "VARCHAR"),
)

#: Bilateral trade, observed and projected, by year, direction and product group; the turnover of
#: a year is the sum of all its rows (``aralnexus.pathways.trade``).
TRADE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("year", "INTEGER"),
    ("direction", "VARCHAR"),
    ("product_group", "VARCHAR"),
    ("value_musd", "DOUBLE"),
    ("kind", "VARCHAR"),
)
#: Trade columns that may be absent from the pathway's frame (stored as NULL).
TRADE_OPTIONAL: frozenset[str] = frozenset({"product_group"})

#: Scenario provenance: the dataset's sources table as the run used it.
SOURCE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("dataset_table", "VARCHAR"),
    ("element", "VARCHAR"),
    ("attribute", "VARCHAR"),
    ("value", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("source", "VARCHAR"),
    ("note", "VARCHAR"),
)

#: What the scenario overlay changed.
OVERRIDE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("path", "VARCHAR"),
    ("default_value", "VARCHAR"),
    ("value", "VARCHAR"),
)

#: Per-member summary numbers of an ensemble (one row per run and member).
MEMBER_SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("objective_musd", "DOUBLE"),
    ("generation_twh", "DOUBLE"),
    ("unserved_twh", "DOUBLE"),
    ("winter_unserved_twh", "DOUBLE"),
    ("exports_twh", "DOUBLE"),
    ("export_revenue_musd", "DOUBLE"),
    ("spilled_hm3", "DOUBLE"),
    ("min_storage_pct", "DOUBLE"),
    ("violations", "INTEGER"),
)

MEMBER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("member", "INTEGER"),
    ("status", "VARCHAR"),
    ("started_at", "TIMESTAMP"),
    ("finished_at", "TIMESTAMP"),
    ("error", "VARCHAR"),
    *MEMBER_SUMMARY_COLUMNS,
)

MEMBER_METRIC_COLUMNS: tuple[tuple[str, str], ...] = (("member", "INTEGER"), *METRIC_COLUMNS)

#: One row per run: identity, provenance, status and the head-iteration outcome.
RUN_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run_id", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("scenario_name", "VARCHAR"),
    ("description", "VARCHAR"),
    ("scenario_hash", "VARCHAR"),
    ("scenario_file", "VARCHAR"),
    ("package_version", "VARCHAR"),
    ("seed", "BIGINT"),
    ("hydrology", "VARCHAR"),
    ("hydrology_derived", "BOOLEAN"),
    ("horizon_start", "VARCHAR"),
    ("horizon_end", "VARCHAR"),
    ("resolution", "VARCHAR"),
    ("status", "VARCHAR"),
    ("started_at", "TIMESTAMP"),
    ("finished_at", "TIMESTAMP"),
    ("saved_at", "TIMESTAMP"),
    ("objective_musd", "DOUBLE"),
    ("solve_seconds", "DOUBLE"),
    ("head_mode", "VARCHAR"),
    ("iterations", "INTEGER"),
    ("max_head_change_pct", "DOUBLE"),
    ("tolerance_pct", "DOUBLE"),
    ("converged", "BOOLEAN"),
    ("n_members", "INTEGER"),
    ("metadata", "VARCHAR"),
)

#: A backtest's comparison rows (``aralnexus.backtest.compare.COMPARISON_COLUMNS``): each published
#: figure, its source id, the replay's value for it (NULL: not modelled) and the error in percent.
BACKTEST_COMPARISON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("group", "VARCHAR"),
    ("quantity", "VARCHAR"),
    ("element", "VARCHAR"),
    ("period", "VARCHAR"),
    ("year", "INTEGER"),
    ("unit", "VARCHAR"),
    ("published", "DOUBLE"),
    ("source", "VARCHAR"),
    ("model", "DOUBLE"),
    ("error_pct", "DOUBLE"),
)

#: A backtest's modelled storage: the volume of each reservoir at ``time`` (the start of the replay,
#: then each month's end, i.e. the first day of the next month), hm3.
BACKTEST_STORAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("plant", "VARCHAR"),
    ("time", "TIMESTAMP"),
    ("storage_hm3", "DOUBLE"),
)

#: Every table keyed by ``run_id`` (besides ``runs``), with its columns after ``run_id``.
RUN_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    **RESULT_TABLES,
    "metrics": METRIC_COLUMNS,
    "trade": TRADE_COLUMNS,
    "sources": SOURCE_COLUMNS,
    "overrides": OVERRIDE_COLUMNS,
    "members": MEMBER_COLUMNS,
    "member_metrics": MEMBER_METRIC_COLUMNS,
    "backtest_comparison": BACKTEST_COMPARISON_COLUMNS,
    "backtest_storage": BACKTEST_STORAGE_COLUMNS,
}

#: Every table of the store with its full column list (``runs`` first).
ALL_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "runs": RUN_COLUMNS,
    **{name: (("run_id", "VARCHAR"), *cols) for name, cols in RUN_TABLES.items()},
}

#: Natural order of each table's rows (used by reads and exports).
ORDER_BY: dict[str, tuple[str, ...]] = {
    "runs": ("started_at", "run_id"),
    "plants": ("run_id", "step", "plant"),
    "countries": ("run_id", "step", "country"),
    "links": ("run_id", "step", "link"),
    "reservoirs": ("run_id", "time", "plant"),
    "releases": ("run_id", "time", "point"),
    "objective": ("run_id", "term"),
    "violations": ("run_id", "constraint", "element", "period"),
    "start_storage": ("run_id", "plant"),
    "metrics": ("run_id", "country", "metric", "year"),
    "trade": ("run_id", "year", "kind", "direction", "product_group"),
    "sources": ("run_id", "dataset_table", "element", "attribute"),
    "overrides": ("run_id", "path"),
    "members": ("run_id", "member"),
    "member_metrics": ("run_id", "member", "country", "metric", "year"),
    "backtest_comparison": ("run_id", "group", "quantity", "element", "period"),
    "backtest_storage": ("run_id", "plant", "time"),
}


def quote(identifier: str) -> str:
    """Quote an SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def create_statements() -> list[str]:
    """Return the ``CREATE TABLE IF NOT EXISTS`` statements of every table, plus ``meta``."""
    statements = ["CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR)"]
    for name, columns in ALL_TABLES.items():
        body = ", ".join(f"{quote(c)} {t}" for c, t in columns)
        statements.append(f"CREATE TABLE IF NOT EXISTS {quote(name)} ({body})")
    return statements


def column_list(table: str, *, run_id: bool = False) -> str:
    """Return the quoted columns of ``table`` in contract order (for ``SELECT``), ``run_id`` only if asked.

    Reads name the columns rather than ``SELECT *`` so a store upgraded by ``ALTER TABLE … ADD
    COLUMN`` (new columns last) returns the same column order as a new one.
    """
    return ", ".join(quote(c) for c, _ in ALL_TABLES[table] if run_id or c != "run_id")


def upgrade_statements(existing: dict[str, set[str]]) -> list[str]:
    """Return ``ALTER TABLE … ADD COLUMN`` statements for contract columns missing from ``existing``.

    Parameters
    ----------
    existing
        Column names per table as found in the store (tables absent here are skipped: ``CREATE
        TABLE IF NOT EXISTS`` creates them whole).
    """
    out = []
    for name, columns in ALL_TABLES.items():
        if name not in existing:
            continue
        out += [f"ALTER TABLE {quote(name)} ADD COLUMN {quote(c)} {t}" for c, t in columns if c not in existing[name]]
    return out


def order_clause(table: str) -> str:
    """Return ``ORDER BY …`` for a table's natural row order."""
    return "ORDER BY " + ", ".join(quote(c) for c in ORDER_BY[table])
