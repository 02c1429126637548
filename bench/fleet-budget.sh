#!/usr/bin/env bash
# Fleet budget benchmark: two app processes (JVM) drain one outbox queue of N messages from three mailboxes, the
# mailbox budget in Azurite's Table service, against the Graph stand-in (fixed latency; over 4 in flight per mailbox
# answered 429). Prints throughput per mailbox against the allowed rate, peak concurrency at Graph, 429s, lost and
# duplicate sends, and the budget store's calls per message. Not a test.
#   bash bench/fleet-budget.sh [messages] [allowed-per-minute-per-mailbox] [graph-latency-ms]
# Default 300 messages at 40 a minute per mailbox (about 2 minutes of sending). The README's run is
#   bash bench/fleet-budget.sh 5000 200
# (about 8 minutes of sending at the full rate, 9 minutes in all on 2 cores; 5000 600 sends in about 3);
# Exchange's own 30 a minute, bash bench/fleet-budget.sh 5000 30, took 57 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-300}
per_minute=${2:-40}
latency=${3:-100}

[ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund >/dev/null
# SKIP_BUILD=1 reuses target/quarkus-app from an earlier package (e.g. after running the ITs).
# BATCH_SIZE / NEW_BATCH_THRESHOLD (default 8 / 0): each app's queue trigger, as host.json's queues settings.
# MAX_POLLING_MS: how far each driver backs off polling an empty queue, as the host does (default host.json's
# maxPollingInterval, 2 s; 100 polls every 100 ms, as the earlier runs did).
# SPLIT_QUEUE=1 runs the queue service in an Azurite process of its own (a profile showed Azurite's queue, one
# single-threaded process with the tables, at the top of its CPU under a 5,000-message backlog).
# AZURITE_PERSISTENCE (default disk): Azurite keeps its data in a new directory under target/, its own default mode;
# memory (--inMemoryPersistence, as the tests run it) makes every message body an extent of its own, and Azurite's
# collector of deleted extents then stalls it for seconds at a time under a backlog of thousands (runs before
# 2026-12-03 used memory: 79-85 % of the allowed rate; disk: 98 %).
# GRAPH_MAILER_DELIVERY_LOG_STORE=memory keeps the delivery log's table writes out of the run (default: the table, as deployed).
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f target/quarkus-app/quarkus-run.jar ]; then
  ./mvnw -B -q -o package -DskipTests >/dev/null
fi
./mvnw -B -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  -Dstandin.dir=target/standin \
  -Djdk.net.hosts.file=src/test/resources/standin/hosts \
  -Djavax.net.ssl.trustStore=target/standin/truststore.p12 -Djavax.net.ssl.trustStorePassword=changeit -Djavax.net.ssl.trustStoreType=PKCS12 \
  -Dazurite.persistence="${AZURITE_PERSISTENCE:-disk}" -Dbench.splitQueue="$([ "${SPLIT_QUEUE:-0}" = 1 ] && echo true || echo false)" -Dbench.batchSize="${BATCH_SIZE:-8}" -Dbench.newBatchThreshold="${NEW_BATCH_THRESHOLD:-0}" -Dbench.maxPollingMs="${MAX_POLLING_MS:-}" \
  -Dbench.messages="$messages" -Dbench.perMinute="$per_minute" -Dbench.latencyMs="$latency" \
  io.graphmailer.bench.FleetBudgetBench
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
