# The timed cases of bench/run, sourced: one function each, run once per
# runtime. Each makes its measurements, adds its rows and removes every
# container it made. Expects DMC, RAW, PODMAN and the settings of bench/run.

handle() { printf 'b%s-%s' "$RUN_ID" "$1"; }

dmc_create() { $DMC create --rootfs "$ROOTFS" --handle "$(handle "$1")" >/dev/null; }
dmc_destroy() { $DMC destroy "$(handle "$1")" >/dev/null 2>&1 || true; }

# Podman's measurement of a case, or its reason for having none.
podman_time() {
  local out=$1
  shift
  if [ -n "$PODMAN_NA" ]; then meas_na "$out" "$PODMAN_NA"; else time_cmd "$out" "$@"; fi
}

# measure_CASE: a case's measurements alone, also taken by the dmcd cases
# (cases_garden.sh) when a run did not include the case itself.
measure_create() {
  local h
  h=$(handle create)
  time_cmd "$(m create.dmc)" "$DMC create --rootfs $ROOTFS --handle $h >/dev/null" \
    "$DMC destroy $h >/dev/null 2>&1 || true"
  dmc_destroy create
  raw_bundle create /bin/sleep 2147483647
  time_cmd "$(m create.raw)" "$(raw_create_cmd create)" "sh $(raw_dir create)/reset.sh"
  raw_remove create
}

case_create() {
  measure_create
  row "create (container running its init)" "$(m create.dmc)" "$RT create + start" \
    "$(m create.raw)" "ratio<=1.10"
}

measure_destroy() {
  local h
  h=$(handle destroy)
  time_cmd "$(m destroy.dmc)" "$DMC destroy $h >/dev/null" \
    "$DMC create --rootfs $ROOTFS --handle $h >/dev/null"
  raw_bundle destroy /bin/sleep 2147483647
  time_cmd "$(m destroy.raw)" "$(raw_destroy_cmd destroy)" \
    "sh $(raw_dir destroy)/reset.sh && $(raw_create_cmd destroy)"
  raw_remove destroy
}

case_destroy() {
  measure_destroy
  row "destroy" "$(m destroy.dmc)" "$RT kill + delete + umount" "$(m destroy.raw)"
}

measure_run() {
  dmc_create run
  raw_start run /bin/sleep 2147483647
  time_cmd "$(m run.dmc)" "$DMC run $(handle run) -- /bin/true"
  time_cmd "$(m run.raw)" "$(raw_exec_cmd run /bin/true)"
  if [ -z "$PODMAN_NA" ]; then podman_start run; fi
  podman_time "$(m run.podman)" "$(podman_exec_cmd run /bin/true)"
  dmc_destroy run; raw_remove run; [ -n "$PODMAN_NA" ] || podman_remove run
}

case_run() {
  measure_run
  row "run /bin/true attached, exit code back" "$(m run.dmc)" "$RT exec" "$(m run.raw)" "ratio<=1.10"
  row "run /bin/true attached, exit code back" "$(m run.dmc)" "podman exec" "$(m run.podman)"
}

measure_life() {
  local h
  h=$(handle life)
  time_cmd "$(m life.dmc)" \
    "$DMC create --rootfs $ROOTFS --handle $h >/dev/null && $DMC run $h -- /bin/true && $DMC destroy $h >/dev/null"
  raw_bundle life /bin/true
  time_cmd "$(m life.raw)" "$(raw_run_cmd life)" "sh $(raw_dir life)/reset.sh"
  raw_remove life
  # The like-for-like baseline: the raw runtime taking dmc's own steps, a
  # container running an init, an exec of true, kill and delete.
  raw_bundle steps /bin/sleep 2147483647
  time_cmd "$(m life.steps)" \
    "$(raw_create_cmd steps) && $(raw_exec_cmd steps /bin/true) && $(raw_destroy_cmd steps)" \
    "sh $(raw_dir steps)/reset.sh"
  raw_remove steps
  podman_time "$(m life.podman)" "$(podman_run_cmd life) /bin/true" "" "$RUNS_SLOW"
}

case_life() {
  local target=""
  measure_life
  [ "$RT" = crun ] && target="ratio<=0.10"
  row "whole life: create, run true, destroy" "$(m life.dmc)" "$RT run" "$(m life.raw)" "ratio<=1.10"
  row "whole life: create, run true, destroy" "$(m life.dmc)" \
    "$RT create + start + exec + kill + delete" "$(m life.steps)"
  row "whole life: create, run true, destroy" "$(m life.dmc)" "podman run --rm --rootfs" \
    "$(m life.podman)" "$target"
}
