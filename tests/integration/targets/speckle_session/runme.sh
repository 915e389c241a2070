#!/usr/bin/env bash
# shellcheck disable=SC2154  # speckle_* variables are set by the sourced tests/integration/lib.sh
# speckle_session under the real server's default rate limits (the emulator's defaults: no option relaxes them):
# 30 tokens through one session (1 login, 1 logout, at most 3 GraphQL requests per token), a re-run, revoking
# them all at -vvvv (no session secret in the output), a session logged out twice, and per-task logins that run
# into the login limit and fail at once.
set -euo pipefail
# ansible-test copies integration_config.yml two levels above the target's working directory.
lib=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["speckle_test_lib"])' ../../integration_config.yml)
# shellcheck source=/dev/null
source "$lib"

password=$("$SPECKLE_PYTHON" -c 'import secrets; print(secrets.token_urlsafe(18))')
speckle_start_emulator session --port 0 --admin-email admin@example.org --admin-password="$password"
log="$speckle_tmp/session.log"
# The password travels in a vars file: -vvvv prints extra vars given on the command line.
secrets_file="$speckle_tmp/secrets.yml"
(umask 077 && printf 'admin_password: "%s"\n' "$password" >"$secrets_file")
session_file="$speckle_tmp/session"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
mark() { wc -l <"$log"; }
counts() { "$SPECKLE_PYTHON" counts.py "$log" "$1"; }
field() { "$SPECKLE_PYTHON" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
run_tokens() {
  local state=$1
  shift
  speckle_playbook tokens.yml -e "url=$EMU_URL" -e "token_state=$state" -e "session_file=$session_file" \
    -e "@$secrets_file" "$@"
}
expect() { # expect LABEL COUNTS_JSON KEY VALUE
  [ "$(field "$2" "$3")" = "$4" ] || fail "$1: expected $3=$4, got $2"
}

# 1. Provision 30 tokens through one session.
start=$(mark)
run_tokens present "$@"
c=$(counts "$start")
echo "provision 30: $c, changed $(cat "$session_file.changed")"
[ "$(cat "$session_file.changed")" = 30 ] || fail "provision: expected 30 changed tokens"
expect provision "$c" logins 1
expect provision "$c" logouts 1
expect provision "$c" token_graphql 90 # a listing, a create and the check for runs elsewhere per token

# 2. Run it again: nothing changes, still one login.
start=$(mark)
run_tokens present "$@"
c=$(counts "$start")
echo "re-run: $c, changed $(cat "$session_file.changed")"
[ "$(cat "$session_file.changed")" = 0 ] || fail "re-run: expected 0 changed tokens"
expect re-run "$c" logins 1
expect re-run "$c" token_graphql 30 # one listing per token

# 3. Revoke all 30 through one session, at -vvvv: no session secret, password or token id in the output.
start=$(mark)
out="$speckle_tmp/revoke.out"
if ! ANSIBLE_LOG_PATH="$speckle_tmp/ansible.log" run_tokens absent -vvvv "$@" >"$out" 2>&1; then
  cat "$out"
  fail "the revoke play failed"
fi
c=$(counts "$start")
echo "revoke 30: $c, changed $(cat "$session_file.changed")"
[ "$(cat "$session_file.changed")" = 30 ] || fail "revoke: expected 30 revoked tokens"
expect revoke "$c" logins 1
expect revoke "$c" logouts 1
expect revoke "$c" token_graphql 60 # a listing and a revoke per token
token=$(sed -n 1p "$session_file")
refresh=$(sed -n 2p "$session_file")
[ ${#token} -eq 42 ] || fail "expected a 42-character session token in $session_file"
for secret in "$token" "${token:10}" "$refresh" "$password"; do
  for file in "$out" "$speckle_tmp/ansible.log"; do
    if grep -qF -- "$secret" "$file"; then
      fail "a session secret or the password appears in $(basename "$file")"
    fi
  done
done
echo "no session secret in $(wc -l <"$out") lines of -vvvv output"

# 4. Tasks that log in by themselves: 3 logins are spent, so 11 of the default 14 remain (4 per 10 minutes, then
#    10 more per 30 minutes); the 12th is refused, at once, with the message that points to speckle_session.
start=$(mark)
outcome="$speckle_tmp/per_task.json"
speckle_playbook per_task.yml -e "url=$EMU_URL" -e "outcome_file=$outcome" -e "@$secrets_file" "$@"
c=$(counts "$start")
echo "per-task logins: $c"
echo "per-task outcome: $(cat "$outcome")"
"$SPECKLE_PYTHON" - "$outcome" "$c" <<'PY'
import json
import re
import sys

outcome = json.load(open(sys.argv[1], encoding="utf-8"))
counts = json.loads(sys.argv[2])
assert (outcome["ok"], outcome["failed"]) == (11, 5), outcome
pattern = (
    r"The server refused the login \(HTTP 429 at /auth/local/login\) and asks to wait \d+ s, until "
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\. A Speckle server allows 4 logins per 10 minutes, then 10 more per 30 "
    r"minutes, by default, from one client address\. Each task that logs in with email and password spends one\. "
    r"Log in once per play with speckle\.server\.speckle_session and pass its token to the other tasks\."
)
# The wait counts down from one refusal to the next (as on the real server), so each message has its own seconds.
assert outcome["messages"] and all(re.fullmatch(pattern, msg) for msg in outcome["messages"]), outcome["messages"]
assert re.fullmatch(pattern, outcome["refused_msg"]), outcome["refused_msg"]
assert "retries" not in outcome["refused_msg"]
# Each refused task sent its login once (no retries) and nothing else: 11 full logins, then 6 refusals.
assert counts["login_statuses"] == {"302": 11, "429": 6}, counts
assert counts["exchanges"] == 11 and counts["logouts"] == 11, counts
# No sleeping through the server's minutes-long wait (three retries would take about 90 s).
assert outcome["elapsed"] < 5, outcome["elapsed"]
print(f"the refused login failed after {outcome['elapsed']:.2f} s, with retry_at {outcome['retry_at']}")
PY
