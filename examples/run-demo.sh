#!/usr/bin/env bash
# `make demo`: run demo.yml against $SPECKLE_SERVER_URL, or against the bundled emulator.
# The emulator keeps its state in examples/.demo-state, so a second run sees the first run's tokens.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
python=$(command -v python)
state="$here/.demo-state"
mkdir -p "$state"
chmod 700 "$state"

if [ -z "${SPECKLE_SERVER_URL:-}" ]; then
  umask 077
  [ -s "$state/admin-token" ] || "$python" -c \
    'import secrets,string; a=string.ascii_letters+string.digits; print("".join(secrets.choice(a) for _ in range(42)))' \
    >"$state/admin-token"
  [ -s "$state/admin-password" ] || "$python" -c 'import secrets; print(secrets.token_urlsafe(18))' >"$state/admin-password"
  # shellcheck source=/dev/null
  source "$repo/tests/emulator/launch.sh"
  SPECKLE_PYTHON=$python emulator_start "$state/emulator.out" "$state/emulator.err" --host 127.0.0.1 --port 0 \
    --state "$state/emulator.db" --token="$(cat "$state/admin-token")" --admin-email admin@example.org \
    --admin-password="$(cat "$state/admin-password")"
  trap 'kill "$EMU_PID" 2>/dev/null; wait "$EMU_PID" 2>/dev/null || true' EXIT
  export SPECKLE_SERVER_URL=$EMU_URL
  export SPECKLE_EMAIL=admin@example.org
  SPECKLE_PASSWORD=$(cat "$state/admin-password")
  export SPECKLE_PASSWORD
  echo "Using the bundled emulator at $SPECKLE_SERVER_URL (state in $state)"
else
  echo "Using SPECKLE_SERVER_URL=$SPECKLE_SERVER_URL"
fi

ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" \
  -e "demo_state_dir=$state" "$here/demo.yml"
