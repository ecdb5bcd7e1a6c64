#!/usr/bin/env bash
# System dependencies of the test suite that pip cannot install:
#  - Chromium and its driver (Debian packages) for tests/browser (Selenium drives /usr/bin/chromium);
#  - jsforce (npm, pinned by tests/jsforce/package-lock.json) for tests/jsforce.
# Idempotent: does nothing when both are already there. Run as root (apt-get).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "install-test-deps: $*" >&2; exit 1; }

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  [ "$(id -u)" -eq 0 ] || fail "Chromium is missing and installing it needs root (apt-get install chromium chromium-driver)"
  echo "install-test-deps: installing chromium and chromium-driver" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null || fail "apt-get update failed"
  apt-get install -y -q chromium chromium-driver >/dev/null \
    || fail "apt-get install chromium chromium-driver failed"
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] \
    || fail "chromium installed but /usr/bin/chromium or /usr/bin/chromedriver is missing"
fi

if [ ! -d tests/jsforce/node_modules/jsforce ]; then
  command -v npm >/dev/null || fail "npm is missing (install Node.js 18+ to run tests/jsforce)"
  echo "install-test-deps: npm ci in tests/jsforce" >&2
  (cd tests/jsforce && npm ci --no-audit --no-fund --loglevel=error) \
    || fail "npm ci in tests/jsforce failed"
fi
