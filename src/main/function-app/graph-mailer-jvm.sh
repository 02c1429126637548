#!/bin/sh
# JVM fallback launcher for the Azure Functions custom handler (used when no native binary was built).
# Needs Java 17+: a runtime bundled at ./jre (jlink), or JAVA_HOME, or java on PATH.
here=$(cd "$(dirname "$0")" && pwd)
if [ -x "$here/jre/bin/java" ]; then
  java="$here/jre/bin/java"
elif [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  java="$JAVA_HOME/bin/java"
else
  java=java
fi
# Small heap and fast start: one function instance handles a few sends at a time.
exec "$java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:MaxRAMPercentage=70 ${GRAPH_MAILER_JAVA_OPTS:-} -jar "$here/quarkus-app/quarkus-run.jar"
