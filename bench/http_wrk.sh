#!/usr/bin/env bash
# Throughput of the request path (docs/benchmarks.md, "The HTTP layer"): the real
# `incident-record serve` on the seed, pinned to core 0, and wrk on core 1, 16
# connections. A constant ASGI app under the same uvicorn is the floor to compare with.
#   bash bench/http_wrk.sh [seconds per run, default 10] [runs, default 3]
# Needs wrk (Debian: apt-get install -y wrk) and two cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECONDS_PER_RUN=${1:-10}
RUNS=${2:-3}
PY=${PYTHON:-.venv/bin/python}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/http-wrk.XXXXXX")
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite:///$WORK/bench.db" PYTHONUNBUFFERED=1
SERVER=""
stop() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi; SERVER=""; }
trap 'stop; rm -rf "$WORK"' EXIT

wait_up() {
    for _ in $(seq 100); do
        curl -fs "http://127.0.0.1:$PORT$1" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "server did not start; its log:" >&2; cat "$WORK/server.log" >&2; exit 1
}

measure() {  # name path
    for run in $(seq "$RUNS"); do
        rps=$(taskset -c 1 wrk -t1 -c16 -d"${SECONDS_PER_RUN}s" "http://127.0.0.1:$PORT$2" \
            | awk '/Requests\/sec/ {print $2}')
        printf '%-32s run %d: %8s req/s\n' "$1" "$run" "$rps"
    done
}

cat >"$WORK/constant.py" <<'PY'
async def app(scope, receive, send):
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"status":"ok"}'})
PY
taskset -c 0 $PY -m uvicorn --app-dir "$WORK" constant:app --port "$PORT" --log-level warning \
    >"$WORK/server.log" 2>&1 &
SERVER=$!
wait_up /
measure "constant ASGI app" /
stop

taskset -c 0 $PY -m app serve --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
wait_up /healthz
measure "GET /healthz" /healthz
measure "GET /v1/incidents/{id}" /v1/incidents/2022-01-05-ain-al-asad-rockets
