#!/usr/bin/env bash
# Set up the developer / CI environment from a fresh clone (Debian 12, as root):
#   - Debian packages: pkg-config and libmariadb-dev (to build mysqlclient), mariadb-server,
#     redis-server (the event-bus tests' Redis, scripts/redis.sh);
#     chromium and two font families (DejaVu: Latin, Arabic, ...; Liberation: metric twins of
#     Times/Arial) for the browser tests, which drive /usr/bin/chromium with Playwright;
#   - a virtualenv in .venv with the pinned requirements (requirements/base.txt and test.txt,
#     compiled by `make upgrade`) and the package installed editable (the editable install
#     registers the lms.djangoapp entry point the test host loads).
# Idempotent: a second run only checks, and skips pip while its inputs are unchanged.
#
# Modes:
#   (none)     everything above: what `make test` needs.
#   --demo     only what `make demo` needs: the virtualenv with requirements/base.txt and the
#              package (editable); no MariaDB, Redis, Chromium or test requirements (the demo runs
#              on SQLite). A virtualenv set up in full mode already serves the demo.
#   --dry-run  say what would be installed, change nothing (combine with --demo).
#
# Environment: PYTHON=python3.x picks the interpreter for a new .venv (default: the first of
# python3.11, python3.12, python3.13, python3 that is at least 3.11).
set -euo pipefail

MODE=full
DRY_RUN=0
for argument in "$@"; do
    case "$argument" in
        --demo) MODE=demo ;;
        --dry-run) DRY_RUN=1 ;;
        *)
            echo "bootstrap: unknown option $argument (use --demo and/or --dry-run)" >&2
            exit 2
            ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"

say() { printf 'bootstrap: %s\n' "$*"; }
would() { say "[dry run] would $*"; }

# --- Debian packages -------------------------------------------------------------------------
need_apt=()
need_browser=()
if [ "$MODE" = full ]; then
    if ! command -v pkg-config >/dev/null 2>&1; then
        need_apt+=(pkg-config)
    fi
    if ! { pkg-config --exists libmariadb 2>/dev/null || pkg-config --exists mysqlclient 2>/dev/null \
        || command -v mysql_config >/dev/null 2>&1; }; then
        need_apt+=(libmariadb-dev)
    fi
    if ! { command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; } \
        || ! command -v mariadb-install-db >/dev/null 2>&1; then
        need_apt+=(mariadb-server)
    fi
    if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
        need_apt+=(redis-server)
    fi
    # The browser tests' packages: without them (and without root) those tests are skipped locally;
    # in CI (root) they are installed, and tests/test_browser.py fails when CI is set and they are not.
    if [ ! -x /usr/bin/chromium ]; then
        need_browser+=(chromium)
    fi
    for font in fonts-dejavu-core fonts-liberation; do
        if ! dpkg-query -W -f='${Status}' "$font" 2>/dev/null | grep -q 'ok installed'; then
            need_browser+=("$font")
        fi
    done
fi
# Debian's python3 makes virtualenvs only with python3-venv (both modes, when .venv is to be made).
if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1 && ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    need_apt+=(python3-venv)
fi
say "mode $MODE: Debian packages missing: ${need_apt[*]:-none}${need_browser[*]:+ (browser tests: ${need_browser[*]})}"
missing=("${need_apt[@]}" "${need_browser[@]}")
if ((${#missing[@]})) && ((DRY_RUN)); then
    would "apt-get install ${missing[*]}"
elif ((${#missing[@]})); then
    if [ "$(id -u)" -ne 0 ]; then
        if ((${#need_apt[@]})); then
            echo "bootstrap: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
            exit 1
        fi
        say "not root: ${need_browser[*]} missing, so the browser tests will be skipped (apt-get install them)"
    else
        say "installing ${missing[*]} with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        log="$(mktemp)"
        # The complete set, so a partial earlier install ends up whole.
        if [ "$MODE" = full ]; then
            packages=(pkg-config libmariadb-dev mariadb-server redis-server chromium fonts-dejavu-core fonts-liberation)
        else
            packages=()
        fi
        packages+=("${missing[@]}")
        if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}"; } \
            </dev/null >"$log" 2>&1; then
            cat "$log" >&2
            rm -f "$log"
            echo "bootstrap: apt-get install failed" >&2
            exit 1
        fi
        rm -f "$log"
    fi
fi

# --- The virtualenv --------------------------------------------------------------------------
pick_python() {
    if [ -n "${PYTHON:-}" ]; then
        echo "$PYTHON"
        return
    fi
    local candidate
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "bootstrap: no Python 3.11 or newer found (set PYTHON=...)" >&2
    exit 1
}

if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    python="$(pick_python)"
    if ((DRY_RUN)); then
        would "create .venv with $("$python" -V 2>&1)"
    else
        say "creating .venv with $("$python" -V 2>&1)"
        rm -rf "$VENV"
        "$python" -m venv "$VENV"
    fi
fi

# pip runs again only when what it installs from changes (the pins, or the ranges setup.py reads
# from base.in), the venv moved, or the mode asks for more (a full install serves the demo too).
if [ "$MODE" = full ]; then
    requirements=(-r requirements/base.txt -r requirements/test.txt)
    imports='import credentials_plugin, MySQLdb, pytest_django, playwright, axe_playwright_python'
else
    requirements=(-r requirements/base.txt)
    imports='import credentials_plugin'
fi
stamp="$VENV/.bootstrap-stamp"
inputs="$(cat requirements/*.txt requirements/*.in setup.py; echo "$ROOT"; "$VENV/bin/python" -V 2>&1 || true)"
digest="$(printf '%s' "$inputs" | sha256sum | cut -d' ' -f1)"
stamped="$(cat "$stamp" 2>/dev/null || true)"
if [ "$stamped" = "$digest" ] || { [ "$MODE" = demo ] && [ "$stamped" = "$digest demo" ]; }; then
    up_to_date=1
else
    up_to_date=0
fi
if ((!up_to_date)) || ! "$VENV/bin/python" -c "$imports" >/dev/null 2>&1; then
    # test.txt pins everything but Django (tox's factors choose it there); base.txt pins Django.
    if ((DRY_RUN)); then
        would "pip install ${requirements[*]} -c requirements/constraints.txt -e . into .venv"
        say "[dry run] nothing was changed"
        exit 0
    fi
    say "installing the pinned ${requirements[*]//-r /} and the package (editable) into .venv"
    log="$(mktemp)"
    if ! "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
        "${requirements[@]}" -c requirements/constraints.txt -e . \
        </dev/null >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "bootstrap: pip install failed" >&2
        exit 1
    fi
    rm -f "$log"
    if [ "$MODE" = full ]; then
        echo "$digest" >"$stamp"
    else
        echo "$digest demo" >"$stamp"
    fi
fi
if ((DRY_RUN)); then
    say "[dry run] .venv is up to date for mode $MODE; nothing was changed"
    exit 0
fi

# The host finds the plugin only through its entry point: check it is registered.
"$VENV/bin/python" - <<'EOF'
from importlib.metadata import entry_points

found = {ep.name: ep.value for ep in entry_points(group="lms.djangoapp")}
expected = "credentials_plugin.apps:CredentialsPluginConfig"
if found.get("credentials_plugin") != expected:
    raise SystemExit(f"bootstrap: the lms.djangoapp entry point is missing or wrong: {found}")
EOF
# The wallets' own JavaScript libraries, for the wallet tests that run them (tests/wallet_js): only
# where Node's npm is installed; without them those tests are skipped, saying so.
if [ "$MODE" = full ] && command -v npm >/dev/null 2>&1 && [ ! -d tests/wallet_js/node_modules ]; then
    say "installing the wallet libraries of tests/wallet_js (npm ci)"
    npm ci --prefix tests/wallet_js --no-audit --no-fund --silent </dev/null \
        || say "npm ci failed: the tests that run the wallets' own libraries will be skipped"
fi

if [ "$MODE" = full ]; then
    say "ready ($("$VENV/bin/python" -V 2>&1), $("$VENV/bin/ruff" --version))"
else
    say "ready for the demo ($("$VENV/bin/python" -V 2>&1))"
fi
