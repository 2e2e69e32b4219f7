# bench/run's data cases, sourced: tar streams into and out of a container,
# and output throughput to an attached client.

# The test tree and its tar, made once for every runtime.
stream_data() {
  TAR="$W/data/tree.tar"
  [ -f "$TAR" ] && return 0
  say "making a ${STREAM_MIB} MiB tree: $STREAM_FILES small files and one big file"
  mkdir -p "$W/data/tree"
  "$PY" "$LIB/measure.py" tree "$W/data/tree" "$STREAM_FILES" "$STREAM_MIB" &&
    tar -C "$W/data/tree" -cf "$TAR" . &&
    rm -rf "$W/data/tree"
}

# Why dmc cannot stream, or nothing when it can.
stream_na() {
  "$BIN/dmc" "$1" --help >/dev/null 2>&1 || echo "dmc $1 not available"
}

case_stream() {
  local h root in_na out_na
  stream_data || return 1
  h=$(handle stream)
  dmc_create stream
  root=$($DMC info "$h" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["rootfs_path"])')
  # Each run writes into a new empty dir; the last run's is renamed away, not
  # removed: on this ext4 creating files right after deleting many is slow and
  # noisy. They all go with the container.
  local fresh_dmc="[ ! -d $root/in-dmc ] || mv $root/in-dmc $root/old-dmc-\$(date +%s%N); mkdir $root/in-dmc"
  local fresh_tar="[ ! -d $root/in-tar ] || mv $root/in-tar $root/old-tar-\$(date +%s%N); mkdir $root/in-tar"
  in_na=$(stream_na stream-in) out_na=$(stream_na stream-out)
  if [ -n "$in_na" ]; then meas_na "$(m streamin.dmc)" "$in_na"
  else time_cmd "$(m streamin.dmc)" "$DMC stream-in $h --dest /in-dmc < $TAR" "$fresh_dmc" "$RUNS_STREAM"; fi
  time_cmd "$(m streamin.tar)" "tar -x -C $root/in-tar -f $TAR" "$fresh_tar" "$RUNS_STREAM"
  # Both sides write into a pipe: GNU tar skips reading files when its
  # archive is /dev/null.
  if [ -n "$out_na" ]; then meas_na "$(m streamout.dmc)" "$out_na"
  else time_cmd "$(m streamout.dmc)" "$DMC stream-out $h --src /in-tar | cat >/dev/null" "" "$RUNS_STREAM"; fi
  time_cmd "$(m streamout.tar)" "tar -c -C $root/in-tar -f - . | cat >/dev/null" "" "$RUNS_STREAM"
  dmc_destroy stream
  row "stream-in ${STREAM_MIB} MiB tar ($STREAM_FILES small files + one big)" "$(m streamin.dmc)" \
    "GNU tar -x on the host" "$(m streamin.tar)" "ratio<=1.00"
  row "stream-out of the same tree" "$(m streamout.dmc)" "GNU tar -c on the host" \
    "$(m streamout.tar)" "ratio<=1.00"
}

# output_reps OUT COMMAND: REPS timed runs of COMMAND, whose stdout must
# carry exactly OUTPUT_MIB MiB to `wc -c`, into measurement OUT (s).
output_reps() {
  local out=$1 cmd=$2 rep t0 t1 bytes
  : >"$out.samples"
  for ((rep = 0; rep < OUTPUT_REPS; rep++)); do
    t0=$(now_ns)
    bytes=$(sh -c "$cmd" </dev/null 2>>"$LOG" | wc -c)
    t1=$(now_ns)
    if [ "$bytes" != $((OUTPUT_MIB * 1024 * 1024)) ]; then
      say "$cmd: $bytes bytes, not $((OUTPUT_MIB * 1024 * 1024))"
      return 1
    fi
    echo "$((t1 - t0))" >>"$out.samples"
  done
  samples_to "$out" s 1e-9 "$out.samples"
}

# MiB/s of a measurement in seconds, for the row's note.
throughput() { "$PY" -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.0f}")' "$OUTPUT_MIB" "$(median_of "$1")"; }

# The command whose stdout the output cases carry: OUTPUT_MIB MiB of zeros.
output_dd() { echo "dd if=/dev/zero bs=1048576 count=$OUTPUT_MIB 2>/dev/null"; }

measure_output() {
  local dd
  dd=$(output_dd)
  dmc_create output
  raw_start output /bin/sleep 2147483647
  say "output: $OUTPUT_MIB MiB through stdout"
  output_reps "$(m output.dmc)" "$DMC run $(handle output) -- sh -c '$dd'" || return 1
  output_reps "$(m output.raw)" "$(raw_exec_cmd output sh -c "'$dd'")" || return 1
  dmc_destroy output; raw_remove output
}

case_output() {
  measure_output || return 1
  row "output: $OUTPUT_MIB MiB through stdout to an attached client" "$(m output.dmc)" \
    "$RT exec into a pipe" "$(m output.raw)" "" \
    "MiB/s: dmc $(throughput "$(m output.dmc)"), $RT exec $(throughput "$(m output.raw)")"
}
