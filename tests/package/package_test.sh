#!/usr/bin/env bash
# The Debian package, built and installed for real: the "== package" step of scripts/test, not a
# ctest, because it installs into the system. Needs root on a Debian 12 machine where gaplog is
# not installed (CI's container); systemd need not be running (it is not PID 1 in a container).
#   tests/package/package_test.sh
#   GAPLOG_PACKAGE_BREAK_UNIT=1   break a directive of the unit first: the test must fail (a check
#                                 of the check; the unit is also always verified broken once below)
# What it checks, in order:
#  1. scripts/package builds build/package/gaplog_<version>_amd64.deb;
#  2. lintian reports no error, and no warning other than those docs/operations.md explains
#     (tests/package/lintian-allowed);
#  3. the contents: /usr/bin/gaplog stripped and without RPATH/RUNPATH, the web assets, the unit,
#     the conffile /etc/default/gaplog, the man page, copyright and changelog; Depends from
#     dpkg-shlibdeps;
#  4. dpkg -i: the user gaplog (a system user without a login), /var/lib/gaplog (0700, gaplog's),
#     the unit enabled; systemd-analyze verify of the installed unit says nothing (and does
#     complain about a copy with one directive broken), systemd-analyze security rates its exposure
#     at most 2.0 (of 10);
#  5. gaplog --version;
#  6. the service's command line (ExecStart, with /etc/default/gaplog's values) as the user gaplog,
#     after gaplog init on /var/lib/gaplog as the guide says: /healthz, the dashboard from
#     /usr/share/gaplog/web, a finding and evidence recorded through the API, a clean stop; all
#     under strace, and every system call, socket family and written path checked against the
#     unit's sandbox (check_trace.py);
#  7. dpkg --remove keeps /var/lib/gaplog; dpkg --purge removes the rest and the data (the
#     Debian convention; docs/operations.md, "Uninstall"), keeps the backups and the user;
#     nothing else owned by gaplog is left.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tests/package
max_exposure=20  # systemd-analyze security, in tenths: 2.0 of 10 (the unit is at 1.3)

fail() {
  echo "package test: $*" >&2
  exit 1
}
step_started=$SECONDS
step() {
  echo "-- $* (at $((SECONDS - step_started))s)"
}

[ "$(id -u)" -eq 0 ] || fail "needs root: it installs the package (run it in a container or CI)"
if dpkg-query -W -f='${Status}' gaplog 2>/dev/null | grep -q 'installed'; then
  fail "the gaplog package is installed on this machine; this test would purge it and its data"
fi
[ ! -e /var/lib/gaplog ] || fail "/var/lib/gaplog exists; this test would delete it on purge"
had_user=0
getent passwd gaplog >/dev/null && had_user=1

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if dpkg-query -W -f='${Status}' gaplog 2>/dev/null | grep -q 'installed\|config-files'; then
    dpkg --purge gaplog >/dev/null 2>&1 || true
  fi
  rm -rf /var/lib/gaplog
  # The package keeps the user (as Debian packages do); the test leaves the machine as it was.
  if [ "$had_user" = 0 ] && getent passwd gaplog >/dev/null; then
    deluser --quiet --system gaplog >/dev/null 2>&1 || true
  fi
  if [ "$had_user" = 0 ] && getent group gaplog >/dev/null; then
    delgroup --quiet --system gaplog >/dev/null 2>&1 || true
  fi
  rmdir /var/backups/gaplog 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# ---- 1. build
step "scripts/package"
deb=$(scripts/package)
version=$(sed -n 's/^project(gaplog VERSION \([0-9.]*\) .*/\1/p' CMakeLists.txt)
[ "$deb" = "build/package/gaplog_${version}_amd64.deb" ] || fail "scripts/package made '$deb'"
if [ "${GAPLOG_PACKAGE_BREAK_UNIT:-0}" = 1 ]; then
  # Rebuild the package around a unit with a misspelt value: step 4 must stop the test.
  mkdir "$tmp/broken" && dpkg-deb -R "$deb" "$tmp/broken"
  broken_unit=$tmp/broken/lib/systemd/system/gaplog.service
  sed -i 's/^ProtectSystem=strict$/ProtectSystem=strikt/' "$broken_unit"
  sum=$(md5sum <"$broken_unit" | cut -d' ' -f1)
  sed -i "s|^[0-9a-f]*  lib/systemd/system/gaplog.service\$|$sum  lib/systemd/system/gaplog.service|" "$tmp/broken/DEBIAN/md5sums"
  dpkg-deb --root-owner-group -b "$tmp/broken" "$tmp/gaplog_broken.deb" >/dev/null
  deb=$tmp/gaplog_broken.deb
fi
ls -l "$deb"

# ---- 2. lintian
step "lintian"
lintian_out=$tmp/lintian.txt
if ! lintian --fail-on error --display-level '>=warning' --tag-display-limit 0 "$deb" >"$lintian_out" 2>&1; then
  cat "$lintian_out" >&2
  fail "lintian reports errors (above)"
fi
cat "$lintian_out"
while read -r kind _ tag _; do
  [ "$kind" = "W:" ] || continue
  grep -qx "${tag}" <(grep -v '^#' "$here/lintian-allowed" | awk '{print $1}') ||
    fail "lintian warns $tag, which docs/operations.md does not explain (add it there and to $here/lintian-allowed, or fix it)"
done <"$lintian_out"

# ---- 3. contents
step "contents"
dpkg-deb -c "$deb" >"$tmp/contents"
for path in ./usr/bin/gaplog ./usr/share/gaplog/web/index.html ./lib/systemd/system/gaplog.service \
  ./etc/default/gaplog ./usr/share/man/man1/gaplog.1.gz ./usr/share/doc/gaplog/copyright \
  ./usr/share/doc/gaplog/changelog.gz ./usr/share/doc/gaplog/operations.md; do
  grep -q " $path\$" "$tmp/contents" || fail "the package has no $path"
done
if grep -q '\.build-hash' "$tmp/contents"; then fail "the package holds the web build's .build-hash"; fi
[ "$(dpkg-deb -f "$deb" Package)" = gaplog ] || fail "Package is not gaplog"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version is not $version"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for dep in adduser libcapnp libssl3 libcurl4 libxlsxwriter libc6; do
  [[ "$depends" == *"$dep"* ]] || fail "Depends lacks $dep (dpkg-shlibdeps): $depends"
done
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = /etc/default/gaplog ] ||
  fail "/etc/default/gaplog is not the package's one conffile"

# ---- 4. install; the unit
step "dpkg -i"
dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg -i failed"; }
getent passwd gaplog | grep -q ':/var/lib/gaplog:/usr/sbin/nologin$' ||
  fail "no system user gaplog with home /var/lib/gaplog and no shell: $(getent passwd gaplog)"
uid=$(id -u gaplog)
[ "$uid" -lt 1000 ] || fail "gaplog's uid $uid is not a system uid"
[ "$(stat -c '%U %G %a' /var/lib/gaplog)" = "gaplog gaplog 700" ] ||
  fail "/var/lib/gaplog is $(stat -c '%U %G %a' /var/lib/gaplog), not gaplog gaplog 700"
[ "$(stat -c '%U %G %a' /etc/gaplog)" = "root gaplog 750" ] ||
  fail "/etc/gaplog is $(stat -c '%U %G %a' /etc/gaplog), not root gaplog 750"
[ -L /etc/systemd/system/multi-user.target.wants/gaplog.service ] || fail "the unit is not enabled"
if readelf -S /usr/bin/gaplog | grep -qE '\.symtab|\.debug_'; then fail "/usr/bin/gaplog is not stripped"; fi
if readelf -d /usr/bin/gaplog | grep -qE 'RPATH|RUNPATH'; then fail "/usr/bin/gaplog has an RPATH"; fi
readelf -d /usr/bin/gaplog | grep -q 'BIND_NOW' || fail "/usr/bin/gaplog is not linked with -z now"

unit=/lib/systemd/system/gaplog.service
# systemd-analyze verify loads the unit as systemd would (without systemd running) and checks its
# commands exist; it prints what is wrong but exits 0 for most of it (an unknown key or value is
# "ignoring"), so any output at all is a failure.
verify_unit() {  # verify_unit UNIT-FILE: prints the complaints, fails when there are any
  local out
  out=$(systemd-analyze verify --man=no "$1" 2>&1) || { echo "$out"; return 1; }
  [ -z "$out" ] || { echo "$out"; return 1; }
}
if ! complaints=$(verify_unit "$unit"); then
  echo "$complaints" >&2
  fail "systemd-analyze verify complains about $unit (above)"
fi
# The check of the check: one misspelt value, and verify_unit must notice it.
mkdir "$tmp/unit" && sed 's/^ProtectSystem=strict$/ProtectSystem=strikt/' "$unit" >"$tmp/unit/gaplog.service"
if complaints=$(verify_unit "$tmp/unit/gaplog.service"); then
  fail "systemd-analyze verify did not notice ProtectSystem=strikt"
fi
echo "verify notices a broken directive: $complaints"
security=$(systemd-analyze security --offline=yes --threshold="$max_exposure" "$unit" 2>&1) || {
  echo "$security" >&2
  fail "systemd-analyze security rates the unit above $((max_exposure / 10)).$((max_exposure % 10)) (above)"
}
echo "$security" | tail -1

# ---- 5. the binary
step "gaplog --version"
[ "$(/usr/bin/gaplog --version | head -1)" = "gaplog $version" ] ||
  fail "gaplog --version says $(/usr/bin/gaplog --version | head -1), not gaplog $version"

# ---- 6. the service's command line, as the user gaplog, under strace
step "init and serve as the user gaplog"
# The first admin, as docs/operations.md says (runuser: sudo may not be installed).
(cd / && runuser -u gaplog -- /usr/bin/gaplog --data /var/lib/gaplog init --admin ops@acme.example \
  --name "Ops Admin") >"$tmp/init.out" || fail "gaplog init as the user gaplog failed"
token=$(grep -o 'gaplog_[0-9a-f]\{64\}' "$tmp/init.out") || fail "init printed no token: $(cat "$tmp/init.out")"
[ "$(stat -c %U /var/lib/gaplog/keys/tree-head.key)" = gaplog ] || fail "the signing key is not gaplog's"
# ExecStart as systemd expands it (systemd.service(5), "Command lines"): ${VAR} is one word, $VAR
# zero or more, split with quotes respected; only the port differs from /etc/default/gaplog.
mapfile -d '' argv < <(GAPLOG_LISTEN_OVERRIDE=127.0.0.1:0 python3 - "$unit" /etc/default/gaplog <<'EOF'
import os, re, shlex, sys
unit, env_file = sys.argv[1], sys.argv[2]
line = next(l for l in open(unit) if l.startswith("ExecStart="))[len("ExecStart="):]
env = {}
for raw in open(env_file):
    raw = raw.strip()
    if raw and not raw.startswith("#"):
        key, value = raw.split("=", 1)
        words = shlex.split(value)
        env[key] = words[0] if words else ""
env["GAPLOG_LISTEN"] = os.environ["GAPLOG_LISTEN_OVERRIDE"]
args = []
for word in line.split():
    one, many = re.fullmatch(r"\$\{(\w+)\}", word), re.fullmatch(r"\$(\w+)", word)
    if one:
        args.append(env.get(one.group(1), ""))
    elif many:
        args += shlex.split(env.get(many.group(1), ""))
    else:
        args.append(word)
sys.stdout.write("\0".join(args) + "\0")
EOF
)
echo "the service runs: ${argv[*]}"
[ "${argv[0]}" = /usr/bin/gaplog ] || fail "ExecStart does not run /usr/bin/gaplog: ${argv[*]}"
(cd / && exec strace -f -qq -o "$tmp/trace" -u gaplog -- "${argv[@]}") >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|^gaplog: serving /var/lib/gaplog on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/serve.out")
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.2
done
[ -n "$port" ] || { cat "$tmp/serve.out" "$tmp/serve.err" >&2; fail "serve did not start (above)"; }
grep -q '^gaplog: web UI from /usr/share/gaplog/web$' "$tmp/serve.out" ||
  fail "serve does not take the web UI from /usr/share/gaplog/web: $(cat "$tmp/serve.out")"
url=http://127.0.0.1:$port
curl -fsS "$url/healthz" >"$tmp/healthz" || fail "GET /healthz failed"
echo "GET /healthz: $(head -c 200 "$tmp/healthz")"
curl -fsS "$url/" -o "$tmp/index.html" || fail "GET / failed"
cmp -s "$tmp/index.html" /usr/share/gaplog/web/index.html || fail "GET / is not /usr/share/gaplog/web/index.html"
asset=$(grep -o '/assets/[0-9a-f]*/[A-Za-z0-9_./-]*\.js' "$tmp/index.html" | head -1)
curl -fsS "$url$asset" -o /dev/null || fail "GET $asset failed"
/usr/bin/gaplog --server "$url" --token "$token" finding add --title "Package test: no MFA on the VPN" \
  --severity High --criteria CC6.1 >"$tmp/finding.out" || fail "finding add through the server failed"
/usr/bin/gaplog --server "$url" --token "$token" finding list | grep -q 'no MFA on the VPN' ||
  fail "the finding is not listed"
# Evidence: an upload goes through <data>/evidence/tmp/ and a rename, written by the server.
/usr/bin/gaplog --server "$url" --token "$token" evidence add /usr/share/doc/gaplog/copyright \
  --finding F-1 --type text/plain >"$tmp/evidence.out" || fail "evidence add through the server failed"
[ -n "$(find /var/lib/gaplog/evidence -type f ! -path '*/tmp/*')" ] || fail "no evidence file in /var/lib/gaplog/evidence"
# Stop it as systemd does (SIGTERM to the service's process), and wait for a clean exit.
gaplog_pid=$(cat /proc/"$server_pid"/task/*/children | tr -d ' ')
[ -n "$gaplog_pid" ] || fail "no gaplog process under strace"
kill -TERM "$gaplog_pid"
wait "$server_pid" || { cat "$tmp/serve.err" >&2; fail "serve did not stop cleanly on SIGTERM (exit $?)"; }
server_pid=""
python3 "$here/check_trace.py" "$unit" "$tmp/trace" || fail "gaplog serve would break in its sandbox (above)"

# ---- 7. remove, purge
step "dpkg --remove, dpkg --purge"
dpkg --remove gaplog >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg --remove failed"; }
[ ! -e /usr/bin/gaplog ] || fail "remove left /usr/bin/gaplog"
[ -f /var/lib/gaplog/keys/tree-head.key ] || fail "remove deleted the data in /var/lib/gaplog"
[ -f /etc/default/gaplog ] || fail "remove deleted the conffile /etc/default/gaplog (only purge does)"
# A backup in /var/backups/gaplog survives the purge (the way back after a purge by mistake).
runuser -u gaplog -- sh -c 'umask 077 && echo backup >/var/backups/gaplog/test-backup'
dpkg --purge gaplog >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg --purge failed"; }
grep -q 'backups in /var/backups/gaplog are kept' "$tmp/dpkg.log" || fail "purge did not say the backups are kept"
[ -f /var/backups/gaplog/test-backup ] || fail "purge deleted the backups in /var/backups/gaplog"
rm -r /var/backups/gaplog
for path in /usr/bin/gaplog /usr/share/gaplog /lib/systemd/system/gaplog.service /etc/default/gaplog \
  /etc/gaplog /usr/share/man/man1/gaplog.1.gz /usr/share/doc/gaplog /var/lib/gaplog \
  /etc/systemd/system/multi-user.target.wants/gaplog.service; do
  if [ -e "$path" ] || [ -L "$path" ]; then fail "purge left $path"; fi
done
getent passwd gaplog >/dev/null || fail "purge removed the user gaplog (Debian keeps system users)"
left=$(find /etc /var /tmp /run /srv /opt /home /root /usr/local -xdev \( -user gaplog -o -group gaplog \) -print 2>/dev/null | head -20)
[ -z "$left" ] || fail "files owned by gaplog are left after purge: $left"
step "done"
