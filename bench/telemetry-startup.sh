#!/usr/bin/env bash
# Start-up cost of the OpenTelemetry SDK (issue 14): time from launching target/quarkus-app/quarkus-run.jar to
# Quarkus' "started" line, with APPLICATIONINSIGHTS_CONNECTION_STRING unset (SDK off, wiring/TelemetrySwitch) and set
# (SDK on; OTLP pointed at a closed local port), RUNS runs of each, interleaved. Prints each run and the medians.
#
#   ./mvnw -B package -DskipTests && RUNS=5 bash bench/telemetry-startup.sh
#
# The app starts as behind the Functions host (FUNCTIONS_CUSTOMHANDLER_PORT) with the warm-up off and settings that
# name hosts that resolve nowhere: nothing is contacted, only the start is measured. Not a test.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-5}
APP=$ROOT/target/quarkus-app/quarkus-run.jar
[[ -f $APP ]] || { echo "no $APP: run ./mvnw package -DskipTests" >&2; exit 2; }
WORK=$ROOT/target/bench-telemetry
mkdir -p "$WORK"

one() { # $1 = off|on; prints "<wall ms> <quarkus s>"
    local port log pid t0 t1 i q
    port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
    log=$WORK/app-$1.log
    local envs=(PATH="$PATH" HOME="$HOME" LANG=C.UTF-8 QUARKUS_HTTP_HOST=127.0.0.1 FUNCTIONS_CUSTOMHANDLER_PORT="$port"
        GRAPH_MAILER_STORAGE_QUEUE_ENDPOINT=https://bench-unused.queue.localhost
        GRAPH_MAILER_STORAGE_TABLE_ENDPOINT=https://bench-unused.table.localhost
        GRAPH_MAILER_TRANSPORT=graph GRAPH_MAILER_TENANT_ID=11111111-2222-3333-4444-555555555555
        GRAPH_MAILER_CLIENT_ID=99999999-8888-7777-6666-555555555555 GRAPH_MAILER_KEY_VAULT_URL=https://bench-unused.vault.localhost
        GRAPH_MAILER_CERTIFICATE_NAME=unused GRAPH_MAILER_ALLOWED_SENDERS=mailer@contoso.test GRAPH_MAILER_WARM_UP=false
        GRAPH_MAILER_CALLER_AUTH_MODE=host-key GRAPH_MAILER_BUDGET_STORE=memory)
    if [[ $1 == on ]]; then
        envs+=(APPLICATIONINSIGHTS_CONNECTION_STRING="InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/"
            GRAPH_MAILER_TELEMETRY_OTLP_ENDPOINT=http://127.0.0.1:9)
    fi
    rm -f "$log"
    t0=$(date +%s%N)
    env -i "${envs[@]}" java -jar "$APP" >"$log" 2>&1 &
    pid=$!
    for ((i = 0; i < 2400; i++)); do
        grep -qs 'started in' "$log" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    t1=$(date +%s%N)
    q=$(grep -o 'started in [0-9.]*s' "$log" | head -1 | tr -dc '0-9.')
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    [[ -n $q ]] || { echo "the app did not start ($1); see $log" >&2; exit 1; }
    echo "$(((t1 - t0) / 1000000)) $q"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "machine: $(nproc) cores, load before $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$WORK/off.txt"
: >"$WORK/on.txt"
for ((r = 1; r <= RUNS; r++)); do
    for mode in off on; do
        line=$(one "$mode")
        echo "$line" >>"$WORK/$mode.txt"
        echo "run $r $mode: launch to started ${line% *} ms, Quarkus says ${line#* } s"
    done
done
echo "load after $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in off on; do
    echo "SDK $mode: median launch to started $(cut -d' ' -f1 "$WORK/$mode.txt" | median) ms, Quarkus $(cut -d' ' -f2 "$WORK/$mode.txt" | median) s"
done
