#!/usr/bin/env bash
# Procurement red-flag benchmark: openreg's procurement indicators (openreg_flags::procurement::run,
# driven by `flags-bench`) over a corpus of compiled releases made by `gen-compiled`, and Cardinal's
# `ocdscardinal indicators` on the same file in the same run, for the eight indicators both compute.
#
#   benches/flags.sh                # 1,000,000 compiled releases (~5.5 GB), every timing twice
#   SMALL=1 benches/flags.sh        # 50,000 releases (~270 MB), once: a quick try
#
# Knobs (environment):
#   BENCH_RELEASES=N  compiled releases in the corpus (default 1000000; 50000 with SMALL=1)
#   BENCH_SEED=S      generator seed (default 1)
#   RUNS=K            how many times each tool is timed (default 2; 1 with SMALL=1)
#   SKIP_PEER=1       do not look for Cardinal, time openreg alone
#   SKIP_BUILD=1      use gen-compiled and flags-bench already in target/release
#   PEER_DIR=DIR      where Cardinal is set up and kept (its venv, its sdist, its build); reused when
#                     DIR/bin/ocdscardinal already exists. Default: a throwaway directory (building
#                     Cardinal from source takes ~7 minutes on 2 cores)
#   CARDINAL_BIN=PATH time this `ocdscardinal` binary and skip the search
#   PROFILE=1         also record `perf` on flags-bench (all indicators) over the first 100,000 lines
#                     and print where the time goes
#   KEEP=1            keep the temporary directory (outputs, logs) and print its path
#
# How Cardinal is found (each attempt and its outcome is printed in the report):
#   1. PyPI `ocdscardinal`, the wheel: `pip install ocdscardinal` into a virtualenv, then look for an
#      `ocdscardinal` command and an `indicators` function in the module;
#   2. crates.io: `cargo install ocdscardinal`, and what the crate named `cardinal` is (`cargo info`);
#   3. Debian: `apt-cache search` for cardinal and ocds;
#   4. PyPI `ocdscardinal`, the source distribution: `pip download --no-binary ocdscardinal` fetches
#      Cardinal's full Rust source (its CLI included, with its Cargo.lock); `cargo build --release
#      --locked` builds the `ocdscardinal` command from it.
# The first that yields a working `ocdscardinal indicators` is timed. If none does, the script says
# so, prints openreg's figures alone and exits 0.
#
# Both tools get equivalent settings: every indicator's defaults, with the main currency set
# (`currency = USD`: without it each tool takes the first currency it sees, and Cardinal's threads each
# see a different first bid). openreg's full run also gives R055 its threshold (50,000, the one the
# corpus is made around), without which R055 flags nothing.
#
# Corpora are written to benches/out/ (gitignored) and reused while gen-compiled's source and its
# arguments are the same.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT_DIR=$HERE/out

SMALL=${SMALL:-0}
if [[ $SMALL == 1 ]]; then
    BENCH_RELEASES=${BENCH_RELEASES:-50000}
    RUNS=${RUNS:-1}
else
    BENCH_RELEASES=${BENCH_RELEASES:-1000000}
    RUNS=${RUNS:-2}
fi
BENCH_SEED=${BENCH_SEED:-1}
SKIP_PEER=${SKIP_PEER:-0}
SKIP_BUILD=${SKIP_BUILD:-0}
PROFILE=${PROFILE:-0}
KEEP=${KEEP:-0}
R055_THRESHOLD=50000

GEN=$ROOT/target/release/gen-compiled
BENCH=$ROOT/target/release/flags-bench

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/openreg-flags-bench.XXXXXX")
PEER_TMP=""
cleanup() {
    if [[ $KEEP == 1 ]]; then
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    if [[ -n $PEER_TMP ]]; then rm -rf "$PEER_TMP"; fi
}
trap cleanup EXIT

mkdir -p "$OUT_DIR"
RESULTS=$WORK/results.tsv # run, label, wall s, user s, sys s, peak RSS KB, load average at start
: >"$RESULTS"
ATTEMPTS=$WORK/peer-attempts.txt # one line per attempt to get Cardinal
: >"$ATTEMPTS"
attempt() { printf '  - %s\n' "$*" >>"$ATTEMPTS"; log "peer: $*"; }

apt_install() {
    if [[ $(id -u) == 0 ]]; then
        apt-get update -qq && apt-get install -y -qq "$@" >/dev/null
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq "$@" >/dev/null
    fi
}

# --- tools ----------------------------------------------------------------------------------------

if [[ ! -x /usr/bin/time ]]; then
    log "installing GNU time (/usr/bin/time is missing)"
    apt_install time
fi
if [[ $SKIP_BUILD != 1 ]]; then
    log "cargo build --release -p openreg-bench --bin gen-compiled --bin flags-bench"
    (cd "$ROOT" && cargo build --release -p openreg-bench --bin gen-compiled --bin flags-bench)
fi
for bin in "$GEN" "$BENCH"; do
    if [[ ! -x $bin ]]; then
        echo "error: $bin is missing (run without SKIP_BUILD=1)" >&2
        exit 1
    fi
done

# --- corpus ---------------------------------------------------------------------------------------

# generate FILE ARGS...: run gen-compiled unless FILE was made by the same gen-compiled source with
# the same arguments. Prints the generator's JSON summary.
generate() {
    local file=$1
    shift
    local meta=$file.meta.json stamp
    stamp="$(sha256sum <"$HERE/src/bin/gen_compiled.rs" | cut -d' ' -f1) $*"
    if [[ -f $file && -f $meta && -f $file.stamp && $(cat "$file.stamp") == "$stamp" ]]; then
        log "reusing $(basename "$file") (same gen-compiled, same arguments)"
    else
        rm -f "$file.stamp"
        log "gen-compiled $* --out $file"
        "$GEN" "$@" --out "$file" >"$meta.tmp"
        mv "$meta.tmp" "$meta"
        printf '%s' "$stamp" >"$file.stamp"
    fi
    cat "$meta"
}

json_get() { # json_get JSON KEY
    python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

CORPUS=$OUT_DIR/compiled-n${BENCH_RELEASES}-s${BENCH_SEED}.jsonl
GEN_SUMMARY=$(generate "$CORPUS" --releases "$BENCH_RELEASES" --seed "$BENCH_SEED")
RELEASES=$(json_get "$GEN_SUMMARY" releases)
GEN_SECS=$(json_get "$GEN_SUMMARY" seconds)
BYTES=$(stat -c %s "$CORPUS")
log "corpus: $CORPUS: $RELEASES compiled releases, $BYTES bytes (generated in ${GEN_SECS}s)"

# --- settings -------------------------------------------------------------------------------------

CARDINAL_CODES=(R003 R018 R024 R028 R035 R036 R038 R058)
ALL_TOML=$WORK/all.toml
SHARED_TOML=$WORK/cardinal-8.toml
SHARED_INI=$WORK/cardinal-8.ini
{
    echo 'currency = "USD"'
    for code in R003 R018 R024 R028 R035 R036 R038; do echo "[$code]"; done
    printf '[R055]\nthreshold = %s\n' "$R055_THRESHOLD"
    printf '[R058]\n[R069]\n'
} >"$ALL_TOML"
{
    echo 'currency = "USD"'
    for code in "${CARDINAL_CODES[@]}"; do echo "[$code]"; done
} >"$SHARED_TOML"
{
    printf 'currency = USD\n\n'
    for code in "${CARDINAL_CODES[@]}"; do echo "[$code]"; done
} >"$SHARED_INI"

# --- the peer -------------------------------------------------------------------------------------

CARDINAL=""
CARDINAL_PROVENANCE=""
PEER_STATUS=""

find_peer() {
    local dir=$1 out
    mkdir -p "$dir"
    if [[ -x $dir/bin/ocdscardinal ]] && "$dir/bin/ocdscardinal" indicators --help >/dev/null 2>&1; then
        CARDINAL=$dir/bin/ocdscardinal
        CARDINAL_PROVENANCE=$(cat "$dir/provenance.txt" 2>/dev/null || echo "$CARDINAL (PEER_DIR)")
        attempt "reused $CARDINAL ($CARDINAL_PROVENANCE)"
        return 0
    fi

    # 1. PyPI, the wheel.
    local venv=$dir/venv version=""
    if python3 -m venv "$venv" >"$dir/venv.log" 2>&1 &&
        "$venv/bin/pip" install --quiet --disable-pip-version-check ocdscardinal >>"$dir/venv.log" 2>&1; then
        version=$("$venv/bin/pip" show ocdscardinal 2>/dev/null | awk '/^Version:/ {print $2}')
        local versions names
        versions=$("$venv/bin/pip" index versions ocdscardinal 2>/dev/null | awk -F': ' '/Available versions/ {print $2}')
        names=$("$venv/bin/python" -c 'import ocdscardinal as m; print(", ".join(n for n in dir(m) if not n.startswith("_") and n != "ocdscardinal"))' 2>&1)
        if [[ -x $venv/bin/ocdscardinal ]] && "$venv/bin/ocdscardinal" indicators --help >/dev/null 2>&1; then
            CARDINAL=$venv/bin/ocdscardinal
            CARDINAL_PROVENANCE="ocdscardinal $version, the command installed by the PyPI wheel"
            attempt "PyPI wheel: pip install ocdscardinal -> $version, which has an ocdscardinal command"
            return 0
        fi
        local has_indicators=no
        if "$venv/bin/python" -c 'import ocdscardinal, sys; sys.exit(0 if hasattr(ocdscardinal, "indicators") else 1)' 2>/dev/null; then
            has_indicators=yes
        fi
        attempt "PyPI wheel: pip install ocdscardinal -> version $version (versions on PyPI: ${versions:-?}); it installs no ocdscardinal command, and its module exposes only: $names (an indicators function: $has_indicators)"
    else
        attempt "PyPI wheel: pip install ocdscardinal failed: $(tail -1 "$dir/venv.log")"
    fi

    # 2. crates.io.
    if command -v cargo >/dev/null; then
        if cargo install --quiet --root "$dir/cargo-install" ocdscardinal >"$dir/cargo-install.log" 2>&1 &&
            [[ -x $dir/cargo-install/bin/ocdscardinal ]]; then
            CARDINAL=$dir/cargo-install/bin/ocdscardinal
            CARDINAL_PROVENANCE="ocdscardinal from crates.io (cargo install)"
            attempt "crates.io: cargo install ocdscardinal -> installed"
            return 0
        fi
        attempt "crates.io: cargo install ocdscardinal -> $(grep -m1 -E 'error' "$dir/cargo-install.log" || tail -1 "$dir/cargo-install.log")"
        local about version_line
        about=$(cargo info cardinal 2>/dev/null | sed -n '2p' || true)
        version_line=$(cargo info cardinal 2>/dev/null | awk '/^version:/ {print $2; exit}' || true)
        if [[ -n $about ]]; then
            attempt "crates.io: the crate named cardinal (${version_line:-?}) is \"$about\": another project, not installed"
        else
            attempt "crates.io: there is no crate named cardinal"
        fi
    else
        attempt "crates.io: cargo is missing"
    fi

    # 3. Debian.
    if command -v apt-cache >/dev/null; then
        if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then
            apt-get update -qq >/dev/null 2>&1 || true
        fi
        out=$(apt-cache search --names-only 'cardinal|ocds' 2>/dev/null | tr '\n' ';' || true)
        attempt "Debian: apt-cache search --names-only 'cardinal|ocds' -> ${out:-no package}"
    fi

    # 4. PyPI, the source distribution.
    if [[ -x $venv/bin/pip ]] && command -v cargo >/dev/null; then
        local want=${version:-}
        if "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary ocdscardinal \
            -d "$dir/sdist" "ocdscardinal${want:+==$want}" >"$dir/sdist.log" 2>&1; then
            local tarball
            tarball=$(ls "$dir"/sdist/ocdscardinal-*.tar.gz 2>/dev/null | head -1)
            if [[ -n $tarball ]] && tar -xzf "$tarball" -C "$dir/sdist" &&
                src=$(ls -d "$dir"/sdist/ocdscardinal-*/ | head -1) && [[ -f $src/src/main.rs ]]; then
                log "building Cardinal's CLI from $(basename "$tarball") (cargo build --release --locked; ~7 minutes)"
                if (cd "$src" && CARGO_TARGET_DIR=$dir/target cargo build --release --locked --bin ocdscardinal) \
                    >"$dir/build.log" 2>&1 && [[ -x $dir/target/release/ocdscardinal ]]; then
                    mkdir -p "$dir/bin"
                    cp "$dir/target/release/ocdscardinal" "$dir/bin/ocdscardinal"
                    rm -rf "$dir/target"
                    CARDINAL=$dir/bin/ocdscardinal
                    CARDINAL_PROVENANCE="$("$CARDINAL" --version), built with cargo build --release --locked from the PyPI source distribution $(basename "$tarball") (sha256 $(sha256sum "$tarball" | cut -c1-16)…)"
                    printf '%s' "$CARDINAL_PROVENANCE" >"$dir/provenance.txt"
                    attempt "PyPI sdist: pip download --no-binary ocdscardinal -> $(basename "$tarball"), Cardinal's full source with its CLI; built -> $("$CARDINAL" --version)"
                    return 0
                fi
                attempt "PyPI sdist: $(basename "$tarball") downloaded but cargo build failed: $(grep -m1 '^error' "$dir/build.log" || tail -1 "$dir/build.log")"
            else
                attempt "PyPI sdist: downloaded, but it has no src/main.rs (no CLI source)"
            fi
        else
            attempt "PyPI sdist: pip download --no-binary ocdscardinal failed: $(tail -1 "$dir/sdist.log")"
        fi
    fi
    return 1
}

if [[ $SKIP_PEER == 1 ]]; then
    PEER_STATUS="not measured (SKIP_PEER=1)"
elif [[ -n ${CARDINAL_BIN:-} ]]; then
    CARDINAL=$CARDINAL_BIN
    CARDINAL_PROVENANCE="$("$CARDINAL" --version 2>/dev/null || echo "$CARDINAL") (CARDINAL_BIN)"
    attempt "CARDINAL_BIN=$CARDINAL_BIN"
else
    if [[ -n ${PEER_DIR:-} ]]; then
        PEER_HOME=$PEER_DIR
    else
        PEER_TMP=$(mktemp -d "${TMPDIR:-/tmp}/openreg-flags-peer.XXXXXX")
        PEER_HOME=$PEER_TMP
    fi
    if ! find_peer "$PEER_HOME"; then
        CARDINAL=""
        PEER_STATUS="unavailable: no attempt gave a working 'ocdscardinal indicators' (see the attempts below)"
    fi
fi
if [[ -n $CARDINAL ]] && ! "$CARDINAL" indicators --help >/dev/null 2>&1; then
    attempt "$CARDINAL does not run 'indicators'"
    CARDINAL=""
    PEER_STATUS="unavailable: $CARDINAL_PROVENANCE does not run 'indicators'"
fi

# --- runs -----------------------------------------------------------------------------------------

now_ns() { date +%s%N; }

# measure RUN LABEL STDOUT STDERR -- CMD...: wall (ns clock), user and system CPU and peak RSS
# (GNU time) of CMD, recorded in $RESULTS with the load average at the start.
measure() {
    local run=$1 label=$2 stdout=$3 stderr=$4
    shift 5
    local tfile=$WORK/time.txt load t0 t1 rc=0
    load=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(now_ns)
    /usr/bin/time -f '%U %S %M' -o "$tfile" "$@" >"$stdout" 2>"$stderr" || rc=$?
    t1=$(now_ns)
    if [[ $rc != 0 ]]; then
        warn "$label exited with status $rc: $(tail -3 "$stderr")"
        return "$rc"
    fi
    local user sys rss
    read -r user sys rss <"$tfile"
    local wall
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$label" "$wall" "$user" "$sys" "$rss" "$load" >>"$RESULTS"
    log "run $run, $label: ${wall}s wall, ${user}s user, ${sys}s sys, peak RSS $((rss / 1024)) MB (load average $load)"
}

log "warming the page cache with the corpus"
cat "$CORPUS" >/dev/null

OURS_ALL=$WORK/openreg-all.json
OURS_8=$WORK/openreg-cardinal-8.json
OURS_8_CARDINAL=$WORK/openreg-cardinal-8.cardinal.json
CARDINAL_OUT=$WORK/cardinal.json
THREADS=$(nproc)
for run in $(seq 1 "$RUNS"); do
    measure "$run" "openreg all 10" "$OURS_ALL" "$WORK/openreg-all.err" -- \
        "$BENCH" "$CORPUS" --settings "$ALL_TOML" --json --cardinal-json "$WORK/all.cardinal.json"
    measure "$run" "openreg 8 shared" "$OURS_8" "$WORK/openreg-8.err" -- \
        "$BENCH" "$CORPUS" --settings "$SHARED_TOML" --json --cardinal-json "$OURS_8_CARDINAL"
    measure "$run" "openreg read+parse only" "$WORK/parse.json" "$WORK/parse.err" -- \
        "$BENCH" "$CORPUS" --parse-only --json
    measure "$run" "openreg all 10 --pipeline" "$WORK/pipeline.json" "$WORK/pipeline.err" -- \
        "$BENCH" "$CORPUS" --settings "$ALL_TOML" --json --pipeline --cardinal-json "$WORK/pipeline.cardinal.json"
    measure "$run" "openreg all 10 --lean (what-if)" "$WORK/lean.json" "$WORK/lean.err" -- \
        "$BENCH" "$CORPUS" --settings "$ALL_TOML" --json --lean --cardinal-json "$WORK/lean.cardinal.json"
    if [[ -n $CARDINAL ]]; then
        if ! measure "$run" "Cardinal 8 shared, $THREADS threads" "$CARDINAL_OUT" "$WORK/cardinal.err" -- \
            "$CARDINAL" indicators --settings "$SHARED_INI" --no-meta "$CORPUS"; then
            PEER_STATUS="failed: ocdscardinal indicators exited with an error (see above)"
            CARDINAL=""
            continue
        fi
        RAYON_NUM_THREADS=1 measure "$run" "Cardinal 8 shared, 1 thread" "$WORK/cardinal-1.json" \
            "$WORK/cardinal-1.err" -- "$CARDINAL" indicators --settings "$SHARED_INI" --no-meta "$CORPUS" || true
    fi
done
SAME_VARIANTS=""
if cmp -s "$WORK/all.cardinal.json" "$WORK/pipeline.cardinal.json" && cmp -s "$WORK/all.cardinal.json" "$WORK/lean.cardinal.json"; then
    SAME_VARIANTS="  --pipeline and --lean give the same results as the plain run (cardinal_json of all 10, byte for byte)"
else
    SAME_VARIANTS="  --pipeline or --lean give DIFFERENT results from the plain run (cardinal_json of all 10)"
fi

COMPARE=$WORK/compare.txt
if [[ -n $CARDINAL && -s $CARDINAL_OUT && -s $OURS_8_CARDINAL ]]; then
    log "comparing Cardinal's results with openreg's (cardinal_json)"
    python3 - "$CARDINAL_OUT" "$OURS_8_CARDINAL" "$WORK/cardinal-1.json" >"$COMPARE" <<'PY' || true
import json, sys
from collections import Counter

def flat(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    data.pop("Meta", None)
    return {(group, key, code): value
            for group, keys in data.items() for key, codes in keys.items() for code, value in codes.items()}

cardinal, ours = flat(sys.argv[1]), flat(sys.argv[2])
only_cardinal = sorted(set(cardinal) - set(ours))
only_ours = sorted(set(ours) - set(cardinal))
differ = sorted(k for k in set(cardinal) & set(ours) if cardinal[k] != ours[k])
per_code = Counter(code for (_, _, code) in cardinal)
if not only_cardinal and not only_ours and not differ:
    print(f"  equal: the same {len(cardinal):,} results (group, id, indicator, value) from both, value for value")
else:
    print(f"  DIFFERENT: Cardinal {len(cardinal):,} results, openreg {len(ours):,}; only in Cardinal "
          f"{len(only_cardinal):,}, only in openreg {len(only_ours):,}, other value {len(differ):,}")
    for key in only_cardinal[:3]:
        print(f"    only Cardinal: {key} = {cardinal[key]}")
    for key in only_ours[:3]:
        print(f"    only openreg:  {key} = {ours[key]}")
    for key in differ[:3]:
        print(f"    Cardinal {cardinal[key]} vs openreg {ours[key]}: {key}")
print("  results per indicator: " + ", ".join(f"{code} {n:,}" for code, n in sorted(per_code.items())))
try:
    single = flat(sys.argv[3])
    print("  Cardinal with 1 thread gives " + ("the same results" if single == cardinal else "DIFFERENT results"))
except (OSError, ValueError):
    pass
PY
fi

# PROFILE=1: where flags-bench spends its time, on the first 100,000 lines.
PROFILE_TXT=$WORK/profile.txt
if [[ $PROFILE == 1 ]]; then
    if ! command -v perf >/dev/null; then
        log "installing linux-perf"
        apt_install linux-perf || warn "could not install linux-perf"
    fi
    if command -v perf >/dev/null; then
        head -n 100000 "$CORPUS" >"$WORK/slice.jsonl"
        log "perf record flags-bench (all indicators) on the first 100,000 lines"
        if perf record -q -F 499 --call-graph dwarf,16384 -o "$WORK/perf.data" -- \
            "$BENCH" "$WORK/slice.jsonl" --settings "$ALL_TOML" --json >/dev/null 2>"$WORK/perf.err"; then
            perf report -i "$WORK/perf.data" --children --sort symbol --stdio 2>/dev/null >"$WORK/perf-children.txt" || true
            perf report -i "$WORK/perf.data" --no-children --sort symbol --stdio 2>/dev/null >"$WORK/perf-self.txt" || true
            python3 - "$WORK/perf-children.txt" "$WORK/perf-self.txt" >"$PROFILE_TXT" <<'PY' || true
import re, sys
line_re = re.compile(r"^\s+([0-9.]+)%\s+(?:([0-9.]+)%\s+)?\[[.k]\]\s+(.*?)\s*(?:-\s+-\s*)?$")
def rows(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = line_re.match(line)
            if m:
                out.append((float(m.group(1)), m.group(3)))
    return out
children, own = rows(sys.argv[1]), rows(sys.argv[2])
def share(pattern):
    found = [pct for pct, name in children if re.search(pattern, name)]
    return max(found) if found else 0.0
parse = share(r"^serde_json::value::de::<impl serde_core::de::Deserialize for serde_json::value::Value>::deserialize$")
drop = share(r"^core::ptr::drop_in_place<serde_json::value::Value>$")
total = share(r"^openreg_flags::procurement::run$")
print(f"  samples under procurement::run (reading, parsing, indicators): {total:.0f}%")
print(f"    parsing lines into serde_json::Value: {parse:.0f}%; dropping the Values: {drop:.0f}%")
# A function perf lists twice (a split or a second copy) is summed.
summed = {}
for pct, name in children:
    if re.search(r"procurement::.*(Indicator>::(fold|finish)|SecondLowest::fold)$", name):
        short = re.sub(r"^<openreg_flags::procurement::(\w+)::\w+ as .*>::", r"\1::", name)
        summed[short] = summed.get(short, 0.0) + pct
folds = sorted(((pct, name) for name, pct in summed.items()), reverse=True)
print(f"    indicators (fold and finish, inclusive): {sum(p for p, _ in folds):.0f}%: " +
      ", ".join(f"{name.replace('openreg_flags::procurement::', '')} {pct:.1f}%" for pct, name in folds if pct >= 0.5))
print("  top 12 functions by own samples:")
for pct, name in own[:12]:
    print(f"    {pct:5.1f}%  {name[:110]}")
PY
        else
            warn "perf record failed: $(tail -2 "$WORK/perf.err")"
        fi
    fi
fi

# --- report ---------------------------------------------------------------------------------------

echo
echo "Procurement red flags benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GB RAM", $2/1048576}' /proc/meminfo)"
echo "corpus: $(basename "$CORPUS") — $RELEASES compiled releases, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }') (JSON Lines), generated in ${GEN_SECS}s"
if [[ -n $CARDINAL ]]; then
    echo "peer: $CARDINAL_PROVENANCE"
else
    echo "peer: Cardinal (ocdscardinal) $PEER_STATUS"
fi
if [[ -s $ATTEMPTS ]]; then
    echo "how the peer was looked for:"
    cat "$ATTEMPTS"
fi
if [[ -s $COMPARE ]]; then
    echo "results of the 8 shared indicators, Cardinal vs openreg:"
    cat "$COMPARE"
fi
echo "$SAME_VARIANTS"
echo
python3 - "$RESULTS" "$BYTES" "$RELEASES" "$OURS_ALL" "$WORK/parse.json" <<'PY'
import json, sys
results, size, releases = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = []
with open(results, encoding="utf-8") as f:
    for line in f:
        run, label, wall, user, sys_, rss, load = line.rstrip("\n").split("\t")
        rows.append(dict(run=int(run), label=label, wall=float(wall), cpu=float(user) + float(sys_),
                         rss=int(rss), load=load))
if not rows:
    print("nothing was measured")
    sys.exit(0)

head = (f"{'run':>3} {'tool':<36} {'wall s':>7} {'CPU s':>7} {'MB/s':>7} {'MB/CPU-s':>9} {'releases/s':>11} "
        f"{'peak RSS MB':>12} {'load':>5}")
print(head)
print("-" * len(head))
for r in rows:
    print(f"{r['run']:>3} {r['label']:<36} {r['wall']:>7.2f} {r['cpu']:>7.2f} {size / 1e6 / r['wall']:>7.1f} "
          f"{size / 1e6 / r['cpu']:>9.1f} {releases / r['wall']:>11,.0f} {r['rss'] / 1024:>12,.0f} {r['load']:>5}")

def best(label):
    found = [r for r in rows if r["label"] == label]
    return min(found, key=lambda r: r["wall"]) if found else None

print()
print("best of the runs (MB/s of input by the wall clock; MB per CPU-second):")
labels = list(dict.fromkeys(r["label"] for r in rows))
for label in labels:
    r = best(label)
    print(f"  {label:<36} {size / 1e6 / r['wall']:>7.1f} MB/s  {size / 1e6 / r['cpu']:>7.1f} MB/CPU-s")
peers = [label for label in labels if label.startswith("Cardinal")]
if peers:
    print()
    print("openreg / Cardinal on the same file (>1: openreg is faster), best wall time of each, and CPU time:")
    for label in ("openreg all 10", "openreg 8 shared", "openreg all 10 --pipeline"):
        r = best(label)
        if not r:
            continue
        bits = []
        for peer_label in peers:
            peer = best(peer_label)
            bits.append(f"{peer['wall'] / r['wall']:.2f}x wall vs {peer_label.split(', ')[-1]}")
        peer = best(peers[0])
        bits.append(f"{peer['cpu'] / r['cpu']:.2f}x CPU time")
        print(f"  {label:<28} " + ", ".join(bits))
try:
    summary = json.load(open(sys.argv[4], encoding="utf-8"))
    parse = json.load(open(sys.argv[5], encoding="utf-8"))
    print()
    print(f"openreg, all 10 (last run): {summary['findings']:,} findings; read+parse+fold "
          f"{summary['seconds_until_end_of_input']:.1f} s, finish {summary['seconds_finish']:.1f} s; "
          f"read + parse alone {parse['seconds']:.1f} s wall, {parse['cpu_seconds']:.1f} s CPU "
          f"({100 * parse['cpu_seconds'] / summary['cpu_seconds']:.0f}% of the full run's CPU time)")
    groups = summary["findings_per_indicator_and_group"]
    for code, n in summary["findings_per_indicator"].items():
        split = ", ".join(f"{k.split(' ')[1]} {v:,}" for k, v in groups.items() if k.startswith(code + " "))
        print(f"  {code} {n:>9,}  {split}")
except (OSError, ValueError, KeyError, ZeroDivisionError):
    pass
print()
print("MB/s: corpus bytes / wall seconds; MB/CPU-s: corpus bytes / (user + system) seconds; peak RSS from")
print("GNU time; load: the 1-minute load average when the run started (the machine is shared, so wall")
print("times move with it; CPU seconds move less).")
PY
if [[ -s $PROFILE_TXT ]]; then
    echo
    echo "where flags-bench spends its time (perf, all indicators, first 100,000 lines):"
    cat "$PROFILE_TXT"
fi
exit 0
