#!/usr/bin/env bash
# Throughput of the request path (docs/benchmarks.md, "The HTTP layer"): the real
# `incident-record serve` of this checkout on the seed, pinned to core 0, wrk on core 1,
# 16 connections; beside it a constant ASGI app under the same uvicorn (the floor) and,
# if given, another checkout (e.g. main, for before/after). All servers run at once and
# are loaded in turn, round after round, so that a busy machine slows them alike; each
# line gives requests/s and the server's CPU time per request.
#   bash bench/http_wrk.sh [OTHER_CHECKOUT] [SECONDS_PER_RUN=5] [ROUNDS=6]
# Needs wrk (Debian: apt-get install -y wrk), curl and two cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OTHER=${1:-}
SECONDS_PER_RUN=${2:-5}
ROUNDS=${3:-6}
PY=${PYTHON:-$(pwd)/.venv/bin/python}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/http-wrk.XXXXXX")
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait; rm -rf "$WORK"' EXIT

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

serve() {  # checkout port: `serve` from that checkout (python -m app imports its app/)
    (cd "$1" && exec env DATABASE_URL="sqlite:///$WORK/$2.db" PYTHONUNBUFFERED=1 \
        taskset -c 0 "$PY" -m app serve --port "$2" >"$WORK/$2.log" 2>&1) &
    PIDS+=($!)
}

cat >"$WORK/constant.py" <<'PY'
async def app(scope, receive, send):
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"status":"ok"}'})
PY
CONSTANT=$(free_port)
(cd "$WORK" && exec taskset -c 0 "$PY" -m uvicorn constant:app --port "$CONSTANT" \
    --log-level warning >"$WORK/constant.log" 2>&1) &
PIDS+=($!)
THIS=$(free_port)
serve "$(pwd)" "$THIS"
NAMES=("this checkout") PORTS=("$THIS")
if [ -n "$OTHER" ]; then
    OTHER_PORT=$(free_port)
    serve "$OTHER" "$OTHER_PORT"
    NAMES+=("$OTHER") PORTS+=("$OTHER_PORT")
fi

for port in "$CONSTANT" "${PORTS[@]}"; do
    for _ in $(seq 150); do
        curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
        sleep 0.2
    done
done

run() {  # port path: "<req/s> req/s, <us> us CPU/request"
    local pid before after out
    pid=$(ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
    before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    out=$(taskset -c 1 wrk -t1 -c16 -d"${SECONDS_PER_RUN}s" "http://127.0.0.1:$1$2")
    after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    echo "$out" | awk -v cpu=$(((after - before) * 1000000 / $(getconf CLK_TCK))) \
        '/requests in/ {n = $1} /Requests\/sec/ {r = $2} END {printf "%9.1f req/s %7d us CPU/request", r, cpu / n}'
}

for path in /healthz /v1/incidents/2022-01-05-ain-al-asad-rockets; do
    for round in $(seq "$ROUNDS"); do
        printf '%-44s round %d\n' "$path" "$round"
        printf '  %-40s %s\n' "constant ASGI app (/)" "$(run "$CONSTANT" /)"
        order=("${!PORTS[@]}")
        if [ $((round % 2)) -eq 0 ]; then order=($(printf '%s\n' "${order[@]}" | sort -rn)); fi
        for i in "${order[@]}"; do  # in turn, the other way round every other round
            printf '  %-40s %s\n' "${NAMES[$i]}" "$(run "${PORTS[$i]}" "$path")"
        done
    done
done
