#!/usr/bin/env bash
# Make sure Debian's chromium is installed: the widget's browser test drives it through
# Playwright (`playwright install` downloads its own browser, which is not possible on the
# build machines). Installs it quietly when missing (log: var/log/chromium-install.log).
# CHROMIUM=/path/to/chromium points the test at another binary and skips the install.
set -u
cd "$(dirname "$0")/.."
chromium="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] && exit 0
if [ -n "${CHROMIUM:-}" ]; then
  echo "CHROMIUM=$CHROMIUM is not an executable." >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "Chromium is missing (needed by the widget's browser test). Install Debian's package:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y chromium" >&2
  exit 1
fi
mkdir -p var/log
log=var/log/chromium-install.log
echo "Installing Debian's chromium for the browser test (about a minute; log: $log)"
if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-dejavu-core; } >"$log" 2>&1; then
  tail -15 "$log" >&2
  echo "Could not install chromium (see $log)." >&2
  exit 1
fi
[ -x /usr/bin/chromium ] || { echo "chromium installed but /usr/bin/chromium is missing (see $log)." >&2; exit 1; }
