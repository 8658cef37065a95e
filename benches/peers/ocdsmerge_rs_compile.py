#!/usr/bin/env python3
"""Peer driver for benches/ocds-ingest.sh: compile every ocid of an OCDS file with ocdsmerge-rs.

Reads a release package (default: json.load; --stream: ijson, releases one by one) or JSON Lines of
releases, groups the releases by ocid, sorts each group by date, and writes one compiled release per
line (like `ocdskit compile`) to --out (default: stdout). A JSON summary goes to stderr.

    python ocdsmerge_rs_compile.py --schema release-schema.json [--stream] [--out FILE] INPUT
"""
import argparse
import json
import sys
import time
from collections import defaultdict

from ocdsmerge_rs import Merger


def is_json_lines(path):
    with open(path, "rb") as f:
        first = f.readline()
    try:
        obj = json.loads(first)
    except ValueError:
        return False
    return isinstance(obj, dict) and "ocid" in obj


def iter_releases(path, stream):
    if is_json_lines(path):
        with open(path, "rb") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)
    elif stream:
        import ijson

        with open(path, "rb") as f:
            yield from ijson.items(f, "releases.item", use_float=True)
    else:
        with open(path, "rb") as f:
            yield from json.load(f)["releases"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("--schema", required=True, help="path of the (patched) release schema")
    parser.add_argument("--stream", action="store_true", help="parse the package with ijson")
    parser.add_argument("--out", default="-")
    args = parser.parse_args()

    t0 = time.perf_counter()
    with open(args.schema, encoding="utf-8") as f:
        schema = json.load(f)
    merger = Merger(rules=Merger.get_rules(Merger.dereference(schema)))

    groups = defaultdict(list)
    n_releases = 0
    for release in iter_releases(args.input, args.stream):
        groups[release["ocid"]].append(release)
        n_releases += 1
    t_read = time.perf_counter()

    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    write = out.write
    for releases in groups.values():
        releases.sort(key=lambda r: r.get("date") or "")
        compiled = merger.create_compiled_release(releases)
        write(json.dumps(compiled, ensure_ascii=False, separators=(",", ":")))
        write("\n")
    out.flush()
    t_end = time.perf_counter()

    summary = {
        "releases": n_releases,
        "ocids": len(groups),
        "read_seconds": round(t_read - t0, 3),
        "merge_seconds": round(t_end - t_read, 3),
        "seconds": round(t_end - t0, 3),
    }
    print(json.dumps(summary), file=sys.stderr)


if __name__ == "__main__":
    main()
