#!/usr/bin/env bash
# The whole set-up of a fresh machine: a virtual environment at .venv with the package (editable,
# so sql/ and expectations/ are read from this checkout) and the test tools. Safe to run again:
# it reinstalls only when pyproject.toml has changed.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup: Python 3.11 or newer is needed as python3" >&2; exit 1; }
[ -x .venv/bin/python ] || python3 -m venv .venv

stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing cityscapes-warehouse and its dependencies into .venv" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
