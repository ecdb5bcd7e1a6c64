#!/usr/bin/env bash
# System dependencies of the test suite that pip cannot install:
#  - Chromium and its driver (Debian packages) for tests/browser (Selenium drives /usr/bin/chromium);
#  - jsforce (npm, pinned by tests/jsforce/package-lock.json) for tests/jsforce;
#  - Salesforce's sf CLI and the Node.js 22 it needs (npm packages @salesforce/cli and node,
#    pinned by tests/sfcli/package-lock.json) for tests/sfcli: about 480 MB, 40 s with npm's cache.
# Idempotent: does nothing when all are already there. Run as root (apt-get).
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

if [ ! -x tests/sfcli/node_modules/node/bin/node ] || [ ! -f tests/sfcli/node_modules/@salesforce/cli/bin/run.js ]; then
  command -v npm >/dev/null || fail "npm is missing (install Node.js 18+ and npm to run tests/sfcli)"
  echo "install-test-deps: npm ci in tests/sfcli (the sf CLI and Node.js 22)" >&2
  (cd tests/sfcli && npm ci --no-audit --no-fund --loglevel=error) \
    || fail "npm ci in tests/sfcli failed"
  [ -x tests/sfcli/node_modules/node/bin/node ] \
    || fail "npm ci in tests/sfcli left no Node.js binary at tests/sfcli/node_modules/node/bin/node"
fi
