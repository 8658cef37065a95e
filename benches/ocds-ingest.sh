#!/usr/bin/env bash
# OCDS ingest benchmark: openreg against the peers a user would otherwise reach for (ocdskit compile,
# ocdsmerge-rs driven from Python), all on the same synthetic corpus made by `gen-ocds`.
#
#   benches/ocds-ingest.sh                 # 50,000 ocids, ~200,000 releases, ~750 MB release package
#   SMALL=1 benches/ocds-ingest.sh         # 2,000 ocids (~8,000 releases, ~30 MB): a quick try
#   MEMORY=1 benches/ocds-ingest.sh        # also ~250 MB and ~1 GB inputs: openreg's peak RSS on each
#
# Knobs (environment):
#   BENCH_OCIDS=N     ocids in the corpus (default 50000; 2000 with SMALL=1)
#   BENCH_RPO=K       average releases per ocid, each ocid gets 1..2K-1 (default 4)
#   BENCH_SEED=S      generator seed (default 1)
#   BENCH_FORMAT=F    package (default) or jsonl
#   BENCH_INTERLEAVE=L  mean distance in ocids between two releases of one ocid (default 2)
#   MEMORY=1          also generate --target-bytes 250000000 and 1000000000 inputs and report openreg's
#                     peak RSS on each; MEMORY_PEERS=1 runs the peers on them too (slow, and
#                     the ocdsmerge-rs driver holds the whole file in memory)
#   SKIP_PEERS=1      do not time the peers;   SKIP_OPENREG=1  do not time openreg
#   SKIP_BUILD=1      use the binaries already in target/release
#   OPENREG_BIN=PATH  time this openreg binary instead of target/release/openreg (e.g. another build)
#   PEER_VENV=DIR     reuse a virtualenv that already has ocdskit and ocdsmerge-rs (else a throwaway
#                     one is made in a mktemp dir and removed at exit)
#   PEER_STREAM=1     the peers stream a release package release by release: ocdskit compile gets
#                     --root-path releases.item, the ocdsmerge-rs driver parses with ijson instead of
#                     json.load (by default ocdskit holds a whole single package in memory)
#   COMPARE=1         keep the compiled outputs and compare openreg's with ocdskit's, ocid by ocid
#                     (default on with SMALL=1)
#   KEEP=1            keep the temporary directory (data dirs, logs, outputs) and print its path
#
# Corpora are written to benches/out/ (gitignored) and reused while gen-ocds and its arguments are the same.
# Peers need ../shared/data/ocds/schema/release-schema.json (relative to the repository root);
# without it they are skipped with a message.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT_DIR=$HERE/out
SCHEMA=$ROOT/../shared/data/ocds/schema/release-schema.json

SMALL=${SMALL:-0}
MEMORY=${MEMORY:-0}
MEMORY_PEERS=${MEMORY_PEERS:-0}
SKIP_PEERS=${SKIP_PEERS:-0}
SKIP_OPENREG=${SKIP_OPENREG:-0}
SKIP_BUILD=${SKIP_BUILD:-0}
PEER_STREAM=${PEER_STREAM:-0}
KEEP=${KEEP:-0}
if [[ $SMALL == 1 ]]; then
    BENCH_OCIDS=${BENCH_OCIDS:-2000}
    COMPARE=${COMPARE:-1}
else
    BENCH_OCIDS=${BENCH_OCIDS:-50000}
    COMPARE=${COMPARE:-0}
fi
BENCH_RPO=${BENCH_RPO:-4}
BENCH_SEED=${BENCH_SEED:-1}
BENCH_FORMAT=${BENCH_FORMAT:-package}
BENCH_INTERLEAVE=${BENCH_INTERLEAVE:-2}

OPENREG=${OPENREG_BIN:-$ROOT/target/release/openreg}
GEN=$ROOT/target/release/gen-ocds

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/openreg-bench.XXXXXX")
VENV_TMP=""
cleanup() {
    if [[ $KEEP == 1 ]]; then
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    if [[ -n $VENV_TMP ]]; then rm -rf "$VENV_TMP"; fi
}
trap cleanup EXIT

mkdir -p "$OUT_DIR"
RESULTS=$WORK/results.tsv # label, seconds, releases, input bytes, peak RSS KB, output bytes, note
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

HAVE_OPENREG=1
OPENREG_SKIPPED=""
if [[ $SKIP_OPENREG == 1 ]]; then HAVE_OPENREG=0; OPENREG_SKIPPED="SKIP_OPENREG=1"; fi
if [[ $SKIP_BUILD != 1 ]]; then
    log "cargo build --release -p openreg -p openreg-bench"
    if ! (cd "$ROOT" && cargo build --release -p openreg -p openreg-bench); then
        warn "building openreg failed: building gen-ocds alone and skipping openreg"
        HAVE_OPENREG=0
        OPENREG_SKIPPED="cargo build -p openreg failed"
        (cd "$ROOT" && cargo build --release -p openreg-bench)
    fi
fi
if [[ ! -x $GEN ]]; then
    echo "error: $GEN is missing (run without SKIP_BUILD=1)" >&2
    exit 1
fi
if [[ $HAVE_OPENREG == 1 && ! -x $OPENREG ]]; then
    warn "$OPENREG is missing: skipping openreg"
    HAVE_OPENREG=0
    OPENREG_SKIPPED="$OPENREG is missing"
fi

HAVE_PEERS=1
PEERS_SKIPPED=""
if [[ $SKIP_PEERS == 1 ]]; then
    HAVE_PEERS=0
    PEERS_SKIPPED="SKIP_PEERS=1"
elif [[ ! -f $SCHEMA ]]; then
    warn "$SCHEMA not found (is ../shared missing?): skipping the peers"
    HAVE_PEERS=0
    PEERS_SKIPPED="$SCHEMA not found"
fi

VENV=""
setup_peers() {
    if [[ -n ${PEER_VENV:-} ]]; then
        VENV=$PEER_VENV
    else
        VENV_TMP=$(mktemp -d "${TMPDIR:-/tmp}/openreg-bench-venv.XXXXXX")
        VENV=$VENV_TMP/venv
    fi
    if [[ ! -x $VENV/bin/ocdskit ]] || ! "$VENV/bin/python" -c 'import ocdsmerge_rs, ijson' 2>/dev/null; then
        log "virtualenv $VENV: pip install ocdskit ocdsmerge-rs ijson"
        # (set -e does not apply inside a function called from `if`: check each step)
        python3 -m venv "$VENV" || return 1
        "$VENV/bin/pip" install --quiet --disable-pip-version-check ocdskit ocdsmerge-rs ijson || return 1
    fi
    "$VENV/bin/python" -c 'import ocdsmerge_rs, ijson' && [[ -x $VENV/bin/ocdskit ]] || return 1
    log "peers: $("$VENV/bin/pip" list --disable-pip-version-check 2>/dev/null |
        awk 'tolower($1) ~ /^(ocdskit|ocdsmerge|ocdsmerge[-_]rs|ijson)$/ {printf "%s %s, ", $1, $2}')"
}
if [[ $HAVE_PEERS == 1 ]]; then
    if ! setup_peers; then
        warn "could not set up the peers' virtualenv: skipping the peers"
        HAVE_PEERS=0
        PEERS_SKIPPED="virtualenv setup failed"
    fi
fi

# --- helpers --------------------------------------------------------------------------------------

now_ns() { date +%s%N; }

# generate FILE ARGS...: run gen-ocds unless FILE was made by this very gen-ocds binary (same sha256)
# with the same arguments. Prints the generator's JSON summary.
generate() {
    local file=$1
    shift
    local meta=$file.meta.json stamp
    # The generator's source, not its binary: relinking it (its crate also links openreg-store) changes
    # the binary but not the bytes it writes.
    stamp="$(sha256sum <"$HERE/src/bin/gen_ocds.rs" | cut -d' ' -f1) $*"
    if [[ -f $file && -f $meta && -f $file.stamp && $(cat "$file.stamp") == "$stamp" ]]; then
        log "reusing $(basename "$file") (same gen-ocds, same arguments)"
    else
        rm -f "$file.stamp"
        log "gen-ocds $* --out $file"
        "$GEN" "$@" --out "$file" >"$meta.tmp"
        mv "$meta.tmp" "$meta"
        printf '%s' "$stamp" >"$file.stamp"
    fi
    cat "$meta"
}

json_field() { # json_field FILE KEY: print a top-level field of a JSON object (empty if absent)
    python3 -c 'import json,sys
try:
    d = json.load(open(sys.argv[1]))
    v = d.get(sys.argv[2], "")
    print(v if v is not None else "")
except Exception:
    print("")' "$1" "$2"
}

# measure LABEL RELEASES INPUT_BYTES STDOUT_FILE -- CMD...: run CMD with stdin from $MEASURE_STDIN
# (default /dev/null) and stdout to STDOUT_FILE; sets LAST_SECS (wall) and LAST_RSS (peak RSS, KB)
# from GNU time. Returns CMD's exit status.
measure() {
    local label=$1 releases=$2 in_bytes=$3 stdout_file=$4
    shift 5
    local tfile=$WORK/$(tr -c 'A-Za-z0-9_.-' '_' <<<"$label").time
    local t0 t1 rc=0
    t0=$(now_ns)
    /usr/bin/time -v -o "$tfile" "$@" <"${MEASURE_STDIN:-/dev/null}" >"$stdout_file" || rc=$?
    t1=$(now_ns)
    local secs rss
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tfile")
    if [[ $rc != 0 ]]; then
        warn "$label exited with status $rc (see $tfile)"
        return "$rc"
    fi
    LAST_SECS=$secs
    LAST_RSS=${rss:-0}
    log "$label: ${secs}s, peak RSS $((LAST_RSS / 1024)) MB"
    return 0
}

record() { # record LABEL SECONDS RELEASES INPUT_BYTES RSS_KB OUTPUT_BYTES NOTE
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"
}

run_ocdskit() { # run_ocdskit LABEL FILE RELEASES BYTES [OUTFILE]
    local label=$1 file=$2 releases=$3 bytes=$4 outfile=${5:-/dev/null}
    local extra=() note="compile --schema, output discarded"
    if [[ $PEER_STREAM == 1 && $BENCH_FORMAT == package ]]; then
        extra=(--root-path releases.item)
        note="compile --root-path releases.item --schema, output discarded"
    fi
    if MEASURE_STDIN=$file measure "$label" "$releases" "$bytes" "$outfile" -- \
        "$VENV/bin/ocdskit" compile "${extra[@]}" --schema "$SCHEMA"; then
        record "$label" "$LAST_SECS" "$releases" "$bytes" "$LAST_RSS" "" "$note"
    fi
}

run_ocdsmerge_rs() { # run_ocdsmerge_rs LABEL FILE RELEASES BYTES
    local label=$1 file=$2 releases=$3 bytes=$4
    local stream=()
    if [[ $PEER_STREAM == 1 ]]; then stream=(--stream); fi
    if measure "$label" "$releases" "$bytes" /dev/null -- \
        "$VENV/bin/python" "$HERE/peers/ocdsmerge_rs_compile.py" --schema "$SCHEMA" "${stream[@]}" \
        --out /dev/null "$file"; then
        local note="json.load + group by ocid + create_compiled_release"
        if [[ $PEER_STREAM == 1 ]]; then note="ijson + group by ocid + create_compiled_release"; fi
        record "$label" "$LAST_SECS" "$releases" "$bytes" "$LAST_RSS" "" "$note"
    fi
}

OPENREG_OK=$HAVE_OPENREG
# run_openreg_ingest LABEL FILE RELEASES BYTES DATADIR [INGEST OPTIONS...]
run_openreg_ingest() {
    local label=$1 file=$2 releases=$3 bytes=$4 dir=$5
    shift 5
    local summary=$WORK/$(basename "$dir").ingest.json
    if ! measure "$label" "$releases" "$bytes" "$summary" -- "$OPENREG" --data-dir "$dir" ingest ocds "$file" --json "$@"; then
        OPENREG_OK=0
        OPENREG_SKIPPED="ingest failed"
        return 1
    fi
    local stored quarantined
    stored=$(json_field "$summary" releases_stored)
    quarantined=$(json_field "$summary" quarantined)
    if [[ -z $stored ]]; then
        warn "openreg ingest printed no JSON summary with releases_stored (CLI not implemented yet?): $(head -c 300 "$summary")"
        OPENREG_OK=0
        OPENREG_SKIPPED="ingest printed no JSON summary with releases_stored"
        return 1
    fi
    if [[ $stored != "$releases" ]]; then
        warn "$label: releases_stored=$stored but the corpus has $releases releases"
    fi
    record "$label" "$LAST_SECS" "$releases" "$bytes" "$LAST_RSS" "" "stored=$stored quarantined=${quarantined:-?}"
}

# run_openreg_export LABEL DATADIR RELEASES OUTFILE
run_openreg_export() {
    local label=$1 dir=$2 releases=$3 outfile=$4
    if ! measure "$label" "$releases" 0 /dev/null -- "$OPENREG" --data-dir "$dir" export compiled -o "$outfile"; then
        return 1
    fi
    local obytes lines
    obytes=$(stat -c %s "$outfile" 2>/dev/null || echo 0)
    lines=$(wc -l <"$outfile" 2>/dev/null || echo 0)
    # releases/s for an export row counts compiled releases written.
    record "$label" "$LAST_SECS" "$lines" 0 "$LAST_RSS" "$obytes" "compiled releases written: $lines (releases/s = compiled/s)"
}

# --- corpus ---------------------------------------------------------------------------------------

ext=package.json
if [[ $BENCH_FORMAT == jsonl ]]; then ext=jsonl; fi
CORPUS=$OUT_DIR/corpus-o${BENCH_OCIDS}-k${BENCH_RPO}-s${BENCH_SEED}-i${BENCH_INTERLEAVE}.$ext
GEN_SUMMARY=$(generate "$CORPUS" --ocids "$BENCH_OCIDS" --releases-per-ocid "$BENCH_RPO" --seed "$BENCH_SEED" \
    --format "$BENCH_FORMAT" --interleave "$BENCH_INTERLEAVE")
RELEASES=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["releases"])' "$GEN_SUMMARY")
OCIDS=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ocids"])' "$GEN_SUMMARY")
GEN_SECS=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["seconds"])' "$GEN_SUMMARY")
BYTES=$(stat -c %s "$CORPUS")
log "corpus: $CORPUS: $OCIDS ocids, $RELEASES releases, $BYTES bytes (generated in ${GEN_SECS}s)"

# --- runs -----------------------------------------------------------------------------------------

KIT_OUT=/dev/null
REG_OUT=$WORK/openreg-compiled.jsonl
if [[ $COMPARE == 1 ]]; then KIT_OUT=$WORK/ocdskit-compiled.jsonl; fi

if [[ $HAVE_PEERS == 1 ]]; then
    run_ocdskit "ocdskit compile" "$CORPUS" "$RELEASES" "$BYTES" "$KIT_OUT" || true
    run_ocdsmerge_rs "ocdsmerge-rs (python)" "$CORPUS" "$RELEASES" "$BYTES" || true
fi

if [[ $HAVE_OPENREG == 1 ]]; then
    DATA=$(mktemp -d "$WORK/data.XXXXXX")
    # What the peers do: store and compile. The search index is brought up to date by the next
    # search (--no-index); the row after this one times the default, which indexes as well.
    if run_openreg_ingest "openreg ingest" "$CORPUS" "$RELEASES" "$BYTES" "$DATA" --no-index; then
        run_openreg_export "openreg export compiled" "$DATA" "$RELEASES" "$REG_OUT" || true
        RECORD_BIN=$(dirname "$OPENREG")/record-latency
        if [[ -x $RECORD_BIN ]]; then
            log "record latency (in process, warm store)"
            RECORD_LATENCY=$("$RECORD_BIN" --data-dir "$DATA" --samples 20000) || RECORD_LATENCY="record-latency failed"
        fi
        if [[ $COMPARE == 1 && $HAVE_PEERS == 1 && -s $REG_OUT && -s $KIT_OUT ]]; then
            log "comparing openreg's compiled releases with ocdskit's"
            python3 - "$KIT_OUT" "$REG_OUT" >"$WORK/compare.txt" <<'PY' || true
import json, sys
def load(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                out[r.get("ocid")] = r
    return out
kit, reg = load(sys.argv[1]), load(sys.argv[2])
same = sum(1 for k, v in kit.items() if reg.get(k) == v)
missing = [k for k in kit if k not in reg]
print(f"  ocdskit {len(kit)} compiled, openreg {len(reg)}; identical: {same}; missing in openreg: {len(missing)}")
for k, v in kit.items():
    if k in reg and reg[k] != v:
        fields = sorted(f for f in set(v) | set(reg[k]) if v.get(f) != reg[k].get(f))
        print(f"  first difference: {k}: fields {fields}")
        break
PY
        fi
        rm -rf "$DATA"
    fi
fi

# The default ingest also brings the search index up to date (issue 5): the same corpus, timed whole.
if [[ $HAVE_OPENREG == 1 && $OPENREG_OK == 1 ]]; then
    IDATA=$(mktemp -d "$WORK/data.XXXXXX")
    run_openreg_ingest "openreg ingest with search index" "$CORPUS" "$RELEASES" "$BYTES" "$IDATA" || true
    rm -rf "$IDATA"
fi

# MEMORY=1: openreg's peak RSS as the input grows (flat memory is the claim to check).
if [[ $MEMORY == 1 ]]; then
    for target in 250000000 1000000000; do
        mb=$((target / 1000000))
        mfile=$OUT_DIR/memory-${mb}MB-s${BENCH_SEED}-i${BENCH_INTERLEAVE}.$ext
        msum=$(generate "$mfile" --target-bytes "$target" --releases-per-ocid "$BENCH_RPO" --seed "$BENCH_SEED" \
            --format "$BENCH_FORMAT" --interleave "$BENCH_INTERLEAVE")
        mrel=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["releases"])' "$msum")
        mbytes=$(stat -c %s "$mfile")
        if [[ $HAVE_OPENREG == 1 && $OPENREG_OK == 1 ]]; then
            mdata=$(mktemp -d "$WORK/data.XXXXXX")
            if run_openreg_ingest "openreg ingest [${mb} MB]" "$mfile" "$mrel" "$mbytes" "$mdata" --no-index; then
                run_openreg_export "openreg export compiled [${mb} MB]" "$mdata" "$mrel" "$WORK/mem-compiled.jsonl" || true
                rm -f "$WORK/mem-compiled.jsonl"
            fi
            rm -rf "$mdata"
        fi
        if [[ $MEMORY_PEERS == 1 && $HAVE_PEERS == 1 ]]; then
            run_ocdskit "ocdskit compile [${mb} MB]" "$mfile" "$mrel" "$mbytes" || true
            run_ocdsmerge_rs "ocdsmerge-rs (python) [${mb} MB]" "$mfile" "$mrel" "$mbytes" || true
        fi
    done
fi

# --- report ---------------------------------------------------------------------------------------

echo
echo "OCDS ingest benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GB RAM", $2/1048576}' /proc/meminfo)"
echo "corpus: $(basename "$CORPUS") — $OCIDS ocids, $RELEASES releases, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }') ($BENCH_FORMAT), generated in ${GEN_SECS}s"
if [[ -s $WORK/compare.txt ]]; then echo "compiled releases, openreg vs ocdskit:"; cat "$WORK/compare.txt"; fi
if [[ -n $OPENREG_SKIPPED ]]; then echo "openreg: not measured ($OPENREG_SKIPPED)"; fi
if [[ -n $PEERS_SKIPPED ]]; then echo "peers: not measured ($PEERS_SKIPPED)"; fi
echo
RECORD_LATENCY=${RECORD_LATENCY:-} python3 - "$RESULTS" <<'PY'
import os, sys
rows = []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        label, secs, rel, inb, rss, outb, note = line.rstrip("\n").split("\t")
        rows.append(dict(label=label, secs=float(secs), rel=int(rel), inb=int(inb or 0), rss=int(rss or 0),
                         outb=int(outb or 0), note=note))
if not rows:
    print("nothing was measured")
    sys.exit(0)

def rate(r):
    return r["rel"] / r["secs"] if r["secs"] > 0 else float("nan")

def group(label):  # "ocdskit compile [250 MB]" -> "[250 MB]"; "" for the main corpus
    return label[label.index("["):] if label.endswith("]") and "[" in label else ""

def tool(label):
    return label[: -len(group(label))].rstrip() if group(label) else label

# openreg's figures per input (main corpus, then MEMORY=1 sizes), and its ingest + export sum.
groups = {}
for r in rows:
    groups.setdefault(group(r["label"]), {})[tool(r["label"])] = r
table = []
for r in rows:
    table.append(r)
    g = groups[group(r["label"])]
    if tool(r["label"]) == "openreg export compiled" and "openreg ingest" in g:
        ingest = g["openreg ingest"]
        e2e = dict(label=("openreg ingest + export " + group(r["label"])).rstrip(), secs=ingest["secs"] + r["secs"],
                   rel=ingest["rel"], inb=ingest["inb"], rss=max(ingest["rss"], r["rss"]), outb=0,
                   note="the peers' equivalent: releases in, compiled releases out")
        g["openreg ingest + export"] = e2e
        table.append(e2e)

head = f"{'tool':<38} {'seconds':>9} {'releases/s':>11} {'MB/s in':>8} {'MB/s out':>9} {'peak RSS MB':>12} {'openreg/peer':>13}"
print(head)
print("-" * len(head))
for r in table:
    mbin = f"{r['inb'] / 1e6 / r['secs']:.1f}" if r["inb"] and r["secs"] else "-"
    mbout = f"{r['outb'] / 1e6 / r['secs']:.1f}" if r["outb"] and r["secs"] else "-"
    ratio = "-"
    if not r["label"].startswith("openreg"):
        g = groups[group(r["label"])]
        peer = rate(r)
        bits = [f"{rate(g[k]) / peer:.2f}x" for k in ("openreg ingest", "openreg ingest + export") if k in g]
        if "openreg ingest with search index" in g:
            bits.append(f"({rate(g['openreg ingest with search index']) / peer:.2f}x)")
        ratio = " / ".join(bits) or "-"
    print(f"{r['label']:<38} {r['secs']:>9.2f} {rate(r):>11,.0f} {mbin:>8} {mbout:>9} {r['rss'] / 1024:>12,.0f} {ratio:>13}")
print()
print("releases/s and MB/s in: corpus releases (bytes) / wall seconds; MB/s out: bytes written / seconds.")
print("openreg/peer: openreg's releases/s over the peer's, as 'ingest only / ingest + export compiled'")
print("  (and, in brackets, the default ingest that also brings the search index up to date;")
print("  'openreg ingest' and the MEMORY=1 rows run with --no-index, storing and compiling as the peers do)")
if os.environ.get("RECORD_LATENCY"):
    print(os.environ["RECORD_LATENCY"])
print("(the peers read releases and write compiled releases, so the second figure is the like-for-like one).")
notes = [r for r in table if r["note"] and not r["label"].startswith("openreg ingest + export")]
if notes:
    print()
    for r in notes:
        print(f"  {r['label']}: {r['note']}")
PY
