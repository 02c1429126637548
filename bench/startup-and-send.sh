#!/usr/bin/env bash
# Startup and send benchmark for graph-mailer (issue 3, "Send for real"; issue 12: the package row and the timeline).
#
#   bash bench/startup-and-send.sh
#
# Builds graph-mailer (Java 17 fast-jar, and a Java 25 aot-jar into target/bench-aot), the bare reference app
# (bench/bare-app) and the Graph SDK probe (bench/graph-sdk); starts the local stand-ins for the identity
# platform, managed identity, Key Vault and Graph (io.graphmailer.standin.StandinsMain, a separate process);
# then starts the packaged app again and again as its own process, configured only by environment variables,
# and measures through the stand-ins:
#   - time from process start to the first 202 (includes the Key Vault read and the Graph token),
#   - process CPU time until then, RSS after the sends, per-message latency (median, p95) and CPU per message,
#   - a start-up timeline: process start -> the app's StartupEvent done ("graph-mailer ready") -> Quarkus "started"
#     -> port listening -> warm-up started -> certificate loaded -> first token -> first Graph call answered ->
#     first 202, from the app's own timestamped log lines ("startup: ...") and the bench's clock.
# Rows: the jar as built (target/quarkus-app) on the java on PATH; the shipped package itself
# (target/function-app/graph-mailer, its bundled jre/ and whatever start-up archive the launcher uses) started as the
# Functions host starts a custom handler (FUNCTIONS_CUSTOMHANDLER_PORT, from its own directory), and the bare app on
# that bundled jre/ (the same runtime); the Java 25 rows.
# Medians over RUNS runs, runs of all configurations interleaved. Prints plain tables on stdout; progress and
# the build go to stderr and target/bench/. Prints no token, key or identity header.
#
# Settings (environment): RUNS (5), SENDS (100), JAVA25_HOME (/usr/lib/jvm/temurin-25-jdk-amd64; the Java 25
# rows are skipped when it is missing), SKIP_BUILD=1 (reuse the last build), BASELINE (another checkout of
# graph-mailer, e.g. a worktree of an older commit: its Java 17 build runs as two more rows of the same run, so a
# change is compared with what it replaces under the same load), ALT_FLAGS (A/B of JVM flags: "NAME=flags;NAME=flags",
# each runs graph-mailer's jar and the bare app on Java 17 with these flags instead of the launcher's, as more rows),
# SKIP_JAVA25=1 (no Java 25 rows even where it is installed), SKIP_PACKAGE=1 (no package rows), MEM_DETAIL=1 (resident
# memory by mapping and the thread names after the sends, next to each app log as *.log.mem).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-5}
SENDS=${SENDS:-100}
JAVA25_HOME=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
WORK=$ROOT/target/bench
START_TIMEOUT_S=120   # one start, until the first 202
STOP_TIMEOUT_S=30     # one graceful stop (the AOT recording writes its file on exit)
CLK_TCK=$(getconf CLK_TCK)

[[ $RUNS =~ ^[1-9][0-9]?$ ]] || { echo "RUNS must be 1..99" >&2; exit 2; }
[[ $SENDS =~ ^[1-9][0-9]{0,3}$ ]] || { echo "SENDS must be 1..9999" >&2; exit 2; }
for tool in java curl openssl jq awk xxd base64; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done
JAVA17=$(command -v java)
"$JAVA17" -version 2>&1 | grep -q '"17\.' || { echo "the java on PATH must be Java 17" >&2; exit 2; }
JAVA25=""
J25_MISSING="not found at JAVA25_HOME=$JAVA25_HOME (Java 25 rows skipped)"
if [[ ${SKIP_JAVA25:-0} == 1 ]]; then
    J25_MISSING="not run (SKIP_JAVA25=1)"
elif [[ -x $JAVA25_HOME/bin/java ]]; then
    JAVA25=$JAVA25_HOME/bin/java
fi
ALT_FLAGS=${ALT_FLAGS:-}
BASELINE=${BASELINE:-}
if [[ -n $BASELINE ]]; then
    BASELINE=$(cd "$BASELINE" && pwd) || { echo "BASELINE: no such directory" >&2; exit 2; }
    [[ -x $BASELINE/mvnw ]] || { echo "BASELINE must be a graph-mailer checkout (no mvnw in it)" >&2; exit 2; }
    BASELINE_REV=$(git -C "$BASELINE" rev-parse --short HEAD 2>/dev/null || echo "?")
fi

say() { echo "# $*" >&2; }

# ---------------------------------------------------------------------------------------------------------------
# Everything started here is remembered by PID and stopped on exit.
PIDS=()
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_TIMEOUT_S * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    # Forget it, so a later cleanup can never signal a new process that got the same PID.
    local kept=() p
    for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
    PIDS=("${kept[@]}")
}
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        stop_pid "$pid"
    done 2>/dev/null
    exec 9<&- 2>/dev/null || true
    # The caller key and token are throwaway, but need not outlive the run.
    [[ -n ${WORK:-} ]] && rm -rf "$WORK/caller" "$WORK/first.cfg" "$WORK/sends.cfg"
}
trap cleanup EXIT
trap 'echo "bench: failed at line $LINENO" >&2' ERR
trap 'exit 130' INT TERM

rm -rf "$WORK"
mkdir -p "$WORK"
chmod 700 "$WORK"
umask 077
# A never-written FIFO: `read -t` on it is a sleep without a fork (polling must not steal CPU from the app).
mkfifo "$WORK/never"
exec 9<>"$WORK/never"
nap() { read -r -t "$1" -u 9 _ || true; }
now_ns() { date +%s%N; }
free_port() {
    python3 - <<'EOF' 2>/dev/null || shuf -i 20000-60000 -n 1
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}

# ---------------------------------------------------------------------------------------------------------------
say "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

build() { # errexit does not apply here (called in an if), hence every "|| return 1"
    cd "$ROOT" || return 1
    say "build: stand-ins (test classes and test class path)"
    ./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test || return 1
    if [[ -n $BASELINE ]]; then
        say "build: baseline $BASELINE_REV, Java 17 ($BASELINE/target/quarkus-app)"
        (cd "$BASELINE" && ./mvnw -B -q package -DskipTests) || return 1
    fi
    say "build: bare reference app, Java 17"
    ./mvnw -B -q -f bench/bare-app/pom.xml package || return 1
    if [[ -n $JAVA25 ]]; then
        # Same sources and release-17 bytecode, packaged by Quarkus as an aot-jar (JDK 25 needed for the build).
        # The AOT cache itself is recorded below from real requests, as Quarkus' own integration-test launcher
        # does (-XX:AOTMode=record, then -XX:AOTMode=create); phase=integration-tests keeps the build from
        # recording a start-only run.
        local aot=(-Dquarkus.package.jar.aot.enabled=true -Dquarkus.package.jar.aot.type=AOT
            -Dquarkus.package.jar.aot.phase=integration-tests)
        say "build: graph-mailer aot-jar, Java 25 (target/bench-aot/quarkus-app)"
        # No function-app zip from this build (it packages target/quarkus-app; the last build below makes it).
        JAVA_HOME=$JAVA25_HOME ./mvnw -B -q package -DskipTests "${aot[@]}" -Dmaven.antrun.skip=true \
            -Dquarkus.package.output-directory="$ROOT/target/bench-aot/quarkus-app" || return 1
        say "build: bare reference app aot-jar, Java 25"
        JAVA_HOME=$JAVA25_HOME ./mvnw -B -q -f bench/bare-app/pom.xml package "${aot[@]}" \
            -Dquarkus.package.output-directory="$ROOT/bench/bare-app/target/bench-aot/quarkus-app" || return 1
    fi
    # Last: a package build also remakes target/function-app (its jre/ by jlink from the building JDK), and the
    # package rows must run what `./mvnw package` makes with the java on PATH, not the Java 25 build's runtime.
    say "build: graph-mailer, Java 17 (target/quarkus-app, target/function-app)"
    ./mvnw -B -q package -DskipTests || return 1
    say "build: Graph SDK probe (resolves com.microsoft.graph:microsoft-graph)"
    ./mvnw -B -q -f bench/graph-sdk/pom.xml package dependency:copy-dependencies \
        -Dmdep.prependGroupId=true -DoutputDirectory=target/lib || return 1
}
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    if ! (build) >"$WORK/build.log" 2>&1; then
        echo "build failed; see target/bench/build.log" >&2
        tail -n 30 "$WORK/build.log" >&2
        exit 1
    fi
fi
# The JVM flags of the shipped launcher (src/main/function-app/graph-mailer-jvm.sh), for both apps and all JVMs.
read -r -a JVM_OPTS <<<"$(sed -n 's/^exec "\$java" \(.*\) \${GRAPH_MAILER_JAVA_OPTS.*/\1/p' "$ROOT/src/main/function-app/graph-mailer-jvm.sh")"
((${#JVM_OPTS[@]} > 0)) || { echo "cannot read the JVM flags from src/main/function-app/graph-mailer-jvm.sh" >&2; exit 1; }
PKG=$ROOT/target/function-app
PKG_JAVA=""
if [[ ${SKIP_PACKAGE:-0} != 1 ]]; then
    [[ -x $PKG/graph-mailer ]] || { echo "no package at target/function-app (run ./mvnw package, or SKIP_PACKAGE=1)" >&2; exit 1; }
    [[ -x $PKG/jre/bin/java ]] || { echo "target/function-app has no bundled jre/ (SKIP_PACKAGE=1 to run without)" >&2; exit 1; }
    PKG_JAVA=$PKG/jre/bin/java
fi
APP17=$ROOT/target/quarkus-app
APP25=$ROOT/target/bench-aot/quarkus-app
BARE17=$ROOT/bench/bare-app/target/quarkus-app
BARE25=$ROOT/bench/bare-app/target/bench-aot/quarkus-app
rm -f "$APP25/app.aot" "$APP25/app.aotconf" "$BARE25/app.aot" "$BARE25/app.aotconf"

# ---------------------------------------------------------------------------------------------------------------
say "stand-ins: starting"
env -u IDENTITY_ENDPOINT -u IDENTITY_HEADER "$JAVA17" -Dstandin.dir="$WORK/standin" \
    -cp "$ROOT/target/test-classes:$ROOT/target/classes:$(cat "$ROOT/target/test-classpath.txt")" \
    io.graphmailer.standin.StandinsMain >"$WORK/standins.json" 2>"$WORK/standins.log" &
PIDS+=($!)
STANDINS_PID=$!
for ((i = 0; i < 600; i++)); do
    [[ -s $WORK/standins.json ]] && jq -e .tenantId "$WORK/standins.json" >/dev/null 2>&1 && break
    kill -0 "$STANDINS_PID" 2>/dev/null || { echo "the stand-ins died; see target/bench/standins.log" >&2; exit 1; }
    nap 0.1
done
jq -e .tenantId "$WORK/standins.json" >/dev/null 2>&1 || { echo "the stand-ins did not start in 60 s" >&2; exit 1; }
S() { jq -r ".$1" "$WORK/standins.json"; }
MAILBOX=$(S mailbox)
AUTHORITY_HOST=$(S authority | sed -E 's#^(https://[^/]+)/.*#\1#')
GRAPH_BASE=$(S graphUrl | sed -E 's#/v1\.0/?$##')
STANDIN_JVM=(-Djdk.net.hosts.file="$(S hostsFile)" -Djavax.net.ssl.trustStore="$(S truststore)"
    -Djavax.net.ssl.trustStorePassword="$(S truststorePassword)" -Djavax.net.ssl.trustStoreType="$(S truststoreType)")

# Caller auth: a key made for this run, its JWKS as a file, and one signed caller token (1 h) kept in files.
source "$ROOT/bench/lib/caller-token.sh"
caller_token "$WORK/caller" bench "$(S tenantId)"
printf '{"message":{"subject":"graph-mailer benchmark","body":{"contentType":"Text","content":"Hello from the benchmark."},"toRecipients":[{"emailAddress":{"address":"bob@contoso.test"}}]}}' \
    >"$WORK/body.json"

# curl config: one request (the first send) and SENDS requests on one kept-alive connection.
request_cfg() { # kind port count
    local kind=$1 port=$2 count=$3 i
    for ((i = 0; i < count; i++)); do
        if [[ $kind == graph ]]; then
            echo "url = \"http://127.0.0.1:$port/api/users/$MAILBOX/sendMail\""
            cat "$WORK/caller/auth.cfg"
            echo 'header = "Content-Type: application/json"'
            echo "data-binary = \"@$WORK/body.json\""
        else
            echo "url = \"http://127.0.0.1:$port/hello\""
        fi
        echo 'output = "/dev/null"'
        echo 'max-time = 60'
        echo 'write-out = "%{http_code} %{time_total}\n"'
        if ((i + 1 < count)); then echo next; fi
    done
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
# Resident KiB by mapping name (files by base name, [heap], anonymous as "anon"), largest first; then the threads.
mem_detail() { # pid
    grep -E 'VmRSS|RssAnon|RssFile|RssShmem|Threads' "/proc/$1/status"
    awk '/^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "anon"; sub(/.*\//, "", name) }
         /^Rss:/ { rss[name] += $2 }
         END { for (n in rss) if (rss[n] >= 256) printf "%8d KiB  %s\n", rss[n], n }' "/proc/$1/smaps" | sort -rn
    echo "threads by name:"
    cat /proc/"$1"/task/*/comm | sed -E 's/[0-9]+$/N/' | sort | uniq -c | sort -rn
}

# Milliseconds from T0_NS to the first log line matching PATTERN (the app's log timestamps, local time), or "-".
log_point() { # log pattern t0_ns
    local line stamp ms
    line=$(grep -m1 -E "$2" "$1") || true
    if [[ $line == '{'* ]]; then # JSON logs (the prod profile): "timestamp":"2026-12-01T20:28:37.650000972Z"
        stamp=$(sed -nE 's/.*"timestamp":"([0-9T:.-]+Z)".*/\1/p' <<<"$line")
        [[ -n $stamp ]] || { echo -; return; }
        ms=$(env -i date -d "$stamp" +%s%3N) || { echo -; return; }
    else
        stamp=${line:0:23}
        [[ $stamp =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8},[0-9]{3}$ ]] || { echo -; return; }
        ms=$(env -i date -d "${stamp/,/.}" +%s%3N) || { echo -; return; }
    fi
    echo $((ms - $3 / 1000000))
}

# One start of one configuration. Prints "label ttf_ms cpu_to_first_ms rss_mb p50_ms p95_ms cpu_per_msg_ms listen_ms"
# and appends its timeline to $WORK/timeline.tsv.
#   run_once LABEL KIND(graph|bare) JAVA APPDIR WARMUP(true|false) MODE(plain|record|cache|package) SENDS [FLAGS]
# MODE package: APPDIR is the function app; its launcher (graph-mailer) is started as the Functions host does, with its
# own JVM flags (and the stand-ins' trust flags in GRAPH_MAILER_JAVA_OPTS). FLAGS: JVM flags instead of the launcher's.
run_once() {
    local label=$1 kind=$2 java=$3 dir=$4 warmup=$5 mode=$6 sends=$7 flags=${8:-}
    local port log pid t0 tl t1 code cpu0 cpu1 cpu_first i
    port=$(free_port)
    log="$WORK/logs/$(echo "$label" | tr -c 'A-Za-z0-9\n' '_').$(date +%s%N).log"
    mkdir -p "$WORK/logs"
    local jvm=("${JVM_OPTS[@]}")
    if [[ -n $flags ]]; then read -r -a jvm <<<"$flags"; fi
    case $mode in
        record) jvm+=(-XX:AOTMode=record -XX:AOTConfiguration=app.aotconf) ;;
        cache) jvm+=(-XX:AOTMode=on -XX:AOTCache=app.aot) ;; # on: fail rather than run without the cache
    esac
    local envs=(PATH="$PATH" HOME="$HOME" LANG=C.UTF-8 QUARKUS_HTTP_HOST=127.0.0.1 QUARKUS_HTTP_PORT="$port")
    if [[ $kind == graph ]]; then
        if [[ $mode == package ]]; then
            envs+=(GRAPH_MAILER_JAVA_OPTS="${STANDIN_JVM[*]}")
        else
            jvm+=("${STANDIN_JVM[@]}")
        fi
        envs+=(GRAPH_MAILER_TRANSPORT=graph
            GRAPH_MAILER_TENANT_ID="$(S tenantId)"
            GRAPH_MAILER_CLIENT_ID="$(S clientId)"
            GRAPH_MAILER_KEY_VAULT_URL="$(S vaultUrl)"
            GRAPH_MAILER_CERTIFICATE_NAME="$(S certificateName)"
            GRAPH_MAILER_AUTHORITY_HOST="$AUTHORITY_HOST"
            GRAPH_MAILER_GRAPH_BASE_URL="$GRAPH_BASE"
            GRAPH_MAILER_ALLOWED_SENDERS="$MAILBOX"
            # The bench measures a send, not the mailbox budget (30 messages a minute by default).
            GRAPH_MAILER_BUDGET_MESSAGES_PER_MINUTE=1000000
            GRAPH_MAILER_BUDGET_RECIPIENTS_PER_DAY=100000000
            GRAPH_MAILER_CALLER_AUTH_MODE=entra
            GRAPH_MAILER_CALLER_AUTH_JWKS_URL="$WORK/caller/jwks.json"
            GRAPH_MAILER_CALLER_AUTH_ISSUER="$CALLER_ISSUER"
            GRAPH_MAILER_CALLER_AUTH_AUDIENCE="$CALLER_AUDIENCE"
            GRAPH_MAILER_WARM_UP="$warmup"
            IDENTITY_ENDPOINT="$(S identityEndpoint)"
            IDENTITY_HEADER="$(S identityHeader)")
    fi
    request_cfg "$kind" "$port" 1 >"$WORK/first.cfg"
    request_cfg "$kind" "$port" "$sends" >"$WORK/sends.cfg"

    # Start: a clean environment (no Azure credential variables from this shell), from the app's directory.
    t0=$(now_ns)
    if [[ $mode == package ]]; then
        # As the host starts a custom handler: the executable, from the app's directory, the port in the environment.
        local penvs=("${envs[@]}")
        penvs=("${penvs[@]/#QUARKUS_HTTP_PORT=*/FUNCTIONS_CUSTOMHANDLER_PORT=$port}")
        # Required behind the host (the queue function's); an HTTP-only instance must never connect to them, so
        # they name hosts that resolve nowhere (the stand-ins' hosts file) and a use would fail the sends.
        [[ $kind == graph ]] && penvs+=(GRAPH_MAILER_STORAGE_QUEUE_ENDPOINT=https://bench-unused.queue.localhost
            GRAPH_MAILER_STORAGE_TABLE_ENDPOINT=https://bench-unused.table.localhost
            # Behind the host the mailbox budget and the delivery log would be shared tables; with no storage here they
            # are kept in memory, as in the jar rows (the budget's calls per message are measured by bench/fleet-budget.sh).
            # Left on "auto", the delivery log's background writer retried its table writes against a host that resolves
            # nowhere and logged every failure: CPU no deployed instance spends, counted in the row's cpu/msg.
            GRAPH_MAILER_BUDGET_STORE=memory
            GRAPH_MAILER_DELIVERY_LOG_STORE=memory)
        (cd "$dir" && exec env -i "${penvs[@]}" ./graph-mailer) >"$log" 2>&1 &
    else
        (cd "$dir" && exec env -i "${envs[@]}" "$java" "${jvm[@]}" -jar quarkus-run.jar) >"$log" 2>&1 &
    fi
    pid=$!
    PIDS+=("$pid")
    # Wait for the port without forking (a bash /dev/tcp open), then send the first request.
    for ((i = 0; ; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$label: the app exited before listening; see ${log#"$ROOT"/}" >&2
            return 1
        fi
        if { : 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then break; fi
        ((i < START_TIMEOUT_S * 100)) || { echo "$label: not listening after $START_TIMEOUT_S s" >&2; return 1; }
        nap 0.01
    done
    tl=$(now_ns)
    if [[ $mode == package && $(readlink "/proc/$pid/exe") != "$PKG/jre/bin/java" ]]; then
        echo "$label: the launcher did not run the bundled jre/bin/java but $(readlink "/proc/$pid/exe")" >&2
        return 1
    fi
    code=$({ curl -s -K "$WORK/first.cfg" || true; } | awk '{print $1}')
    t1=$(now_ns)
    cpu_first=$(cpu_ticks "$pid")
    local want=202
    [[ $kind == bare ]] && want=200
    if [[ $code != "$want" ]]; then
        echo "$label: first request answered $code, not $want; see ${log#"$ROOT"/}" >&2
        return 1
    fi
    cpu0=$(cpu_ticks "$pid")
    curl -s -K "$WORK/sends.cfg" >"$WORK/sends.out" || true
    cpu1=$(cpu_ticks "$pid")
    local rss
    rss=$(rss_mb "$pid")
    local bad
    bad=$(awk -v w="$want" '$1 != w' "$WORK/sends.out" | wc -l)
    if ((bad > 0)) || (($(wc -l <"$WORK/sends.out") != sends)); then
        echo "$label: $bad of $sends sends did not answer $want; see ${log#"$ROOT"/}" >&2
        return 1
    fi
    # Where the memory is, when asked for with -XX:NativeMemoryTracking=summary in ALT_FLAGS (next to the app's log).
    if [[ " ${jvm[*]} " == *" -XX:NativeMemoryTracking="* ]] && command -v jcmd >/dev/null; then
        jcmd "$pid" VM.native_memory summary >"$log.nmt" 2>&1 || true
    fi
    # MEM_DETAIL=1: resident memory by mapping (anonymous, the JVM, each archive and jar) and the threads, after the
    # sends and after RSS was read (next to the app's log).
    if [[ ${MEM_DETAIL:-0} == 1 ]]; then
        mem_detail "$pid" >"$log.mem" 2>&1 || true
    fi
    stop_pid "$pid"
    # Timeline (ms from process start): ready, Quarkus started, listen, warm-up, certificate, token, Graph, first 202.
    printf '%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%d\n' "$label" \
        "$(log_point "$log" 'graph-mailer ready' "$t0")" "$(log_point "$log" ' started in [0-9.]+s' "$t0")" \
        $(((tl - t0) / 1000000)) "$(log_point "$log" 'startup: warm-up started' "$t0")" \
        "$(log_point "$log" 'startup: certificate .* loaded' "$t0")" "$(log_point "$log" 'startup: first token' "$t0")" \
        "$(log_point "$log" 'startup: first Graph call answered' "$t0")" $(((t1 - t0) / 1000000)) >>"$WORK/timeline.tsv"
    local lat
    lat=$(awk '{printf "%.3f\n", $2 * 1000}' "$WORK/sends.out" | sort -n | awk '
        { v[NR] = $1 }
        END { p50 = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              i95 = int(NR * 0.95); if (i95 < NR * 0.95) i95++; if (i95 < 1) i95 = 1
              printf "%.1f %.1f", p50, v[i95] }')
    printf '%s\t%d\t%d\t%s\t%s\t%.2f\t%d\n' "$label" $(((t1 - t0) / 1000000)) $((cpu_first * 1000 / CLK_TCK)) \
        "$rss" "$(echo "$lat" | tr ' ' '\t')" \
        "$(awk -v d=$((cpu1 - cpu0)) -v t="$CLK_TCK" -v n="$sends" 'BEGIN {printf "%.2f", d * 1000 / t / n}')" \
        $(((tl - t0) / 1000000))
}

# ---------------------------------------------------------------------------------------------------------------
# AOT training on Java 25: a recording run with real sends through the stand-ins, then the cache is created.
train() { # kind dir
    local kind=$1 dir=$2
    run_once "training $kind" "$kind" "$JAVA25" "$dir" true record "$SENDS" >/dev/null
    (cd "$dir" && "$JAVA25" "${JVM_OPTS[@]}" -XX:AOTMode=create -XX:AOTConfiguration=app.aotconf -XX:AOTCache=app.aot \
        -jar quarkus-run.jar) >"$WORK/logs/aot-create-$kind.log" 2>&1
    [[ -s $dir/app.aot ]] || { echo "no AOT cache for $kind; see target/bench/logs/aot-create-$kind.log" >&2; exit 1; }
    rm -f "$dir/app.aotconf"
}
if [[ -n $JAVA25 ]]; then
    say "AOT training (Java 25): graph-mailer and the bare app, $SENDS requests each"
    train graph "$APP25"
    train bare "$BARE25"
fi

# label|kind|java|dir|warm-up|mode|JVM flags (empty: the launcher's)|the bare row of the same runtime and flags
B17="bare Quarkus REST Java 17"
BPKG="bare Quarkus REST on the package's jre/"
CONFIGS=(
    "graph-mailer Java 17, warm-up on|graph|$JAVA17|$APP17|true|plain||$B17"
    "graph-mailer Java 17, warm-up off|graph|$JAVA17|$APP17|false|plain||$B17"
    "$B17|bare|$JAVA17|$BARE17|true|plain||$B17"
)
if [[ -n $PKG_JAVA ]]; then
    CONFIGS+=(
        "package: target/function-app/graph-mailer|graph|$PKG_JAVA|$PKG|true|package||$BPKG"
        "$BPKG|bare|$PKG_JAVA|$BARE17|true|plain||$BPKG"
    )
fi
if [[ -n $ALT_FLAGS ]]; then
    IFS=';' read -r -a alts <<<"$ALT_FLAGS"
    for alt in "${alts[@]}"; do
        name=${alt%%=*}
        flags=${alt#*=}
        [[ -n $name && $name != "$alt" && -n $flags ]] || { echo "ALT_FLAGS: want NAME=flags;NAME=flags" >&2; exit 2; }
        CONFIGS+=(
            "graph-mailer Java 17, flags $name|graph|$JAVA17|$APP17|true|plain|$flags|bare Java 17, flags $name"
            "bare Java 17, flags $name|bare|$JAVA17|$BARE17|true|plain|$flags|bare Java 17, flags $name"
        )
    done
fi
if [[ -n $BASELINE ]]; then
    CONFIGS+=(
        "baseline $BASELINE_REV Java 17, warm-up on|graph|$JAVA17|$BASELINE/target/quarkus-app|true|plain||$B17"
        "baseline $BASELINE_REV Java 17, warm-up off|graph|$JAVA17|$BASELINE/target/quarkus-app|false|plain||$B17"
    )
fi
if [[ -n $JAVA25 ]]; then
    CONFIGS+=(
        "graph-mailer Java 25 aot-jar, no cache|graph|$JAVA25|$APP25|true|plain||"
        "graph-mailer Java 25 + AOT cache, warm-up on|graph|$JAVA25|$APP25|true|cache||bare Quarkus REST Java 25 + AOT cache"
        "graph-mailer Java 25 + AOT cache, warm-up off|graph|$JAVA25|$APP25|false|cache||bare Quarkus REST Java 25 + AOT cache"
        "bare Quarkus REST Java 25 + AOT cache|bare|$JAVA25|$BARE25|true|cache||bare Quarkus REST Java 25 + AOT cache"
    )
fi
: >"$WORK/runs.tsv"
: >"$WORK/timeline.tsv"
for ((run = 1; run <= RUNS; run++)); do
    for config in "${CONFIGS[@]}"; do
        IFS='|' read -r label kind java dir warmup mode flags _ <<<"$config"
        say "run $run/$RUNS: $label"
        run_once "$label" "$kind" "$java" "$dir" "$warmup" "$mode" "$SENDS" "$flags" >>"$WORK/runs.tsv"
    done
done
kill -0 "$STANDINS_PID" 2>/dev/null && stop_pid "$STANDINS_PID"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------------------------
# Graph SDK decision: package sizes, and a first sendMail request built (not sent) in a fresh JVM.
SDK=$ROOT/bench/graph-sdk/target
ga() { sed -E 's#.*/##; s/-[0-9].*\.jar$//'; }
mb() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
bytes() { if (($# == 0)); then echo 0; else stat -c %s "$@" | awk '{s += $1} END {print s + 0}'; fi; }
APP_BYTES=$(du -sb "$APP17" | cut -f1)
mapfile -t GRAPH_STACK < <(ls "$APP17"/lib/main/*.jar | grep -E '/(com\.microsoft\.graph|com\.microsoft\.kiota|com\.squareup|org\.jetbrains\.kotlin)\.')
FULL_JAR=$(ls "$SDK"/lib/com.microsoft.graph.microsoft-graph-[0-9]*.jar)
mapfile -t NEW_JARS < <(comm -13 <(ls "$APP17"/lib/main/*.jar | ga | sort -u) <(ls "$SDK"/lib/*.jar | ga | sort -u) |
    grep -v '^com\.microsoft\.graph\.microsoft-graph$' | while read -r g; do ls "$SDK"/lib/"$g"-[0-9]*.jar; done)
PROBE_FULL="$SDK/graph-sdk-0.1.0-SNAPSHOT.jar:$(ls "$SDK"/lib/*.jar | tr '\n' ':')"
PROBE_CORE="$SDK/graph-sdk-0.1.0-SNAPSHOT.jar:$(ls "$SDK"/lib/*.jar | grep -v '/com\.microsoft\.graph\.microsoft-graph-[0-9]' | tr '\n' ':')"
: >"$WORK/sdk.tsv"
for ((run = 1; run <= RUNS; run++)); do
    for mode in core full; do
        cp=$PROBE_CORE
        [[ $mode == full ]] && cp=$PROBE_FULL
        t0=$(now_ns)
        if [[ -x /usr/bin/time ]]; then
            out=$(/usr/bin/time -f 'maxrss %M' "$JAVA17" "${JVM_OPTS[@]}" -cp "$cp" io.graphmailer.bench.sdk.FirstRequest "$mode" 2>"$WORK/sdk-time.txt")
            rss=$(awk '/maxrss/ {printf "%.0f", $2 / 1024}' "$WORK/sdk-time.txt")
        else
            out=$("$JAVA17" "${JVM_OPTS[@]}" -cp "$cp" io.graphmailer.bench.sdk.FirstRequest "$mode")
            rss=-
        fi
        t1=$(now_ns)
        # mode, process wall ms, ms in main, loaded classes, max RSS MB
        printf '%s\t%d\t%s\t%s\t%s\n' "$mode" $(((t1 - t0) / 1000000)) "$(echo "$out" | awk '{print $3}')" \
            "$(echo "$out" | awk '{print $4}')" "$rss" >>"$WORK/sdk.tsv"
    done
done

# ---------------------------------------------------------------------------------------------------------------
median_of() { # file label column
    awk -F'\t' -v l="$2" -v c="$3" '$1 == l && $c != "-" {print $c}' "$1" | sort -n | awk '
        { v[NR] = $1 } END { if (NR == 0) { print "-"; exit }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%g", m }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.1f", a / b }'; }

echo "graph-mailer startup and send benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM; load average before $LOAD_BEFORE, after $LOAD_AFTER"
J25_VERSION=$J25_MISSING
[[ -n $JAVA25 ]] && J25_VERSION=$("$JAVA25" -version 2>&1 | head -1)
echo "Java 17: $("$JAVA17" -version 2>&1 | head -1); Java 25: $J25_VERSION"
echo "JVM flags (as the shipped launcher): ${JVM_OPTS[*]}"
if [[ -n $PKG_JAVA ]]; then
    echo "package: target/function-app ($(du -sh "$PKG" | cut -f1) unpacked), its jre/: $("$PKG_JAVA" -version 2>&1 | head -1)"
    echo "  launcher: $(grep -m1 -E '^exec ' "$PKG/graph-mailer" || echo '?')"
fi
if [[ -n $ALT_FLAGS ]]; then echo "ALT_FLAGS: $ALT_FLAGS"; fi
echo "medians of $RUNS runs per row, runs interleaved; $SENDS sends per run, one after another on one connection;"
echo "other builds may share this machine: the numbers are noisy, compare rows of the same run only."
echo
printf '%-48s %8s %9s %9s %7s %9s %9s %9s %7s %7s %7s\n' "configuration" "listen" "first202" "cpu->1st" "rss" "lat p50" "lat p95" "cpu/msg" "x bare" "x bare" "cpu/msg"
printf '%-48s %8s %9s %9s %7s %9s %9s %9s %7s %7s %7s\n' "" "ms" "ms" "ms" "MiB" "ms" "ms" "ms" "J17" "same" "x same"
BARE17_TTF=$(median_of "$WORK/runs.tsv" "$B17" 2)
for config in "${CONFIGS[@]}"; do
    IFS='|' read -r label _ _ _ _ _ _ same_bare <<<"$config"
    ttf=$(median_of "$WORK/runs.tsv" "$label" 2)
    cpu=$(median_of "$WORK/runs.tsv" "$label" 7)
    same=-
    cpu_same=-
    if [[ -n $same_bare ]]; then
        same=$(ratio "$ttf" "$(median_of "$WORK/runs.tsv" "$same_bare" 2)")
        cpu_same=$(ratio "$cpu" "$(median_of "$WORK/runs.tsv" "$same_bare" 7)")
    fi
    printf '%-48s %8s %9s %9s %7s %9s %9s %9s %7s %7s %7s\n' "${label:0:48}" "$(median_of "$WORK/runs.tsv" "$label" 8)" "$ttf" "$(median_of "$WORK/runs.tsv" "$label" 3)" \
        "$(median_of "$WORK/runs.tsv" "$label" 4)" "$(median_of "$WORK/runs.tsv" "$label" 5)" \
        "$(median_of "$WORK/runs.tsv" "$label" 6)" "$cpu" \
        "$(ratio "$ttf" "$BARE17_TTF")" "$same" "$cpu_same"
done
echo
echo "start-up timeline, ms from process start (medians of $RUNS; '-': no such log line, e.g. the bare app):"
printf '%-48s %7s %8s %7s %8s %7s %7s %7s %9s\n' "configuration" "ready" "started" "listen" "warm-up" "cert" "token" "graph" "first202"
for config in "${CONFIGS[@]}"; do
    label=${config%%|*}
    printf '%-48s %7s %8s %7s %8s %7s %7s %7s %9s\n' "${label:0:48}" "$(median_of "$WORK/timeline.tsv" "$label" 2)" \
        "$(median_of "$WORK/timeline.tsv" "$label" 3)" "$(median_of "$WORK/timeline.tsv" "$label" 4)" \
        "$(median_of "$WORK/timeline.tsv" "$label" 5)" "$(median_of "$WORK/timeline.tsv" "$label" 6)" \
        "$(median_of "$WORK/timeline.tsv" "$label" 7)" "$(median_of "$WORK/timeline.tsv" "$label" 8)" \
        "$(median_of "$WORK/timeline.tsv" "$label" 9)"
done
echo "ready: the app's StartupEvent checks done (\"graph-mailer ready\"); started: Quarkus' \"started in\" line; listen: the"
echo "  port accepts connections; warm-up: the warm-up thread starts; cert: the certificate is read (Key Vault stand-in);"
echo "  token: the first Graph token; graph: the first Graph call answered; first202: curl has the first 202. Log"
echo "  timestamps have 1 ms resolution; a point after 'first202' means the first send did it, not the warm-up."
echo
echo "listen: process start to the HTTP port accepting connections (the first request is sent then);"
echo "first202: process start to the first 202 (bare: 200) through the stand-ins, including the Key Vault read and the"
echo "  Graph token; cpu->1st: process CPU time (user+sys) until then; rss: VmRSS after the sends; lat: per-send latency"
echo "  seen by curl; cpu/msg: process CPU per send (/proc/<pid>/stat); x bare: first202 / the bare app's (J17, and the"
echo "  bare app on the same runtime and flags); cpu/msg x same: cpu/msg / the same-runtime bare app's cpu/msg."
echo
echo "Graph SDK: graph-core (current) vs the full com.microsoft.graph:microsoft-graph"
printf '%-68s %8s\n' "item" "MB"
printf '%-68s %8s\n' "graph-mailer package today (target/quarkus-app)" "$(mb "$APP_BYTES")"
printf '%-68s %8s\n' "  of it graph-core + Kiota + OkHttp/Okio + Kotlin stdlib jars (${#GRAPH_STACK[@]})" "$(mb "$(bytes "${GRAPH_STACK[@]}")")"
printf '%-68s %8s\n' "full SDK jar $(basename "$FULL_JAR" | sed 's/^com\.microsoft\.graph\.//')" "$(mb "$(bytes "$FULL_JAR")")"
printf '%-68s %8s\n' "  its other dependencies not in the package today (${#NEW_JARS[@]} jars)" "$(mb "$(bytes "${NEW_JARS[@]}")")"
printf '%-68s %8s\n' "graph-mailer package with the full SDK instead (estimate)" "$(mb $((APP_BYTES + $(bytes "$FULL_JAR") + $(bytes "${NEW_JARS[@]}"))))"
if ((${#NEW_JARS[@]} > 0)); then echo "  new dependencies: $(for j in "${NEW_JARS[@]}"; do basename "$j" .jar; done | tr '\n' ' ')"; fi
echo
echo "first sendMail request built (not sent) in a fresh Java 17 JVM, medians of $RUNS:"
printf '%-34s %9s %9s %9s %9s\n' "client" "jvm ms" "main ms" "classes" "rss MB"
for mode in core full; do
    name="graph-core + Jackson (today)"
    [[ $mode == full ]] && name="full SDK GraphServiceClient"
    printf '%-34s %9s %9s %9s %9s\n' "$name" "$(median_of "$WORK/sdk.tsv" "$mode" 2)" "$(median_of "$WORK/sdk.tsv" "$mode" 3)" \
        "$(median_of "$WORK/sdk.tsv" "$mode" 4)" "$(median_of "$WORK/sdk.tsv" "$mode" 5)"
done
echo "jvm ms: whole process; main ms: building the client and the request; classes: loaded classes at the end."
say "raw numbers: target/bench/runs.tsv, target/bench/timeline.tsv, target/bench/sdk.tsv; app logs: target/bench/logs/"
