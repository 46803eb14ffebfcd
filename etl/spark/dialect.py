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
- An ordered list aggregate, DuckDB's `list(x order by k)`, is Spark's `collect_list`, which has no
  order (sqlglot drops it): it becomes `transform(array_sort(collect_list(named_struct('k0', k,
  'value', x))), e -> e.value)`, the pairs sorted by their keys. Ascending keys only, never null
  (Spark sorts a struct's null field first, DuckDB last); a descending one is refused.
- A view is a temporary view on Spark: it lives in the session, over the tables `register` reads.
"""

from __future__ import annotations

from functools import partial

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
    tree = tree.transform(_rename_functions).transform(partial(_ordered_list, name))
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


def _ordered_list(name: str, node: exp.Expression) -> exp.Expression:
    if not (isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order)):
        return node
    order = node.this
    if any(key.args.get("desc") for key in order.expressions):
        raise PortabilityError(f"{name}: {node.sql(dialect='duckdb')} orders a list descending; order it ascending")
    keys = [f"'k{i}', {key.this.sql(dialect='spark')}" for i, key in enumerate(order.expressions)]
    pairs = f"named_struct({', '.join(keys)}, 'value', {order.this.sql(dialect='spark')})"
    return sqlglot.parse_one(f"transform(array_sort(collect_list({pairs})), e -> e.value)", read="spark")
