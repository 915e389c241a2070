#!/usr/bin/env bash
# shellcheck disable=SC2154  # speckle_* variables are set by the sourced tests/integration/lib.sh
# speckle_server_info against emulators of its own: versions, an older schema, a late start, faults.
set -euo pipefail
# ansible-test copies integration_config.yml two levels above the target's working directory.
lib=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["speckle_test_lib"])' ../../integration_config.yml)
# shellcheck source=/dev/null
source "$lib"

for version in 2.23.4 2.6.4-alpha.4711 dev; do
  speckle_start_emulator "v-$version" --port 0 --server-version "$version"
  speckle_playbook version.yml -e "url=$EMU_URL" -e "version=$version" "$@"
done

speckle_start_emulator legacy --port 0 --legacy --server-version 2.5.0
speckle_playbook legacy.yml -e "url=$EMU_URL" -e "request_log=$speckle_tmp/legacy.log" "$@"

port=$(speckle_free_port)
# The emulator starts 3 s after the playbook says it is about to wait (however slow ansible-playbook starts).
(
  for _ in $(seq 600); do [ -e "$speckle_tmp/waiting" ] && break; sleep 0.1; done
  sleep 3
  exec "$SPECKLE_PYTHON" "$SPECKLE_EMULATOR" --host 127.0.0.1 --port "$port" >"$speckle_tmp/late.out" 2>&1
) &
speckle_pids+=("$!")
speckle_playbook wait.yml -e "url=http://127.0.0.1:$port" -e "marker=$speckle_tmp/waiting" "$@"

speckle_start_emulator faults --port 0
speckle_playbook faults.yml -e "url=$EMU_URL" "$@"
