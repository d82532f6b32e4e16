#!/usr/bin/env bash
# Debian packages the tests need, from apt (never a browser download): Chromium for the
# browser tests, a Korean font so its screenshots show Hangul, and gettext, with which a test
# extracts the translatable strings again to prove the Korean catalogue complete.
set -eu
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v xgettext >/dev/null 2>&1 || missing+=(gettext)
if [ -z "$(fc-list 2>/dev/null | grep -i nanum)" ] && ! dpkg -s fonts-nanum >/dev/null 2>&1; then
  missing+=(fonts-nanum)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages for the tests: ${missing[*]}..."
  if ! apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
elif [ "${CI:-}" = "true" ]; then
  echo "Missing for the tests and cannot be installed (not root, or no apt-get): ${missing[*]}" >&2
  exit 1
else
  echo "NOTICE: not installed: ${missing[*]} (sudo apt-get install ${missing[*]}): the tests that need them skip."
fi
