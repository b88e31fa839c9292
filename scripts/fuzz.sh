#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS on a scratch copy of its seed
# corpus (tests/fuzz/corpus/NAME stays as committed) and prints one line
# per target.  A crash stops with the reproducer under build/fuzz/.
# usage: scripts/fuzz.sh SECONDS TARGET...
set -euo pipefail
cd "$(dirname "$0")/.."
secs=$1; shift
fail=0
for t in "$@"; do
	work=build/fuzz/corpus-$t
	mkdir -p "$work"
	log=build/fuzz/fuzz_$t.log
	if ! build/fuzz/fuzz_$t -max_total_time="$secs" -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/crash-$t- "$work" "tests/fuzz/corpus/$t" \
	    >"$log" 2>&1; then
		echo "fuzz $t: FAILED (see $log)"; tail -30 "$log"; fail=1; continue
	fi
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
	echo "fuzz $t: ${secs}s, $runs runs, coverage $cov edges, no finding"
done
exit $fail
