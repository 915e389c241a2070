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
  "$python" "$repo/tests/emulator" --host 127.0.0.1 --port 0 --state "$state/emulator.db" \
    --token "$(cat "$state/admin-token")" --admin-email admin@example.org \
    --admin-password "$(cat "$state/admin-password")" >"$state/emulator.out" 2>"$state/emulator.err" &
  emulator=$!
  trap 'kill "$emulator" 2>/dev/null; wait "$emulator" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do
    line=$(head -n1 "$state/emulator.out" 2>/dev/null || true)
    [ -n "$line" ] && break
    kill -0 "$emulator" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$line" ] || { echo "the emulator did not start:" >&2; cat "$state/emulator.err" >&2; exit 1; }
  export SPECKLE_SERVER_URL=${line#listening on }
  export SPECKLE_EMAIL=admin@example.org
  SPECKLE_PASSWORD=$(cat "$state/admin-password")
  export SPECKLE_PASSWORD
  echo "Using the bundled emulator at $SPECKLE_SERVER_URL (state in $state)"
else
  echo "Using SPECKLE_SERVER_URL=$SPECKLE_SERVER_URL"
fi

ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" \
  -e "demo_state_dir=$state" "$here/demo.yml"
