#!/usr/bin/env bash
# A Redis server for the event-bus tests (tests/test_event_bus.py), listening only on 127.0.0.1:6379.
#
#   bash scripts/redis.sh start    start one (no persistence, own folder) unless a server already answers there
#   bash scripts/redis.sh stop     shut down the server this script started (never another one)
#   bash scripts/redis.sh status   exit 0 when a server answers on 127.0.0.1:6379
#
# Its pid file and log live in $CREDENTIALS_PLUGIN_REDIS_DIR (default /tmp/credentials-plugin-redis);
# REDIS_PORT picks another port (the tests then need CREDENTIALS_PLUGIN_TEST_REDIS_URL to match).
set -euo pipefail

DIR="${CREDENTIALS_PLUGIN_REDIS_DIR:-/tmp/credentials-plugin-redis}"
PIDFILE="$DIR/redis.pid"
LOG="$DIR/redis.log"
HOST=127.0.0.1
PORT="${REDIS_PORT:-6379}"
START_TIMEOUT=30

say() { printf 'redis: %s\n' "$*"; }
die() {
    printf 'redis: %s\n' "$*" >&2
    exit 1
}

command -v redis-server >/dev/null 2>&1 || die "no redis-server found (run scripts/bootstrap.sh)"
command -v redis-cli >/dev/null 2>&1 || die "no redis-cli found (run scripts/bootstrap.sh)"

answers() {
    [ "$(redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null)" = "PONG" ]
}

our_pid() {
    # The pid of the server this script started, if it is still running (not a reused pid).
    local pid
    [ -f "$PIDFILE" ] || return 1
    pid="$(cat "$PIDFILE" 2>/dev/null)" || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "redis-server.*$HOST:$PORT" || return 1
    echo "$pid"
}

start_server() {
    local waited=0
    mkdir -p "$DIR"
    rm -f "$PIDFILE"
    say "starting Redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') on $HOST:$PORT"
    redis-server --bind "$HOST" --port "$PORT" --protected-mode yes \
        --daemonize yes --pidfile "$PIDFILE" --logfile "$LOG" --dir "$DIR" \
        --save "" --appendonly no </dev/null
    until answers; do
        if ((waited >= START_TIMEOUT * 4)); then
            tail -n 30 "$LOG" >&2 || true
            die "the server did not answer within ${START_TIMEOUT}s (log: $LOG)"
        fi
        sleep 0.25
        waited=$((waited + 1))
    done
    say "answering (pid $(cat "$PIDFILE"))"
}

stop_server() {
    local pid waited=0
    if ! pid="$(our_pid)"; then
        say "no server started by this script is running (nothing to stop)"
        return 0
    fi
    say "stopping the server (pid $pid)"
    redis-cli -h "$HOST" -p "$PORT" shutdown nosave >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited >= START_TIMEOUT * 4)); then
            say "still running after ${START_TIMEOUT}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.25
        waited=$((waited + 1))
    done
    say "stopped"
}

case "${1:-}" in
    start)
        if answers; then
            if our_pid >/dev/null; then
                say "already running on $HOST:$PORT (started by this script)"
            else
                say "a server already answers on $HOST:$PORT; using it"
            fi
        else
            start_server
        fi
        ;;
    stop)
        stop_server
        ;;
    status)
        if answers; then
            if our_pid >/dev/null; then
                say "running on $HOST:$PORT (started by this script, pid $(our_pid))"
            else
                say "a server answers on $HOST:$PORT (not started by this script)"
            fi
        else
            say "no server answers on $HOST:$PORT"
            exit 1
        fi
        ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac
