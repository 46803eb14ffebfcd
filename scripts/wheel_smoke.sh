#!/usr/bin/env bash
# Packaging smoke test, as a user installs: build the sdist and, from it, the wheel; install the
# wheel into a clean virtual environment outside the checkout; then, from an unrelated directory,
# run replica (small) -> build -> validate -> stats -> sql -> report -> export and check that the
# suites ran (more than zero expectations), that every view answers and that the warehouse holds
# only its layout. Exit 0 only when every step did what it says. Needs the package registry (pip).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/cityscapes-wheel-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "wheel-smoke: FAILED: $*" >&2; exit 1; }
step() { echo "wheel-smoke: $*" >&2; }
pip_quiet=(--quiet --disable-pip-version-check)

step "building the sdist and, from the sdist, the wheel"
python3 -m venv "$work/tools"
"$work/tools/bin/pip" install "${pip_quiet[@]}" build
"$work/tools/bin/python" -m build --outdir "$work/dist" "$root" >"$work/build.log" 2>&1 \
  || { tail -20 "$work/build.log" >&2; fail "python -m build"; }
wheel=$(ls "$work"/dist/*.whl)
sdist=$(ls "$work"/dist/*.tar.gz)

step "the sdist holds what a build and the tests need"
listing=$(tar -tzf "$sdist" | cut -d/ -f2-)
for needed in LICENSE pyproject.toml README.md data/README.md tests/conftest.py sql/staging/stg_objects.sql \
  expectations/objects.integrity.json etl/__init__.py etl/py.typed; do
  grep -qx "$needed" <<<"$listing" || fail "the sdist lacks $needed"
done

step "installing the wheel into a clean virtual environment"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install "${pip_quiet[@]}" "$wheel" || fail "pip install of the wheel"
cli="$work/venv/bin/cityscapes-warehouse"
py="$work/venv/bin/python"

mkdir "$work/elsewhere" && cd "$work/elsewhere"
env -u PYTHONPATH "$py" - "$work/venv" <<'EOF' || fail "the package imports from the checkout, not from the wheel"
import sys
from importlib.metadata import version
import cityscapes_warehouse
assert cityscapes_warehouse.__file__.startswith(sys.argv[1]), cityscapes_warehouse.__file__
assert cityscapes_warehouse.__version__ == version("cityscapes-warehouse"), cityscapes_warehouse.__version__
EOF
[ "$("$py" -m cityscapes_warehouse --version)" = "cityscapes-warehouse $("$py" -c 'import cityscapes_warehouse as c; print(c.__version__)')" ] \
  || fail "python -m cityscapes_warehouse --version"

step "replica (small) -> build"
"$cli" replica replica --scale 0.02 >/dev/null || fail "replica"
"$cli" build replica --out wh >build.out 2>&1 || { cat build.out >&2; fail "build"; }
checks=$(sed -n 's/^ *checks *\([0-9,][0-9,]*\) *passed.*/\1/p' build.out | tr -d ,)
[ "${checks:-0}" -gt 0 ] || { cat build.out >&2; fail "build ran ${checks:-no} checks"; }

step "validate"
# exit 1 is right here: a 2 % replica cannot match the release's published counts; the integrity
# suites must pass, and the suites must have run
status=0
"$cli" validate --warehouse wh >validate.out 2>&1 || status=$?
[ "$status" -le 1 ] || { cat validate.out >&2; fail "validate exited $status"; }
grep -q " 0 failed in integrity suites" validate.out || { cat validate.out >&2; fail "integrity suites failed"; }
expectations=$(sed -n 's/^[A-Z]*: \([0-9][0-9]*\) expectations in \([0-9][0-9]*\) suites.*/\1 \2/p' validate.out)
read -r n_expectations n_suites <<<"${expectations:-0 0}"
[ "$n_expectations" -gt 0 ] && [ "$n_suites" -gt 0 ] || { cat validate.out >&2; fail "validate ran no expectation"; }

step "stats, sql and every view"
"$cli" stats --by split --warehouse wh >/dev/null || fail "stats"
images=$(sed -n 's/^ *images *\([0-9,][0-9,]*\)$/\1/p' build.out | tr -d ,)
[ "$("$cli" sql "select count(*) as n from images" --warehouse wh --format csv | tail -1)" = "${images:-none}" ] \
  || fail "sql: images counted differ from the build's ${images:-none}"
env -u PYTHONPATH "$py" - <<'EOF' || fail "a view does not answer"
from importlib.resources import files

from cityscapes_warehouse import Warehouse

shipped = sorted(p.name.removesuffix(".sql") for p in files("cityscapes_warehouse.sql").glob("*/*.sql"))
wh = Warehouse("wh")
views = wh.query("select view_name from duckdb_views() where not internal order by 1")["view_name"].to_list()
assert views and views == shipped, (views, shipped)
for view in views:
    wh.query(f"select count(*) from (select * from {view})")
print(f"wheel-smoke: {len(views)} views answer")
EOF

step "report and export"
"$cli" report --warehouse wh --out report.html >/dev/null || fail "report"
[ -s report.html ] || fail "report wrote nothing"
"$cli" export coco --format coco --warehouse wh >/dev/null || fail "export"
[ -n "$(ls coco)" ] || fail "export wrote nothing"

step "the warehouse holds only its layout, and dataframe readers read a table from its folder"
[ "$(ls wh | tr '\n' ' ')" = "manifest.json tables warehouse.duckdb " ] || fail "warehouse holds: $(ls wh | tr '\n' ' ')"
env -u PYTHONPATH "$py" - <<'EOF' || fail "pyarrow.dataset or polars cannot read wh/tables/objects"
import polars as pl
import pyarrow.dataset as ds

from cityscapes_warehouse import Warehouse

objects = Warehouse("wh").query("select count(*) as n from objects")["n"][0]
assert objects > 0
assert ds.dataset("wh/tables/objects").count_rows() == objects
assert pl.scan_parquet("wh/tables/objects/*.parquet").select(pl.len()).collect().item() == objects
EOF
step "passed ($checks build checks; $n_expectations expectations in $n_suites suites)"
