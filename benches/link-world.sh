#!/usr/bin/env bash
# Linking benchmark: `openreg link` on a generated world of contract parties, beneficial owners and
# donors (gen-world), at two sizes to show how time and memory grow, plus precision and recall on
# the world's labelled sample and on the committed fixtures/links/generated.jsonl.
#
#   benches/link-world.sh              # 250,000 and 1,000,000 organisations (the issue's size: about
#                                      # 1,000,000 OCDS parties, 1,000,000 persons, 500,000 donations)
#   SMALL=1 benches/link-world.sh      # 20,000 and 80,000 organisations: a quick try
#
# Knobs (environment):
#   SIZES="NAME:ORGS:PERSONS:DONATIONS ..."  the worlds to run, smallest first (default
#                        "quarter:250000:250000:125000 full:1000000:1000000:500000";
#                        with SMALL=1 "s20k:20000:20000:10000 s80k:80000:80000:40000")
#   BENCH_SEED=S         generator seed (default 1)
#   LABELLED_RATE=R      the world's labelled.jsonl samples 1 name family in R (default 500)
#   LINK_TIMEOUT=SECS    stop `openreg link` after SECS (default 0: let it finish). A stopped run is
#                        reported with how far it got and a linear extrapolation; linking is
#                        incremental, so nothing is lost (KEEP=1 keeps the store to finish it)
#   MIN_FREE_GB=G        interrupt any openreg run when the file system of TMPDIR has less than G GB
#                        free (default 5), so that the bench never fills a shared disk; the run is
#                        reported as stopped
#   PEER=1               also run Splink (PyPI `splink` with DuckDB, and `anyascii` to fold names to
#                        ASCII) on the smallest world's person records, in a throwaway virtualenv (or
#                        PEER_VENV=DIR); off by default
#   LINK_CACHE_MB=M      sled's page cache for `openreg link` (its --cache-mb, through
#                        OPENREG_CACHE_MB; default 256, as `openreg link` itself). It mattered
#                        while linking kept its keys in sled (on the 80k world 16 MB made linking
#                        113 s, 256 MB 87 s); they are now in sorted runs read through the
#                        operating system's cache, and sled holds only what linking reads once
#                        (compiled releases, statements, donations) and the search queue
#   SKIP_BUILD=1         use the binaries already in target/release
#   OPENREG_BIN=PATH     time this openreg binary instead of target/release/openreg
#   KEEP=1               keep the temporary directory (stores, logs) and print its path
#
# Peak RSS (VmHWM) and CPU time (user + system) are sampled from /proc every 0.5 s for every ingest
# and link run (CPU time as last seen, so up to half a second short; beside wall time because the
# machine may be shared). `openreg link`
# runs under `script` (a pseudo-terminal) when available, so that its progress bar can be read
# back: how many mentions were compared when it stopped. Worlds go to benches/out/ (gitignored) and
# are reused while gen_world.rs, openreg's transliteration and the arguments are the same.
#
# There is no like-for-like public peer: Splink and dedupe are Python record-linkage libraries that
# deduplicate one table of records with their own model; none reads OCDS, BODS or donation files,
# transliterates Cyrillic or Georgian, or keeps judgements. PEER=1 times Splink on the person
# records alone (BODS persons, sole traders, individual donors; names folded by anyascii, blocked on
# the longest word, compared by Jaro-Winkler, birth month, tax number and country; trained by
# EM), clearly labelled, as an order of magnitude, with its precision and recall on the labelled
# sample's persons.
#
# Disk: a store takes about 1.1 KB per mention after ingest (the quarter world: 0.9 GB) and about
# 2.2 KB more per mention once linked (the quarter world: 2.7 GB after linking, measured
# 2026-11-27), now that linking keeps its mentions, blocking keys and links in sorted runs beside
# sled, each link in full under one end only. In sled they took about 15 KB a mention (11.9 GB for
# the quarter world; the full one had outgrown a 40-odd GB disk at 39% compared). Plus the world's
# files (0.5 and 2.1 GB). The warning below assumes 4 KB per mention.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT_DIR=$HERE/out
FIXTURE=$ROOT/fixtures/links/generated.jsonl

SMALL=${SMALL:-0}
if [[ $SMALL == 1 ]]; then
    SIZES=${SIZES:-"s20k:20000:20000:10000 s80k:80000:80000:40000"}
else
    SIZES=${SIZES:-"quarter:250000:250000:125000 full:1000000:1000000:500000"}
fi
BENCH_SEED=${BENCH_SEED:-1}
LABELLED_RATE=${LABELLED_RATE:-500}
LINK_TIMEOUT=${LINK_TIMEOUT:-0}
MIN_FREE_GB=${MIN_FREE_GB:-5}
PEER=${PEER:-0}
SKIP_BUILD=${SKIP_BUILD:-0}
LINK_CACHE_MB=${LINK_CACHE_MB:-256}
KEEP=${KEEP:-0}

OPENREG=${OPENREG_BIN:-$ROOT/target/release/openreg}
GEN=$ROOT/target/release/gen-world

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/openreg-link-bench.XXXXXX")
VENV_TMP=""
cleanup() {
    if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
    if [[ -n $VENV_TMP ]]; then rm -rf "$VENV_TMP"; fi
}
trap cleanup EXIT
mkdir -p "$OUT_DIR"
# name, orgs, persons, donations, mentions, link secs, finished (1/0), compared, peak RSS KB,
# candidate pairs, probable, possible, identifier groups, too-common blocks, ingest secs, ingest peak RSS KB,
# mentions gathered, why a run stopped, store KB after ingest/after link, link CPU secs, ingest CPU secs
RESULTS=$WORK/results.tsv
: >"$RESULTS"

# --- tools ----------------------------------------------------------------------------------------

if [[ $SKIP_BUILD != 1 ]]; then
    log "cargo build --release -p openreg -p openreg-bench"
    (cd "$ROOT" && cargo build --release -p openreg -p openreg-bench)
fi
for bin in "$OPENREG" "$GEN"; do
    if [[ ! -x $bin ]]; then
        echo "error: $bin is missing (run without SKIP_BUILD=1)" >&2
        exit 1
    fi
done
HAVE_SCRIPT=0
if command -v script >/dev/null 2>&1; then HAVE_SCRIPT=1; fi

# --- helpers --------------------------------------------------------------------------------------

now_ns() { date +%s%N; }
secs_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }

json_field() { # json_field JSON KEY [SUBKEY]: a field of a JSON object given as text (empty if absent)
    python3 -c 'import json,sys
try:
    v = json.loads(sys.argv[1])
    for k in sys.argv[2:]:
        v = v.get(k, "") if isinstance(v, dict) else ""
    print(v if v is not None else "")
except Exception:
    print("")' "$@"
}

# descendant PID NAME: the first process below PID whose command name is NAME (searched breadth-first).
descendant() {
    local queue=("$1") name=$2 pid child
    while ((${#queue[@]})); do
        pid=${queue[0]}
        queue=("${queue[@]:1}")
        for child in $(pgrep -P "$pid" 2>/dev/null || true); do
            if [[ $(cat "/proc/$child/comm" 2>/dev/null) == "$name" ]]; then
                echo "$child"
                return 0
            fi
            queue+=("$child")
        done
    done
    return 1
}

free_gb() { df -Pk "$WORK" | awk 'NR == 2 { print int($4 / 1048576) }'; }

# sample PID OUT: "seconds VmRSS VmHWM (KB) CPU-seconds" every 0.5 s until PID is gone; interrupts PID (and
# notes it in OUT.stopped) when the disk has less than MIN_FREE_GB free.
sample() {
    local pid=$1 out=$2 t0 n=0
    t0=$(now_ns)
    while [[ -d /proc/$pid ]]; do
        local cpu
        cpu=$(awk -v hz="$CLK_TCK" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$pid/stat" 2>/dev/null || true)
        awk -v t="$(secs_since "$t0")" -v c="${cpu:-0}" \
            '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 } END { if (r) print t, r, h, c }' \
            "/proc/$pid/status" 2>/dev/null >>"$out" || true
        if ((n++ % 10 == 0)) && (($(free_gb) < MIN_FREE_GB)) && [[ ! -f $out.stopped ]]; then
            echo "less than $MIN_FREE_GB GB free on the disk" >"$out.stopped"
            kill -INT "$pid" 2>/dev/null || true
        fi
        sleep 0.5
    done
}

peak_kb() { awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { print m }' "$1"; }
cpu_secs() { awk 'BEGIN { c = 0 } $4 > c { c = $4 } END { print c }' "$1"; }
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# run_sampled LOG CMD...: runs CMD (stdout and stderr to LOG), sampling the RSS of the `openreg`
# process it starts. Sets LAST_SECS, LAST_RSS (peak, KB), LAST_CPU (seconds) and LAST_RC.
run_sampled() {
    local logfile=$1
    shift
    local rssfile=$logfile.rss t0 pid child=""
    : >"$rssfile"
    t0=$(now_ns)
    "$@" >"$logfile" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 1 100); do
        if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == openreg ]]; then child=$pid; fi
        [[ -n $child ]] && break
        child=$(descendant "$pid" openreg || true)
        [[ -n $child ]] && break
        sleep 0.02
    done
    if [[ -n $child ]]; then sample "$child" "$rssfile" & fi
    LAST_RC=0
    wait "$pid" || LAST_RC=$?
    LAST_SECS=$(secs_since "$t0")
    wait || true
    LAST_RSS=$(peak_kb "$rssfile")
    LAST_CPU=$(cpu_secs "$rssfile")
    LAST_STOPPED=$(cat "$rssfile.stopped" 2>/dev/null || true)
    if [[ -n $LAST_STOPPED ]]; then warn "interrupted: $LAST_STOPPED"; fi
}

# generate DIR ARGS...: run gen-world unless DIR was made from these sources with these arguments.
generate() {
    local dir=$1
    shift
    local stamp
    stamp="$(cat "$HERE/src/bin/gen_world.rs" "$ROOT/crates/link/src/translit.rs" | sha256sum | cut -d' ' -f1) $*"
    if [[ -f $dir/summary.json && -f $dir/stamp && $(cat "$dir/stamp") == "$stamp" ]]; then
        log "reusing $(basename "$dir") (same gen-world, same arguments)"
    else
        rm -rf "$dir"
        mkdir -p "$dir"
        log "gen-world $* --out $dir"
        "$GEN" "$@" --out "$dir" >"$dir/summary.json.tmp"
        mv "$dir/summary.json.tmp" "$dir/summary.json"
        printf '%s' "$stamp" >"$dir/stamp"
    fi
}

# ingest LABEL DATA ARGS...: one `openreg ingest`, timed and sampled; adds to INGEST_SECS/INGEST_RSS.
ingest() {
    local label=$1 data=$2
    shift 2
    local logfile=$WORK/$label.log
    run_sampled "$logfile" "$OPENREG" --data-dir "$data" ingest "$@" --json
    if [[ -n $LAST_STOPPED || ($LAST_RC != 0 && $LAST_RC != 2) ]]; then
        warn "$label: openreg ingest exited with status $LAST_RC: $(tail -c 400 "$logfile")"
        INGEST_FAILED="$label: ${LAST_STOPPED:-exit status $LAST_RC}"
        return 1
    fi
    local summary quarantined
    summary=$(grep -a '^{' "$logfile" | tail -1)
    quarantined=$(json_field "$summary" quarantined)
    if [[ ${quarantined:-0} != 0 ]]; then
        warn "$label: $quarantined records quarantined: gen-world wrote something openreg cannot read"
    fi
    log "$label: ${LAST_SECS}s (CPU ${LAST_CPU}s), peak RSS $((LAST_RSS / 1024)) MB, quarantined ${quarantined:-?}"
    INGEST_SECS=$(awk -v a="$INGEST_SECS" -v b="$LAST_SECS" 'BEGIN { printf "%.3f", a + b }')
    INGEST_CPU=$(awk -v a="$INGEST_CPU" -v b="$LAST_CPU" 'BEGIN { printf "%.2f", a + b }')
    if ((LAST_RSS > INGEST_RSS)); then INGEST_RSS=$LAST_RSS; fi
}

# link NAME DATA: `openreg link --json`, under a pseudo-terminal when possible (to read its
# progress), stopped after LINK_TIMEOUT seconds if set. Sets the LINK_* variables.
link() {
    local name=$1 data=$2
    local logfile=$WORK/$name.link.log
    local cmd=(env "OPENREG_CACHE_MB=$LINK_CACHE_MB" "$OPENREG" --data-dir "$data" link --json)
    if [[ $LINK_TIMEOUT != 0 ]]; then cmd=(timeout -s INT "$LINK_TIMEOUT" "${cmd[@]}"); fi
    local limit=""
    if [[ $LINK_TIMEOUT != 0 ]]; then limit=" (stopped after ${LINK_TIMEOUT}s if still running)"; fi
    log "openreg link [$name] (sled cache ${LINK_CACHE_MB} MB)$limit"
    if [[ $HAVE_SCRIPT == 1 ]]; then
        local quoted
        quoted=$(printf '%q ' "${cmd[@]}")
        # A wide terminal, so that the progress bar keeps its counts.
        run_sampled "$logfile" script -qefc "stty cols 200 2>/dev/null; $quoted" /dev/null
    else
        run_sampled "$logfile" "${cmd[@]}"
    fi
    LINK_SECS=$LAST_SECS
    LINK_RSS=$LAST_RSS
    LINK_CPU=$LAST_CPU
    LINK_WHY=${LAST_STOPPED:-}
    if [[ -z $LINK_WHY && $LINK_TIMEOUT != 0 ]]; then LINK_WHY="LINK_TIMEOUT=$LINK_TIMEOUT"; fi
    # Strip the terminal's escapes and carriage returns; the JSON summary is the last line with "{".
    tr '\r' '\n' <"$logfile" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' >"$logfile.txt"
    LINK_SUMMARY=$(grep -a '^{"mentions"' "$logfile.txt" | tail -1 || true)
    LINK_PROGRESS=$(grep -aoE 'comparing.* [0-9]+/[0-9]+' "$logfile.txt" | grep -oE '[0-9]+/[0-9]+' | tail -1 || true)
    LINK_GATHERED=$(grep -aoE 'gathering mentions: [0-9]+' "$logfile.txt" | grep -oE '[0-9]+' | tail -1 || true)
    if [[ -n $LINK_SUMMARY ]]; then
        LINK_DONE=1
        log "openreg link [$name]: ${LINK_SECS}s (CPU ${LINK_CPU}s), peak RSS $((LINK_RSS / 1024)) MB: $LINK_SUMMARY"
    else
        LINK_DONE=0
        if [[ $LAST_RC != 0 && $LAST_RC != 124 && $LAST_RC != 130 ]]; then
            warn "openreg link [$name] exited with status $LAST_RC: $(tail -c 400 "$logfile.txt")"
        fi
        log "openreg link [$name]: stopped after ${LINK_SECS}s (compared ${LINK_PROGRESS:-?}, gathered ${LINK_GATHERED:-?})"
    fi
}

# --- runs -----------------------------------------------------------------------------------------

LARGEST_DONE=""
for size in $SIZES; do
    IFS=: read -r name orgs persons donations <<<"$size"
    dir=$OUT_DIR/world-o${orgs}-p${persons}-d${donations}-s${BENCH_SEED}
    generate "$dir" --orgs "$orgs" --persons "$persons" --donations "$donations" --seed "$BENCH_SEED" \
        --labelled-rate "$LABELLED_RATE"
    gen=$(cat "$dir/summary.json")
    log "world $name: $gen"
    need_gb=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["mentions"] * 4e3 / 1e9))' "$dir/summary.json")
    free_gb=$(df -Pk "$WORK" | awk 'NR == 2 { print int($4 / 1048576) }')
    if ((free_gb < need_gb)); then
        warn "world $name may need about $need_gb GB for its store and $free_gb GB are free in $WORK (set TMPDIR)"
    fi
    data=$WORK/data-$name
    INGEST_SECS=0
    INGEST_CPU=0
    INGEST_RSS=0
    INGEST_FAILED=""
    ingest "$name-ocds" "$data" ocds "$dir/ocds.jsonl" &&
        ingest "$name-bods" "$data" bods "$dir/bods.jsonl" &&
        ingest "$name-donations-ge" "$data" donations "$dir/donations-ge-sao.csv" --profile ge-sao &&
        ingest "$name-donations-uk" "$data" donations "$dir/donations-uk-ec.csv" --profile uk-ec &&
        ingest "$name-donations-ua" "$data" donations "$dir/donations-ua-generic.csv" --profile generic --country UA ||
        true
    STORE_KB=$(du -sk "$data" | cut -f1)
    if [[ -n $INGEST_FAILED ]]; then
        warn "world $name: ingest stopped ($INGEST_FAILED); not linking it"
        rm -rf "$data"
        continue
    fi
    link "$name" "$data"
    STORE_KB="$STORE_KB/$(du -sk "$data" | cut -f1)"
    world_mentions=$(json_field "$gen" mentions)
    if [[ $LINK_DONE == 1 ]]; then
        mentions=$(json_field "$LINK_SUMMARY" mentions)
        compared=$(json_field "$LINK_SUMMARY" compared)
        gathered=$mentions
    else
        # The compare bar's total is the mentions gathered; while gathering, only that count is known.
        mentions=${LINK_PROGRESS#*/}
        mentions=${mentions:-$world_mentions}
        compared=${LINK_PROGRESS%/*}
        compared=${compared:-0}
        gathered=${LINK_PROGRESS#*/}
        gathered=${gathered:-${LINK_GATHERED:-0}}
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$orgs" "$persons" \
        "$donations" "${mentions:-0}" "$LINK_SECS" "$LINK_DONE" "${compared:-0}" "${LINK_RSS:-0}" \
        "$(json_field "$LINK_SUMMARY" candidate_pairs)" "$(json_field "$LINK_SUMMARY" links probable)" \
        "$(json_field "$LINK_SUMMARY" links possible)" "$(json_field "$LINK_SUMMARY" identifier_groups)" \
        "$(json_field "$LINK_SUMMARY" blocks_too_common)" "$INGEST_SECS" "$INGEST_RSS" "${gathered:-0}" \
        "${LINK_WHY:-}" "$STORE_KB" "${LINK_CPU:-0}" "$INGEST_CPU" >>"$RESULTS"
    if [[ $KEEP != 1 ]]; then rm -rf "$data"; fi
done

# --- evaluation -----------------------------------------------------------------------------------

EVAL=$WORK/evaluation.txt
: >"$EVAL"
evaluate() { # evaluate LABEL FILE
    if [[ ! -s $2 ]]; then
        echo "$1: $2 is missing" >>"$EVAL"
        return
    fi
    log "openreg link evaluate $2"
    {
        echo "$1 ($2):"
        "$OPENREG" link evaluate "$2" >"$WORK/eval.out" 2>&1 || echo "  (openreg link evaluate failed)"
        grep -v -E '^(wrong link|missed):' "$WORK/eval.out" | sed 's/^/  /'
        echo "  wrong links: $(grep -c '^wrong link: [^p]' "$WORK/eval.out" || true) probable or better," \
            "$(grep -c '^wrong link: possible' "$WORK/eval.out" || true) possible; missed (first 50 listed):" \
            "$(grep -c '^missed:' "$WORK/eval.out" || true)"
        grep -E '^wrong link: [^p]' "$WORK/eval.out" | head -8 | sed 's/^/  /' || true
        grep -E '^wrong link: possible' "$WORK/eval.out" | head -4 | sed 's/^/  /' || true
        grep -E '^missed:' "$WORK/eval.out" | head -8 | sed 's/^/  /' || true
    } >>"$EVAL"
}
evaluate "committed fixture" "$FIXTURE"
LAST_DIR=$OUT_DIR/world-$(awk -F: '{ print "o" $2 "-p" $3 "-d" $4 }' <<<"${SIZES##* }")-s$BENCH_SEED
evaluate "labelled sample of the largest world (1 name family in $LABELLED_RATE)" "$LAST_DIR/labelled.jsonl"

# --- Splink, on the smallest world's person records (optional) ------------------------------------

PEER_LINE=""
if [[ $PEER == 1 ]]; then
    first=${SIZES%% *}
    IFS=: read -r pname porgs ppersons pdonations <<<"$first"
    pdir=$OUT_DIR/world-o${porgs}-p${ppersons}-d${pdonations}-s${BENCH_SEED}
    if [[ -n ${PEER_VENV:-} ]]; then
        VENV=$PEER_VENV
    else
        VENV_TMP=$(mktemp -d "${TMPDIR:-/tmp}/openreg-link-venv.XXXXXX")
        VENV=$VENV_TMP/venv
    fi
    if [[ ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -c 'import splink, anyascii' 2>/dev/null; then
        log "virtualenv $VENV: pip install splink anyascii"
        python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet --disable-pip-version-check splink anyascii ||
            warn "could not install splink"
    fi
    if "$VENV/bin/python" -c 'import splink, anyascii' 2>/dev/null; then
        log "Splink on the person records of world $pname"
        cat >"$WORK/splink_persons.py" <<'PY'
"""Splink (DuckDB) on the person records of a gen-world world: BODS persons, sole traders among the
OCDS parties, and individual donors. Names are folded to ASCII with anyascii (Splink has no
transliteration of its own) and reduced to sorted unique words. Prints one line starting `splink:`."""
import csv, json, os, re, sys, tempfile, time

from anyascii import anyascii
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
import splink.comparison_library as cl

world = sys.argv[1]
t0 = time.time()
DROP = {"mr", "mrs", "ms", "dr", "fop", "spd", "i", "m", "ind", "metsarme", "fizichna", "osoba", "pidpriiemets",
        "fizychna", "pidpryiemets"}
rows = []


def add(uid, name, birth=None, tax=None, country=None):
    words = sorted(set(re.findall(r"[a-z0-9]+", anyascii(name or "").lower())) - DROP)
    if not words:
        return
    longest = max(words, key=lambda w: (len(w), w))
    rows.append({"unique_id": uid, "name": " ".join(words), "tok_first": words[0], "tok_last": words[-1],
                 "tok_long": longest,
                 "birth_ym": (birth or "")[:7], "tax_id": tax or "", "country": country or ""})


with open(os.path.join(world, "bods.jsonl"), encoding="utf-8") as f:
    for line in f:
        s = json.loads(line)
        d = s.get("recordDetails", {})
        if s.get("recordType") != "person" or d.get("personType") != "knownPerson":
            continue
        ids = d.get("identifiers") or [{}]
        nat = (d.get("nationalities") or [{}])[0].get("code")
        add("bods/" + s["recordId"], d["names"][0]["fullName"], d.get("birthDate"), ids[0].get("id"), nat)
with open(os.path.join(world, "ocds.jsonl"), encoding="utf-8") as f:
    for line in f:
        r = json.loads(line)
        for p in r.get("parties", []):
            i = (p.get("identifier") or {}).get("id", "")
            if len(i) in (10, 11) and i.isdigit():
                add(f"ocds/{r['ocid']}/{p['id']}", p["name"], tax=i, country="UA" if len(i) == 10 else "GE")
with open(os.path.join(world, "donations-ge-sao.csv"), encoding="utf-8") as f:
    for n, row in enumerate(csv.reader(f)):
        if n and row[5] == "ფიზიკური პირი":
            add(f"donor/ge-sao:{n + 1}", f"{row[2]} {row[3]}", tax=row[4], country="GE")
with open(os.path.join(world, "donations-uk-ec.csv"), encoding="utf-8") as f:
    for row in csv.DictReader(f):
        if row["DonorStatus"] == "Individual":
            add(f"donor/uk-ec:{row['ECRef']}", row["DonorName"], country="GB")
with open(os.path.join(world, "donations-ua-generic.csv"), encoding="utf-8") as f:
    for n, row in enumerate(csv.reader(f)):
        if n and row[3] == "фізична особа":
            add(f"donor/generic:{n + 1}", row[0], tax=row[1], country="UA")

tmp = tempfile.mkdtemp()
path = os.path.join(tmp, "persons.csv")
with open(path, "w", encoding="utf-8", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
t_read = time.time() - t0

db = DuckDBAPI()
sdf = db.register_from_csv(path) if hasattr(db, "register_from_csv") else db.register(path)
settings = SettingsCreator(
    link_type="dedupe_only",
    comparisons=[
        cl.JaroWinklerAtThresholds("name", [0.95, 0.88]),
        cl.JaroWinklerAtThresholds("tok_long", [0.95, 0.88]),
        cl.ExactMatch("birth_ym"),
        cl.ExactMatch("tax_id"),
        cl.ExactMatch("country"),
    ],
    blocking_rules_to_generate_predictions=[
        block_on("tok_long"),
        block_on("tax_id"),
    ],
)
linker = Linker(sdf, settings, log_level=30)
linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("tok_long"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("tax_id"))
pred = linker.inference.predict(threshold_match_probability=0.5)
pairs = db.query_sql(f"select count(*) as n from {pred.physical_name}" if hasattr(pred, "physical_name") else "select 0")
clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.9)
assigned = db.query_sql(f"select unique_id, cluster_id from {clusters.physical_name}")
elapsed = time.time() - t0


def rows_of(result):
    if hasattr(result, "as_duckdbpyrelation"):
        return result.as_duckdbpyrelation().fetchall()
    if hasattr(result, "fetchall"):
        return result.fetchall()
    if hasattr(result, "to_pylist"):
        return [tuple(r.values()) for r in result.to_pylist()]
    if hasattr(result, "itertuples"):
        return [tuple(r)[1:] for r in result.itertuples()]
    return list(result)


n_pairs = rows_of(pairs)[0][0]
cluster = dict(rows_of(assigned))
# Precision and recall of the clusters on the labelled sample's persons.
truth = {}
lab = os.path.join(world, "labelled.jsonl")
if os.path.exists(lab):
    for line in open(lab, encoding="utf-8"):
        m = json.loads(line)
        if m["kind"] == "person" and m["id"] in cluster:
            truth[m["id"]] = m["truth"]
ids = sorted(truth)
tp = fp = fn = 0
for i, a in enumerate(ids):
    for b in ids[i + 1:]:
        same, joined = truth[a] == truth[b], cluster[a] == cluster[b]
        tp += same and joined
        fp += joined and not same
        fn += same and not joined
prec = tp / (tp + fp) if tp + fp else 1.0
rec = tp / (tp + fn) if tp + fn else 1.0
print(f"splink: {len(rows):,} person records ({t_read:.1f}s to read the files), {n_pairs:,} pairs scored >= 0.5, "
      f"{len(set(cluster.values())):,} clusters at 0.9, {elapsed:.1f}s in all; on the labelled sample's "
      f"{len(ids):,} person mentions: pairwise precision {prec:.3f}, recall {rec:.3f}")
PY
        run_sampled "$WORK/splink.log" "$VENV/bin/python" "$WORK/splink_persons.py" "$pdir"
        if [[ $LAST_RC == 0 ]]; then
            PEER_LINE="Splink $("$VENV/bin/python" -c 'import splink; print(splink.__version__)' 2>/dev/null) (DuckDB), person records of world $pname only: ${LAST_SECS}s; $(grep -a '^splink:' "$WORK/splink.log" | tail -1)"
        else
            PEER_LINE="Splink failed (status $LAST_RC): $(tail -c 300 "$WORK/splink.log")"
        fi
    fi
fi

# --- report ---------------------------------------------------------------------------------------

echo
echo "Linking benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GB RAM", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "worlds: gen-world --seed $BENCH_SEED in benches/out/; openreg: $OPENREG; link with OPENREG_CACHE_MB=$LINK_CACHE_MB"
echo
python3 - "$RESULTS" <<'PY'
import sys
rows = []
for line in open(sys.argv[1], encoding="utf-8"):
    f = line.rstrip("\n").split("\t")
    num = lambda s: float(s) if s not in ("", None) else 0.0
    store = [int(x) for x in f[18].split("/") if x] if len(f) > 18 else []
    rows.append(dict(name=f[0], orgs=int(f[1]), persons=int(f[2]), donations=int(f[3]), mentions=int(num(f[4])),
                     secs=num(f[5]), done=f[6] == "1", compared=int(num(f[7])), rss=int(num(f[8])),
                     pairs=f[9], probable=f[10], possible=f[11], groups=f[12], common=f[13],
                     ingest=num(f[14]), ingest_rss=int(num(f[15])), gathered=int(num(f[16])), why=f[17],
                     store=store, cpu=num(f[19]) if len(f) > 19 else 0.0,
                     ingest_cpu=num(f[20]) if len(f) > 20 else 0.0))
if not rows:
    print("nothing was measured")
    sys.exit(0)
head = (f"{'world':<9} {'orgs/persons/donations':>27} {'mentions':>10} {'link s':>8} {'CPU s':>7} {'mentions/s':>11} "
        f"{'peak RSS MB':>12} {'candidate pairs':>16} {'probable':>9} {'possible':>9} {'id groups':>10} "
        f"{'too common':>11} {'ingest s':>9} {'CPU s':>7} {'store GB':>12}")
print(head)
print("-" * len(head))
for r in rows:
    rate = (r["mentions"] if r["done"] else r["compared"] or r["gathered"]) / r["secs"] if r["secs"] else 0
    secs = f"{r['secs']:.0f}" if r["done"] else f"{r['secs']:.0f}*"
    store = "/".join(f"{kb / 1048576:.1f}" for kb in r["store"]) or "-"
    print(f"{r['name']:<9} {r['orgs']:>11,}/{r['persons']:,}/{r['donations']:,} {r['mentions']:>10,} {secs:>8} "
          f"{r['cpu']:>7.0f} "
          f"{rate:>11,.0f} {r['rss'] / 1024:>12,.0f} {r['pairs'] or '-':>16} {r['probable'] or '-':>9} "
          f"{r['possible'] or '-':>9} {r['groups'] or '-':>10} {r['common'] or '-':>11} {r['ingest']:>9.0f} "
          f"{r['ingest_cpu']:>7.0f} {store:>12}")
for r in rows:
    if r["done"]:
        continue
    why = f" ({r['why']})" if r["why"] else ""
    if r["compared"]:
        frac = r["compared"] / r["mentions"] if r["mentions"] else 0
        print(f"* {r['name']}: stopped after {r['secs']:.0f} s{why} with {r['compared']:,} of {r['mentions']:,} "
              f"mentions compared ({frac:.1%}); at that pace the whole run would take about "
              f"{r['secs'] / frac / 60:,.0f} min (mentions are compared in id order: BODS, donors, then OCDS "
              f"parties, so this is rough)")
    else:
        print(f"* {r['name']}: stopped after {r['secs']:.0f} s{why} while gathering mentions: {r['gathered']:,} of "
              f"about {r['mentions']:,} gathered ({r['gathered'] / r['secs']:,.0f} mentions/s), none compared yet")
print("CPU s: user + system seconds of the openreg process (link, and the five ingests together), as last")
print("sampled; mentions/s: mentions gathered and compared / wall seconds of `openreg link` (gathering included; for a")
print("stopped run, mentions compared, or gathered, so far); peak RSS: VmHWM of the openreg process;")
print("ingest s: the five ingests together (their peak RSS:",
      ", ".join(f"{r['name']} {r['ingest_rss'] / 1024:,.0f} MB" for r in rows) + "); store GB: after ingest/after link")
done = [r for r in rows if r["done"]]
if len(done) >= 2:
    lo, hi = done[0], done[-1]
    m = hi["mentions"] / lo["mentions"]
    t = hi["secs"] / lo["secs"]
    p = float(hi["pairs"] or 0) / float(lo["pairs"] or 1)
    c = hi["cpu"] / lo["cpu"] if lo["cpu"] else 0
    print(f"growth {lo['name']} -> {hi['name']}: mentions x{m:.2f}, link time x{t:.2f} "
          f"(time per mention x{t / m:.2f}; 1.00 is linear), link CPU x{c:.2f}, candidate pairs x{p:.2f}, "
          f"peak RSS x{hi['rss'] / max(lo['rss'], 1):.2f}")
else:
    paced = [r for r in rows if r["done"] or r["compared"]]
    if len(paced) >= 2:
        lo, hi = paced[0], paced[-1]
        pace = lambda r: r["secs"] / (r["mentions"] if r["done"] else r["compared"])
        print(f"growth {lo['name']} -> {hi['name']}: seconds per compared mention x{pace(hi) / pace(lo):.2f} "
              f"(1.00 is linear; from runs that did not all finish)")
PY
echo
cat "$EVAL"
if [[ -n $PEER_LINE ]]; then
    echo
    echo "$PEER_LINE"
fi
