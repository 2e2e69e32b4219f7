"""What an end-to-end test can see on the machine, and how it cleans up its own.

Everything here looks only at what a test made: mounts under its temp dir,
cgroups named /dmc/<handle> for its own (random) handles, processes in those
cgroups or running from its depot.
"""

import os
import signal
import subprocess
import time

CGROUP_ROOT = "/sys/fs/cgroup"


def eventually(predicate, timeout=10.0, interval=0.02):
    """Polls until predicate() is truthy; returns its last value (bounded, not timed)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def mount_points():
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if len(fields) > 4:
                points.append(fields[4].replace("\\040", " "))
    return points


def mounts_under(prefix):
    prefix = prefix.rstrip("/")
    return [m for m in mount_points() if m == prefix or m.startswith(prefix + "/")]


def cgroup_hierarchies():
    """Every mounted hierarchy under /sys/fs/cgroup, once each (v1 and unified)."""
    seen, out = set(), []
    for name in sorted(os.listdir(CGROUP_ROOT)):
        path = os.path.join(CGROUP_ROOT, name)
        real = os.path.realpath(path)
        if os.path.isdir(path) and real not in seen:
            seen.add(real)
            out.append(path)
    return out


def cgroup_dirs(handle):
    """The container's cgroup directories that exist, /dmc/<handle> in each hierarchy."""
    return [d for d in (os.path.join(h, "dmc", handle) for h in cgroup_hierarchies())
            if os.path.isdir(d)]


def cgroup_file(controller, handle, name):
    try:
        with open(os.path.join(CGROUP_ROOT, controller, "dmc", handle, name)) as f:
            return f.read()
    except OSError:
        return ""


def _read(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except OSError:
        return None


def pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def pids_in_cgroup(handle):
    """Processes whose cgroup, in any hierarchy, is /dmc/<handle> or below."""
    path = f"/dmc/{handle}"
    out = []
    for pid in pids():
        text = _read(f"/proc/{pid}/cgroup") or ""
        for line in text.splitlines():
            cgroup = line.split(":", 2)[-1]
            if cgroup == path or cgroup.startswith(path + "/"):
                out.append(pid)
                break
    return out


def pids_mentioning(text):
    """Processes whose command line holds text (e.g. a shim's --dir in the depot)."""
    needle = text.encode()
    return [pid for pid in pids() if needle in (_read(f"/proc/{pid}/cmdline", "rb") or b"")]


def process_alive(pid):
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return False
    state = stat[stat.rfind(")") + 2:][:1]
    return state not in ("Z", "X", "")


def depot_entries(depot, handle):
    """The container's directory, and any temporary of its create or destroy."""
    try:
        names = os.listdir(depot)
    except FileNotFoundError:
        return []
    return [n for n in names if n == handle or n.startswith(f".tmp-{handle}-")
            or (handle in n and n.startswith("."))]


def leftovers(env, handle):
    """Everything of a container still on the machine; [] once it is truly gone."""
    found = []
    found += [f"mount {m}" for m in mounts_under(env.depot) if f"/{handle}/" in m + "/"
              or f"-{handle}-" in m]
    found += [f"depot entry {env.depot}/{n}" for n in depot_entries(env.depot, handle)]
    found += [f"cgroup {d}" for d in cgroup_dirs(handle)]
    state_dir = os.path.join(env.state_root, handle)
    if os.path.exists(state_dir):
        found.append(f"runtime state {state_dir}")
    procs = set(pids_in_cgroup(handle)) | set(pids_mentioning(f"{env.depot}/{handle}/"))
    found += [f"process {pid} ({(_read(f'/proc/{pid}/comm') or '').strip()})"
              for pid in sorted(procs) if process_alive(pid)]
    return found


def run(argv, input=None, timeout=120):
    """Runs a command, capturing bytes; never raises on a non-zero exit."""
    return subprocess.run(argv, input=input, capture_output=True, timeout=timeout)


def kill_pid(pid, sig=signal.SIGKILL):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def force_clean(env, handle):
    """Removes by hand what a destroy left of one of our containers; says what it did."""
    left = leftovers(env, handle)
    if not left:
        return []
    for pid in set(pids_in_cgroup(handle)) | set(pids_mentioning(f"{env.depot}/{handle}/")):
        kill_pid(pid)
    run([env.runtime, "--root", env.state_root, "delete", "--force", handle], timeout=30)
    for d in cgroup_dirs(handle):
        for sub, _, _ in sorted(os.walk(d), key=lambda w: -len(w[0])):
            eventually(lambda s=sub: _rmdir(s), timeout=2)
    return left


def _rmdir(path):
    try:
        os.rmdir(path)
        return True
    except FileNotFoundError:
        return True
    except OSError:
        return False


def unmount_all_under(prefix):
    """Lazily unmounts every mount below prefix, deepest first; returns them."""
    found = mounts_under(prefix)
    for m in sorted(found, key=len, reverse=True):
        run(["umount", "-l", m], timeout=30)
    return found
