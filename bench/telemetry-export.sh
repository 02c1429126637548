#!/usr/bin/env bash
# What graph-mailer's Application Insights exporter costs on the SDK's export thread (ADR 0022): mapping spans to
# envelopes, gzip, and POSTs of 512-span batches to the ingestion stand-in on loopback. Prints numbers, asserts none.
# Usage: bench/telemetry-export.sh [sends]   (3 spans per send; default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
sends=${1:-5000}

./mvnw -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  -Dstandin.dir=target/standin \
  -Djdk.net.hosts.file=src/test/resources/standin/hosts \
  -Djavax.net.ssl.trustStore=target/standin/truststore.p12 -Djavax.net.ssl.trustStorePassword=changeit -Djavax.net.ssl.trustStoreType=PKCS12 \
  -Dbench.sends="$sends" \
  io.graphmailer.adapter.out.telemetry.TelemetryExportBench
