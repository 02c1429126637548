#!/usr/bin/env bash
# Queue throughput benchmark: 10,000 messages through Azurite, the packaged app (JVM) and the Graph
# stand-in (fixed latency, 4 concurrent requests per mailbox enforced). Prints a table; not a test.
#   bash bench/queue-throughput.sh [messages] [graph-latency-ms] [host batchSize] [host newBatchThreshold]
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-10000}
latency=${2:-50}
batch=${3:-2}
threshold=${4:-2}

[ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund >/dev/null
./mvnw -B -q package -DskipTests >/dev/null
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
# The stand-ins' trust material is written by the test launcher; create it here the same way.
java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  -Dstandin.dir=target/standin \
  -Djdk.net.hosts.file=src/test/resources/standin/hosts \
  -Djavax.net.ssl.trustStore=target/standin/truststore.p12 -Djavax.net.ssl.trustStorePassword=changeit -Djavax.net.ssl.trustStoreType=PKCS12 \
  -Dbench.messages="$messages" -Dbench.latencyMs="$latency" -Dbench.batchSize="$batch" -Dbench.newBatchThreshold="$threshold" \
  io.graphmailer.bench.QueueThroughputBench
