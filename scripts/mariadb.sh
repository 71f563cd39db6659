#!/usr/bin/env bash
# A MariaDB server for the test suite, listening only on 127.0.0.1:3306.
#
#   bash scripts/mariadb.sh start    start one (own datadir) unless a server already answers there,
#                                    then make sure database `credentials_plugin` and user
#                                    `credentials`/`credentials` (ALL PRIVILEGES) exist
#   bash scripts/mariadb.sh stop     shut down the server this script started (never another one)
#   bash scripts/mariadb.sh status   exit 0 when a server answers on 127.0.0.1:3306
#
# The datadir, socket, pid file and log live in $CREDENTIALS_PLUGIN_MARIADB_DIR
# (default /tmp/credentials-plugin-mariadb). Run as root (the server then runs with --user=root).
set -euo pipefail

DIR="${CREDENTIALS_PLUGIN_MARIADB_DIR:-/tmp/credentials-plugin-mariadb}"
DATADIR="$DIR/data"
SOCKET="$DIR/mysqld.sock"
PIDFILE="$DIR/mysqld.pid"
LOG="$DIR/mysqld.log"
HOST=127.0.0.1
PORT="${MYSQL_PORT:-3306}"
DB_NAME="${MYSQL_DATABASE:-credentials_plugin}"
DB_USER="${MYSQL_USER:-credentials}"
DB_PASSWORD="${MYSQL_PASSWORD:-credentials}"
START_TIMEOUT=60

say() { printf 'mariadb: %s\n' "$*"; }
die() {
    printf 'mariadb: %s\n' "$*" >&2
    exit 1
}

find_tool() {
    local name
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
        if [ -x "/usr/sbin/$name" ]; then
            echo "/usr/sbin/$name"
            return 0
        fi
    done
    return 1
}

CLIENT="$(find_tool mariadb mysql)" || die "no mariadb client found (run scripts/bootstrap.sh)"
ADMIN="$(find_tool mariadb-admin mysqladmin)" || die "no mariadb-admin found (run scripts/bootstrap.sh)"

answers() {
    # `ping` succeeds when a server answers, even if it refuses this (unknown) user or host.
    # --skip-ssl: a refusal sent before a TLS handshake would otherwise count as a failure.
    "$ADMIN" --no-defaults --skip-ssl --protocol=tcp -h "$HOST" -P "$PORT" --connect-timeout=2 -u ping ping \
        >/dev/null 2>&1
}

our_pid() {
    # The pid of the server this script started, if it is still running.
    local pid
    [ -f "$PIDFILE" ] || return 1
    pid="$(cat "$PIDFILE" 2>/dev/null)" || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    # A stale pid file may name a pid reused by another process: it must be a server on our datadir.
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--datadir=$DATADIR" || return 1
    echo "$pid"
}

start_server() {
    local server user pid
    server="$(find_tool mariadbd mysqld)" || die "no mariadbd found (run scripts/bootstrap.sh)"
    user="$(id -un)"
    mkdir -p "$DIR"
    if [ ! -d "$DATADIR/mysql" ]; then
        say "initialising $DATADIR"
        rm -rf "$DATADIR"
        local install_db
        install_db="$(find_tool mariadb-install-db mysql_install_db)" || die "no mariadb-install-db found"
        if ! "$install_db" --no-defaults --datadir="$DATADIR" --user="$user" --skip-test-db \
            --auth-root-authentication-method=socket >"$DIR/install.log" 2>&1; then
            cat "$DIR/install.log" >&2
            die "mariadb-install-db failed"
        fi
    fi
    say "starting $("$server" --version | awk '{print $3}') on $HOST:$PORT (datadir $DATADIR)"
    rm -f "$PIDFILE"
    # setsid + redirections: the server outlives this script and holds none of its pipes.
    setsid "$server" --no-defaults \
        --user="$user" \
        --datadir="$DATADIR" \
        --socket="$SOCKET" \
        --pid-file="$PIDFILE" \
        --log-error="$LOG" \
        --bind-address="$HOST" \
        --port="$PORT" \
        --skip-name-resolve \
        --character-set-server=utf8mb4 \
        --collation-server=utf8mb4_unicode_ci \
        --max-connections=200 \
        --innodb-buffer-pool-size=256M \
        --innodb-flush-log-at-trx-commit=2 \
        --innodb-doublewrite=0 \
        --skip-log-bin \
        </dev/null >>"$LOG" 2>&1 &
    pid=$!
    wait_until_answering "$pid"
}

wait_until_answering() {
    local pid="$1" waited=0
    until answers && "$ADMIN" --no-defaults --socket="$SOCKET" -u root ping >/dev/null 2>&1; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$LOG" >&2 || true
            die "the server exited while starting (log: $LOG)"
        fi
        if ((waited >= START_TIMEOUT * 4)); then
            tail -n 30 "$LOG" >&2 || true
            die "the server did not answer within ${START_TIMEOUT}s (log: $LOG)"
        fi
        sleep 0.25
        waited=$((waited + 1))
    done
    say "answering after ~$((waited / 4))s (pid $pid)"
}

run_admin_sql() {
    # Run SQL as an administrator of whichever server answers: ours (its socket), the Debian
    # service (root through its default socket), or root on TCP without a password.
    local sql="$1" socket
    for socket in "$SOCKET" /run/mysqld/mysqld.sock /var/run/mysqld/mysqld.sock; do
        if [ -S "$socket" ] && "$CLIENT" --no-defaults --socket="$socket" -u root -e "$sql" 2>/dev/null; then
            return 0
        fi
    done
    "$CLIENT" --no-defaults --protocol=tcp -h "$HOST" -P "$PORT" -u root -e "$sql" 2>/dev/null
}

user_can_connect() {
    "$CLIENT" --no-defaults --protocol=tcp -h "$HOST" -P "$PORT" -u "$DB_USER" -p"$DB_PASSWORD" \
        -e "CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" \
        >/dev/null 2>&1
}

ensure_database_and_user() {
    local sql="CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
    local host
    for host in 127.0.0.1 localhost; do
        sql+=" CREATE USER IF NOT EXISTS '$DB_USER'@'$host' IDENTIFIED BY '$DB_PASSWORD';"
        sql+=" ALTER USER '$DB_USER'@'$host' IDENTIFIED BY '$DB_PASSWORD';"
        sql+=" GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'$host';"
    done
    sql+=" FLUSH PRIVILEGES;"
    if ! run_admin_sql "$sql"; then
        # No administrator access: fine if the user and database are already usable.
        user_can_connect || die "a server answers on $HOST:$PORT but neither root nor '$DB_USER' can set it up"
    fi
    user_can_connect || die "user '$DB_USER' cannot use the server on $HOST:$PORT"
    say "database '$DB_NAME' and user '$DB_USER' ready on $HOST:$PORT"
}

stop_server() {
    local pid waited=0
    if ! pid="$(our_pid)"; then
        say "no server started by this script is running (nothing to stop)"
        return 0
    fi
    say "stopping the server (pid $pid)"
    "$ADMIN" --no-defaults --socket="$SOCKET" -u root shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
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
        elif pid="$(our_pid)"; then
            say "the server started earlier (pid $pid) is still starting; waiting for it"
            wait_until_answering "$pid"
        else
            start_server
        fi
        ensure_database_and_user
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
