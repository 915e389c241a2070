#!/usr/bin/env bash
# Build the HTML docs site for the collection tarball in $1 into $2, with antsibull-docs and Sphinx.
# Offline-safe: intersphinx links to docs.ansible.com cannot resolve here, so the build fails on any
# Sphinx warning except those, instead of on all warnings.
set -euo pipefail
tarball=$1
out=$2
work=$(dirname "$out")/docsite-work
rm -rf "$work" "$out"
mkdir -p "$work/collections"
mkdir -m 700 "$work/site"
export ANSIBLE_COLLECTIONS_PATH="$work/collections"
ansible-galaxy collection install -p "$work/collections" "$tarball" >/dev/null
antsibull-docs sphinx-init --use-current --dest-dir "$work/site" --fail-on-error --squash-hierarchy \
  --title "speckle.server" --project "speckle.server" --copyright "speckle.server contributors" \
  speckle.server >/dev/null
cd "$work/site"
mkdir -p rst
chmod og-w rst
antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything --fail-on-error --use-current \
  --squash-hierarchy --dest-dir rst speckle.server
sphinx-build -M html rst build -c . -q 2>"$work/sphinx-warnings.txt" || { cat "$work/sphinx-warnings.txt"; exit 1; }
unexpected=$(grep -v -e "failed to reach any of the inventories" -e "intersphinx" \
  -e "undefined label: 'common_return_values'" -e "undefined label: 'ansible_configuration_settings'" \
  -e "^\s*$" -e "^\s" "$work/sphinx-warnings.txt" || true)
if [ -n "$unexpected" ]; then
  echo "Sphinx warnings:" >&2
  echo "$unexpected" >&2
  exit 1
fi
mv build/html "$out"
echo "docs site: $out/index.html"
