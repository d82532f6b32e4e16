#!/usr/bin/env bash
# Debian's Chromium for the browser tests, from apt: never a browser download.
set -eu
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  if ! apt-get install -y -qq chromium >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null
  fi
elif [ "${CI:-}" = "true" ]; then
  echo "chromium is missing and cannot be installed (not root, or no apt-get)." >&2
  exit 1
else
  echo "NOTICE: chromium is not installed (sudo apt-get install chromium): browser tests will skip."
fi
