#!/usr/bin/env bash
# Regenerates the GraalVM metadata in src/main/resources/META-INF/native-image/io.graphmailer/graph-mailer/ for the
# Azure libraries that ship none of their own (azure-storage-queue, azure-storage-common, azure-data-tables):
#   reflect-config.json  every named class of those jars (the Azure SDK's own rule for its libraries),
#   proxy-config.json    their REST service interfaces (@ServiceInterface), which azure-core's RestProxy
#                        implements with java.lang.reflect.Proxy.
# azure-core, azure-core-http-netty, azure-identity and azure-security-keyvault-secrets ship their own metadata.
# Run after changing those dependencies:  ./mvnw -B -q package -DskipTests && bash src/main/native/generate-native-config.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
LIB=$ROOT/target/quarkus-app/lib/main
OUT=$ROOT/src/main/resources/META-INF/native-image/io.graphmailer/graph-mailer
JARS=(com.azure.azure-storage-queue com.azure.azure-storage-common com.azure.azure-data-tables)
mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for jar in "${JARS[@]}"; do
    file=$(ls "$LIB/$jar"-[0-9]*.jar)
    # named classes only: no anonymous ($1), module-info or package-info
    unzip -Z1 "$file" | grep '\.class$' | grep -v -E '\$[0-9]+(\$|\.class$)|(module|package)-info\.class$' |
        sed 's#\.class$##; s#/#.#g' >>"$tmp/classes"
    mkdir -p "$tmp/x" && (cd "$tmp/x" && unzip -q -o "$file")
done
sort -u "$tmp/classes" | awk 'BEGIN { print "[" } NR > 1 { print "," }
    { printf "  {\"name\": \"%s\", \"allDeclaredConstructors\": true, \"allDeclaredFields\": true, \"allDeclaredMethods\": true}", $0 }
    END { print ""; print "]" }' >"$OUT/reflect-config.json"
grep -rl -a 'Lcom/azure/core/annotation/ServiceInterface;' "$tmp/x" --include='*.class' |
    sed "s#^$tmp/x/##; s#\.class\$##; s#/#.#g" | sort -u |
    awk 'BEGIN { print "[" } NR > 1 { print "," } { printf "  [\"%s\"]", $0 } END { print ""; print "]" }' >"$OUT/proxy-config.json"
echo "reflect-config.json: $(grep -c '"name"' "$OUT/reflect-config.json") classes; proxy-config.json: $(grep -c '\["' "$OUT/proxy-config.json") interfaces"
