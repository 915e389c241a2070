#!/usr/bin/env bash
# shellcheck disable=SC2154  # speckle_* variables are set by the sourced tests/integration/lib.sh
# A server_url that does not serve the Speckle API: the emulator's frontend page (200) and an unknown path (404),
# a plain static web server (python -m http.server answers a POST with 501), a proxy's 405 page and a text/plain 500.
set -euo pipefail
# ansible-test copies integration_config.yml two levels above the target's working directory.
lib=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["speckle_test_lib"])' ../../integration_config.yml)
# shellcheck source=/dev/null
source "$lib"

speckle_start_emulator wrongurl --port 0 --no-rate-limit
mkdir -p "$speckle_tmp/site"
echo "<html><body>a static site</body></html>" >"$speckle_tmp/site/index.html"
static_port=$(speckle_free_port)
"$SPECKLE_PYTHON" -m http.server "$static_port" --bind 127.0.0.1 --directory "$speckle_tmp/site" \
  >"$speckle_tmp/static.out" 2>&1 &
speckle_pids+=("$!")
"$SPECKLE_PYTHON" proxy_pages.py "$speckle_tmp/proxy.port" &
speckle_pids+=("$!")
for _ in $(seq 100); do
  [ -s "$speckle_tmp/proxy.port" ] && (echo >"/dev/tcp/127.0.0.1/$static_port") 2>/dev/null && break
  sleep 0.1
done
speckle_playbook wrong_url.yml -e "emulator=$EMU_URL" -e "static=http://127.0.0.1:$static_port" \
  -e "proxy=http://127.0.0.1:$(cat "$speckle_tmp/proxy.port")" "$@"
