#!/usr/bin/env bash
# shellcheck disable=SC2154  # speckle_* variables are set by the sourced tests/integration/lib.sh
# TLS end to end: an emulator serving HTTPS with a certificate from a throw-away test CA. speckle_server_info and the
# email/password login flow (speckle_token_info, speckle_session) fail by default (validate_certs true, no ca_path)
# and with ca_path at an unrelated CA, with the certificate message and without sending a byte of HTTP; they work
# with ca_path at the test CA, and with validate_certs false.
set -euo pipefail
# ansible-test copies integration_config.yml two levels above the target's working directory.
lib=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["speckle_test_lib"])' ../../integration_config.yml)
# shellcheck source=/dev/null
source "$lib"

tls="$speckle_tmp/tls"
"$SPECKLE_PYTHON" "$SPECKLE_EMULATOR/tools/make_certs.py" "$tls" >/dev/null
password=$("$SPECKLE_PYTHON" -c 'import secrets; print(secrets.token_urlsafe(18))')
speckle_start_emulator tls --port 0 --no-rate-limit --tls-cert "$tls/server.pem" --tls-key "$tls/server.key" \
  --admin-email tls@example.org --admin-password="$password"
case "$EMU_URL" in
  https://127.0.0.1:*) ;;
  *)
    echo "expected the emulator to listen on https://127.0.0.1:PORT, got $EMU_URL" >&2
    exit 1
    ;;
esac
# The password travels in a vars file: -vvvv prints extra vars given on the command line.
secrets_file="$speckle_tmp/secrets.yml"
(umask 077 && printf 'admin_password: "%s"\n' "$password" >"$secrets_file")
speckle_playbook tls.yml -e "url=$EMU_URL" -e "tls_dir=$tls" -e "request_log=$speckle_tmp/tls.log" \
  -e "@$secrets_file" "$@"
