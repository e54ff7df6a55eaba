#!/usr/bin/env bash
# Installs Backstride into fresh venvs, one per set of extras, and prints each venv's size.
#   bash bench/install_size.sh [EXTRAS ...]     default: "" (the core) and "all"
# Needs only python3 and the package index; takes a few minutes; removes its venvs after.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ $# -gt 0 ] || set -- "" all
for extras in "$@"; do
  spec=.
  [ -n "$extras" ] && spec=".[$extras]"
  python3 -m venv "$work/venv"
  "$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec" >/dev/null 2>&1
  echo "backstride${extras:+[$extras]}: $(du -sm "$work/venv" | cut -f1) MB"
  rm -rf "$work/venv"
done
