#!/usr/bin/env bash
# An execution environment (AWX, ansible-navigator) gets a collection's Python dependencies through
# meta/execution-environment.yml, which ansible-builder reads. Ask ansible-builder itself what it finds in the
# built collection, and compare with requirements.txt.
# Usage: check.sh <dir that holds ansible_collections/> <ansible-builder>
set -euo pipefail
collections=$1
builder=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
found=$("$builder" introspect --sanitize "$collections")
echo "$found"
missing=0
while read -r requirement; do
  case "$requirement" in '' | '#'*) continue ;; esac
  if ! grep -qF -- "'$requirement  # from collection speckle.server'" <<<"$found"; then
    echo "ansible-builder does not see '$requirement' from speckle.server" >&2
    missing=1
  fi
done <"$repo/requirements.txt"
[ "$missing" = 0 ] && echo "ee check: ansible-builder finds every requirement of requirements.txt"
