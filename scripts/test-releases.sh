#!/usr/bin/env bash
# Runs the test suite (`npm run test:run`, on a built tree) on every Node release we support, each
# with its own bin first on PATH; prints each release's output and closing line, then one overall
# "N passed, N failed, N skipped" line; exits non-zero if any release failed or gave no count.
# A release equal to the system node runs on it; others come from scripts/node-release.sh.
# At most TEST_RELEASES_JOBS (default 3: all at once) run at once: docs/decisions/010-node-releases.md
# says why. TEST_RELEASES="22.23.5" runs a subset; TEST_RELEASES_LIMIT_S bounds each release (600 s).
set -uo pipefail
cd "$(dirname "$0")/.."
releases=(${TEST_RELEASES:-20.20.2 22.23.5 24.22.3})
limit_s=${TEST_RELEASES_LIMIT_S:-600}
# Coverage is collected on the release coverage-floor.json names (it slows a run, and Node 20's collector fails on this suite).
coverage_major=$(node -p "require('./coverage-floor.json').node")
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

declare -A bin
for v in "${releases[@]}"; do
  if [ "$(node --version 2>/dev/null)" = "v$v" ]; then bin[$v]=$(dirname "$(command -v node)")
  else bin[$v]=$(scripts/node-release.sh "$v") || { echo "test-releases: cannot install Node $v" >&2; exit 1; }
  fi
done

run() {
  local v=$1 start=$SECONDS TIMEFORMAT='%0U %0S'
  { time {
    TEST_COVERAGE=$([ "${v%%.*}" = "$coverage_major" ] && echo 1) PATH="${bin[$v]}:$PATH" timeout -k 10 "$limit_s" npm run --silent test:run >"$logs/$v.log" 2>&1
    echo $? >"$logs/$v.code"
  }; } 2>"$logs/$v.cpu"
  echo "$(cat "$logs/$v.code") $((SECONDS - start)) $(cat "$logs/$v.cpu")" >"$logs/$v.status"
}

max_jobs=${TEST_RELEASES_JOBS:-3}
for v in "${releases[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$max_jobs" ]; do wait -n; done
  run "$v" &
done
wait

passed=0 failed=0 skipped=0 bad=0 summary=()
for v in "${releases[@]}"; do
  read -r code secs user sys <"$logs/$v.status"
  echo "=== Node $v ==="
  cat "$logs/$v.log"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$logs/$v.log" | tail -n 1)
  if [ -z "$line" ]; then
    line="no closing line (exit $code$([ "$code" = 124 ] && echo ", stopped after ${limit_s} s"))"
    failed=$((failed + 1))
  else
    read -r p _ f _ s _ <<<"${line//,/}"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
  fi
  [ "$code" = 0 ] || bad=1
  summary+=("Node $v, ${secs} s (CPU $((user + sys)) s): $line")
done
echo
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$bad" = 0 ] && [ "$failed" = 0 ]
