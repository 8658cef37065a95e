#!/usr/bin/env bash
# Search benchmark: openreg's index (openreg-index, in process, as `openreg search` runs it) against
# SQLite FTS5 (Python's sqlite3) on the same generated corpus and the same queries, in one run.
#
#   benches/search.sh                  # 1,000,000 documents, 2,000 queries
#   SMALL=1 benches/search.sh          # 50,000 documents, 600 queries: a quick try
#
# Knobs (environment):
#   BENCH_DOCS=N      documents (default 1000000; 50000 with SMALL=1)
#   BENCH_QUERIES=N   queries (default 2000; 600 with SMALL=1)
#   BENCH_SEED=S      generator seed (default 1)
#   HEAP_MB=N         the tantivy writer's memory budget (default 64)
#   SKIP_BUILD=1      use the binary already in target/release
#   SKIP_PEER=1       do not run SQLite FTS5
#   KEEP=1            keep the work directory (corpus, queries, both indexes) and print its path
#
# What is measured, for each side: indexing time and documents/s, peak RSS (GNU time), size on disk,
# and query latency (median, p90, p99) over a mix of queries made from random documents:
#   name          a surname as written in the data (Cyrillic, Georgian or Latin)
#   cross-script  the same surname typed in Latin letters, whatever script the data uses
#   phrase        two words of the name, quoted
#   fuzzy         the Latin surname with one typo
#   filtered      the surname with country, type and a date or value range
# openreg computes for every query what `openreg search` prints: the total, facets, a page of 20
# with snippets. FTS5 gets `MATCH` (a phrase of the same words), `ORDER BY rank LIMIT 20` with
# snippet(), and count(*) for the total, with the filters as WHERE clauses. Recall is whether the
# document a query was made from is among the first 100 hits: FTS5 has no transliteration and no
# typo tolerance, so its recall on cross-script and fuzzy queries shows what a journalist misses.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SMALL=${SMALL:-0}
if [[ $SMALL == 1 ]]; then
    BENCH_DOCS=${BENCH_DOCS:-50000}
    BENCH_QUERIES=${BENCH_QUERIES:-600}
else
    BENCH_DOCS=${BENCH_DOCS:-1000000}
    BENCH_QUERIES=${BENCH_QUERIES:-2000}
fi
BENCH_SEED=${BENCH_SEED:-1}
HEAP_MB=${HEAP_MB:-64}
KEEP=${KEEP:-0}
BIN=$ROOT/target/release/search-bench

log() { printf '==> %s\n' "$*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/openreg-search-bench.XXXXXX")
cleanup() { if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

if [[ ! -x /usr/bin/time ]]; then
    log "installing GNU time (/usr/bin/time is missing)"
    if [[ $(id -u) == 0 ]]; then apt-get update -qq && apt-get install -y -qq time >/dev/null; else
        sudo apt-get update -qq && sudo apt-get install -y -qq time >/dev/null; fi
fi
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    log "cargo build --release -p openreg-bench --bin search-bench"
    (cd "$ROOT" && cargo build --release -p openreg-bench --bin search-bench)
fi

log "openreg: $BENCH_DOCS documents, $BENCH_QUERIES queries"
/usr/bin/time -v -o "$WORK/openreg.time" "$BIN" --docs "$BENCH_DOCS" --queries "$BENCH_QUERIES" \
    --seed "$BENCH_SEED" --heap-mb "$HEAP_MB" --out-dir "$WORK" >"$WORK/openreg.json"
OPENREG_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/openreg.time")

if [[ ${SKIP_PEER:-0} != 1 ]]; then
    log "SQLite FTS5 ($(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)')): same corpus, same queries"
    /usr/bin/time -v -o "$WORK/fts5.time" python3 - "$WORK" >"$WORK/fts5.json" <<'PY'
import json, sqlite3, sys, time, os
work = sys.argv[1]
db_path = os.path.join(work, "fts5.db")
con = sqlite3.connect(db_path)
con.execute("PRAGMA journal_mode=OFF")
con.execute("PRAGMA synchronous=OFF")
con.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, kind UNINDEXED, name, text, "
            "country UNINDEXED, date UNINDEXED, value UNINDEXED, tokenize='unicode61 remove_diacritics 2')")
started = time.perf_counter()
def rows():
    with open(os.path.join(work, "corpus.tsv"), encoding="utf-8") as f:
        for line in f:
            i, kind, name, text, country, date, value = line.rstrip("\n").split("\t")
            yield (i, kind, name, text, country, date, float(value) if value else None)
con.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?)", rows())
con.commit()
con.execute("INSERT INTO docs(docs) VALUES('optimize')")
con.commit()
index_seconds = time.perf_counter() - started
docs = con.execute("SELECT count(*) FROM docs").fetchone()[0]

def where(filters):
    clauses, args = [], []
    for f in filter(None, filters.split(";")):
        field, value = f.split("=", 1)
        if field == "country":
            clauses.append("country = ?"); args.append(value)
        elif field == "type":
            clauses.append("kind = ?"); args.append(value)
        elif field == "date":
            lo, hi = value.split("..")
            if lo: clauses.append("date >= ?"); args.append(lo)
            if hi: clauses.append("date < ?"); args.append(hi)
        elif field == "value":
            lo, hi = value.split("..")
            if lo: clauses.append("value >= ?"); args.append(float(lo))
            if hi: clauses.append("value <= ?"); args.append(float(hi))
    return "".join(" AND " + c for c in clauses), args

queries = []
with open(os.path.join(work, "queries.tsv"), encoding="utf-8") as f:
    for line in f:
        kind, text, filters, target, fts = line.rstrip("\n").split("\t")
        queries.append((kind, fts, filters, target))

def run(fts, filters, limit):
    extra, args = where(filters)
    hits = con.execute(f"SELECT id, snippet(docs, -1, '<b>', '</b>', '…', 12) FROM docs WHERE docs MATCH ?{extra} "
                       f"ORDER BY rank LIMIT {limit}", [fts] + args).fetchall()
    total = con.execute(f"SELECT count(*) FROM docs WHERE docs MATCH ?{extra}", [fts] + args).fetchone()[0]
    return hits, total

for kind, fts, filters, target in queries[:200]:
    run(fts, filters, 20)
times, totals, recall = {}, {}, {}
for kind, fts, filters, target in queries:
    t = time.perf_counter()
    _, total = run(fts, filters, 20)
    ms = (time.perf_counter() - t) * 1e3
    for k in (kind, "all"):
        times.setdefault(k, []).append(ms)
    totals[kind] = totals.get(kind, 0) + total
for kind, fts, filters, target in queries:
    hits, _ = run(fts, filters, 100)
    hit, n = recall.get(kind, (0, 0))
    recall[kind] = (hit + any(h[0] == target for h in hits), n + 1)
def pct(xs, q):
    xs = sorted(xs)
    return xs[round((len(xs) - 1) * q)]
latency = {k: {"queries": len(v), "median_ms": pct(v, 0.5), "p90_ms": pct(v, 0.9), "p99_ms": pct(v, 0.99),
               "max_ms": max(v), "mean_total": totals.get(k, 0) / len(v) if k != "all" else None}
           for k, v in times.items()}
con.close()
print(json.dumps({"documents": docs, "index_seconds": index_seconds, "documents_per_second": docs / index_seconds,
                  "index_bytes": os.path.getsize(db_path), "latency": latency,
                  "recall_at_100": {k: h / n for k, (h, n) in recall.items()},
                  "sqlite": sqlite3.sqlite_version}))
PY
    FTS5_RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/fts5.time")
fi

echo
echo "Search benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $BENCH_DOCS documents, $BENCH_QUERIES queries"
OPENREG_RSS=$OPENREG_RSS FTS5_RSS=${FTS5_RSS:-} python3 - "$WORK/openreg.json" "$WORK/fts5.json" <<'PY'
import json, os, sys
o = json.load(open(sys.argv[1]))
try:
    p = json.load(open(sys.argv[2]))
except Exception:
    p = None
print(f"corpus generated in {o['generate_seconds']:.1f} s (not counted below)")
def row(label, a, b, fmt, better_low=True):
    ratio = ""
    if b is not None and a and b:
        r = (b / a) if better_low else (a / b)
        ratio = f"{r:.1f}x"
    bs = fmt(b) if b is not None else "-"
    print(f"{label:<34} {fmt(a):>14} {bs:>14} {ratio:>16}")
print(f"{'':<34} {'openreg':>14} {'SQLite FTS5':>14} {'openreg advantage':>16}")
row("indexing seconds", o["index_seconds"], p and p["index_seconds"], lambda v: f"{v:.1f}")
row("documents/s", o["documents_per_second"], p and p["documents_per_second"], lambda v: f"{v:,.0f}", better_low=False)
row("size on disk, MB", o["index_bytes"] / 1e6, p and p["index_bytes"] / 1e6, lambda v: f"{v:.0f}")
rss_o = int(os.environ["OPENREG_RSS"]) / 1024
rss_p = int(os.environ["FTS5_RSS"]) / 1024 if os.environ.get("FTS5_RSS") else None
row("peak RSS, MB (whole run)", rss_o, rss_p, lambda v: f"{v:.0f}")
for kind in ["all", "name", "cross-script", "phrase", "fuzzy", "filtered"]:
    lo = o["latency"].get(kind)
    lp = p["latency"].get(kind) if p else None
    if not lo:
        continue
    row(f"{kind}: median ms", lo["median_ms"], lp and lp["median_ms"], lambda v: f"{v:.2f}")
    row(f"{kind}: p99 ms", lo["p99_ms"], lp and lp["p99_ms"], lambda v: f"{v:.2f}")
    if kind == "all":
        row("all: CPU median ms (openreg)", lo["cpu_median_ms"], None, lambda v: f"{v:.2f}")
        row("all: CPU p99 ms (openreg)", lo["cpu_p99_ms"], None, lambda v: f"{v:.2f}")
print()
print(f"{'recall (target in first 100 hits)':<34} {'openreg':>14} {'SQLite FTS5':>14}")
for kind, r in sorted(o["recall_at_100"].items()):
    rp = p["recall_at_100"].get(kind) if p else None
    rp = "-" if rp is None else format(rp, ".3f")
    print(f"{kind:<34} {r:>14.3f} {rp:>14}")
print()
a = o['latency']['all']
print(f"openreg: writer heap {o['heap_mb']} MB; p99 over all queries {a['p99_ms']:.2f} ms wall, {a['cpu_p99_ms']:.2f} ms CPU (goal < 20 ms)")
print(f"load average at the end: {open('/proc/loadavg').read().split()[:3]} on {os.cpu_count()} CPUs (the wall-clock tail includes waiting for a core)")
if p:
    print(f"peer: SQLite {p['sqlite']} FTS5, unicode61 remove_diacritics 2, via Python's sqlite3")
PY
