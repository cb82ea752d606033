# Shared set-up for bin/start and bin/test: a project virtualenv with the pinned packages.
# Sourced, not run. Creates .venv with the Python 3.11 on PATH (python3.11 or python3).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
    # Installs Debian packages only when something is missing; apt-get update once.
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "Needs Debian packages: $* (no apt-get here; install them yourself)" >&2
        return 1
    fi
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

PY="$(command -v python3.11 || command -v python3)"
if ! "$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
    echo "Python 3.11 is required (found: $("$PY" --version 2>&1))" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    if ! "$PY" -m venv .venv 2>/dev/null; then
        # Debian's python3 ships venv in a separate package.
        rm -rf .venv
        apt_install python3-venv
        "$PY" -m venv .venv
    fi
fi
VPY="$ROOT/.venv/bin/python"
"$VPY" -m pip install -q --upgrade pip >/dev/null
