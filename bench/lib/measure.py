#!/usr/bin/python3
"""Small helpers of bench/run that are easier in Python than in bash.

A measurement is one JSON file, either
    {"unit": "ms", "median": 12.3, "min": 11.0, "max": 15.2, "n": 20, "via": "hyperfine"}
or  {"na": "why there is no number"}.

Subcommands:
    na OUT REASON                      a measurement that could not be made
    hyperfine IN OUT                   from hyperfine --export-json (seconds -> ms)
    samples IN OUT UNIT SCALE VIA      from a file of numbers, one a line, times SCALE
    bundle TEMPLATE OUT ROOT CGROUP HOSTNAME ARG...
                                       a raw-runtime config.json made from dmc's own
    tree DIR SMALL_FILES TOTAL_MIB     many small files in subdirectories and one big
                                       file filling up TOTAL_MIB, random bytes
"""
import json
import os
import random
import statistics
import sys


def write(path, value):
    with open(path, "w") as f:
        json.dump(value, f)
        f.write("\n")


def na(out, reason):
    write(out, {"na": reason})


def from_hyperfine(src, out):
    with open(src) as f:
        result = json.load(f)["results"][0]
    write(out, {
        "unit": "ms",
        "median": result["median"] * 1000.0,
        "min": result["min"] * 1000.0,
        "max": result["max"] * 1000.0,
        "n": len(result["times"]),
        "via": "hyperfine",
    })


def from_samples(src, out, unit, scale, via):
    with open(src) as f:
        values = [float(line) * float(scale) for line in f if line.strip()]
    if not values:
        na(out, "no samples were taken")
        return
    write(out, {
        "unit": unit,
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
        "via": via,
    })


def bundle(template, out, root, cgroup, hostname, args):
    """dmc's own config.json with only what must differ changed: the rootfs,
    an absolute cgroup path of the benchmark's own, the hostname and the init
    (a busybox applet instead of dmc's init, whose bind mount is dropped)."""
    with open(template) as f:
        config = json.load(f)
    config["root"] = {"path": root, "readonly": False}
    config["hostname"] = hostname
    config["process"]["args"] = args
    config["process"]["terminal"] = False
    config["mounts"] = [m for m in config.get("mounts", [])
                        if m.get("destination") != "/dev/dmc-init"]
    config["linux"]["cgroupsPath"] = cgroup
    write(out, config)


def tree(top, small_files, total_mib):
    rng = random.Random(5)
    total, written = int(total_mib) * 1024 * 1024, 0
    for i in range(int(small_files)):
        folder = os.path.join(top, f"d{i % 64:02d}")
        os.makedirs(folder, exist_ok=True)
        size = rng.randint(1, 16) * 1024 - rng.randint(0, 1023)
        with open(os.path.join(folder, f"f{i:05d}"), "wb") as f:
            f.write(rng.randbytes(size))
        written += size
    with open(os.path.join(top, "big"), "wb") as f:
        left = max(total - written, 1024 * 1024)
        while left > 0:
            chunk = min(left, 4 * 1024 * 1024)
            f.write(rng.randbytes(chunk))
            left -= chunk


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    command, rest = argv[1], argv[2:]
    if command == "na" and len(rest) == 2:
        na(*rest)
    elif command == "hyperfine" and len(rest) == 2:
        from_hyperfine(*rest)
    elif command == "samples" and len(rest) == 5:
        from_samples(*rest)
    elif command == "tree" and len(rest) == 3:
        tree(*rest)
    elif command == "bundle" and len(rest) >= 6:
        bundle(rest[0], rest[1], rest[2], rest[3], rest[4], rest[5:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
