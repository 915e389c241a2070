# shellcheck shell=bash
# Sourced by the scripts that start the emulator (make integration, the runme.sh targets, make demo).
#
# emulator_start OUT ERR [emulator options...]
#   Starts the emulator in the background with stdout in OUT and stderr in ERR, waits for its
#   "listening on URL" line, and sets EMU_URL (https://... with --tls-cert) and EMU_PID. Prints ERR and returns 1 if it never starts.
#   The interpreter is $SPECKLE_PYTHON, else the python on PATH.
emulator_launch_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

emulator_start() {
  local out=$1 err=$2 line=""
  shift 2
  "${SPECKLE_PYTHON:-python}" "$emulator_launch_dir" "$@" >"$out" 2>"$err" &
  EMU_PID=$!
  for _ in $(seq 200); do
    line=$(head -n1 "$out" 2>/dev/null || true)
    [ -n "$line" ] && break
    kill -0 "$EMU_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$line" ]; then
    echo "the emulator did not start:" >&2
    cat "$err" >&2
    return 1
  fi
  EMU_URL=${line#listening on }
  export EMU_URL EMU_PID
}
