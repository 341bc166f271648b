#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver when missing (used by the report browser test).
set -u
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "chromium missing and not root: browser tests will be skipped" >&2
  exit 0
fi
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver) >/dev/null 2>&1 \
  || echo "could not install chromium: browser tests will be skipped" >&2
