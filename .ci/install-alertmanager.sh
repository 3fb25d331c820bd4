#!/bin/sh
# Installs Prometheus Alertmanager (Debian's prometheus-alertmanager) for the monitoring intake
# tests (test/intake/alertmanager.test.ts). Idempotent: does nothing when it is on the PATH.
# Debian/Ubuntu (apt-get) only. The package's service is not started: the tests run their own.
set -eu

if command -v prometheus-alertmanager >/dev/null 2>&1; then
  echo "alertmanager: $(prometheus-alertmanager --version 2>&1 | head -n 1)"
  exit 0
fi

SUDO=''
if [ "$(id -u)" -ne 0 ]; then SUDO='sudo'; fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends prometheus-alertmanager
echo "alertmanager: $(prometheus-alertmanager --version 2>&1 | head -n 1)"
