#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10 only).
# Order: $PYTHON, python3.10 on PATH (pyenv shims included, if they really run 3.10),
# pyenv's 3.10 versions, the usual system locations. Exits 1 with a message if none.
set -u
is_310() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }
if [ -n "${PYTHON:-}" ]; then
  is_310 "$PYTHON" && { echo "$PYTHON"; exit 0; }
  echo "PYTHON=$PYTHON is not a working Python 3.10 (Rasa 3.6 needs 3.10)." >&2
  exit 1
fi
candidates=()
p=$(command -v python3.10 2>/dev/null) && candidates+=("$p")
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for p in "$root"/versions/3.10*/bin/python3.10; do [ -x "$p" ] && candidates+=("$p"); done
candidates+=(/usr/local/bin/python3.10 /usr/bin/python3.10)
for p in "${candidates[@]}"; do
  if is_310 "$p"; then echo "$p"; exit 0; fi
done
echo "No Python 3.10 found. Rasa 3.6 needs Python 3.10: install it (e.g. 'pyenv install 3.10') or set PYTHON=/path/to/python3.10." >&2
exit 1
