# Install (from Debian's packages, if missing) and start a throw-away PostgreSQL on loopback.
# Sourced by .ci/run; sets POSTGRES_URL.
PG_PORT=${PG_PORT:-54329}
PG_DIR=${PG_DIR:-/tmp/portal-ci-pg}

start_postgres() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null
    fi
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    # PostgreSQL refuses to run as root: run it as the 'postgres' user the package creates.
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$PG_DIR" postgres
    if [ -f "$PG_DIR/postmaster.pid" ]; then
        runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
    mkdir -p "$PG_DIR"
    chown postgres "$PG_DIR"
    runuser -u postgres -- "$bin/initdb" -D "$PG_DIR" -U postgres --auth=trust -E UTF8 >/dev/null
    runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w \
        -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -F" start >/dev/null
    runuser -u postgres -- "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres portal_test
    POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/portal_test"
    export POSTGRES_URL
    trap stop_postgres EXIT
}

stop_postgres() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR" -m fast stop >/dev/null 2>&1 || true
}
