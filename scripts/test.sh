#!/usr/bin/env bash
# The project's test command (`make test`, and CI through .ci/run):
#   1. set up the environment (scripts/bootstrap.sh: apt packages, .venv, requirements);
#   2. lint: ruff check, ruff format --check, lint-imports (the import-linter contracts of
#      pyproject.toml); security: bandit, pip-audit (known vulnerabilities);
#   3. no model change without its migration (makemigrations --check);
#   4. the whole test suite on SQLite (tests marked mysql_only are skipped there), with branch
#      coverage, after starting Redis (scripts/redis.sh) for the event-bus tests; in parallel
#      (pytest-xdist, one worker per core; --dist loadgroup keeps an xdist_group on one worker);
#   5. on MariaDB (scripts/mariadb.sh), the tests marked database_specific (concurrency, locking,
#      constraints, migrations, the event bus), appending to the same coverage data; the rest
#      tests nothing that depends on the engine and ran in step 4. Two workers, each with its own
#      test database (pytest-django suffixes its name with the worker's id);
#   6. the coverage report of the package, failing under 90%.
# Each step prints its time (--- ok (Ns)).
#
# Environment: KEEP_MARIADB=1 (KEEP_REDIS=1) leaves a MariaDB (Redis) server this script started running.
# Extra arguments go to both pytest runs (e.g. `bash scripts/test.sh -x -k concurrency`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

START=$SECONDS
step_start=$SECONDS
step() {
    printf '\n==> %s\n' "$*"
    step_start=$SECONDS
}
done_step() { printf -- '--- ok (%ss)\n' "$((SECONDS - step_start))"; }

step "bootstrap"
bash scripts/bootstrap.sh
done_step

export PATH="$ROOT/.venv/bin:$PATH"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export DJANGO_SETTINGS_MODULE=test_settings
export COVERAGE_FILE="$ROOT/.coverage"
unset CREDENTIALS_PLUGIN_TEST_DB

step "ruff check"
ruff check .
done_step

step "ruff format --check"
ruff format --check .
done_step

step "lint-imports (import-linter contracts of pyproject.toml)"
lint-imports
done_step

step "bandit (security linter; reviewed exceptions are marked # nosec with their reason)"
bandit -q -r credentials_plugin -c pyproject.toml
done_step

# pip-audit asks PyPI's per-release JSON API about every package installed in .venv (the runtime
# requirements at the versions tested, and the test tools). Known vulnerabilities fail the run; a
# package it could not look up (the API unreachable) is listed and reported, never taken as clean.
step "pip-audit (known vulnerabilities in the installed packages)"
audit_report="$(mktemp)"
audit_rc=0
pip-audit --local --skip-editable --progress-spinner off >"$audit_report" 2>&1 || audit_rc=$?
unaudited="$(grep -c "could not be audited" "$audit_report" || true)"
if [ "$audit_rc" -ne 0 ] && grep -qE "NewConnectionError|name resolution|Max retries exceeded|ConnectionError" "$audit_report"; then
    # A host with no network (an air-gapped clone) cannot ask PyPI: say so loudly, never call it clean.
    echo "test.sh: WARNING: pip-audit could not reach PyPI's JSON API: the installed packages were" \
        "NOT checked for known vulnerabilities on this run" >&2
elif [ "$audit_rc" -ne 0 ]; then
    cat "$audit_report"
    rm -f "$audit_report"
    echo "test.sh: pip-audit found known vulnerabilities or failed (exit $audit_rc)" >&2
    exit "$audit_rc"
else
    cat "$audit_report"
fi
rm -f "$audit_report"
if [ "$unaudited" -gt 0 ]; then
    echo "test.sh: WARNING: pip-audit could not look up $unaudited packages (is PyPI's JSON API reachable?);" \
        "they were NOT checked for known vulnerabilities" >&2
fi
done_step

step "makemigrations --check"
python -m django makemigrations --check --dry-run
done_step

# pytest exits 5 when it collected no test: that is a broken run, never a pass.
run_pytest() {
    local rc=0
    python -m pytest -rfEs "$@" || rc=$?
    if [ "$rc" -eq 5 ]; then
        echo "test.sh: pytest collected no tests; failing" >&2
        exit 1
    fi
    if [ "$rc" -ne 0 ]; then
        echo "test.sh: pytest failed (exit $rc)" >&2
        exit "$rc"
    fi
}

rm -f "$COVERAGE_FILE" "$COVERAGE_FILE".*
COV_ARGS=(--cov=credentials_plugin --cov-branch --cov-report=)

step "Redis"
started_redis=0
if ! bash scripts/redis.sh status >/dev/null 2>&1; then
    started_redis=1
fi
stop_redis() {
    if [ "$started_redis" -eq 1 ] && [ "${KEEP_REDIS:-0}" != 1 ]; then
        bash scripts/redis.sh stop || true
    fi
}
trap stop_redis EXIT
bash scripts/redis.sh start
done_step

step "pytest on SQLite"
run_pytest "${COV_ARGS[@]}" -n auto --dist loadgroup "$@"
done_step

step "MariaDB"
started_mariadb=0
if ! bash scripts/mariadb.sh status >/dev/null 2>&1; then
    started_mariadb=1
fi
stop_mariadb() {
    if [ "$started_mariadb" -eq 1 ] && [ "${KEEP_MARIADB:-0}" != 1 ]; then
        bash scripts/mariadb.sh stop || true
    fi
}
trap 'stop_mariadb; stop_redis' EXIT
bash scripts/mariadb.sh start
done_step

step "pytest on MariaDB (the database_specific tests)"
CREDENTIALS_PLUGIN_TEST_DB=mysql run_pytest "${COV_ARGS[@]}" --cov-append -n 2 --dist loadgroup -m database_specific "$@"
done_step

step "coverage (branch) of credentials_plugin, both databases"
python -m coverage report --fail-under=90
done_step

printf '\ntest.sh: all checks passed in %ss\n' "$((SECONDS - START))"
