#!/usr/bin/env bash
# shellcheck disable=SC2154  # speckle_* variables are set by the sourced tests/integration/lib.sh
# Awkward secrets: token / SPECKLE_TOKEN, password / SPECKLE_PASSWORD and email / SPECKLE_EMAIL with a trailing
# newline, a trailing CRLF, a newline or NUL inside, a "Bearer " prefix and 5,000 characters, plus the token
# read back with slurp + b64decode. Every case runs through ansible-playbook -vvvv against an emulator of its own;
# shapes.py pins each outcome and searches every output, the Ansible log and the results for every secret.
set -euo pipefail
# ansible-test copies integration_config.yml two levels above the target's working directory.
lib=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["speckle_test_lib"])' ../../integration_config.yml)
# shellcheck source=/dev/null
source "$lib"

# The admin's login (app) token and password live in 0600 files, each ending in a newline like a dest file.
(
  umask 077
  "$SPECKLE_PYTHON" -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for i in range(42)))' >"$speckle_tmp/admin_token"
  "$SPECKLE_PYTHON" -c 'import secrets; print(secrets.token_urlsafe(18))' >"$speckle_tmp/password"
)
speckle_start_emulator shapes --port 0 --token="$(cat "$speckle_tmp/admin_token")" --admin-email shapes@example.org \
  --admin-password="$(cat "$speckle_tmp/password")" --no-rate-limit

work="$speckle_tmp/work"
mkdir -m 700 "$work"
if ! "$SPECKLE_PYTHON" shapes.py "$EMU_URL" "$speckle_tmp/admin_token" "$speckle_tmp/password" shapes@example.org \
  "$work" "$@"; then
  # The outputs are safe to show only if no leak was found; the driver said which it was.
  echo "speckle_secret_shapes failed; outputs in $work were not printed" >&2
  exit 1
fi
