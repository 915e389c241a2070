# shellcheck shell=bash
# Shared helpers for runme.sh targets; sourced, not run.
# Reads integration_config.yml (which ansible-test copies two levels above the target's working
# directory) into SPECKLE_* variables, and starts extra emulators that are stopped when the script exits.
set -euo pipefail

speckle_config=$(cd ../.. && pwd)/integration_config.yml
eval "$(python - "$speckle_config" <<'PY'
import shlex
import sys

import yaml

with open(sys.argv[1], encoding="utf-8") as handle:
    for key, value in yaml.safe_load(handle).items():
        print(f"{key.upper()}={shlex.quote(str(value))}")
PY
)"
export ANSIBLE_PYTHON_INTERPRETER="$SPECKLE_PYTHON"
# shellcheck source=/dev/null
source "$SPECKLE_EMULATOR/launch.sh"

speckle_pids=()
export speckle_tmp
speckle_tmp=$(mktemp -d)
speckle_cleanup() {
  for pid in "${speckle_pids[@]:-}"; do
    # wait returns the killed process's status (143 for SIGTERM): under set -e that must not end the cleanup early,
    # or the helpers still running keep ansible-test's output open and the target hangs.
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$speckle_tmp"
  return 0
}
trap speckle_cleanup EXIT

# speckle_start_emulator NAME [emulator options...]: sets EMU_URL; the request log is $speckle_tmp/NAME.log
speckle_start_emulator() {
  local name=$1
  shift
  emulator_start "$speckle_tmp/$name.out" "$speckle_tmp/$name.err" --host 127.0.0.1 \
    --request-log "$speckle_tmp/$name.log" "$@"
  speckle_pids+=("$EMU_PID")
}

# speckle_free_port: a port nothing listens on right now (for an emulator started late).
speckle_free_port() {
  "$SPECKLE_PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# speckle_playbook PLAYBOOK [ansible-playbook options...]
speckle_playbook() {
  ansible-playbook -i "$INVENTORY_PATH" -e "ansible_python_interpreter=$SPECKLE_PYTHON" "$@"
}
