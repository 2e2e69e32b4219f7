# Cleanup of everything one run of bench/run made, by name and pid only,
# sourced. Safe to run at any point, any number of times: after each case and
# from the EXIT/INT/TERM trap. Touches only
#   - containers in this run's own dmc depots and runtime state roots,
#   - podman containers named bench-<run>-* in this run's own podman storage,
#   - processes whose pids this run recorded or that sit in its own cgroups,
#     and the dmcd servers it started (stopped before their containers go),
#   - mounts under its work dir W, cgroups /dmc-bench/<run> and the /dmc/b<run>-*
#     cgroups of its own dmc handles, and its dirs W and STATE.

# dmcd servers this run started (cases_garden.sh), each while its command
# line still names this run's dirs: SIGTERM, up to 2 s to exit, then SIGKILL.
cleanup_dmcd() {
  local file="$W/dmcd.pids" pid i
  [ -f "$file" ] || return 0
  while read -r pid; do
    ours "$pid" || continue
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 200; i++)); do ours "$pid" || break; sleep 0.01; done
    ours "$pid" && kill -KILL "$pid" 2>/dev/null
  done <"$file"
  : >"$file"
}

# Whether pid is a live process whose command line names this run's dirs
# (a recorded pid may have been reused since).
ours() {
  { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | grep -qe "$W" -e "$STATE"
}

cleanup_dmc() {
  local rt=$1 dmc h
  [ -d "$W/$rt/depot" ] && [ -x "$BIN/dmc" ] || return 0
  dmc="$BIN/dmc --depot $W/$rt/depot --state-root $STATE/dmc-$rt --runtime $rt"
  for h in $($dmc list 2>/dev/null); do
    case "$h" in b"$RUN_ID"-*) $dmc destroy "$h" >/dev/null 2>&1 || say "cleanup: dmc destroy $h failed" ;; esac
  done
}

cleanup_raw() {
  local rt=$1 root="$STATE/raw-$1" id
  [ -d "$root" ] || return 0
  for id in $("$rt" --root "$root" list -q 2>/dev/null); do
    case "$id" in b"$RUN_ID"-*)
      "$rt" --root "$root" kill "$id" KILL >/dev/null 2>&1
      "$rt" --root "$root" delete -f "$id" >/dev/null 2>&1 || say "cleanup: $rt delete $id failed" ;;
    esac
  done
}

cleanup_podman() {
  local podman name
  [ -d "$W/podman/root" ] && command -v podman >/dev/null || return 0
  podman="podman --root $W/podman/root --runroot $STATE/podman/run --tmpdir $STATE/podman/tmp"
  podman+=" --cgroup-manager cgroupfs --events-backend file"
  for name in $($podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^bench-$RUN_ID-"); do
    $podman rm -f -t 0 "$name" >/dev/null 2>&1 || say "cleanup: podman rm $name failed"
  done
}

# This run's cgroup dirs in every hierarchy, deepest first.
our_cgroups() {
  local top
  for top in /sys/fs/cgroup/*/dmc-bench/"$RUN_ID" /sys/fs/cgroup/dmc-bench/"$RUN_ID" \
    /sys/fs/cgroup/*/dmc/b"$RUN_ID"-* /sys/fs/cgroup/dmc/b"$RUN_ID"-*; do
    [ -d "$top" ] && find "$top" -depth -type d
  done
  return 0
}

cleanup_processes() {
  local pid dir
  # A recorded pid is ended only while its command line still names this
  # run's dirs: a pid may have been reused since.
  if [ -f "$W/pids" ]; then
    while read -r pid; do
      { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qe "$W" -e "$STATE" &&
        kill -KILL "$pid" 2>/dev/null
    done <"$W/pids"
    : >"$W/pids"
  fi
  for dir in $(our_cgroups); do
    while read -r pid; do kill -KILL "$pid" 2>/dev/null; done <"$dir/cgroup.procs"
  done
  return 0
}

cleanup_mounts() {
  local dir mnt
  for dir in "$W" "$STATE"; do
    [ -n "$dir" ] || continue
    awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
      while read -r mnt; do umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null; done
  done
}

cleanup_cgroups() {
  local dir top
  sleep 0.1
  for dir in $(our_cgroups); do rmdir "$dir" 2>/dev/null || say "cleanup: cannot remove cgroup $dir"; done
  # The shared parent goes when no other run uses it.
  for top in /sys/fs/cgroup/*/dmc-bench /sys/fs/cgroup/dmc-bench; do
    [ -d "$top" ] && rmdir "$top" 2>/dev/null
  done
  return 0
}

# cleanup_containers: every container and process of this run, its mounts
# and cgroups; its files stay.
cleanup_containers() {
  [ -n "${RUN_ID:-}" ] && [ -n "${W:-}" ] || return 0
  cleanup_dmcd
  cleanup_dmc runc; cleanup_dmc crun
  cleanup_raw runc; cleanup_raw crun
  cleanup_podman
  cleanup_processes
  cleanup_mounts
}

# cleanup_all: the above, then this run's cgroups and dirs.
cleanup_all() {
  [ -n "${RUN_ID:-}" ] && [ -n "${W:-}" ] || return 0
  cleanup_containers
  cleanup_cgroups
  cleanup_mounts
  rm -rf --one-file-system "$W" "$STATE"
  rmdir "$(dirname "$STATE")" 2>/dev/null
  return 0
}
