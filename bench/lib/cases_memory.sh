# bench/run's memory cases, sourced: the host memory an idle container needs,
# and the helper process each running process needs. Each sample is made
# alone (one container or one helper at a time), after SETTLE seconds, and
# is "RSS PSS" in KiB, from smaps.

# The host processes a dmc container needs: its init and a shim per process.
dmc_pids() {
  local h shim
  h=$(handle "$1")
  $DMC info "$h" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["init_pid"])'
  # shim.pid is "<pid> <start time>"
  local pid
  for shim in "$W/$RT/depot/$h"/processes/*/shim.pid; do
    [ -s "$shim" ] && read -r pid _ < "$shim" && [ -d "/proc/$pid" ] && echo "$pid"
  done
  return 0
}

idle_dmc() {
  local pids
  dmc_create idle && sleep "$SETTLE" && pids=$(dmc_pids idle) && smaps $pids && dmc_destroy idle
}

idle_raw() {
  local p
  sh "$(raw_dir idle)/reset.sh" && sh -c "$(raw_create_cmd idle)" && sleep "$SETTLE" &&
    p=$(cat "$(raw_dir idle)/init.pid") && smaps "$p" && raw_remove idle
}

idle_podman() {
  local pids
  podman_start idle && sleep "$SETTLE" && pids=$(podman_pids idle) && smaps $pids &&
    podman_remove idle
}

# mem_samples FUNC OUT: MEM_SAMPLES samples of FUNC into the measurements
# OUT.rss.json and OUT.pss.json; OUT.pss.json says why when there are none.
mem_samples() {
  local fn=$1 out=$2 i rss pss
  : >"$out.rss.samples"
  : >"$out.pss.samples"
  for ((i = 0; i < MEM_SAMPLES; i++)); do
    rss="" pss=""
    read -r rss pss <<<"$($fn)" || true
    [ -n "${pss:-}" ] || { say "$fn failed"; return 1; }
    say "$fn: RSS $rss KiB, PSS $pss KiB"
    echo "$rss" >>"$out.rss.samples"
    echo "$pss" >>"$out.pss.samples"
  done
  samples_to "$out.rss.json" KiB 1 "$out.rss.samples" "/proc/PID/smaps_rollup"
  samples_to "$out.pss.json" KiB 1 "$out.pss.samples" "/proc/PID/smaps_rollup"
}

# podman_samples FUNC OUT: mem_samples, or podman's reason for none.
podman_samples() {
  if [ -n "$PODMAN_NA" ]; then
    meas_na "$2.rss.json" "$PODMAN_NA"
    meas_na "$2.pss.json" "$PODMAN_NA"
  else
    mem_samples "$1" "$2"
  fi
}

mem() { printf '%s/%s.%s' "$MEAS" "$RT" "$1"; }

case_idle() {
  raw_bundle idle /bin/sleep 2147483647
  mem_samples idle_dmc "$(mem idle.dmc)"
  mem_samples idle_raw "$(mem idle.raw)"
  podman_samples idle_podman "$(mem idle.podman)"
  raw_remove idle
  local name="idle container host memory (PSS of every process it needs)"
  row "$name" "$(mem idle.dmc).pss.json" "$RT (its init)" "$(mem idle.raw).pss.json" "ratio<=1.00" \
    "dmc: its init (dmc-init); $RT and podman: busybox sleep as init; podman adds conmon"
  row "$name" "$(mem idle.dmc).pss.json" "podman (conmon + init)" "$(mem idle.podman).pss.json"
}

# helper_*: "RSS PSS" of the one helper of one running process.
helper_dmc() {
  local id="p$RANDOM$RANDOM" h dir value
  h=$(handle helper) dir="$W/$RT/depot/$(handle helper)/processes/$id"
  $DMC run "$h" --detach --id "$id" -- /bin/sleep 2147483647 >/dev/null || return 1
  local pid
  wait_for_file "$dir/shim.pid" && sleep "$SETTLE" && read -r pid _ < "$dir/shim.pid" &&
    value=$(smaps "$pid")
  $DMC signal "$h" "$id" --signal KILL >/dev/null 2>&1
  $DMC attach "$h" "$id" --no-stdin >/dev/null 2>&1
  [ -n "${value:-}" ] && echo "$value"
}

helper_raw() {
  local b exec_pid value
  b=$(raw_dir helper)
  rm -f "$b/exec.pid"
  $RAW exec --pid-file "$b/exec.pid" "$(raw_id helper)" /bin/sleep 2147483647 \
    </dev/null >/dev/null 2>>"$LOG" &
  exec_pid=$!
  track_pid "$exec_pid"
  wait_for_file "$b/exec.pid" && sleep "$SETTLE" && value=$(smaps "$exec_pid")
  kill -KILL "$(cat "$b/exec.pid")" 2>/dev/null
  wait "$exec_pid" 2>/dev/null
  [ -n "${value:-}" ] && echo "$value"
}

helper_podman() {
  local conmon="" value="" child i
  sh -c "$PODMAN exec -d bench-$RUN_ID-helper /bin/sleep 2147483647" </dev/null >/dev/null 2>>"$LOG" ||
    return 1
  for ((i = 0; i < 500; i++)); do
    conmon=$(podman_exec_conmon helper) && break
    sleep 0.01
  done
  [ -n "$conmon" ] && sleep "$SETTLE" && value=$(smaps "$conmon")
  for child in $(cat /proc/"$conmon"/task/*/children 2>/dev/null); do kill -KILL "$child"; done
  [ -n "$value" ] && echo "$value"
}

case_helper() {
  dmc_create helper
  raw_start helper /bin/sleep 2147483647
  [ -n "$PODMAN_NA" ] || podman_start helper
  mem_samples helper_dmc "$(mem helper.dmc)"
  mem_samples helper_raw "$(mem helper.raw)"
  podman_samples helper_podman "$(mem helper.podman)"
  dmc_destroy helper; raw_remove helper; [ -n "$PODMAN_NA" ] || podman_remove helper
  local name="per running process helper memory" d r p
  d=$(mem helper.dmc) r=$(mem helper.raw) p=$(mem helper.podman)
  row "$name, RSS" "$d.rss.json" "$RT exec (not detached)" "$r.rss.json" "dmc<1024" \
    "dmc: its shim; $RT: the $RT exec that waits for the process; podman: the exec's conmon"
  row "$name, RSS" "$d.rss.json" "podman exec's conmon" "$p.rss.json" "dmc<1024"
  row "$name, PSS" "$d.pss.json" "$RT exec (not detached)" "$r.pss.json"
  row "$name, PSS" "$d.pss.json" "podman exec's conmon" "$p.pss.json"
}
