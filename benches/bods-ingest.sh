#!/usr/bin/env bash
# BODS benchmark: `openreg ingest bods` throughput and memory on a generated BODS 0.4 register, and the
# latency of the ownership queries (`openreg owners`, `openreg owned-by`) on the store it leaves, in one run.
#
#   benches/bods-ingest.sh            # 1,000,000 statements (~1 GB of JSON Lines), plus 250,000 and
#                                     # 2,000,000 to show that memory does not grow with the input
#   SMALL=1 benches/bods-ingest.sh    # 50,000 statements (plus 10,000 and 100,000): a quick try
#
# Knobs (environment):
#   BENCH_STATEMENTS=N   statements in the main corpus (default 1000000; 50000 with SMALL=1)
#   MEMORY_SIZES="A B"   further corpus sizes ingested for peak RSS only (default "250000 2000000";
#                        "10000 100000" with SMALL=1; "" to skip)
#   BENCH_SEED=S         generator seed (default 1)
#   SAMPLES=K            records timed per query by owner-latency (default 5000)
#   GOAL_P99_MS=X        the owners p99 goal checked at the end (default 5)
#   VALIDATE=N           check N statements spread over the main corpus against the BODS 0.4 JSON Schema
#                        with python3 jsonschema (default 2000; 0 = skip). Needs
#                        ../shared/data/bods/schema/0.4 beside the repository.
#   SKIP_BUILD=1         use the binaries already in BIN_DIR
#   BIN_DIR=DIR          where openreg, gen-bods and owner-latency are (default target/release; e.g. a
#                        build of a fixed commit, when others rebuild target/ meanwhile)
#   OPENREG_BIN=PATH     time this openreg binary instead of BIN_DIR/openreg
#   KEEP=1               keep the temporary directory (data dirs, logs) and print its path
#
# Peak RSS comes from GNU time (`/usr/bin/time -v`, installed with apt when missing), as in
# ocds-ingest.sh; the RSS of the ingest is also sampled from /proc every 0.2 s, to show it over the run.
# Corpora go to benches/out/ (gitignored) and are reused while gen-bods's source and arguments are the same.
#
# No peer: no public tool computes effective (indirect) ownership through chains of BODS statements,
# and none ingests BODS into a queryable store, so there is nothing like-for-like to time against.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT_DIR=$HERE/out
SCHEMA_DIR=$ROOT/../shared/data/bods/schema/0.4

SMALL=${SMALL:-0}
if [[ $SMALL == 1 ]]; then
    BENCH_STATEMENTS=${BENCH_STATEMENTS:-50000}
    MEMORY_SIZES=${MEMORY_SIZES-10000 100000}
else
    BENCH_STATEMENTS=${BENCH_STATEMENTS:-1000000}
    MEMORY_SIZES=${MEMORY_SIZES-250000 2000000}
fi
BENCH_SEED=${BENCH_SEED:-1}
SAMPLES=${SAMPLES:-5000}
GOAL_P99_MS=${GOAL_P99_MS:-5}
VALIDATE=${VALIDATE:-2000}
SKIP_BUILD=${SKIP_BUILD:-0}
KEEP=${KEEP:-0}

BIN_DIR=${BIN_DIR:-$ROOT/target/release}
OPENREG=${OPENREG_BIN:-$BIN_DIR/openreg}
GEN=$BIN_DIR/gen-bods
LATENCY=$BIN_DIR/owner-latency

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/openreg-bods-bench.XXXXXX")
cleanup() {
    if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
mkdir -p "$OUT_DIR"
RESULTS=$WORK/results.tsv # label, statements, bytes, seconds, peak RSS KB, RSS curve, store KB, open RSS KB, stored, quarantined
: >"$RESULTS"

# --- tools ----------------------------------------------------------------------------------------

if [[ ! -x /usr/bin/time ]]; then
    log "installing GNU time (/usr/bin/time is missing)"
    if [[ $(id -u) == 0 ]]; then
        apt-get update -qq && apt-get install -y -qq time >/dev/null
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq time >/dev/null
    fi
fi
if [[ $SKIP_BUILD != 1 && $BIN_DIR == "$ROOT/target/release" ]]; then
    log "cargo build --release -p openreg -p openreg-bench"
    (cd "$ROOT" && cargo build --release -p openreg -p openreg-bench)
fi
for bin in "$OPENREG" "$GEN" "$LATENCY"; do
    if [[ ! -x $bin ]]; then
        echo "error: $bin is missing (run without SKIP_BUILD=1)" >&2
        exit 1
    fi
done

# --- helpers --------------------------------------------------------------------------------------

now_ns() { date +%s%N; }

json_field() { # json_field FILE KEY: a top-level field of a JSON object (empty if absent)
    python3 -c 'import json,sys
try:
    v = json.load(open(sys.argv[1])).get(sys.argv[2], "")
    print(v if v is not None else "")
except Exception:
    print("")' "$1" "$2"
}

# generate FILE ARGS...: run gen-bods unless FILE was made from this gen_bods.rs with the same
# arguments; FILE.meta.json keeps the generator's JSON summary.
generate() {
    local file=$1
    shift
    local meta=$file.meta.json stamp
    stamp="$(sha256sum <"$HERE/src/bin/gen_bods.rs" | cut -d' ' -f1) $*"
    if [[ -f $file && -f $meta && -f $file.stamp && $(cat "$file.stamp") == "$stamp" ]]; then
        log "reusing $(basename "$file") (same gen-bods, same arguments)"
    else
        rm -f "$file.stamp"
        log "gen-bods $* --out $file"
        "$GEN" "$@" --out "$file" >"$meta.tmp"
        mv "$meta.tmp" "$meta"
        printf '%s' "$stamp" >"$file.stamp"
    fi
}

# sample_rss PID OUT: VmRSS of PID (KB) every 0.2 s, as "seconds rss" lines, until PID is gone.
sample_rss() {
    local pid=$1 out=$2 t0 rss
    t0=$(now_ns)
    while [[ -d /proc/$pid ]]; do
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        if [[ -n $rss ]]; then
            printf '%s %s\n' "$(awk -v a="$t0" -v b="$(now_ns)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')" "$rss" >>"$out"
        fi
        sleep 0.2
    done
}

# ingest LABEL FILE: time `openreg ingest bods FILE --json` into a fresh data dir under GNU time, with
# the RSS sampled meanwhile; appends a row to RESULTS and leaves the data dir in LAST_DATA.
ingest() {
    local label=$1 file=$2
    local tag
    tag=$(tr -c 'A-Za-z0-9_.-' '_' <<<"$label")
    local data=$WORK/data-$tag summary=$WORK/$tag.ingest.json tfile=$WORK/$tag.time rssfile=$WORK/$tag.rss
    rm -rf "$data"
    : >"$rssfile"
    log "openreg ingest bods $(basename "$file") [$label]"
    local t0 t1 rc=0 pid
    t0=$(now_ns)
    /usr/bin/time -v -o "$tfile" "$OPENREG" --data-dir "$data" ingest bods "$file" --json >"$summary" &
    pid=$!
    # The sampler follows openreg itself (GNU time's child), not GNU time.
    local child=""
    for _ in $(seq 1 50); do
        child=$(pgrep -P "$pid" | head -1 || true)
        [[ -n $child ]] && break
        sleep 0.02
    done
    if [[ -n $child ]]; then sample_rss "$child" "$rssfile" & fi
    wait "$pid" || rc=$?
    t1=$(now_ns)
    wait || true
    if [[ $rc != 0 && $rc != 2 ]]; then
        warn "$label: openreg ingest exited with status $rc (see $tfile): $(head -c 300 "$summary")"
        return 1
    fi
    local secs rss stored quarantined statements bytes store_kb curve
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tfile")
    stored=$(json_field "$summary" statements_stored)
    quarantined=$(json_field "$summary" quarantined)
    statements=$(json_field "$file.meta.json" statements)
    bytes=$(stat -c %s "$file")
    store_kb=$(du -sk "$data" | cut -f1)
    # RSS at a quarter, half, three quarters and the end of the run (MB).
    curve=$(awk '{ t[NR] = $1; r[NR] = $2 } END {
        if (NR == 0) { print "-"; exit }
        out = ""
        for (q = 1; q <= 4; q++) { i = int(NR * q / 4); if (i < 1) i = 1; out = out (q > 1 ? "/" : "") int(r[i] / 1024) }
        print out }' "$rssfile")
    # What the finished store alone costs: a process that opens it and answers one query.
    local open_rss
    open_rss=$(/usr/bin/time -f '%M' "$LATENCY" --data-dir "$data" --meta "$file.meta.json" --samples 1 --warmup 0 \
        --json 2>&1 >/dev/null | tail -1) || open_rss=0
    if [[ $stored != "$statements" ]]; then
        warn "$label: statements_stored=$stored but the corpus has $statements statements"
    fi
    if [[ ${quarantined:-0} != 0 ]]; then
        warn "$label: $quarantined statements quarantined: the generator wrote something openreg cannot read"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$statements" "$bytes" "$secs" "${rss:-0}" "$curve" \
        "$store_kb" "$open_rss" "$stored" "$quarantined" >>"$RESULTS"
    log "$label: ${secs}s, peak RSS $((${rss:-0} / 1024)) MB, stored $stored, quarantined $quarantined"
    LAST_DATA=$data
}

# --- corpus ---------------------------------------------------------------------------------------

CORPUS=$OUT_DIR/bods-n${BENCH_STATEMENTS}-s${BENCH_SEED}.jsonl
generate "$CORPUS" --statements "$BENCH_STATEMENTS" --seed "$BENCH_SEED"
META=$CORPUS.meta.json

VALIDATION=""
if [[ $VALIDATE != 0 ]]; then
    if [[ ! -d $SCHEMA_DIR ]]; then
        warn "$SCHEMA_DIR not found: skipping the schema check"
        VALIDATION="schema check skipped ($SCHEMA_DIR not found)"
    elif ! python3 -c 'import jsonschema, referencing' 2>/dev/null; then
        warn "python3 jsonschema is not installed: skipping the schema check"
        VALIDATION="schema check skipped (python3 jsonschema missing)"
    else
        log "checking $VALIDATE statements against the BODS 0.4 schema"
        VALIDATION=$(python3 - "$SCHEMA_DIR" "$CORPUS" "$VALIDATE" <<'PY'
import json, sys
from pathlib import Path
import jsonschema
from referencing import Registry, Resource
schema_dir, path, limit = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
resources = []
for f in schema_dir.glob("*.json"):
    doc = json.loads(f.read_text(encoding="utf-8"))
    if "$id" in doc:
        resources.append((doc["$id"], Resource.from_contents(doc)))
top = json.loads((schema_dir / "statement.json").read_text(encoding="utf-8"))
cls = jsonschema.validators.validator_for(top)
validator = cls({"$schema": top["$schema"], "$ref": "urn:statement#/$defs/Statement"},
                registry=Registry().with_resources(resources), format_checker=cls.FORMAT_CHECKER)
with open(path, encoding="utf-8") as fh:
    total = sum(1 for _ in fh)
step = max(1, total // limit)
checked, bad, first, kinds = 0, 0, "", {}
with open(path, encoding="utf-8") as fh:
    for n, line in enumerate(fh):
        if n % step:
            continue
        s = json.loads(line)
        checked += 1
        k = f"{s.get('recordType')}/{s.get('recordStatus')}"
        kinds[k] = kinds.get(k, 0) + 1
        errors = list(validator.iter_errors(s))
        if errors:
            bad += 1
            first = first or f"; first: line {n + 1}: {errors[0].json_path}: {errors[0].message[:200]}"
print(f"{checked} statements (every {step}th) checked against the BODS 0.4 JSON Schema: {bad} invalid{first}"
      f" [{', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}]")
PY
        ) || VALIDATION="schema check failed to run"
        log "$VALIDATION"
    fi
fi

# --- runs -----------------------------------------------------------------------------------------

MAIN_LABEL="main ($BENCH_STATEMENTS)"
LATENCY_JSON=$WORK/latency.json
if ingest "$MAIN_LABEL" "$CORPUS"; then
    log "owner-latency: $SAMPLES random entities (owners) and records (owned-by)"
    if ! "$LATENCY" --data-dir "$LAST_DATA" --meta "$META" --samples "$SAMPLES" --seed "$BENCH_SEED" --json >"$LATENCY_JSON"; then
        warn "owner-latency failed"
        : >"$LATENCY_JSON"
    fi
    rm -rf "$LAST_DATA"
fi

for n in $MEMORY_SIZES; do
    mfile=$OUT_DIR/bods-n${n}-s${BENCH_SEED}.jsonl
    generate "$mfile" --statements "$n" --seed "$BENCH_SEED"
    if ingest "memory ($n)" "$mfile"; then rm -rf "$LAST_DATA"; fi
done

# --- report ---------------------------------------------------------------------------------------

echo
echo "BODS ingest and ownership-query benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GB RAM", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
GOAL_P99_MS=$GOAL_P99_MS VALIDATION=$VALIDATION python3 - "$RESULTS" "$META" "$LATENCY_JSON" "$(basename "$CORPUS")" <<'PY'
import json, os, sys
results, meta_path, latency_path, corpus = sys.argv[1:5]
meta = json.load(open(meta_path))
print(f"corpus: {corpus} — {meta['statements']:,} statements ({meta['entities']:,} entities, {meta['persons']:,} persons, "
      f"{meta['relationships']:,} relationships; {meta['updated']:,} updated and {meta['closed']:,} closed), "
      f"{meta['bytes'] / 1e6:,.0f} MB of BODS 0.4 JSON Lines, {meta['groups']:,} declarations, generated in {meta['seconds']}s")
layers = meta["layers"]
total = sum(layers.values())
short = sum(v for k, v in layers.items() if int(k) <= 2)
print(f"  chains: {short / total:.0%} of declarations 1-2 layers deep, longest {max(int(k) for k in layers)}; "
      f"{meta['bare_groups']:,} companies without declared owners; {meta['cycles']:,} cycles; "
      f"{meta['shared_persons']:,} owners shared across declarations, {meta['corporate_parents']:,} corporate parents")
print(f"  shares: {meta['exact_shares']:,} exact, {meta['range_shares']:,} ranges, {meta['no_share']:,} none; undisclosed: "
      f"{meta['unspecified_parties']:,} unspecified parties, {meta['anonymous_persons']:,} anonymous and "
      f"{meta['unknown_persons']:,} unknown persons, {meta['anonymous_entities']:,} anonymous entities; "
      f"{meta['indirect_summaries']:,} indirect summary relationships")
if os.environ.get("VALIDATION"):
    print("  " + os.environ["VALIDATION"])
print()
rows = []
with open(results, encoding="utf-8") as f:
    for line in f:
        label, n, b, secs, rss, curve, store_kb, open_rss, stored, quarantined = line.rstrip("\n").split("\t")
        rows.append(dict(label=label, n=int(n), b=int(b), secs=float(secs), rss=int(rss), curve=curve,
                         store=int(store_kb), open=int(open_rss or 0), stored=stored, q=quarantined))
if rows:
    head = (f"{'openreg ingest bods':<24} {'statements':>11} {'MB in':>7} {'seconds':>8} {'statements/s':>13} "
            f"{'MB/s':>6} {'peak RSS MB':>12} {'RSS MB at 25/50/75/100%':>24} {'store MB':>9} {'open RSS MB':>12} "
            f"{'quarantined':>12}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['label']:<24} {r['n']:>11,} {r['b'] / 1e6:>7,.0f} {r['secs']:>8.1f} {r['n'] / r['secs']:>13,.0f} "
              f"{r['b'] / 1e6 / r['secs']:>6.1f} {r['rss'] / 1024:>12,.0f} {r['curve']:>24} {r['store'] / 1024:>9,.0f} "
              f"{r['open'] / 1024:>12,.0f} {r['q']:>12}")
    by_size = sorted(rows, key=lambda r: r["n"])
    if len(by_size) > 1:
        lo, hi = by_size[0], by_size[-1]
        ratio = hi["rss"] / lo["rss"] if lo["rss"] else float("nan")
        # Growth between the two largest inputs, where the fixed start-up cost no longer dominates.
        a, z = by_size[-2], by_size[-1]
        slope = (z["rss"] - a["rss"]) / 1024 / ((z["n"] - a["n"]) / 1e6)
        verdict = "flat" if ratio < 1.15 else "NOT flat"
        print(f"memory: peak RSS {lo['rss'] / 1024:,.0f} MB at {lo['n']:,} statements, {hi['rss'] / 1024:,.0f} MB at "
              f"{hi['n']:,} ({hi['n'] / lo['n']:.0f}x the input): x{ratio:.2f}, {verdict}; "
              f"{slope:+,.0f} MB per million statements from {a['n']:,} to {z['n']:,}")
        print("  open RSS: peak RSS of a process that only opens the finished store and answers one query (the")
        print("  sorted runs' block indexes and Bloom filters, and sled's state for the pages it still holds)")
else:
    print("openreg ingest: nothing was measured")
print()
try:
    lat = json.load(open(latency_path))
except Exception:
    lat = None
if lat:
    goal = float(os.environ["GOAL_P99_MS"])
    for key, name, what in (("owners", "openreg owners", "random entities"),
                            ("holdings", "openreg owned-by", "random entities and persons")):
        r = lat[key]
        print(f"{name}: {r['samples']:,} {what}, in process on the store above: median {r['median_ms']} ms, "
              f"p90 {r['p90_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms")
        print(f"    CPU time per query: median {r['cpu']['median_ms']} / p99 {r['cpu']['p99_ms']} / max {r['cpu']['max_ms']} ms "
              f"(the rest of the wall-clock tail is waiting for a CPU)")
        print(f"    load from the store: median {r['load']['median_ms']} / p99 {r['load']['p99_ms']} ms; "
              f"walk the graph: median {r['walk']['median_ms']} / p99 {r['walk']['p99_ms']} ms")
        found = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in r["found"].items())
        print(f"    found: {found}")
        print(f"    slowest: " + "; ".join(f"{s['id']} {s['ms']} ms (CPU {s['cpu_ms']})" for s in r["slowest"][:3]))
    p99 = lat["owners"]["p99_ms"]
    cpu99 = lat["owners"]["cpu"]["p99_ms"]
    print(f"goal: owners p99 < {goal:g} ms: {'MET' if p99 < goal else 'NOT MET'} ({p99} ms wall clock; "
          f"CPU time p99 {cpu99} ms: {'MET' if cpu99 < goal else 'NOT MET'} on an idle core)")
else:
    print("owner-latency: not measured")
print()
print("Peers: none. No public tool computes effective (indirect) ownership shares through chains of BODS")
print("statements, nor ingests BODS into a store that answers these queries, so there is no like-for-like")
print("figure; statements/s above is openreg alone (read, parse into its model, store losslessly, index).")
PY
