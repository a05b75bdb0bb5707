#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (tests/setup) when it is
# not on PATH yet. Idempotent: does nothing when chromium is already there.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
	exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		echo "infra/browser/install.sh: chromium is missing and this user cannot run apt-get (no root, no sudo)" >&2
		exit 1
	fi
fi

echo "installing chromium with apt-get (browser tests need it)" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null
