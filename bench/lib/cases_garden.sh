# bench/run's cases of dmcd, the Garden API server, sourced. Each case starts
# its own dmcd on this run's socket, depot and runtime state root (the ones
# `dmc` uses too), drives it with dmc-bench-client (the benchmark's own
# Garden client, bench/garden_client.hpp) and stops it by pid; cleanup.sh
# stops a dmcd that a failed case left. The baselines are measured in the
# same run: a case whose measurements the dmcd rows compare with is taken
# here when the run did not include it (`--only api`).

# Where the pids of this run's dmcd processes are kept, for cleanup.sh.
dmcd_pids_file() { printf '%s/dmcd.pids' "$W"; }

# Why dmcd cannot be measured here, or nothing.
dmcd_na() {
  [ -x "$BIN/dmcd" ] || { echo "dmcd is not built in $BIN"; return 0; }
  [ -x "$BIN/dmc-bench-client" ] || echo "dmc-bench-client is not built in $BIN"
}

# dmcd_start: dmcd serving this runtime's depot on a socket of this run;
# sets DMCD_PID and CLIENT (the driver's command line).
dmcd_start() {
  local sock="$STATE/dmcd-$RT.sock"
  rm -f "$sock"
  "$BIN/dmcd" --socket "$sock" --depot "$W/$RT/depot" --state-root "$STATE/dmc-$RT" \
    --runtime "$RT" --default-rootfs "$ROOTFS" --log-level error </dev/null >>"$LOG" 2>&1 &
  DMCD_PID=$!
  echo "$DMCD_PID" >>"$(dmcd_pids_file)"
  CLIENT="$BIN/dmc-bench-client --socket $sock"
  say "dmcd started on $RT (pid $DMCD_PID)"
  $CLIENT ping 10 2>>"$LOG" || { say "dmcd did not answer GET /ping within 10 s"; return 1; }
}

# dmcd_stop: SIGTERM, up to 5 s to exit (a failure of the case if it does
# not: SIGKILL then), reaped.
dmcd_stop() {
  local i pid=${DMCD_PID:-}
  [ -n "$pid" ] || return 0
  DMCD_PID=""
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 500; i++)); do ours "$pid" || break; sleep 0.01; done
  if ours "$pid"; then
    say "dmcd (pid $pid) did not exit within 5 s of SIGTERM; killed"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 1
  fi
  wait "$pid" 2>/dev/null || say "dmcd (pid $pid) exited with status $? on SIGTERM"
}

# api_na CASE ROW_NAME: when dmcd cannot be measured, one row that says why.
api_na() {
  local why
  why=$(dmcd_na)
  [ -n "$why" ] || return 1
  say "$1: $why"
  meas_na "$(m "$1.na")" "$why"
  row "$2" "$(m "$1.na")" "-" "$(m "$1.na")"
}

# columns IN OUT_PREFIX NAME...: column k of the driver's lines (ns) into
# the measurement OUT_PREFIX.NAME_k (ms).
columns() {
  local in=$1 out=$2 k=1 name
  shift 2
  for name in "$@"; do
    awk -v k="$k" '{ print $k }' "$in" >"$in.$name"
    samples_to "$(m "$out.$name")" ms 1e-6 "$in.$name" "dmc-bench-client, CLOCK_MONOTONIC in-process"
    k=$((k + 1))
  done
}

# The baselines' measurements, taken unless this run already has them.
api_baselines() {
  [ -f "$(m create.dmc)" ] || measure_create
  [ -f "$(m destroy.dmc)" ] || measure_destroy
  [ -f "$(m run.dmc)" ] || measure_run
  [ -f "$(m life.dmc)" ] || measure_life
}

case_api() {
  local lives="$MEAS/$RT.api.lives"
  api_na api "Garden API calls through dmcd" && return 0
  dmcd_start
  say "dmcd: $((WARMUP + RUNS)) lives (create, run /bin/true attached, destroy), one at a time"
  $CLIENT life $((WARMUP + RUNS)) "$(handle api)" 2>>"$LOG" | tail -n "$RUNS" >"$lives"
  [ "$(wc -l <"$lives")" = "$RUNS" ] || { say "dmc-bench-client life failed; see $LOG"; return 1; }
  dmcd_stop
  columns "$lives" api create run destroy life
  api_baselines
  local c="Create through dmcd" d="Destroy through dmcd"
  local r="Run /bin/true through dmcd, attached, exit status back" l="whole life through dmcd: Create, Run true, Destroy"
  row "$c" "$(m api.create)" "dmc create" "$(m create.dmc)" "ratio<1.00"
  row "$c" "$(m api.create)" "$RT create + start" "$(m create.raw)"
  row "$d" "$(m api.destroy)" "dmc destroy" "$(m destroy.dmc)" "ratio<1.00"
  row "$d" "$(m api.destroy)" "$RT kill + delete + umount" "$(m destroy.raw)"
  row "$r" "$(m api.run)" "dmc run" "$(m run.dmc)" "ratio<1.00"
  row "$r" "$(m api.run)" "$RT exec" "$(m run.raw)" "ratio<=1.10"
  row "$r" "$(m api.run)" "podman exec" "$(m run.podman)"
  row "$l" "$(m api.life)" "dmc create, run, destroy" "$(m life.dmc)" "ratio<1.00"
  row "$l" "$(m api.life)" "$RT create + start + exec + kill + delete" "$(m life.steps)"
  row "$l" "$(m api.life)" "podman run --rm --rootfs" "$(m life.podman)" "ratio<=0.20" \
    "dmcd: times taken inside dmc-bench-client around each call; dmc, $RT, podman: hyperfine of the commands"
}

# tp_samples OUT FILE: "containers elapsed_ns" lines into ms per container.
tp_samples() {
  awk '{ printf "%.0f\n", $2 / $1 }' "$2" >"$2.per"
  samples_to "$1" ms 1e-6 "$2.per"
}

# tp_dmc P: P shell loops of `dmc create; dmc run true; dmc destroy`, each
# TP_LIVES lives, at once; prints "containers elapsed_ns".
tp_dmc() {
  local p=$1 h t0 t1
  h=$(handle "tpdmc$p")
  t0=$(now_ns)
  seq 1 "$p" | xargs -P "$p" -I{} sh -c "for i in \$(seq 1 $TP_LIVES); do
      $DMC create --rootfs $ROOTFS --handle $h-{}-\$i >/dev/null &&
      $DMC run $h-{}-\$i -- /bin/true && $DMC destroy $h-{}-\$i >/dev/null || exit 1; done" \
    >/dev/null 2>>"$LOG" || return 1
  t1=$(now_ns)
  echo "$((p * TP_LIVES)) $((t1 - t0))"
}

case_api_throughput() {
  local p rep api dmc
  api_na api_throughput "throughput through dmcd" && return 0
  dmcd_start
  for p in 1 4 16; do
    api="$MEAS/$RT.tp$p.api" dmc="$MEAS/$RT.tp$p.dmc"
    : >"$api"; : >"$dmc"
    for ((rep = 0; rep < MANY_REPS; rep++)); do
      say "throughput: $p clients, $TP_LIVES lives each, dmcd and dmc, round $((rep + 1))"
      $CLIENT throughput "$p" "$TP_LIVES" "$(handle "tp$p-$rep")" >>"$api" 2>>"$LOG"
      tp_dmc "$p" >>"$dmc"
    done
    tp_samples "$(m "tp$p.api")" "$api"
    tp_samples "$(m "tp$p.dmc")" "$dmc"
    local who="$p clients at once" loops="$p shell loops at once"
    [ "$p" != 1 ] || who="1 client" loops="1 shell loop"
    row "throughput, $who: ms per container created, run (true), destroyed" \
      "$(m "tp$p.api")" "dmc, $loops" "$(m "tp$p.dmc")" "" \
      "containers/s: dmcd $(per_second "$(m "tp$p.api")"), dmc $(per_second "$(m "tp$p.dmc")")"
  done
  dmcd_stop
}

# Containers per second of a measurement in ms per container.
per_second() { "$PY" -c 'import sys; print(f"{1000 / float(sys.argv[1]):.1f}")' "$(median_of "$1")"; }

case_api_output() {
  local h samples="$MEAS/$RT.apiout.samples"
  api_na api_output "output through a dmcd stream connection" && return 0
  [ -f "$(m output.raw)" ] || measure_output || return 1
  h=$(handle apiout)
  dmcd_start
  $CLIENT create "$h" >/dev/null 2>>"$LOG"
  say "output: $OUTPUT_MIB MiB through dmcd's stdout stream, $OUTPUT_REPS runs"
  $CLIENT output "$h" $((OUTPUT_MIB * 1048576)) "$OUTPUT_REPS" sh -c "$(output_dd)" \
    >"$samples" 2>>"$LOG"
  $CLIENT destroy "$h" >/dev/null 2>>"$LOG"
  dmcd_stop
  samples_to "$(m apiout.api)" s 1e-9 "$samples" "dmc-bench-client, CLOCK_MONOTONIC in-process"
  local name="output: $OUTPUT_MIB MiB of stdout through a dmcd stream connection"
  row "$name" "$(m apiout.api)" "$RT exec into a pipe" "$(m output.raw)" "" \
    "MiB/s: dmcd $(throughput "$(m apiout.api)"), $RT exec $(throughput "$(m output.raw)"); dmcd: Run to exit status and both streams' EOF"
  row "$name" "$(m apiout.api)" "dmc run (attached)" "$(m output.dmc)"
}

# VmRSS of a pid in KiB.
vm_rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }

# rss_samples OUT: MEM_SAMPLES readings of dmcd's VmRSS, SETTLE apart.
rss_samples() {
  local i
  : >"$1"
  for ((i = 0; i < MEM_SAMPLES; i++)); do
    sleep "$SETTLE"
    vm_rss "$DMCD_PID" >>"$1"
  done
}

case_api_memory() {
  local h i idle="$MEAS/$RT.apimem.idle" with="$MEAS/$RT.apimem.with"
  api_na api_memory "dmcd's own memory" && return 0
  h=$(handle apimem)
  dmcd_start
  rss_samples "$idle"
  say "dmcd: $MEM_CONTAINERS containers, each running sleep 1000 (streams not attached)"
  for ((i = 1; i <= MEM_CONTAINERS; i++)); do
    $CLIENT create "$h-$i" >/dev/null 2>>"$LOG"
    $CLIENT start "$h-$i" /bin/sleep 1000 >/dev/null 2>>"$LOG"
  done
  rss_samples "$with"
  for ((i = 1; i <= MEM_CONTAINERS; i++)); do $CLIENT destroy "$h-$i" >/dev/null 2>>"$LOG"; done
  dmcd_stop
  local base
  base=$(sort -n "$idle" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  awk -v b="$base" -v n="$MEM_CONTAINERS" '{ print ($1 - b) / n }' "$with" >"$with.per"
  samples_to "$(m apimem.idle)" KiB 1 "$idle" "/proc/PID/status VmRSS"
  samples_to "$(m apimem.with)" KiB 1 "$with" "/proc/PID/status VmRSS"
  samples_to "$(m apimem.per)" KiB 1 "$with.per" "/proc/PID/status VmRSS"
  meas_na "$(m apimem.none)" "no baseline: the issue's target is absolute"
  local note="freshly started dmcd after one ping; then $MEM_CONTAINERS containers each with one"
  note+=" process (sleep 1000) started by Run, whose connection closed after the first message,"
  note+=" streams never attached; per container = (VmRSS with - median VmRSS idle) / $MEM_CONTAINERS"
  row "dmcd's own memory idle (VmRSS)" "$(m apimem.idle)" "-" "$(m apimem.none)" "dmc<5120" "$note"
  row "dmcd's own memory with $MEM_CONTAINERS containers, one process each (VmRSS)" \
    "$(m apimem.with)" "-" "$(m apimem.none)"
  row "dmcd's own memory per container with one process (VmRSS increase)" "$(m apimem.per)" "-" \
    "$(m apimem.none)" "dmc<50"
}
