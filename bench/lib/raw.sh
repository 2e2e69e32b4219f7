# The raw-runtime baselines, sourced by bench/run: bundles made from dmc's own
# config.json on an overlay of the same rootfs, and the runtime command lines
# that the cases time. Expects RT, RT_BIN, STATE, W, ROOTFS, RUN_ID, LOG, PY, LIB.

# crun 1.8 refuses `create` and `run` on a hybrid cgroup host whose v2 mount
# lists controllers. dmc works around it in-process (a private mount namespace
# in which that file is covered by an empty one); the fair baseline does the
# same with unshare(1). Prints the prefix, or nothing when it is not needed.
hybrid_prefix() {
  local unified=/sys/fs/cgroup/unified
  [ "$RT" = crun ] || return 0
  [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || return 0
  [ "$(stat -f -c %T "$unified" 2>/dev/null)" = cgroup2fs ] || return 0
  grep -q '[a-z]' "$unified/cgroup.controllers" 2>/dev/null || return 0
  printf '%s' "unshare -m sh -c 'mount --bind /dev/null $unified/cgroup.controllers && exec \"\$0\" \"\$@\"'"
}

# raw_setup: the runtime command and the bundle template, once per runtime.
raw_setup() {
  RAW="$RT_BIN --root $STATE/raw-$RT"
  HIDE=$(hybrid_prefix)
  TEMPLATE="$W/$RT/template.json"
  local h="b$RUN_ID-template"
  $DMC create --rootfs "$ROOTFS" --handle "$h" >/dev/null || return 1
  cp "$W/$RT/depot/$h/config.json" "$TEMPLATE"
  $DMC destroy "$h" >/dev/null || return 1
}

raw_dir() { printf '%s/%s/raw/%s' "$W" "$RT" "$1"; }
raw_id() { printf 'b%s-%s' "$RUN_ID" "$1"; }

# raw_bundle NAME ARG...: a bundle whose init is ARG..., its rootfs mounted.
raw_bundle() {
  local name=$1 b
  shift
  b=$(raw_dir "$name")
  mkdir -p "$b/rootfs" "$b/upper" "$b/work"
  "$PY" "$LIB/measure.py" bundle "$TEMPLATE" "$b/config.json" "$b/rootfs" \
    "/dmc-bench/$RUN_ID/$RT-$name" "$name" "$@" || return 1
  raw_mount_cmd "$name" >"$b/mount.sh"
  raw_destroy_quietly_cmd "$name" >"$b/teardown.sh"
  echo "sh $b/teardown.sh; rm -rf $b/upper $b/work && mkdir $b/upper $b/work && sh $b/mount.sh" >"$b/reset.sh"
  sh "$b/mount.sh"
}

raw_mount_cmd() {
  local b
  b=$(raw_dir "$1")
  echo "mount -t overlay overlay -o lowerdir=$ROOTFS,upperdir=$b/upper,workdir=$b/work $b/rootfs"
}

# `runtime create` + `runtime start`: the container running its init.
raw_create_cmd() {
  local b id
  b=$(raw_dir "$1") id=$(raw_id "$1")
  echo "$HIDE $RAW create --bundle $b --pid-file $b/init.pid $id </dev/null >/dev/null 2>>$LOG && $RAW start $id"
}

# `runtime kill` + `runtime delete` + unmount, without `delete --force`,
# which sleeps 100 ms in runc: kill, wait for the init to die, delete.
raw_destroy_cmd() {
  local b id
  b=$(raw_dir "$1") id=$(raw_id "$1")
  # runc writes the pid file without a newline: read fails, p is still set.
  printf '%s' "read p < $b/init.pid; [ -n \"\$p\" ] && $RAW kill $id KILL && "
  printf '%s' "{ while read -r _ _ s _ < /proc/\$p/stat && [ \"\$s\" != Z ]; do :; done; } 2>/dev/null; "
  printf '%s\n' "$RAW delete $id && umount $b/rootfs"
}

# The same, for a container that may or may not exist, errors ignored.
raw_destroy_quietly_cmd() {
  local b id
  b=$(raw_dir "$1") id=$(raw_id "$1")
  echo "if $RAW state $id >/dev/null 2>&1; then $(raw_destroy_cmd "$1"); fi >/dev/null 2>&1"
  echo "if mountpoint -q $b/rootfs; then umount $b/rootfs; fi"
}

raw_exec_cmd() { echo "$RAW exec $(raw_id "$1") ${*:2}"; }

# `runtime run` of the bundle, in the foreground: the container is deleted
# when its process exits.
raw_run_cmd() {
  local b id
  b=$(raw_dir "$1") id=$(raw_id "$1")
  echo "$HIDE $RAW run --bundle $b $id </dev/null >/dev/null 2>>$LOG"
}

# raw_start NAME ARG...: a bundle and its container running, untimed.
raw_start() {
  raw_bundle "$@" && sh -c "$(raw_create_cmd "$1")"
}

# raw_remove NAME: the container gone and its rootfs unmounted.
raw_remove() { sh "$(raw_dir "$1")/teardown.sh" >/dev/null 2>&1 || true; }
