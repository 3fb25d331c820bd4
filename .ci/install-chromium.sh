#!/bin/sh
# Installs Chromium for the browser tests of the web console (test/console/console.test.ts).
# Idempotent: does nothing when /usr/bin/chromium is there. Debian/Ubuntu (apt-get) only.
set -eu

if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi

SUDO=''
if [ "$(id -u)" -ne 0 ]; then SUDO='sudo'; fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-noto-cjk
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)"
