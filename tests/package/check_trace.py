#!/usr/bin/env python3
"""Checks an strace of `gaplog serve` against the sandbox of the systemd unit that runs it.

    check_trace.py UNIT TRACE

UNIT is the installed gaplog.service, TRACE the output of `strace -f -qq -o TRACE` of the
service's command line. Every system call made after the binary's execve must be allowed by the
unit's SystemCallFilter= lines (expanded with `systemd-analyze syscall-filter`), every socket
family by RestrictAddressFamilies=, and every path written (opened for writing, created,
renamed, removed) must be in a writable place of ProtectSystem=strict: the StateDirectory, the
ReadWritePaths, /tmp (PrivateTmp), /dev (PrivateDevices) or the process's own threads in /proc. Prints what it checked; exits 1
naming each violation. A call the filter forbids fails with EPERM under systemd and is never
seen in a test that runs the binary without it: this is where it is seen.
"""
import re
import subprocess
import sys


def unit_settings(path):
    """The [Service] settings of the unit: name -> list of values, in order."""
    settings = {}
    section = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line
                continue
            if section == "[Service]" and "=" in line:
                key, value = line.split("=", 1)
                settings.setdefault(key, []).append(value)
    return settings


GROUPS = {}


def expand(name):
    """The system calls of @group (recursively) or the call itself."""
    if not name.startswith("@"):
        return {name}
    if name not in GROUPS:
        out = subprocess.run(["systemd-analyze", "syscall-filter", name], check=True,
                             capture_output=True, text=True).stdout
        calls = set()
        for line in out.splitlines()[1:]:
            word = line.strip()
            if not word or word.startswith("#"):
                continue
            calls |= expand(word)
        GROUPS[name] = calls
    return GROUPS[name]


def allowed_calls(settings):
    """SystemCallFilter= semantics: the first line sets an allow list (or a deny list when it
    starts with ~); later allow lines add to it, later ~ lines take away."""
    allowed = None
    for value in settings.get("SystemCallFilter", []):
        deny = value.startswith("~")
        names = value.lstrip("~").split()
        calls = set().union(*(expand(n) for n in names)) if names else set()
        if allowed is None:
            if deny:
                sys.exit("check_trace: a deny-only SystemCallFilter is not handled here")
            allowed = set(calls)
        elif deny:
            allowed -= calls
        else:
            allowed |= calls
    if allowed is None:
        sys.exit("check_trace: the unit has no SystemCallFilter=")
    return allowed


CALL = re.compile(r"^\d+\s+([a-z0-9_]+)\(")
SOCKET = re.compile(r"^\d+\s+socket(?:pair)?\((AF_[A-Z0-9]+)")
WRITE_OPEN = re.compile(r'^\d+\s+open(?:at)?\((?:AT_FDCWD, )?"([^"]*)", ([A-Z_|]+)')
PATH_CALLS = {
    "mkdir": 0, "mkdirat": 0, "unlink": 0, "unlinkat": 0, "rmdir": 0, "rename": 1,
    "renameat": 1, "renameat2": 1, "link": 1, "linkat": 1, "symlink": 1, "symlinkat": 1,
    "truncate": 0, "chmod": 0, "fchmodat": 0,
}
QUOTED = re.compile(r'"([^"]*)"')


def written_paths(line, name):
    """The paths a call changes, for the calls that change the file system by path."""
    if name in ("open", "openat"):
        m = WRITE_OPEN.match(line)
        if m and re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC", m.group(2)):
            return [m.group(1)]
        return []
    if name in PATH_CALLS:
        quoted = QUOTED.findall(line)
        if not quoted:
            return []
        # rename(old, new), link(old, new): both; mkdir(path), unlink(path): the one.
        return quoted[: PATH_CALLS[name] + 1]
    return []


def main():
    unit, trace = sys.argv[1], sys.argv[2]
    settings = unit_settings(unit)
    allowed = allowed_calls(settings)
    families = set(" ".join(settings.get("RestrictAddressFamilies", [])).split())
    # ProtectSystem=strict leaves the API file systems as they are: a thread naming itself
    # (pthread_setname_np: /proc/self/task/N/comm, as RocksDB's threads do) still works;
    # ProtectKernelTunables= guards /proc/sys and the like, which gaplog never writes.
    writable = ["/tmp/", "/dev/", "/proc/self/task/", "/proc/thread-self/"]
    writable += ["/var/lib/" + d + "/" for v in settings.get("StateDirectory", []) for d in v.split()]
    writable += [p.lstrip("-").rstrip("/") + "/" for v in settings.get("ReadWritePaths", []) for p in v.split()]

    used, bad_families, bad_writes = {}, set(), set()
    started = False
    with open(trace, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = CALL.match(line)
            if not m:
                continue
            name = m.group(1)
            if not started:
                # The calls before the binary runs are strace's and runuser's, not gaplog's.
                started = name == "execve" and "= 0" in line
                continue
            used[name] = used.get(name, 0) + 1
            s = SOCKET.match(line)
            if s and families and s.group(1) not in families:
                bad_families.add(s.group(1))
            for path in written_paths(line, name):
                if not path.startswith("/"):
                    path = "/" + path  # systemd runs the service in / (WorkingDirectory)
                if not any((path + "/").startswith(w) for w in writable) and path != "/dev/null":
                    bad_writes.add(f"{name} {path}")
    if not started:
        sys.exit(f"check_trace: no successful execve in {trace}")

    forbidden = sorted(set(used) - allowed)
    print(f"check_trace: {len(used)} distinct system calls ({sum(used.values())} in all), "
          f"allowed: {len(allowed)}; writable: {' '.join(writable)}; families: {' '.join(sorted(families))}")
    ok = True
    if forbidden:
        ok = False
        print("check_trace: not allowed by the unit's SystemCallFilter (EPERM under systemd): "
              + ", ".join(f"{n} ({used[n]}x)" for n in forbidden))
    if bad_families:
        ok = False
        print("check_trace: socket families outside RestrictAddressFamilies: " + ", ".join(sorted(bad_families)))
    if bad_writes:
        ok = False
        print("check_trace: writes outside the writable paths of ProtectSystem=strict:")
        for w in sorted(bad_writes):
            print("  " + w)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
