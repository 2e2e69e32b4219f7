#!/usr/bin/python3
"""Turns bench/run's rows into one table: printed, and written as
results.json and results.md.

Usage: report.py ROWS_TSV META_JSON OUT_DIR [--check]

Each line of ROWS_TSV is one row, tab separated:
    case  runtime  dmc-measurement  baseline-name  baseline-measurement  target  note
where a measurement is a JSON file written by measure.py and a target is
empty, "ratio<=X" (dmc / baseline at most X), "ratio<X" (below X) or "dmc<X"
(dmc's median below X).

--check exits 1 unless every measurement of every row is a number or says
why there is none (the ctest smoke test of the benchmark).
"""
import json
import os
import sys

COLUMNS = ["case", "runtime", "dmc median (min–max, n)", "baseline",
           "baseline median (min–max, n)", "ratio dmc/baseline"]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"missing": path}


def number(value, unit):
    if unit == "KiB":
        return f"{value:.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def cell(m):
    if "na" in m:
        return f"n/a: {m['na']}"
    if "missing" in m:
        return "MISSING (the benchmark made no measurement)"
    unit = m["unit"]
    return (f"{number(m['median'], unit)} {unit} ({number(m['min'], unit)}–"
            f"{number(m['max'], unit)}, n={m['n']})")


def has_number(m):
    return "median" in m


def judge(target, dmc, ratio):
    """Whether the target holds: True, False, or None when it cannot be told."""
    if target.startswith("ratio<="):
        return None if ratio is None else ratio <= float(target[7:])
    if target.startswith("ratio<"):
        return None if ratio is None else ratio < float(target[6:])
    if target.startswith("dmc<"):
        return dmc["median"] < float(target[4:]) if has_number(dmc) else None
    return None


def describe(target):
    if target.startswith("ratio<="):
        return f"target <= {float(target[7:]):.2f}"
    if target.startswith("ratio<"):
        return f"target < {float(target[6:]):.2f}"
    if target.startswith("dmc<"):
        return f"target dmc < {target[4:]}"
    return ""


def row_of(fields):
    fields += [""] * (7 - len(fields))
    case, runtime, dmc_path, base_name, base_path, target, note = fields[:7]
    dmc, base = load(dmc_path), load(base_path)
    ratio = None
    if has_number(dmc) and has_number(base) and base["median"] > 0:
        ratio = dmc["median"] / base["median"]
    return {
        "case": case, "runtime": runtime, "dmc": dmc, "baseline_name": base_name,
        "baseline": base, "ratio": ratio, "target": target,
        "target_met": judge(target, dmc, ratio), "note": note,
    }


def ratio_cell(row):
    text = "n/a" if row["ratio"] is None else f"{row['ratio']:.2f}x"
    if row["target"]:
        verdict = {True: "ok", False: "MISSED", None: "not judged"}[row["target_met"]]
        text += f" ({describe(row['target'])}: {verdict})"
    return text


def cells(row):
    return [row["case"], row["runtime"], cell(row["dmc"]), row["baseline_name"],
            cell(row["baseline"]), ratio_cell(row)]


def text_table(rows):
    lines = [COLUMNS] + [cells(r) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]
    out = []
    for k, line in enumerate(lines):
        out.append(" | ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip())
        if k == 0:
            out.append("-+-".join("-" * w for w in widths))
    return "\n".join(out)


def markdown_table(rows):
    def md(v):
        return v.replace("|", "\\|")
    out = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(md(v) for v in cells(r)) + " |" for r in rows]
    return "\n".join(out)


def notes_of(rows, meta):
    notes = list(meta.get("notes", []))
    for r in rows:
        note = f"{r['case']} ({r['runtime']}): {r['note']}"
        if r["note"] and note not in notes:
            notes.append(note)
    return notes


def header(meta):
    keys = ["date", "mode", "host", "cpus", "load", "kernel", "runc", "crun", "podman", "timer"]
    return [f"{k}: {meta[k]}" for k in keys if meta.get(k)]  # load: 1-minute averages


def check(rows):
    bad = []
    for r in rows:
        for side in ("dmc", "baseline"):
            m = r[side]
            if not has_number(m) and not m.get("na"):
                bad.append(f"{r['case']} ({r['runtime']}, {side}): {cell(m)}")
    if not rows:
        bad.append("no rows at all")
    return bad


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    rows_path, meta_path, out_dir = argv[1:4]
    with open(rows_path) as f:
        rows = [row_of(line.rstrip("\n").split("\t")) for line in f if line.strip()]
    meta = load(meta_path)
    notes = notes_of(rows, meta)
    text = "\n".join(header(meta)) + "\n\n" + text_table(rows)
    if notes:
        text += "\n\nnotes:\n" + "\n".join(f"- {n}" for n in notes)
    print(text)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump({"meta": meta, "rows": rows, "notes": notes}, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write("# dmc benchmarks\n\n" + "\n".join(f"- {h}" for h in header(meta)))
        f.write("\n\n" + markdown_table(rows) + "\n")
        if notes:
            f.write("\nNotes:\n\n" + "\n".join(f"- {n}" for n in notes) + "\n")
    if "--check" in argv[4:]:
        bad = check(rows)
        for b in bad:
            print(f"check: no number and no reason: {b}", file=sys.stderr)
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main(sys.argv)
