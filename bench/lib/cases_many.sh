# bench/run's case of many containers: create N, run one process in each,
# destroy them all, P at a time, timed as a whole. Sourced.

# many_phase P COMMAND_WITH_{}: COMMAND for every container index, P at a
# time, each through `sh -c` on both sides so that the two pay the same.
many_phase() {
  seq 1 "$MANY" | xargs -P "$1" -I{} sh -c "$2" >/dev/null 2>>"$LOG"
}

many_dmc() {
  local p=$1 h
  h=$(handle many)
  many_phase "$p" "$DMC create --rootfs $ROOTFS --handle $h-{}" &&
    many_phase "$p" "$DMC run $h-{} -- /bin/true" &&
    many_phase "$p" "$DMC destroy $h-{}"
}

many_raw() {
  local p=$1
  many_phase "$p" "$(raw_create_cmd many-{})" &&
    many_phase "$p" "$(raw_exec_cmd many-{} /bin/true)" &&
    many_phase "$p" "$(raw_destroy_cmd many-{})"
}

# many_reps TOOL P OUT: REPS timed rounds of TOOL into measurement OUT (s).
many_reps() {
  local tool=$1 p=$2 out=$3 rep i t0 t1
  : >"$out.samples"
  for ((rep = 0; rep < MANY_REPS; rep++)); do
    if [ "$tool" = raw ]; then
      for ((i = 1; i <= MANY; i++)); do sh "$(raw_dir "many-$i")/reset.sh" || return 1; done
    fi
    say "$MANY containers, $p at a time, $tool, round $((rep + 1))"
    t0=$(now_ns)
    "many_$tool" "$p" || return 1
    t1=$(now_ns)
    echo "$((t1 - t0))" >>"$out.samples"
  done
  samples_to "$out" s 1e-9 "$out.samples"
}

case_many() {
  local p i
  for ((i = 1; i <= MANY; i++)); do raw_bundle "many-$i" /bin/sleep 2147483647 || return 1; done
  for p in 1 2; do
    many_reps dmc "$p" "$(m "many$p.dmc")" || return 1
    many_reps raw "$p" "$(m "many$p.raw")" || return 1
    row "$MANY containers: create all, run one process each, destroy all, $p at a time" \
      "$(m "many$p.dmc")" "$RT create+start, exec, kill+delete+umount" "$(m "many$p.raw")"
  done
  for ((i = 1; i <= MANY; i++)); do raw_remove "many-$i"; done
}
