#!/usr/bin/env bash
# The whole set-up of a fresh machine: a virtual environment at .venv with the package (editable,
# so sql/ and expectations/ are read from this checkout) and the test tools. Safe to run again:
# it reinstalls only when pyproject.toml has changed. With --test it also installs Debian's
# chromium for the report's browser test, where it can (root and apt); that test skips otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup: Python 3.11 or newer is needed as python3" >&2; exit 1; }
[ -x .venv/bin/python ] || python3 -m venv .venv

stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing cityscapes-warehouse and its dependencies into .venv" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test,spark]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The package runs from this checkout (an editable install), whose modules pip does not compile as it
# does an installed wheel's; where PYTHONDONTWRITEBYTECODE is set, every process then compiled them
# from source: 0.06 s of a build's every worker and 0.1 s of every command's start. Compiled here at
# each set-up (only what changed); Python ignores a compiled file older than its source.
.venv/bin/python -m compileall -q etl || { echo "setup: the package's modules did not compile (above)" >&2; exit 1; }

if [ "${1:-}" = "--test" ] && [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "setup: installing Debian's chromium for the report's browser test" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
    || echo "setup: chromium could not be installed; the browser test will be skipped" >&2
fi
