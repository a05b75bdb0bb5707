#!/usr/bin/env bash
# Creates leverlink's SSM SecureString parameters for one stage, once:
#   infra/secrets.sh prod
# CloudFormation cannot create SecureString parameters, so the template takes
# their names as parameters and the functions read them at cold start. The
# values use the AWS-managed aws/ssm key (no fixed cost). Existing parameters
# are left alone unless FORCE=1. Needs the aws CLI and credentials.
#
#   /leverlink/<stage>/lever-client-secret  your Lever app's client secret (asked for)
#   /leverlink/<stage>/api-keys             management API keys, comma-separated (one generated)
#   /leverlink/<stage>/webhook-secret       webhook HMAC secrets, comma-separated (one generated)
#   /leverlink/<stage>/token-key            base64 AES-256 key sealing Lever tokens (generated)
set -euo pipefail
stage="${1:-prod}"
command -v aws >/dev/null || { echo "secrets: the aws CLI is required" >&2; exit 1; }
command -v openssl >/dev/null || { echo "secrets: openssl is required" >&2; exit 1; }

put() { # name value
  local name=$1 value=$2
  if aws ssm get-parameter --name "$name" >/dev/null 2>&1 && [ "${FORCE:-0}" != 1 ]; then
    echo "  $name exists: kept (FORCE=1 replaces it)"
    return
  fi
  aws ssm put-parameter --name "$name" --type SecureString --overwrite --value "$value" >/dev/null
  echo "  $name written"
}

prefix="/leverlink/$stage"
echo "Creating SecureString parameters under $prefix"
if [ -z "${LEVER_CLIENT_SECRET:-}" ]; then
  read -r -s -p "Lever client secret: " LEVER_CLIENT_SECRET; echo
fi
put "$prefix/lever-client-secret" "$LEVER_CLIENT_SECRET"
api_key="$(openssl rand -hex 24)"
put "$prefix/api-keys" "$api_key"
put "$prefix/webhook-secret" "$(openssl rand -hex 32)"
put "$prefix/token-key" "$(openssl rand -base64 32)"
echo "Done. Read the generated API key and webhook secret with:"
echo "  aws ssm get-parameter --with-decryption --name $prefix/api-keys --query Parameter.Value --output text"
echo "  aws ssm get-parameter --with-decryption --name $prefix/webhook-secret --query Parameter.Value --output text"
echo "Rotate a key by appending the new one (comma-separated), rolling clients, then removing the old one."
echo "Never rotate token-key in place: stored Lever tokens would no longer open (connections become reauth_required)."
