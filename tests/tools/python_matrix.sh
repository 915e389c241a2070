#!/usr/bin/env bash
# The modules and module_utils run on managed hosts, where ansible-core 2.19 supports Python 3.8 and newer;
# everything else in make test runs on the controller's Python. For each other target Python this machine has
# (a pyenv version, or a working pythonX.Y on PATH), run the compile and import sanity tests and the unit tests, each in a
# venv of ansible-test's own. A Python that is not here is named as skipped, never counted as passed.
# Usage: python_matrix.sh <collection dir under ansible_collections/> <controller python version>
set -euo pipefail
coll=$1
controller=$2
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
tested=()
skipped=()
for version in 3.8 3.9 3.10 3.11 3.12 3.13; do
  [ "$version" = "$controller" ] && continue
  dir=""
  # A pyenv version's own bin first: pyenv's shims answer for versions that are not active with an error.
  for candidate in "$pyenv_root"/versions/"$version".*/bin; do
    [ -x "$candidate/python$version" ] && dir=$candidate
  done
  if [ -z "$dir" ] && "python$version" -c 'import sys' >/dev/null 2>&1; then
    dir=$(dirname "$(command -v "python$version")")
  fi
  if [ -z "$dir" ]; then
    skipped+=("$version")
    continue
  fi
  echo "== Python $version ($dir/python$version)"
  (
    cd "$coll"
    export PATH="$dir:$PATH"
    ansible-test sanity --test compile --python "$version" --color no
    ansible-test sanity --test import --python "$version" --color no
    ansible-test units --python "$version" --venv --requirements --color no
  )
  tested+=("$version")
done
echo "python matrix: tested on ${tested[*]:-no other Python}; not on this machine: ${skipped[*]:-none}"
