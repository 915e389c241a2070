#!/usr/bin/env bash
# Run the ansible-test integration targets against a fresh emulator.
# Usage: run.sh <collection dir under ansible_collections/> <python version>
# The shared emulator's address and credentials reach the targets through integration_config.yml;
# runme.sh targets that need an emulator of their own start it with lib.sh.
set -euo pipefail
coll=$1
pyver=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
python=$(command -v python)
work=$(mktemp -d)
trap 'kill "${EMU_PID:-}" 2>/dev/null || true; wait "${EMU_PID:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

token=$("$python" -c 'import secrets,string; a=string.ascii_letters+string.digits; print("".join(secrets.choice(a) for _ in range(42)))')
password=$("$python" -c 'import secrets; print(secrets.token_urlsafe(18))')
# shellcheck source=/dev/null
source "$repo/tests/emulator/launch.sh"
SPECKLE_PYTHON=$python emulator_start "$work/out" "$work/emulator.err" --host 127.0.0.1 --port 0 --token="$token" \
  --admin-email admin@example.org --admin-password="$password" \
  --request-log "$work/requests.log" --no-rate-limit
url=$EMU_URL

cat >"$coll/tests/integration/integration_config.yml" <<YAML
speckle_server_url: "$url"
speckle_admin_token: "$token"
speckle_admin_email: admin@example.org
speckle_admin_password: "$password"
speckle_request_log: "$work/requests.log"
speckle_python: "$python"
speckle_emulator: "$repo/tests/emulator"
speckle_test_lib: "$repo/tests/integration/lib.sh"
ansible_python_interpreter: "$python"
speckle_fault_seed: "${SPECKLE_FAULT_SEED:-4242}"
YAML

cd "$coll"
# SPECKLE_TARGETS="a b" limits the run to those targets. ansible-test passes no environment variables on to the
# targets, so SPECKLE_FAULT_SEED (the speckle_faults schedule) travels in integration_config.yml above.
# shellcheck disable=SC2086
ansible-test integration --python "$pyver" --color no ${SPECKLE_TARGETS:-} ${SPECKLE_INTEGRATION_ARGS:-}
