#!/usr/bin/env bash
# CPU profile of the Graph send path (issue 12, "A cheap send").
#
#   bash bench/send-profile.sh            # SKIP_BUILD=1 reuses target/quarkus-app and target/test-classpath.txt
#
# Builds the packaged app (target/quarkus-app) and the stand-ins, starts io.graphmailer.standin.StandinsMain (identity
# platform, managed identity, Key Vault, Graph), starts the app once with Java Flight Recorder (settings=profile),
# sends WARMUP sendMail requests (not profiled), then SENDS requests on one kept-alive connection, and prints:
#   - process CPU per send (user+sys from /proc/<pid>/stat, JFR's own overhead included),
#   - the top frames by CPU samples (jdk.ExecutionSample) taken during the SENDS requests only: self (top of stack)
#     and inclusive (each method counted once per sample), and by package.
# Prints no token, key or identity header; the caller key lives in target/send-profile/ only for the run.
#
# Settings (environment): SENDS (1000), WARMUP (200), TOP (25), SKIP_BUILD=1, APP_DIR (another packaged app to
# profile with these stand-ins, e.g. an older commit's target/quarkus-app: run both in turn to compare under the same load).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SENDS=${SENDS:-1000}
WARMUP=${WARMUP:-200}
TOP=${TOP:-25}
WORK=$ROOT/target/send-profile
CLK_TCK=$(getconf CLK_TCK)
[[ $SENDS =~ ^[1-9][0-9]{0,4}$ ]] || { echo "SENDS must be 1..99999" >&2; exit 2; }
[[ $WARMUP =~ ^[0-9]{1,5}$ ]] || { echo "WARMUP must be 0..99999" >&2; exit 2; }
for tool in java jfr curl openssl jq awk xxd base64; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done
JAVA=$(command -v java)
"$JAVA" -version 2>&1 | grep -q '"17\.' || { echo "the java on PATH must be Java 17" >&2; exit 2; }

say() { echo "# $*" >&2; }
PIDS=()
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done 2>/dev/null
    [[ -n ${WORK:-} ]] && rm -rf "$WORK/caller" "$WORK"/*.cfg
}
trap cleanup EXIT
trap 'echo "send-profile: failed at line $LINENO" >&2' ERR

rm -rf "$WORK"
mkdir -p "$WORK"
chmod 700 "$WORK"
umask 077
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    say "build: target/quarkus-app and the stand-ins (log: target/send-profile/build.log)"
    if ! (cd "$ROOT" && ./mvnw -B -q package -DskipTests &&
        ./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt \
            -Dmdep.includeScope=test) >"$WORK/build.log" 2>&1; then
        echo "build failed; see target/send-profile/build.log" >&2
        tail -n 30 "$WORK/build.log" >&2
        exit 1
    fi
fi
[[ -f ${APP_DIR:-$ROOT/target/quarkus-app}/quarkus-run.jar && -f $ROOT/target/test-classpath.txt ]] ||
    { echo "no build to reuse; run without SKIP_BUILD=1" >&2; exit 1; }
# The JVM flags of the shipped launcher, as bench/startup-and-send.sh reads them.
read -r -a JVM_OPTS <<<"$(sed -n 's/^exec "\$java" \(.*\) \${GRAPH_MAILER_JAVA_OPTS.*/\1/p' "$ROOT/src/main/function-app/graph-mailer-jvm.sh" 2>/dev/null || true)"
((${#JVM_OPTS[@]} > 0)) || JVM_OPTS=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:MaxRAMPercentage=70)

say "stand-ins: starting"
env -u IDENTITY_ENDPOINT -u IDENTITY_HEADER "$JAVA" -Dstandin.dir="$WORK/standin" \
    -cp "$ROOT/target/test-classes:$ROOT/target/classes:$(cat "$ROOT/target/test-classpath.txt")" \
    io.graphmailer.standin.StandinsMain >"$WORK/standins.json" 2>"$WORK/standins.log" &
STANDINS_PID=$!
PIDS+=("$STANDINS_PID")
for ((i = 0; i < 600; i++)); do
    # -s first: jq -e on the still empty file succeeds.
    [[ -s $WORK/standins.json ]] && jq -e '.tenantId and .mailbox' "$WORK/standins.json" >/dev/null 2>&1 && break
    kill -0 "$STANDINS_PID" 2>/dev/null || { echo "the stand-ins died; see target/send-profile/standins.log" >&2; exit 1; }
    sleep 0.1
done
[[ -s $WORK/standins.json ]] && jq -e '.tenantId and .mailbox' "$WORK/standins.json" >/dev/null 2>&1 || { echo "the stand-ins did not start in 60 s" >&2; exit 1; }
S() { jq -r ".$1" "$WORK/standins.json"; }
MAILBOX=$(S mailbox)

# Caller auth: a key made for this run, its JWKS as a file, and one signed caller token (1 h) kept in files.
source "$ROOT/bench/lib/caller-token.sh"
caller_token "$WORK/caller" profile "$(S tenantId)"
printf '{"message":{"subject":"graph-mailer profile","body":{"contentType":"Text","content":"Hello from the profile."},"toRecipients":[{"emailAddress":{"address":"bob@contoso.test"}}]}}' \
    >"$WORK/body.json"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || shuf -i 20000-60000 -n 1)
request_cfg() { # count
    local i
    for ((i = 0; i < $1; i++)); do
        echo "url = \"http://127.0.0.1:$PORT/api/users/$MAILBOX/sendMail\""
        cat "$WORK/caller/auth.cfg"
        echo 'header = "Content-Type: application/json"'
        echo "data-binary = \"@$WORK/body.json\""
        echo 'output = "/dev/null"'
        echo 'max-time = 60'
        echo 'write-out = "%{http_code}\n"'
        if ((i + 1 < $1)); then echo next; fi
    done
}
request_cfg 1 >"$WORK/first.cfg"
((WARMUP > 0)) && request_cfg "$WARMUP" >"$WORK/warmup.cfg"
request_cfg "$SENDS" >"$WORK/sends.cfg"

say "app: starting with JFR (settings=profile)"
APP=${APP_DIR:-$ROOT/target/quarkus-app}
(cd "$APP" && exec env -i PATH="$PATH" HOME="$HOME" LANG=C.UTF-8 TZ=UTC QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT="$PORT" \
    GRAPH_MAILER_TRANSPORT=graph GRAPH_MAILER_TENANT_ID="$(S tenantId)" GRAPH_MAILER_CLIENT_ID="$(S clientId)" \
    GRAPH_MAILER_KEY_VAULT_URL="$(S vaultUrl)" GRAPH_MAILER_CERTIFICATE_NAME="$(S certificateName)" \
    GRAPH_MAILER_AUTHORITY_HOST="$(S authority | sed -E 's#^(https://[^/]+)/.*#\1#')" \
    GRAPH_MAILER_GRAPH_BASE_URL="$(S graphUrl | sed -E 's#/v1\.0/?$##')" GRAPH_MAILER_ALLOWED_SENDERS="$MAILBOX" \
    GRAPH_MAILER_BUDGET_MESSAGES_PER_MINUTE=1000000 GRAPH_MAILER_BUDGET_RECIPIENTS_PER_DAY=100000000 \
    GRAPH_MAILER_CALLER_AUTH_MODE=entra GRAPH_MAILER_CALLER_AUTH_JWKS_URL="$WORK/caller/jwks.json" \
    GRAPH_MAILER_CALLER_AUTH_ISSUER="$CALLER_ISSUER" GRAPH_MAILER_CALLER_AUTH_AUDIENCE="$CALLER_AUDIENCE" \
    GRAPH_MAILER_WARM_UP=true IDENTITY_ENDPOINT="$(S identityEndpoint)" IDENTITY_HEADER="$(S identityHeader)" \
    "$JAVA" "${JVM_OPTS[@]}" -Djdk.net.hosts.file="$(S hostsFile)" -Djavax.net.ssl.trustStore="$(S truststore)" \
    -Djavax.net.ssl.trustStorePassword="$(S truststorePassword)" -Djavax.net.ssl.trustStoreType="$(S truststoreType)" \
    -XX:StartFlightRecording=name=send,settings=profile,filename="$WORK/send.jfr" \
    -jar quarkus-run.jar) >"$WORK/app.log" 2>&1 &
APP_PID=$!
PIDS+=("$APP_PID")
for ((i = 0; ; i++)); do
    kill -0 "$APP_PID" 2>/dev/null || { echo "the app exited; see target/send-profile/app.log" >&2; exit 1; }
    if { : 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null; then break; fi
    ((i < 1200)) || { echo "the app is not listening after 120 s" >&2; exit 1; }
    sleep 0.1
done
code=$(curl -s -K "$WORK/first.cfg" || true)
[[ $code == 202 ]] || { echo "first send answered $code, not 202; see target/send-profile/app.log" >&2; exit 1; }
if ((WARMUP > 0)); then
    say "warm-up: $WARMUP sends (not profiled)"
    curl -s -K "$WORK/warmup.cfg" >"$WORK/warmup.out" || true
fi
say "profile: $SENDS sends"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
FROM=$(date -u +%H:%M:%S.%3N)
cpu0=$(cpu_ticks "$APP_PID")
t0=$(date +%s%N)
curl -s -K "$WORK/sends.cfg" >"$WORK/sends.out" || true
t1=$(date +%s%N)
cpu1=$(cpu_ticks "$APP_PID")
TO=$(date -u +%H:%M:%S.%3N)
bad=$(awk '$1 != 202' "$WORK/sends.out" | wc -l)
((bad == 0 && $(wc -l <"$WORK/sends.out") == SENDS)) || { echo "$bad of $SENDS sends did not answer 202" >&2; exit 1; }
stop_pid "$APP_PID" # the recording is written on exit
stop_pid "$STANDINS_PID"
[[ -s $WORK/send.jfr ]] || { echo "no recording; see target/send-profile/app.log" >&2; exit 1; }
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# Samples of the profiled window only: jfr prints startTime as HH:MM:SS.mmm in the JVM's zone (UTC here).
jfr print --events jdk.ExecutionSample --stack-depth 64 "$WORK/send.jfr" | awk -v from="$FROM" -v to="$TO" '
    /^jdk\.ExecutionSample/ { keep = 0; depth = -1; next }
    /startTime = / { t = $3; keep = (t >= from && t <= to) }
    /stackTrace = \[/ { depth = 0; delete seen; if (keep) n++; next }
    depth >= 0 && /^[[:space:]]*\]/ { depth = -1; next }
    depth >= 0 && keep {
        f = $0; sub(/^[[:space:]]+/, "", f); sub(/[[:space:]]+line:.*$/, "", f)
        if (f == "...") next
        m = f; sub(/\(.*$/, "", m)
        if (depth == 0) self[m]++
        if (!(m in seen)) { seen[m] = 1; incl[m]++ }
        p = m; sub(/\.[^.]+\.[^.]+$/, "", p)
        if (depth == 0) pkg[p]++
        depth++
    }
    END {
        printf "samples\t%d\n", n
        for (m in self) printf "self\t%d\t%s\n", self[m], m
        for (m in incl) printf "incl\t%d\t%s\n", incl[m], m
        for (p in pkg) printf "pkg\t%d\t%s\n", pkg[p], p
    }' >"$WORK/frames.tsv"
SAMPLES=$(awk -F'\t' '$1 == "samples" {print $2}' "$WORK/frames.tsv")
top() { awk -F'\t' -v k="$1" -v n="$SAMPLES" '$1 == k {printf "%6d %5.1f%%  %s\n", $2, n ? 100 * $2 / n : 0, $3}' "$WORK/frames.tsv" | sort -rn | head -n "$TOP" || true; }

echo "graph-mailer send profile, $(date -u +%Y-%m-%dT%H:%MZ), app ${APP#"$ROOT"/}, this checkout at commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ' (+ uncommitted changes)')"
echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); load average before $LOAD_BEFORE, after $LOAD_AFTER"
echo "java: $("$JAVA" -version 2>&1 | head -1); JVM flags: ${JVM_OPTS[*]} + JFR settings=profile"
echo "$SENDS sendMail requests through the stand-ins on one connection, after $WARMUP warm-up sends; wall $(((t1 - t0) / 1000000)) ms"
awk -v d=$((cpu1 - cpu0)) -v t="$CLK_TCK" -v n="$SENDS" 'BEGIN {printf "process CPU: %.0f ms in all, %.2f ms per send (user+sys, JFR overhead included)\n", d * 1000 / t, d * 1000 / t / n}'
echo "execution samples in the window: $SAMPLES (JFR samples Java threads running Java code; native and GC time are not in them)"
echo
echo "top $TOP methods, self (top frame):"
top self
echo
echo "top $TOP methods, inclusive (on the stack):"
top incl
echo
echo "top $TOP packages, self:"
top pkg
say "recording: target/send-profile/send.jfr"
