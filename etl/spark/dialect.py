"""The views' SQL, written once in DuckDB's dialect, as Spark SQL: sqlglot plus the exceptions it misses.

sql/ stays the one source. sqlglot turns DuckDB's `string_agg(... order by ...)` into Spark's
`listagg ... within group`, `unnest(range(...))` into `explode(sequence(...))`, `::` casts into
`cast`, and adds `nulls last` where DuckDB sorts nulls last by default. What it leaves alone is
handled here, each case named:

- `round_even` (DuckDB's half-to-even rounding) is Spark's `bround`; sqlglot passes the name through.
- Rounding ties: both engines' round-to-n-decimals decide a tie differently on doubles (DuckDB
  rounds the exact binary value, Spark its shortest decimal text), so the views never round to
  decimals: they scale, round to a whole number, and divide (`round_even(x * 100, 0) / 100`).
  Rounding a double to a whole number agrees on both engines (a tie k + 0.5 is itself a double),
  which `check_rounding` enforces on every view before it reaches Spark.
- A view is a temporary view on Spark: it lives in the session, over the tables `register` reads.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

# DuckDB function -> Spark function of the same meaning that sqlglot does not map
RENAMED_FUNCTIONS = {"round_even": "bround"}
ROUNDING_FUNCTIONS = ("round", "round_even")


class PortabilityError(Exception):
    """A view's SQL would give another result on Spark than on DuckDB."""


def spark_view_sql(duckdb_sql: str, name: str = "") -> str:
    """`create or replace view` in DuckDB's dialect -> `create or replace temporary view` for Spark."""
    tree = sqlglot.parse_one(duckdb_sql, read="duckdb")
    if not isinstance(tree, exp.Create) or tree.kind != "VIEW":
        raise PortabilityError(f"{name}: expected one `create or replace view` statement")
    check_rounding(tree, name)
    tree = tree.transform(_rename_functions)
    tree.set("properties", exp.Properties(expressions=[exp.TemporaryProperty()]))
    return tree.sql(dialect="spark")


def check_rounding(tree: exp.Expression, name: str = "") -> None:
    """Refuse rounding to decimals (see the module's docstring): it decides ties differently on Spark."""
    for call in tree.find_all(exp.Round, exp.Anonymous):
        function = call.name.lower() if isinstance(call, exp.Anonymous) else "round"
        if function not in ROUNDING_FUNCTIONS:
            continue
        digits = call.args.get("decimals") if isinstance(call, exp.Round) else _second(call.expressions)
        if digits is not None and digits.sql() != "0":
            raise PortabilityError(
                f"{name}: {call.sql(dialect='duckdb')} rounds to decimals, which DuckDB and Spark decide "
                f"differently on a tie; write {function}(x * 10^n, 0) / 10^n"
            )


def _second(args: list[exp.Expression]) -> exp.Expression | None:
    return args[1] if len(args) > 1 else None


def _rename_functions(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.lower() in RENAMED_FUNCTIONS:
        return exp.Anonymous(this=RENAMED_FUNCTIONS[node.name.lower()], expressions=node.expressions)
    return node
