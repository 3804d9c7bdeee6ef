#!/usr/bin/env bash
# Re-fetch the vendored socket.io-client browser build used by the chat widget
# (bot/web/static/vendor/) from the npm registry, at the pinned version below.
#
# Rasa 3.6's socket.io channel runs python-socketio 5.x (Engine.IO protocol v4), which
# speaks to socket.io-client 4.x. To upgrade: change SOCKETIO_VERSION (stay on 4.x), run
# this script, then `make test` (tests/web/test_vendor.py checks the version string and
# the browser test checks the widget still talks to Rasa).
set -euo pipefail
SOCKETIO_VERSION=4.8.4
cd "$(dirname "$0")/.."
dest=bot/web/static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# npm pack downloads the published tarball and checks it against the registry's integrity hash.
(cd "$tmp" && npm pack --silent "socket.io-client@${SOCKETIO_VERSION}" >/dev/null)
tar -xzf "$tmp/socket.io-client-${SOCKETIO_VERSION}.tgz" -C "$tmp"
if ! head -c 200 "$tmp/package/dist/socket.io.min.js" | grep -q "Socket.IO v${SOCKETIO_VERSION}"; then
  echo "unexpected file: no 'Socket.IO v${SOCKETIO_VERSION}' header" >&2
  exit 1
fi
mkdir -p "$dest"
# Without the source-map comment: the map is not shipped.
grep -v '^//# sourceMappingURL=' "$tmp/package/dist/socket.io.min.js" > "$dest/socket.io.min.js"
cp "$tmp/package/LICENSE" "$dest/socket.io.LICENSE"
echo "vendored socket.io-client ${SOCKETIO_VERSION}: $dest/socket.io.min.js ($(wc -c < "$dest/socket.io.min.js") bytes)"
