#!/usr/bin/env bash
# Checks the systemd units in deploy/ with `systemd-analyze verify`, as
# `make install` would write them, pointing at the binaries of BINDIR
# (verify insists that ExecStart= binaries exist).  Any diagnostic fails.
#	scripts/verify-units.sh BINDIR
set -euo pipefail
cd "$(dirname "$0")/.."
bindir=$(cd "$1" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in deploy/*.service deploy/*.target; do
	sed -e "s|@SBINDIR@|$bindir|g" -e "s|@SYSCONFDIR@|/etc|g" "$f" \
	    >"$tmp/$(basename "$f")"
done
out=$(cd "$tmp" && systemd-analyze verify --man=no ./*.service ./*.target 2>&1) || {
	echo "units: systemd-analyze verify failed"; echo "$out"; exit 1; }
if [ -n "$out" ]; then echo "units: systemd-analyze verify complained"; echo "$out"; exit 1; fi
for u in "$tmp"/*.service; do
	score=$(systemd-analyze security --offline=yes "$u" 2>/dev/null |
	    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
	echo "units: $(basename "$u") verified, exposure ${score:-?}"
done
