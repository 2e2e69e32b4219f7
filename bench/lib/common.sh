# Shared helpers of bench/run, sourced: logging, timing, memory, result rows.
# Expects from bench/run: LIB, PY, LOG, MEAS, ROWS, RUNS, WARMUP, HYPERFINE, RT.

say() { printf '[bench] %s\n' "$*" >&2; printf '[bench %(%T)T] %s\n' -1 "$*" >>"$LOG"; }
die() { say "error: $*"; exit 1; }

# The measurement file of TOOL in CASE for the current runtime.
m() { printf '%s/%s.%s.json' "$MEAS" "$RT" "$1"; }

meas_na() { "$PY" "$LIB/measure.py" na "$1" "$2"; }

# The median of a measurement, or nothing when it has none.
median_of() {
  "$PY" -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m.get("median",""))' "$1"
}

# row CASE DMC_MEASUREMENT BASELINE_NAME BASELINE_MEASUREMENT [TARGET] [NOTE]
# TARGET: "ratio<=X" (dmc / baseline at most X), "ratio<X" (below X) or
# "dmc<X" (dmc's median).
row() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$RT" "$2" "$3" "$4" "${5:-}" "${6:-}" >>"$ROWS"
}

# time_cmd OUT COMMAND [PREPARE] [RUNS]: times COMMAND (a sh command line)
# RUNS times, PREPARE before each run and each warm-up, into measurement OUT
# in ms. hyperfine when present, otherwise a loop of our own.
time_cmd() {
  local out=$1 cmd=$2 prepare=${3:-} runs=${4:-$RUNS}
  say "timing ($runs runs): $cmd"
  if [ -n "$HYPERFINE" ]; then
    local args=(--runs "$runs" --warmup "$WARMUP" --style basic --export-json "$out.hyperfine")
    [ -n "$prepare" ] && args+=(--prepare "$prepare")
    "$HYPERFINE" "${args[@]}" "$cmd" </dev/null >>"$LOG" 2>&1 || return 1
    "$PY" "$LIB/measure.py" hyperfine "$out.hyperfine" "$out"
  else
    local i t0 t1
    : >"$out.samples"
    for ((i = 0; i < runs + WARMUP; i++)); do
      if [ -n "$prepare" ]; then sh -c "$prepare" </dev/null >>"$LOG" 2>&1 || return 1; fi
      t0=$(date +%s%N)
      sh -c "$cmd" </dev/null >/dev/null 2>>"$LOG" || return 1
      t1=$(date +%s%N)
      ((i < WARMUP)) || echo "$((t1 - t0))" >>"$out.samples"
    done
    "$PY" "$LIB/measure.py" samples "$out.samples" "$out" ms 1e-6 "date +%s%N loop"
  fi
}

# Nanoseconds since the epoch, for the cases hyperfine cannot express.
now_ns() { date +%s%N; }

# samples_to OUT UNIT SCALE FILE: a measurement from a file of numbers.
samples_to() { "$PY" "$LIB/measure.py" samples "$4" "$1" "$2" "$3" "${5:-date +%s%N}"; }

# smaps PID...: "RSS PSS", each summed over the pids, in KiB, from
# /proc/PID/smaps_rollup.
smaps() {
  local pid rss=0 pss=0 r p
  for pid in "$@"; do
    read -r r p < <(awk '$1 == "Rss:" { r = $2 } $1 == "Pss:" { p = $2 } END { print r, p }' \
      "/proc/$pid/smaps_rollup" 2>/dev/null)
    [ -n "$p" ] || { say "no smaps_rollup for pid $pid"; return 1; }
    rss=$((rss + r)) pss=$((pss + p))
  done
  echo "$rss $pss"
}

# wait_for_file FILE [SECONDS]: until FILE exists and is not empty.
wait_for_file() {
  local deadline=$((SECONDS + ${2:-10}))
  until [ -s "$1" ]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.01
  done
}

# Remembers a background process of ours, so that cleanup can end it by pid.
track_pid() { echo "$1" >>"$W/pids"; }
