#!/bin/sh
# JVM launcher for the Azure Functions custom handler (used when no native binary was built).
# Runs the Java runtime bundled at ./jre (made by jlink in `./mvnw package`; the Flex Consumption "custom" runtime has
# no Java). Only a zip packaged without it (-Dfunction-app.jre.skip=true, or built off Linux x64) falls back to
# JAVA_HOME, then java on PATH.
here=$(cd "$(dirname "$0")" && pwd)
if [ -x "$here/jre/bin/java" ]; then
  java="$here/jre/bin/java"
elif [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  java="$JAVA_HOME/bin/java"
else
  java=java
fi
# `graph-mailer doctor` is run by an operator beside the running function: open no HTTP listener then,
# so it cannot collide with the function's port.
server_opts=
if [ "${1:-}" = doctor ]; then
  server_opts=-Dquarkus.http.host-enabled=false
fi
# Small heap and fast start: one function instance handles a few sends at a time.
# "$@": the arguments (e.g. doctor --test-send) reach GraphMailerMain unchanged.
exec "$java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:MaxRAMPercentage=70 -Xms32m ${GRAPH_MAILER_JAVA_OPTS:-} $server_opts \
  -jar "$here/quarkus-app/quarkus-run.jar" "$@"
