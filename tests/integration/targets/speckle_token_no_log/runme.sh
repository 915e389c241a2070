#!/usr/bin/env bash
# shellcheck disable=SC2154  # speckle_* variables are set by the sourced tests/integration/lib.sh
# No secret reaches the output: tasks that create tokens (no_log: true) and use them, run at -vvvv, and the
# output and the Ansible log are searched for every secret the run created.
set -euo pipefail
# ansible-test copies integration_config.yml two levels above the target's working directory.
lib=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["speckle_test_lib"])' ../../integration_config.yml)
# shellcheck source=/dev/null
source "$lib"

password=$("$SPECKLE_PYTHON" -c 'import secrets; print(secrets.token_urlsafe(18))')
speckle_start_emulator nolog --port 0 --admin-email leak@example.org --admin-password="$password" --no-rate-limit

dest="$speckle_tmp/ci-token"
out="$speckle_tmp/play.out"
export ANSIBLE_LOG_PATH="$speckle_tmp/ansible.log"
# The password travels in a vars file: -vvvv prints extra vars given on the command line.
secrets_file="$speckle_tmp/secrets.yml"
(umask 077 && printf 'admin_password: "%s"\n' "$password" >"$secrets_file")
if ! speckle_playbook no_log.yml -vvvv -e "url=$EMU_URL" -e "dest=$dest" -e "@$secrets_file" "$@" >"$out" 2>&1; then
  # Show the output for debugging: the token-creating tasks are no_log, the password is in a file.
  cat "$out"
  exit 1
fi

first=$(cat "$dest.first")
second=$(cat "$dest")
if [ ${#first} -ne 42 ] || [ ${#second} -ne 42 ] || [ "$first" = "$second" ]; then
  echo "expected two different 42-character tokens in $dest.first and $dest" >&2
  exit 1
fi
leaks=0
for secret in "$first" "$second" "${first:10}" "${second:10}" "$password"; do
  for file in "$out" "$ANSIBLE_LOG_PATH"; do
    if grep -qF -- "$secret" "$file"; then
      echo "LEAK: a secret appears in $(basename "$file")" >&2
      leaks=1
    fi
  done
done
[ "$leaks" -eq 0 ] || exit 1
grep -q "censored" "$out" || { echo "expected the no_log tasks to be censored" >&2; exit 1; }
echo "no secret in $(wc -l <"$out") lines of -vvvv output"
