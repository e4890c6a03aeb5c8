#!/usr/bin/env bash
# Cost against program size (issue 24): the same requests on programs of the same history shape
# and different sizes, side by side, with wrk on loopback (the load generator shares the machine).
#   bench/scale_bench.sh [seconds per run, default 5] [rounds, default 3]
#   SIZES="300 5000 50000"   the programs, in findings (the smallest is the baseline)
#   GAPLOG_BIN=build/gaplog  the server to measure
# Each program is generated once by build/bench/scale_bench (a year of history, ~14 events per
# finding) and cached in build/bench-data/scale-<N>-v1 with its admin token; a cache made more
# than 7 days ago is made again, so that the past dates asked for stay inside its history. One
# server per size is started (its projections rebuilt or loaded from their checkpoint) and
# warmed with one request per URL.
#
# Each round measures every request on every size, the sizes ascending in odd rounds and
# descending in even ones: one connection (wrk -t1 -c1: p50 and p99 latency) and 32 connections
# (wrk -t2 -c32: requests/s and p99). Reported per request and size: the medians over the
# rounds, the 32-connection rate as a ratio to the smallest size's and the one-connection p50 as
# a ratio to the smallest size's (issue 24's target: within 2x for a page of findings, the
# 52-point timeline and readiness as of a past date, 5,000 findings against 300); then each
# server's resident memory and events.
# Fails (exit 1) on any non-2xx answer, a timeout, or a rate of zero.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
rounds=${2:-3}
read -r -a sizes <<<"${SIZES:-300 5000 50000}"
bin=${GAPLOG_BIN:-build/gaplog}
generator=build/bench/scale_bench
for f in "$bin" "$generator"; do
  [ -x "$f" ] || { echo "scale_bench: $f is missing; build first (ninja -C build gaplog scale_bench)" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "scale_bench: wrk is missing; run scripts/setup" >&2; exit 2; }
[ "${#sizes[@]}" -gt 0 ] || { echo "scale_bench: SIZES is empty" >&2; exit 2; }
for n in "${sizes[@]}"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "scale_bench: SIZES holds '$n', not a number of findings" >&2; exit 2; }
done

work=$(mktemp -d)
declare -A url pid token rss_warm
cleanup() {
  for n in "${!pid[@]}"; do
    kill "${pid[$n]}" 2>/dev/null && wait "${pid[$n]}" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "scale_bench: $1" >&2
  [ -n "${2:-}" ] && tail -n 30 "$2" >&2
  exit 1
}

today=$(date -u +%F)
day() { date -u -d "$today $1 days" +%F; }

# The data directory of the program of $1 findings, made (init + generate) unless a complete one
# (its token file is written last) of the last 7 days is there.
ensure_program() {
  local n=$1 dir=build/bench-data/scale-$1-v1
  if [ -f "$dir/token" ] && [ -f "$dir/generated_on" ] &&
    [[ "$(cat "$dir/generated_on")" > "$(day -8)" ]]; then
    return
  fi
  rm -rf "$dir"
  mkdir -p build/bench-data
  "$bin" --data "$dir" init --admin a@bench.example >"$work/init-$n.out" 2>&1 ||
    fail "gaplog init of $dir failed:" "$work/init-$n.out"
  local t
  t=$(grep -o 'gaplog_[0-9a-f]\{64\}' "$work/init-$n.out") || fail "no token in gaplog init's output:" "$work/init-$n.out"
  local t0=$SECONDS
  "$generator" generate "$dir" "$n" >"$work/generate-$n.out" 2>&1 ||
    fail "generating $n findings failed:" "$work/generate-$n.out"
  echo "generated $n findings in $((SECONDS - t0)) s: $(cat "$work/generate-$n.out")"
  echo "$today" >"$dir/generated_on"
  echo "$t" >"$dir/token"
}

start_server() {
  local n=$1 dir=build/bench-data/scale-$1-v1 out=$work/serve-$1.out
  token[$n]=$(cat "$dir/token")
  "$bin" --data "$dir" serve --listen 127.0.0.1:0 >"$out" 2>&1 &
  pid[$n]=$!
  local t0=$SECONDS
  # The projections are rebuilt (or loaded) before the server listens.
  until grep -q 'http://' "$out" 2>/dev/null; do
    kill -0 "${pid[$n]}" 2>/dev/null || fail "the server of $n findings ended:" "$out"
    [ $((SECONDS - t0)) -lt 600 ] || fail "the server of $n findings did not start in 600 s" "$out"
    sleep 0.2
  done
  url[$n]=$(grep -o 'http://127.0.0.1:[0-9]*' "$out" | head -n 1)
  echo "server of $n findings: ${url[$n]} (pid ${pid[$n]}, ready after $((SECONDS - t0)) s)"
}

# The requests: a name and a path, or a wrk script that varies the path.
names=("findings, page of 100"
  "findings, page of 100, status=open,in_progress"
  "timeline, 52 weekly points"
  "readiness as of 100 days ago"
  "workloads"
  "findings, page of 100, as of 100 days ago"
  "miss: readiness as of one of 300 past dates"
  "miss: findings page after a random F-k")
paths=("/api/v1/findings?limit=100"
  "/api/v1/findings?limit=100&status=open,in_progress"
  "/api/v1/timeline?from=$(day -357)&to=$today&step=7"
  "/api/v1/readiness?as_of=$(day -100)"
  "/api/v1/workloads"
  "/api/v1/findings?limit=100&as_of=$(day -100)"
  "lua:$work/readiness_dates.lua"
  "lua:$work/findings_after.lua")

{
  echo "-- Readiness as of the past 300 days in turn, each thread from its own place in the list."
  printf 'local dates = {'
  for k in $(seq 300); do printf '"%s",' "$(day "-$k")"; done
  echo '}'
  cat <<'LUA'
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("offset", threads * 151)
end
local i = 0
function init(args) i = offset or 0 end
function request()
  i = i % #dates + 1
  return wrk.format(nil, "/api/v1/readiness?as_of=" .. dates[i])
end
LUA
} >"$work/readiness_dates.lua"
cat >"$work/findings_after.lua" <<'LUA'
-- A page of 100 findings after F-k, k random in 1..N (N, the program's findings: wrk's argument).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("offset", threads)
end
local n = 1
function init(args)
  n = tonumber(args[1])
  math.randomseed(1000 + (offset or 0))
end
function request()
  return wrk.format(nil, "/api/v1/findings?limit=100&after=F-" .. math.random(n))
end
LUA

# One wrk run: $1 request index, $2 size, $3 connections ("1" or "32"), $4 output file.
run_wrk() {
  local r=$1 n=$2 c=$3 out=$4 shape=(-t1 -c1)
  [ "$c" = 32 ] && shape=(-t2 -c32)
  local target=(-H "Authorization: Bearer ${token[$n]}" "${url[$n]}${paths[$r]}")
  if [[ ${paths[$r]} == lua:* ]]; then
    target=(-H "Authorization: Bearer ${token[$n]}" -s "${paths[$r]#lua:}" "${url[$n]}/" -- "$n")
  fi
  wrk "${shape[@]}" -d"${secs}s" --timeout 30s --latency "${target[@]}" >"$out" 2>&1 ||
    fail "wrk failed on ${names[$r]} ($n findings):" "$out"
}

# "<rate> <p50 ms> <p99 ms>" of a wrk output; fails on non-2xx answers, timeouts or no rate.
read_wrk() {
  local out=$1 what=$2
  grep -q 'Non-2xx or 3xx responses' "$out" && fail "non-2xx answers to $what:" "$out"
  grep -q 'Socket errors:.*timeout [1-9]' "$out" && fail "timeouts on $what:" "$out"
  awk -v what="$what" '
    function ms(v) {
      if (v ~ /us$/) return v / 1000
      if (v ~ /ms$/) return v + 0
      if (v ~ /m$/) return v * 60000
      if (v ~ /s$/) return v * 1000
      return -1
    }
    /Requests\/sec/ { rate = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END {
      if (!(rate + 0 > 0) || p50 == "" || p99 == "") exit 1
      printf "%s %.3f %.3f\n", rate, p50, p99
    }' "$out" || fail "no rate or latency for $what (a request slower than the run?):" "$out"
}

for n in "${sizes[@]}"; do ensure_program "$n"; done
for n in "${sizes[@]}"; do start_server "$n"; done
# One GET of request $1 on size $2 into $work/answer.json: the warm-up, and before each run, so
# that a run does not start while the server still answers the previous run's last requests.
get_once() {
  local p=${paths[$1]}
  [[ $p == lua:*readiness* ]] && p="/api/v1/readiness?as_of=$(day -1)"
  [[ $p == lua:*findings* ]] && p="/api/v1/findings?limit=100&after=F-1"
  curl -sf -o "$work/answer.json" -H "Authorization: Bearer ${token[$2]}" "${url[$2]}$p" ||
    fail "GET $p on $2 findings did not answer 2xx"
  echo "$p"
}

for n in "${sizes[@]}"; do
  for r in "${!paths[@]}"; do
    p=$(get_once "$r" "$n")
    if [[ $p == *timeline* ]]; then
      points=$(grep -o '{"date":"' "$work/answer.json" | wc -l)
      [ "$points" = 52 ] || fail "the timeline on $n findings has $points points, not 52"
    fi
  done
  rss_warm[$n]=$(awk '/VmRSS/ {print $2}' "/proc/${pid[$n]}/status")
done

mapfile -t sorted < <(printf '%s\n' "${sizes[@]}" | sort -n)
results=$work/results.txt  # request size connections rate p50 p99, one line per run
: >"$results"
for round in $(seq "$rounds"); do
  order=("${sorted[@]}")
  [ $((round % 2)) = 0 ] && mapfile -t order < <(printf '%s\n' "${sorted[@]}" | sort -rn)
  echo "== round $round of $rounds: sizes ${order[*]}, ${secs}s per run"
  for r in "${!paths[@]}"; do
    for n in "${order[@]}"; do
      for c in 1 32; do
        get_once "$r" "$n" >/dev/null
        run_wrk "$r" "$n" "$c" "$work/wrk.txt"
        measured=$(read_wrk "$work/wrk.txt" "${names[$r]} ($n findings, $c connections)")
        echo "$r $n $c $measured" >>"$results"
      done
    done
  done
done

# The median over the rounds of column $4 (4 rate, 5 p50, 6 p99) of request $1, size $2, $3
# connections.
median() {
  awk -v r="$1" -v n="$2" -v c="$3" -v k="$4" '$1 == r && $2 == n && $3 == c {print $k}' "$results" |
    sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

base=${sorted[0]}
echo
echo "medians over $rounds round(s) of ${secs}s; x$base: the ratio to the program of $base findings"
printf '%-48s %8s | %9s %9s | %9s %9s | %9s %9s\n' "request" "findings" "1c p50 ms" "1c p99 ms" \
  "32c req/s" "32c p99" "rate x$base" "p50 x$base"
for r in "${!paths[@]}"; do
  base_rate=$(median "$r" "$base" 32 4)
  base_p50=$(median "$r" "$base" 1 5)
  for n in "${sorted[@]}"; do
    rate=$(median "$r" "$n" 32 4)
    p50=$(median "$r" "$n" 1 5)
    printf '%-48s %8s | %9.2f %9.2f | %9.0f %9.2f | %9.3f %9.2f\n' "${names[$r]}" "$n" "$p50" \
      "$(median "$r" "$n" 1 6)" "$rate" "$(median "$r" "$n" 32 6)" \
      "$(awk -v a="$rate" -v b="$base_rate" 'BEGIN {print a / b}')" \
      "$(awk -v a="$p50" -v b="$base_p50" 'BEGIN {print a / b}')"
  done
done
echo
printf '%-10s %10s %14s %14s\n' "findings" "events" "RSS warm MiB" "RSS end MiB"
for n in "${sorted[@]}"; do
  events=$(grep -o '([0-9]* events)' "$work/serve-$n.out" | tr -dc '0-9')
  rss_end=$(awk '/VmRSS/ {print $2}' "/proc/${pid[$n]}/status")
  printf '%-10s %10s %14s %14s\n' "$n" "$events" "$((rss_warm[$n] / 1024))" "$((rss_end / 1024))"
done
