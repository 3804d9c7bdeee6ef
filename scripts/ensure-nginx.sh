#!/usr/bin/env bash
# Make sure Debian's nginx is installed: the production profile (`make run-production`) and
# its tests (tests/reliability/) put it in front of the Rasa replicas and the action
# servers. Installs it quietly when missing (log: var/log/nginx-install.log), without
# starting the system service: the profile runs its own nginx with its own config.
# NGINX=/path/to/nginx points at another binary and skips the install.
set -u
cd "$(dirname "$0")/.."
nginx="${NGINX:-/usr/sbin/nginx}"
[ -x "$nginx" ] && exit 0
if [ -n "${NGINX:-}" ]; then
  echo "NGINX=$NGINX is not an executable." >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "nginx is missing (the production profile's load balancer). Install Debian's package:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y nginx" >&2
  exit 1
fi
mkdir -p var/log
log=var/log/nginx-install.log
echo "Installing Debian's nginx for the production profile (log: $log)"
# Keep the package's own service from starting (it would listen on port 80): a
# policy-rc.d that refuses, only for the length of the install and only if none exists.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
fi
status=0
{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx; } >"$log" 2>&1 || status=$?
[ "$own_policy" = 1 ] && rm -f "$policy"
if [ "$status" != 0 ]; then
  tail -15 "$log" >&2
  echo "Could not install nginx (see $log)." >&2
  exit 1
fi
[ -x /usr/sbin/nginx ] || { echo "nginx installed but /usr/sbin/nginx is missing (see $log)." >&2; exit 1; }
