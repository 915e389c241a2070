#!/usr/bin/env bash
# shellcheck disable=SC2154  # speckle_* variables are set by the sourced tests/integration/lib.sh
# Concurrent runs of one speckle_token task never leave duplicate tokens. Against an emulator of its own, with the
# admin's login token (no login per run):
#   1. 10 runs started together on this machine, one lock directory: 1 token, 1 run changed, 9 ok;
#   2. 10 runs started together, a lock directory each (as on 10 machines): 1 token left, every run changed, ok or
#      the race message, no traceback, and no token whose secret no run returned;
#   3. a play over 8 local hosts with forks 8 and no run_once, under the default lock directory: 1 token.
set -euo pipefail
# ansible-test copies integration_config.yml two levels above the target's working directory.
lib=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["speckle_test_lib"])' ../../integration_config.yml)
# shellcheck source=/dev/null
source "$lib"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# The admin's login (app) token lives in a 0600 file; the play reads it from a vars file.
(
  umask 077
  "$SPECKLE_PYTHON" -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for i in range(42)))' >"$speckle_tmp/admin_token"
  printf 'admin_token: "%s"\n' "$(cat "$speckle_tmp/admin_token")" >"$speckle_tmp/secrets.yml"
)
speckle_start_emulator race --port 0 --no-rate-limit --token="$(cat "$speckle_tmp/admin_token")"

race() { # race NAME LOCK_DIRS
  "$SPECKLE_PYTHON" race.py run --url "$EMU_URL" --token-file "$speckle_tmp/admin_token" --name "$1" --runs 10 \
    --lock-dirs "$2" --work "$speckle_tmp"
}

# 1. One machine: the runs take turns under the lock.
counts=$(race race-ci shared) || fail "10 runs with one lock directory: $counts"
echo "10 runs at once, one lock directory: $counts"

# 2. As on ten machines: no lock in common, so the second listing after each create settles the race.
counts=$(race race-ci-machines each) || fail "10 runs with a lock directory each: $counts"
echo "10 runs at once, a lock directory each: $counts"

# 3. A play over 8 hosts at once. TMPDIR puts the default lock directory into this target's temporary directory.
inventory="$speckle_tmp/racers.ini"
{
  echo "[racers]"
  for host in $(seq 8); do echo "racer$host ansible_connection=local"; done
} >"$inventory"
out="$speckle_tmp/play.out"
if ! TMPDIR="$speckle_tmp" speckle_playbook play.yml -i "$inventory" --forks 8 -e "url=$EMU_URL" \
  -e token_name=race-play -e "@$speckle_tmp/secrets.yml" "$@" >"$out" 2>&1; then
  cat "$out" # the token task is no_log, the login token is in a vars file
  fail "the play over 8 hosts failed"
fi
grep -F '"msg": "play over' "$out" | sed 's/^ *"msg": //'
left=$("$SPECKLE_PYTHON" race.py tokens "$EMU_URL" race-play)
echo "play over 8 hosts: tokens left $left"
[ "$("$SPECKLE_PYTHON" -c 'import json, sys; print(len(json.loads(sys.argv[1])))' "$left")" = 1 ] ||
  fail "expected exactly 1 token named race-play, found $left"
lock_dir="$speckle_tmp/speckle-locks-$(id -u)"
[ "$(stat -c %a "$lock_dir")" = 700 ] || fail "the default lock directory $lock_dir is not 0700"
[ "$(find "$lock_dir" -type f | wc -l)" = 1 ] || fail "expected one lock file in $lock_dir"
