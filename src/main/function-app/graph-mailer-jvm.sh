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
# The start-up archive made by the package's training run (app.aot on Java 25+, app.jsa before: see README,
# "Running as an Azure Function"): only with the bundled runtime it was made with, and only when started from the
# app's own directory, as the Functions host does (workingDirectory ""), because the archive names the jar by the
# relative path it was recorded with. Put first, so GRAPH_MAILER_JAVA_OPTS can turn it off (-Xshare:off,
# -XX:AOTMode=off). A stale or foreign archive is ignored (auto) without log lines: the app then starts without it.
jar="$here/quarkus-app/quarkus-run.jar"
if [ "$(pwd -P)" = "$(cd "$here" && pwd -P)" ]; then
  jar=quarkus-app/quarkus-run.jar
  if [ "$java" = "$here/jre/bin/java" ]; then
    if [ -f "$here/app.aot" ]; then
      GRAPH_MAILER_JAVA_OPTS="-XX:AOTMode=auto -XX:AOTCache=app.aot -Xlog:aot=off,cds=off ${GRAPH_MAILER_JAVA_OPTS:-}"
    elif [ -f "$here/app.jsa" ]; then
      GRAPH_MAILER_JAVA_OPTS="-Xshare:auto -XX:SharedArchiveFile=app.jsa -Xlog:cds=off,cds+dynamic=off ${GRAPH_MAILER_JAVA_OPTS:-}"
    fi
  fi
fi
# `graph-mailer doctor` (and signin/signout) is run by an operator beside the running function: open no HTTP
# listener then, so it cannot collide with the function's port.
server_opts=
if [ "${1:-}" = doctor ] || [ "${1:-}" = signin ] || [ "${1:-}" = signout ]; then
  server_opts=-Dquarkus.http.host-enabled=false
fi
# Small heap and fast start: one function instance handles a few sends at a time.
# "$@": the arguments (e.g. doctor --test-send) reach GraphMailerMain unchanged.
exec "$java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:MaxRAMPercentage=70 -Xms32m ${GRAPH_MAILER_JAVA_OPTS:-} $server_opts \
  -jar "$jar" "$@"
