#!/usr/bin/env bash
# Creates leverlink's SSM SecureString parameters for one stage in one region,
# once, before the first `sam deploy`:
#   make secrets STAGE=prod REGION=eu-west-1
#   infra/secrets.sh prod eu-west-1
# The stack reads exactly these names in the region it is deployed to
# (template.yaml: /leverlink/${Stage}/..., in ${AWS::Region}); deploy with the
# same Stage and region. The region is never guessed: a parameter written to
# the CLI's default region would be invisible to a stack in another one.
#
# CloudFormation cannot create SecureString parameters, so they are made here.
# The values use the AWS-managed aws/ssm key (no fixed cost). Existing
# parameters are left alone unless FORCE=1. Needs the aws CLI, openssl and
# credentials allowed ssm:GetParameter and ssm:PutParameter. SECRETS_DRY_RUN=1
# prints the aws calls (names, never values) on stderr instead of making them.
#
#   /leverlink/<stage>/lever-client-secret  your Lever app's client secret (asked for,
#                                           or LEVER_CLIENT_SECRET in the environment)
#   /leverlink/<stage>/api-keys             management API keys, comma-separated (one generated)
#   /leverlink/<stage>/webhook-secret       webhook HMAC secrets, comma-separated (one generated)
#   /leverlink/<stage>/token-key            base64 AES-256 key sealing Lever tokens (generated)
#   /leverlink/<stage>/vendor-events-secret HMAC secret signing outbound events (generated)
set -euo pipefail

usage() { echo "usage: infra/secrets.sh STAGE REGION   (make secrets STAGE=prod REGION=eu-west-1)" >&2; exit 2; }
stage="${1:-}"
region="${2:-}"
[ -n "$stage" ] || { echo "secrets: STAGE is required (the stack's Stage parameter, e.g. prod)" >&2; usage; }
[ -n "$region" ] || { echo "secrets: REGION is required (the region you will sam deploy to, e.g. eu-west-1); it is never guessed" >&2; usage; }
# The same rule as the template's Stage parameter, so the names match.
[[ "$stage" =~ ^[a-z][a-z0-9-]{0,15}$ ]] || { echo "secrets: STAGE '$stage' must match ^[a-z][a-z0-9-]{0,15}\$ (template.yaml, Stage)" >&2; exit 2; }
[[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || { echo "secrets: REGION '$region' is not a region name such as eu-west-1" >&2; exit 2; }

if [ "${SECRETS_DRY_RUN:-0}" != 1 ]; then
  command -v aws >/dev/null || { echo "secrets: the aws CLI is required" >&2; exit 1; }
fi
command -v openssl >/dev/null || { echo "secrets: openssl is required" >&2; exit 1; }

awsr() { # the aws CLI, always in the chosen region
  if [ "${SECRETS_DRY_RUN:-0}" = 1 ]; then
    echo "dry run: aws --region $region $1 $2 ${4:-}" >&2 # names only, never values
    [ "$2" = get-parameter ] && return 1
    return 0
  fi
  aws --region "$region" "$@"
}

put() { # name value
  local name=$1 value=$2
  if awsr ssm get-parameter --name "$name" >/dev/null 2>&1 && [ "${FORCE:-0}" != 1 ]; then
    echo "  $name exists: kept (FORCE=1 replaces it)"
    return
  fi
  awsr ssm put-parameter --name "$name" --type SecureString --overwrite --value "$value" >/dev/null
  echo "  $name written"
}

prefix="/leverlink/$stage"
echo "Creating SecureString parameters under $prefix in $region"
if [ -z "${LEVER_CLIENT_SECRET:-}" ]; then
  read -r -s -p "Lever client secret: " LEVER_CLIENT_SECRET; echo
fi
[ -n "$LEVER_CLIENT_SECRET" ] || { echo "secrets: the Lever client secret is empty" >&2; exit 1; }
put "$prefix/lever-client-secret" "$LEVER_CLIENT_SECRET"
put "$prefix/api-keys" "$(openssl rand -hex 24)"
put "$prefix/webhook-secret" "$(openssl rand -hex 32)"
put "$prefix/token-key" "$(openssl rand -base64 32)"
put "$prefix/vendor-events-secret" "$(openssl rand -hex 32)"
echo "Done. Deploy with Stage=$stage to $region (sam deploy --guided asks for both)."
echo "Read the generated API key and webhook secret with:"
echo "  aws ssm get-parameter --region $region --with-decryption --name $prefix/api-keys --query Parameter.Value --output text"
echo "  aws ssm get-parameter --region $region --with-decryption --name $prefix/webhook-secret --query Parameter.Value --output text"
echo "  aws ssm get-parameter --region $region --with-decryption --name $prefix/vendor-events-secret --query Parameter.Value --output text"
echo "Rotate a key by appending the new one (comma-separated), rolling clients, then removing the old one."
echo "Never rotate token-key in place: stored Lever tokens would no longer open (connections become reauth_required)."
