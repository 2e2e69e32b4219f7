# What bench/run measured on, and the notes printed under the table. Sourced.

HIDE_NOTE="crun 1.8 refuses create/run on this hybrid cgroup host, so the raw crun create/run and podman's run with crun are run as \`unshare -m sh -c 'mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers && exec crun ...'\`, which is what dmc does in-process: the fair baseline, paying one unshare(1) and sh more"

meta_note() {
  grep -qxF -- "$1" "$W/notes.txt" 2>/dev/null || echo "$1" >>"$W/notes.txt"
}

version_of() { "$@" 2>/dev/null | head -n 1; }

write_meta() {
  local timer="own loop timed with date +%s%N (hyperfine is not installed)"
  [ -z "$HYPERFINE" ] || timer="$(version_of "$HYPERFINE" --version), through sh, whose start-up time it subtracts"
  meta_note "ratio = dmc's median / the baseline's median: lower is better on every row"
  meta_note "raw-runtime bundle: dmc's own config.json (same mounts, namespaces, masked paths, devices) with busybox sleep as init instead of dmc-init, on an overlay of the same rootfs, cgroup /dmc-bench/<run>/<name>, state root of the benchmark's own; mounting that overlay is outside the timed create, unmounting it inside the timed destroy"
  meta_note "podman: rootful, own --root/--runroot/--tmpdir, --network none, --cgroup-manager cgroupfs, the runtime of the row, --ulimit nofile=<the caller's hard limit> nproc=4096 (podman's defaults exceed this machine's hard limits), --rootfs: a copy of the same busybox rootfs"
  meta_note "memory: each sample is one container or one helper alone, after ${SETTLE}s; PSS and RSS from /proc/PID/smaps_rollup; PSS shares pages with any other process mapping the same files"
  QUICK=$QUICK TIMER=$timer OUT_META="$W/meta.json" NOTES="$W/notes.txt" \
    RUNC_V=$(version_of runc --version) CRUN_V=$(version_of crun --version) \
    PODMAN_V=$(version_of podman --version) "$PY" - <<'EOF'
import datetime, json, os, platform
env = os.environ
load = open("/proc/loadavg").read().split()[0]
try:
    loads = json.load(open(env["OUT_META"]))["load"].split(" at start")[0]
    loads = f"{loads} at start, {load} at the end"
except (OSError, ValueError, KeyError):
    loads = f"{load} at start"
try:
    notes = [line.rstrip("\n") for line in open(env["NOTES"]) if line.strip()]
except OSError:
    notes = []
meta = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "mode": "quick (a few iterations, small data)" if env["QUICK"] == "1" else "full",
    "host": platform.node(),
    "cpus": os.cpu_count(),
    "kernel": platform.release(),
    "runc": env.get("RUNC_V", ""),
    "crun": env.get("CRUN_V", ""),
    "podman": env.get("PODMAN_V", "") or "not installed",
    "timer": env["TIMER"],
    "load": loads,
    "notes": notes,
}
with open(env["OUT_META"], "w") as f:
    json.dump(meta, f, indent=2)
EOF
}
