#!/usr/bin/env bash
# shellcheck disable=SC2154  # speckle_* variables are set by the sourced tests/integration/lib.sh
# Fault injection: a seeded schedule of speckle_token and speckle_token_info runs, on their own or through a
# speckle_session play (log in, the task with the session's token, log out in always:), each with a fault armed
# first (every kind, aimed at the list query, the create and the revoke mutation, the login, the access-code
# exchange, the logout, and speckle_session's query). After every step: no duplicate, no orphan whose secret nobody
# has, no login or session token left, a failure that says what to do. At the end: no secret (session tokens
# included) in the -vvvv output or the Ansible log. Two lanes, each with an emulator of its own, run side by side
# to keep the target short. SPECKLE_FAULT_SEED=N make integration picks another schedule (run.sh passes it in the
# config).
set -euo pipefail
# ansible-test copies integration_config.yml two levels above the target's working directory.
lib=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["speckle_test_lib"])' ../../integration_config.yml)
# shellcheck source=/dev/null
source "$lib"

seed=${SPECKLE_FAULT_SEED:-4242}  # from integration_config.yml, through lib.sh
lanes=2
echo "fault suite: seed $seed, $lanes lanes (set SPECKLE_FAULT_SEED to run another schedule)"
started=$SECONDS

# The admin's login (app) token and password live in 0600 files; the playbook reads them from a vars file.
(
  umask 077
  "$SPECKLE_PYTHON" -c 'import secrets, string; a = string.ascii_letters + string.digits; print("".join(secrets.choice(a) for i in range(42)))' >"$speckle_tmp/admin_token"
  "$SPECKLE_PYTHON" -c 'import secrets; print(secrets.token_urlsafe(18))' >"$speckle_tmp/password"
)
admin_token=$(cat "$speckle_tmp/admin_token")
password=$(cat "$speckle_tmp/password")
secrets_file="$speckle_tmp/secrets.yml"
(umask 077 && printf 'admin_password: "%s"\nadmin_token: "%s"\n' "$password" "$admin_token" >"$secrets_file")

inventory="$speckle_tmp/lanes.ini"
echo "[lanes]" >"$inventory"
check_args=()
for lane in $(seq "$lanes"); do
  speckle_start_emulator "lane$lane" --port 0 --token="$admin_token" --admin-email faults@example.org \
    --admin-password="$password" --no-rate-limit
  mkdir -m 700 "$speckle_tmp/dest$lane"
  echo "lane$lane ansible_connection=local lane=$((lane - 1)) url=$EMU_URL request_log=$speckle_tmp/lane$lane.log dest_dir=$speckle_tmp/dest$lane" >>"$inventory"
  check_args+=(--url "$EMU_URL" --request-log "$speckle_tmp/lane$lane.log" --stats "$speckle_tmp/stats.lane$lane.json"
    --secrets "$speckle_tmp/seen_secrets.lane$lane")
done
"$SPECKLE_PYTHON" fault_suite.py schedule "$seed" "$lanes" "$speckle_tmp/schedule.json"

out="$speckle_tmp/play.out"
export ANSIBLE_LOG_PATH="$speckle_tmp/ansible.log" ANSIBLE_PIPELINING=true
if ! speckle_playbook faults.yml -i "$inventory" -vvvv -e "schedule_file=$speckle_tmp/schedule.json" \
  -e "out_dir=$speckle_tmp" -e admin_email=faults@example.org -e "admin_id=${admin_token:0:10}" \
  -e "@$secrets_file" "$@" >"$out" 2>&1; then
  # The token-creating tasks are no_log and the credentials are in a file. The lanes interleave their output:
  # show its end, then the last errors (a broken invariant is an assert's "Action failed").
  tail -n 80 "$out"
  echo "--- the last errors:"
  grep -F '[ERROR]' "$out" | tail -n 4
  exit 1
fi

"$SPECKLE_PYTHON" fault_suite.py check --schedule "$speckle_tmp/schedule.json" "${check_args[@]}" \
  --password-file "$speckle_tmp/password" --admin-token-file "$speckle_tmp/admin_token" \
  --output "$out" --output "$ANSIBLE_LOG_PATH"
echo "fault suite: done in $((SECONDS - started)) s"
