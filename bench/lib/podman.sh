# The podman baselines, sourced by bench/run. Rootful podman with storage,
# run and tmp dirs of the benchmark's own, on the same runtime as the row,
# --network none, cgroupfs under /dmc-bench/<run>. Every container it makes
# is named bench-<run>-*. Expects RT, RT_BIN, W, STATE, RUN_ID, HIDE, LOG.

podman_setup() {
  PODMAN_NA=""
  PODMAN="podman --root $W/podman/root --runroot $STATE/podman/run --tmpdir $STATE/podman/tmp"
  PODMAN+=" --cgroup-manager cgroupfs --events-backend file --runtime $RT_BIN"
  # podman's default rlimits (nofile 1048576) exceed the hard limits of some
  # machines, where the runtime then fails: the caller's nofile, and an nproc
  # below the 32768 podman gives conmon.
  POD_RUN="--network none --cgroup-parent /dmc-bench/$RUN_ID/podman"
  POD_RUN+=" --ulimit nofile=$(ulimit -Hn):$(ulimit -Hn) --ulimit nproc=4096:4096"
  POD_ROOTFS="$W/podman-rootfs"
  if ! command -v podman >/dev/null; then
    PODMAN_NA="podman is not installed (bench/run without --skip-install installs it)"
    return 0
  fi
  [ -d "$POD_ROOTFS" ] || cp -a "$ROOTFS" "$POD_ROOTFS"
  local err
  if ! err=$(sh -c "$(podman_run_cmd smoke) /bin/true" 2>&1 </dev/null); then
    PODMAN_NA="podman cannot run a container here: $(printf '%s' "$err" | grep -v '^$' | tail -n 1)"
    say "$PODMAN_NA"
  fi
}

# The command line of `podman run --rm` of the shared rootfs, up to the command.
podman_run_cmd() {
  echo "$HIDE $PODMAN run --rm --name bench-$RUN_ID-$1 $POD_RUN --rootfs $POD_ROOTFS"
}

# podman_start NAME: a detached container whose init is busybox sleep.
podman_start() {
  sh -c "$HIDE $PODMAN run -d --name bench-$RUN_ID-$1 $POD_RUN --rootfs $POD_ROOTFS /bin/sleep 2147483647" \
    </dev/null >/dev/null 2>>"$LOG"
}

podman_exec_cmd() { echo "$PODMAN exec bench-$RUN_ID-$1 ${*:2}"; }

podman_remove() { $PODMAN rm -f -t 0 "bench-$RUN_ID-$1" >/dev/null 2>>"$LOG" || true; }

# podman_pids NAME: the container's conmon and init pids.
podman_pids() {
  $PODMAN inspect --format '{{.State.ConmonPid}} {{.State.Pid}}' "bench-$RUN_ID-$1"
}

# podman_exec_conmon NAME: the pid of the conmon of an exec session of the
# container, found by its command line (conmon ... -c <container id> ... -e).
podman_exec_conmon() {
  local cid file
  cid=$($PODMAN inspect --format '{{.Id}}' "bench-$RUN_ID-$1") || return 1
  for file in $(grep -laF -- "$cid" /proc/[0-9]*/cmdline 2>/dev/null); do
    case "$({ tr '\0' ' ' <"$file"; } 2>/dev/null)" in
      *conmon\ *-c\ "$cid"\ *-e\ *) file=${file#/proc/}; echo "${file%/cmdline}"; return 0 ;;
    esac
  done
  return 1
}

# The names of every container of this run, for cleanup.
podman_ours() {
  $PODMAN ps -a --format '{{.Names}}' 2>/dev/null | grep "^bench-$RUN_ID-" || true
}
