#!/usr/bin/env bash
# Make sure Debian's chromium is at /usr/bin/chromium for the browser tests, installing it with
# apt-get when missing. Playwright drives this browser; it never downloads one of its own.
set -euo pipefail

browser=${RNNVIZ_CHROMIUM:-/usr/bin/chromium}
if [[ -x $browser ]]; then
  exit 0
fi

fail() {
  echo "ensure_chromium: $1" >&2
  echo "ensure_chromium: install it by hand (Debian/Ubuntu: sudo apt-get install -y chromium)," \
       "or set RNNVIZ_CHROMIUM to a Chromium binary. Without it the browser tests are skipped." >&2
  # In CI a missing browser is an error: a skipped end-to-end test would hide a broken app.
  [[ ${CI:-} == true ]] && exit 1
  exit 0
}

command -v apt-get >/dev/null 2>&1 || fail "$browser is missing and this system has no apt-get."
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  fail "$browser is missing and installing it needs root (no password-less sudo here)."
fi

echo "ensure_chromium: installing Debian's chromium with apt-get"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq </dev/null || fail "apt-get update failed."
"${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium </dev/null \
  || fail "apt-get install chromium failed."
[[ -x $browser ]] || fail "chromium was installed but $browser is not there."
"$browser" --version
