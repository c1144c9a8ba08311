#!/usr/bin/env bash
# Fetches the Apache Kafka 4.x broker jars from Maven Central into .kafka/libs (gitignored).
# Idempotent: when the jars for the current pom.xml are there, it returns at once.
# Needs Java 17+ and Maven. Usage: scripts/kafka/setup.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

command -v java >/dev/null || die 'java not found: install a JDK 17+ (Debian: openjdk-17-jre-headless)'
command -v mvn >/dev/null || die 'mvn not found: install Maven (Debian: maven)'

# The stamp is the hash of pom.xml: a version bump there re-copies, anything else is a no-op.
stamp=$(sha256sum "$KAFKA_SCRIPTS/pom.xml" | cut -d' ' -f1)
if [[ -f $KAFKA_LIBS/.stamp && $(<"$KAFKA_LIBS/.stamp") == "$stamp" ]]; then
  log "jars already in $KAFKA_LIBS ($(ls "$KAFKA_LIBS" | wc -l) files)"
  exit 0
fi

log "fetching Kafka jars from Maven Central into $KAFKA_LIBS"
mkdir -p "$KAFKA_DIR"
# Copy into a fresh folder and swap it in, so an interrupted run never leaves half a class path.
tmp=$(mktemp -d "$KAFKA_DIR/libs.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
# Maven 3.8 prints bare ANSI resets even in quiet batch mode: strip them, keep real messages.
mvn -q -B -f "$KAFKA_SCRIPTS/pom.xml" dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 |
  sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d'
chmod -R a+rX "$tmp"
printf '%s\n' "$stamp" >"$tmp/.stamp"
rm -rf "$KAFKA_LIBS"
mv "$tmp" "$KAFKA_LIBS"
trap - EXIT
log "ready: $(ls "$KAFKA_LIBS" | wc -l) jars, $(du -sh "$KAFKA_LIBS" | cut -f1)"
