#!/usr/bin/env bash
# The body of `make check`: unit tests, then the integration and interop
# tests against the binaries of BUILD_DIR (a sanitizer build).
#
#	scripts/test.sh BUILD_DIR
#
# Exits non-zero if any test failed.  The interop tests need node and
# npm; their npm packages are installed into tests/interop/node_modules
# (npm ci) when missing or when package-lock.json changed.
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
BUILD=$(cd "$1" && pwd) || { echo "test.sh: no build dir $1" >&2; exit 2; }
INTEROP=$ROOT/tests/interop
status=0

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

echo "== unit tests ($BUILD/check_unit)"
if [ -x "$BUILD/check_unit" ]; then
	# Leak detection stays on for the unit tests.
	"$BUILD/check_unit" 2>&1 | tee "$tmp/unit.out" || status=1
else
	echo "test.sh: $BUILD/check_unit is missing" >&2
	status=1
fi

echo "== interop tests (socket.io-client, real binaries from $BUILD/bin)"
stamp=$INTEROP/node_modules/.confab-lock.sha256
want=$(sha256sum "$INTEROP/package-lock.json" | cut -d' ' -f1)
if [ ! -d "$INTEROP/node_modules" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	echo "test.sh: npm ci in tests/interop"
	if (cd "$INTEROP" && npm ci --no-audit --no-fund --loglevel=error); then
		echo "$want" >"$stamp"
	else
		echo "test.sh: npm ci failed" >&2
		exit 1
	fi
fi

flags=()
help=$(node --help 2>/dev/null)
grep -q -- '--test-concurrency' <<<"$help" && flags+=(--test-concurrency=2)
grep -q -- '--test-timeout' <<<"$help" && flags+=(--test-timeout=90000)
# The usual report on stdout (spec on a terminal, TAP otherwise), and a
# TAP copy to count from.
if [ -t 1 ]; then reporter=spec; else reporter=tap; fi
flags+=(--test-reporter="$reporter" --test-reporter-destination=stdout
    --test-reporter=tap --test-reporter-destination="$tmp/interop.tap")

# The servers are SIGKILLed on purpose: no leak reports there, but any
# other sanitizer finding aborts the process (and fails the test).
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
CONFAB_BIN=$BUILD/bin \
    node --test "${flags[@]}" "$INTEROP"/*.test.mjs || status=1

# One closing line for both runners.
read -r uchecks ufail uerr < <(sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$tmp/unit.out" | tail -1)
ipass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tmp/interop.tap" 2>/dev/null | tail -1)
ifail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tmp/interop.tap" 2>/dev/null | tail -1)
ucheck=${uchecks:-0} ufail=${ufail:-0} uerr=${uerr:-0} ipass=${ipass:-0} ifail=${ifail:-0}
passed=$((ucheck - ufail - uerr + ipass))
failed=$((ufail + uerr + ifail))
# A runner that died before reporting counts as a failure.
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "check: $passed passed, $failed failed"
exit "$status"
