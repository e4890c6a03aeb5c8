#!/usr/bin/env bash
# HTTP benchmark of `gaplog serve` with wrk, on loopback (the load generator shares the machine).
#   bench/http_bench.sh [seconds per run, default 10]
# Reports, in one run:
#   - GET /api/v1/readiness (current): requests/s and p99 (target >= 15,000 req/s);
#   - POST /api/v1/findings (durable: WAL synced before the answer), 16 connections: requests/s,
#     as a ratio to the store's own 8-writer durable append rate (bench/event_log_bench,
#     BM_WritersInTurns, its "durable appends, 8 writers" line) measured just before (target >= 0.7).
# Needs a built tree (scripts/test or ninja -C build) and wrk (scripts/setup installs it).
# Fails (exit 1) when a rate it needs is missing or zero, rather than print a ratio of nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
bin=${GAPLOG_BIN:-build/gaplog}  # GAPLOG_BIN: another build to compare
for f in "$bin" build/bench/event_log_bench; do
  [ -x "$f" ] || { echo "http_bench: $f is missing; build first (ninja -C build)" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "http_bench: wrk is missing; run scripts/setup" >&2; exit 2; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The rate `value` of `what`, which must be a positive number; else the run is worthless: say
# why (with the output it came from) and fail.
require_rate() {
  local what=$1 value=$2 source=$3
  if ! awk -v v="$value" 'BEGIN { exit !(v ~ /^[0-9]+(\.[0-9]+)?$/ && v + 0 > 0) }'; then
    echo "http_bench: no $what (got '${value}'); the output it was read from:" >&2
    tail -n 30 "$source" >&2
    exit 1
  fi
}

token=$("$bin" --data "$work/data" init --admin bench@example.com | grep -o 'gaplog_[0-9a-f]\{64\}')
"$bin" --data "$work/data" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>/dev/null &
server_pid=$!
for _ in $(seq 100); do grep -q 'http://' "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.out")

# A program worth reading: 300 findings over a spread of criteria.
criteria=(CC1.1 CC2.1 CC3.2 CC5.1 CC6.1 CC6.6 CC7.2 CC8.1 A1.2 C1.1)
for i in $(seq 300); do
  c=${criteria[$((i % ${#criteria[@]}))]}
  curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"title\":\"seed $i\",\"severity\":\"medium\",\"criteria\":[\"$c\"]}" "$url/api/v1/findings"
done

echo "== store: 8 concurrent durable appenders (event_log_bench)"
# The summary line: "durable appends, 8 writers vs single writer (in turns)  <rate>  <ratio> >= 2.5".
build/bench/event_log_bench --benchmark_filter='^BM_WritersInTurns' >"$work/store.txt" 2>&1 \
  || { echo "http_bench: event_log_bench failed:" >&2; tail -n 30 "$work/store.txt" >&2; exit 1; }
store_rate=$(awk '/durable appends, 8 writers/ {print $(NF-3)}' "$work/store.txt")
require_rate "store baseline (event_log_bench BM_WritersInTurns, 8 writers)" "$store_rate" "$work/store.txt"
echo "store 8-writer durable appends/s: $store_rate"

cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $token"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title":"load","severity":"low","criteria":["CC7.1"]}'
LUA

echo "== GET /api/v1/readiness, 2 threads, 32 connections, ${secs}s"
wrk -t2 -c32 -d"${secs}s" --latency -H "Authorization: Bearer $token" "$url/api/v1/readiness" | tee "$work/get.txt"
echo "== POST /api/v1/findings, 2 threads, 16 connections, ${secs}s"
wrk -t2 -c16 -d"${secs}s" --latency -s "$work/post.lua" "$url/api/v1/findings" | tee "$work/post.txt"

get_rate=$(awk '/Requests\/sec/ {print $2}' "$work/get.txt")
get_p99=$(awk '$1 == "99%" {print $2}' "$work/get.txt")
post_rate=$(awk '/Requests\/sec/ {print $2}' "$work/post.txt")
post_p99=$(awk '$1 == "99%" {print $2}' "$work/post.txt")
non2xx=$(cat "$work/get.txt" "$work/post.txt" | awk '/Non-2xx/ {s += $NF} END {print s + 0}')
require_rate "GET rate (wrk's Requests/sec)" "$get_rate" "$work/get.txt"
require_rate "POST rate (wrk's Requests/sec)" "$post_rate" "$work/post.txt"
echo
printf '%-52s %12s %8s %s\n' "measure" "per second" "ratio" "target"
printf '%-52s %12.0f %8s %s   (p99 %s)\n' "GET /api/v1/readiness (current)" "$get_rate" "-" ">= 15000 req/s" "$get_p99"
printf '%-52s %12.0f %8s\n' "store: 8 durable appenders, events/s (baseline)" "$store_rate" "1.00"
printf '%-52s %12.0f %8.2f %s   (p99 %s)\n' "POST /api/v1/findings, 16 connections, durable" "$post_rate" \
  "$(awk -v a="$post_rate" -v b="$store_rate" 'BEGIN {print a / b}')" ">= 0.7" "$post_p99"
echo "non-2xx responses: $non2xx"
