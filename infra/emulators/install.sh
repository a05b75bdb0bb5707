#!/usr/bin/env bash
# Installs the pinned emulators (npm ci) when they are missing, after checking
# that java, node and npm are on the PATH.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

missing=()
command -v java >/dev/null 2>&1 || missing+=("java (Java 17+; on Debian: apt-get install -y openjdk-17-jre-headless)")
command -v node >/dev/null 2>&1 || missing+=("node (Node.js 20+; on Debian: apt-get install -y nodejs npm)")
command -v npm >/dev/null 2>&1 || missing+=("npm")
command -v curl >/dev/null 2>&1 || missing+=("curl (apt-get install -y curl)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "emulators: missing on this machine:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi

stamp="$here/node_modules/.leverlink-installed"
if [ ! -f "$stamp" ] || [ "$here/package-lock.json" -nt "$stamp" ]; then
  echo "emulators: installing pinned packages (npm ci)..." >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$stamp"
fi
