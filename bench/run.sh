# shellcheck shell=bash
# `make bench`: start the emulator on loopback (no rate limit, with a request log), run `python -m bench`
# in .venv-bench, and stop the emulator again.
# Usage: bash bench/run.sh ANSIBLE_VENV BENCH_VENV [python -m bench options...]
# ANSIBLE_COLLECTIONS_PATH must point at an installed copy of the collection; the Makefile sets it.
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
ansible_venv=$1
bench_venv=$2
shift 2
work=$(mktemp -d)
trap 'kill "${EMU_PID:-}" 2>/dev/null || true; wait "${EMU_PID:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

token=$("$ansible_venv/bin/python" -c \
  'import secrets,string; a=string.ascii_letters+string.digits; print("".join(secrets.choice(a) for _ in range(42)))')
password=$("$ansible_venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(18))')
# shellcheck source=/dev/null
source "$repo/tests/emulator/launch.sh"
# --token seeds a login token with every scope (tokens:write included), so speckle_token needs no login.
# The admin's email and password are for the scenarios that log in; they reach their playbooks as
# BENCH_ADMIN_* (python -m bench drops SPECKLE_EMAIL/SPECKLE_PASSWORD, which would make every task log in).
# --no-rate-limit counts but never refuses: a real server would refuse per-task logins after about 14.
SPECKLE_PYTHON="$ansible_venv/bin/python" emulator_start "$work/emulator.out" "$work/emulator.err" \
  --host 127.0.0.1 --port 0 --token="$token" --admin-email=admin@example.org --admin-password="$password" \
  --no-rate-limit --request-log "$work/requests.log"
export SPECKLE_SERVER_URL=$EMU_URL SPECKLE_TOKEN=$token
export BENCH_ADMIN_EMAIL=admin@example.org BENCH_ADMIN_PASSWORD=$password

cd "$repo"
"$bench_venv/bin/python" -m bench --request-log "$work/requests.log" --ansible-venv "$ansible_venv" "$@"
