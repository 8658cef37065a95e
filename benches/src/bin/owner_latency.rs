//! `openreg owners` and `openreg owned-by` latency measured inside the process, on a store that
//! `openreg ingest bods` left: picks random records (seeded) and runs the very library calls the CLI
//! makes (`resolve` as `output::resolve_record` does, then `Store::ownership_graph_above` +
//! `OwnershipGraph::ultimate_owners` with default options; `Store::ownership_graph_below` +
//! `OwnershipGraph::holdings` for the reverse query), timing each.
//!
//! ```text
//! owner-latency --data-dir DIR (--meta FILE | --ids FILE) [--samples K] [--warmup W] [--seed S] [--json]
//! ```
//!
//! - `--meta FILE`: the JSON summary `gen-bods` printed. Records are drawn uniformly from the
//!   `groups` × `0..=max_*_index` id space of its `entity_id_format`/`person_id_format`, keeping the
//!   ones the store holds (`Store::has_record`): a uniform sample of the entities (owners query) and
//!   of entities and persons together (holdings query), without a list of every id.
//! - `--ids FILE`: record ids, one a line (any store); the same ids serve both queries.
//!
//! K distinct records per query (default 5,000), after W untimed queries on other records (default
//! 200) so that the figures are not the process's first page faults. Prints median, p90, p99 and max
//! in ms, the split between loading the graph from the store and walking it, and what the queries
//! found (owners, cycles, longest chain), so that the figure cannot be a no-op. `--json` prints one
//! JSON object instead.
//!
//! Beside the wall clock, each query's CPU time (the thread's, `CLOCK_THREAD_CPUTIME_ID`) is kept: on
//! a busy machine the wall-clock tail is mostly time spent waiting for a CPU, and the CPU-time
//! quantiles say how much work a query really is.

// The same allocator as the `openreg` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use openreg_model::ownership::OwnershipOptions;
use openreg_store::Store;
use serde_json::{json, Value};

struct Rng(u64);

impl Rng {
    /// xorshift64, as record-latency.
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
}

/// Where the records come from.
enum Source {
    Meta { groups: u64, entity: (String, u64), person: (String, u64) },
    Ids(Vec<String>),
}

fn format_id(format: &str, g: u64, i: u64) -> String {
    format.replace("{group}", &g.to_string()).replace("{index}", &i.to_string())
}

/// `n` distinct records the store holds: entities only, or entities and persons.
fn sample(
    store: &Store,
    source: &Source,
    rng: &mut Rng,
    n: usize,
    persons: bool,
    avoid: &HashSet<String>,
) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    let mut seen = HashSet::new();
    match source {
        Source::Ids(ids) => {
            let mut tries = 0;
            while out.len() < n.min(ids.len()) && tries < 100 * n + 1000 {
                tries += 1;
                let id = &ids[rng.below(ids.len() as u64) as usize];
                if !avoid.contains(id) && seen.insert(id.clone()) {
                    out.push(id.clone());
                }
            }
        }
        Source::Meta { groups, entity, person } => {
            // Every (kind, group, index) cell equally likely, so accepted records are uniform.
            let cells_e = entity.1 + 1;
            let cells = if persons { cells_e + person.1 + 1 } else { cells_e };
            let mut tries = 0u64;
            while out.len() < n && tries < 2_000 * n as u64 + 100_000 {
                tries += 1;
                let g = rng.below(*groups);
                let c = rng.below(cells);
                let id = if c < cells_e { format_id(&entity.0, g, c) } else { format_id(&person.0, g, c - cells_e) };
                if avoid.contains(&id) || seen.contains(&id) {
                    continue;
                }
                if store.has_record(&id).expect("store read") {
                    seen.insert(id.clone());
                    out.push(id);
                }
            }
        }
    }
    out
}

/// As `openreg`'s `output::resolve_record`: a record id, else an identifier.
fn resolve(store: &Store, id: &str) -> Option<String> {
    if store.has_record(id).expect("store read") {
        return Some(id.to_string());
    }
    store.records_with_identifier(id).expect("store read").into_iter().next()
}

#[derive(Default)]
struct Timings {
    total: Vec<f64>,
    cpu: Vec<f64>,
    load: Vec<f64>,
    walk: Vec<f64>,
    slowest: Vec<(f64, String, f64, f64, usize, f64)>,
}

impl Timings {
    fn push(&mut self, id: &str, cpu: f64, resolve: f64, load: f64, walk: f64, found: usize) {
        let total = resolve + load + walk;
        self.total.push(total);
        self.cpu.push(cpu);
        self.load.push(resolve + load);
        self.walk.push(walk);
        self.slowest.push((total, id.to_string(), resolve + load, walk, found, cpu));
        self.slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
        self.slowest.truncate(5);
    }
}

fn quantiles(v: &[f64]) -> Value {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    let r = |x: f64| (x * 1000.0).round() / 1000.0;
    json!({
        "median_ms": r(at(0.5)),
        "p90_ms": r(at(0.9)),
        "p99_ms": r(at(0.99)),
        "max_ms": r(v[v.len() - 1]),
        "mean_ms": r(v.iter().sum::<f64>() / v.len() as f64),
    })
}

fn report(t: &Timings, counts: Value) -> Value {
    let mut out = quantiles(&t.total);
    out["samples"] = json!(t.total.len());
    out["cpu"] = quantiles(&t.cpu);
    out["load"] = quantiles(&t.load);
    out["walk"] = quantiles(&t.walk);
    out["found"] = counts;
    out["slowest"] = t
        .slowest
        .iter()
        .map(|(ms, id, load, walk, found, cpu)| {
            let r = |x: f64| (x * 1000.0).round() / 1000.0;
            json!({"id": id, "ms": r(*ms), "cpu_ms": r(*cpu), "load_ms": r(*load), "walk_ms": r(*walk), "found": found})
        })
        .collect();
    out
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1e3
}

/// This thread's CPU time, in ms.
fn cpu_ms() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0.0;
    }
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

struct Args {
    data_dir: PathBuf,
    meta: Option<PathBuf>,
    ids: Option<PathBuf>,
    samples: usize,
    warmup: usize,
    seed: u64,
    json: bool,
}

fn parse_args() -> Args {
    let mut args = std::env::args().skip(1);
    let mut a =
        Args { data_dir: PathBuf::new(), meta: None, ids: None, samples: 5_000, warmup: 200, seed: 1, json: false };
    let mut data_dir = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data-dir" => data_dir = args.next().map(PathBuf::from),
            "--meta" => a.meta = args.next().map(PathBuf::from),
            "--ids" => a.ids = args.next().map(PathBuf::from),
            "--samples" => a.samples = args.next().and_then(|v| v.parse().ok()).expect("--samples N"),
            "--warmup" => a.warmup = args.next().and_then(|v| v.parse().ok()).expect("--warmup N"),
            "--seed" => a.seed = args.next().and_then(|v| v.parse().ok()).expect("--seed S"),
            "--json" => a.json = true,
            "-h" | "--help" => {
                println!(
                    "usage: owner-latency --data-dir DIR (--meta GEN_BODS_SUMMARY.json | --ids FILE) \
                     [--samples K] [--warmup W] [--seed S] [--json]"
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}"),
        }
    }
    a.data_dir = data_dir.expect("--data-dir DIR");
    a.samples = a.samples.max(1);
    a
}

fn main() {
    let args = parse_args();
    let source = match (&args.meta, &args.ids) {
        (Some(meta), _) => {
            let text = std::fs::read_to_string(meta).expect("--meta FILE is readable");
            let m: Value = serde_json::from_str(&text).expect("--meta FILE is gen-bods's JSON summary");
            let field = |k: &str| m[k].as_u64().unwrap_or_else(|| panic!("{k} missing from {}", meta.display()));
            let text_field = |k: &str| m[k].as_str().unwrap_or_else(|| panic!("{k} missing")).to_string();
            Source::Meta {
                groups: field("groups"),
                entity: (text_field("entity_id_format"), field("max_entity_index")),
                person: (text_field("person_id_format"), field("max_person_index")),
            }
        }
        (None, Some(ids)) => Source::Ids(
            std::fs::read_to_string(ids)
                .expect("--ids FILE is readable")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect(),
        ),
        (None, None) => panic!("one of --meta FILE or --ids FILE is needed"),
    };
    let store = Store::open(&args.data_dir).expect("the store opens");
    let options = OwnershipOptions::default();
    let mut rng = Rng(args.seed.max(1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);

    let sampling = Instant::now();
    let warm = sample(&store, &source, &mut rng, args.warmup, false, &HashSet::new());
    let warm_set: HashSet<String> = warm.iter().cloned().collect();
    let subjects = sample(&store, &source, &mut rng, args.samples, false, &warm_set);
    let holders = sample(&store, &source, &mut rng, args.samples, true, &warm_set);
    let sampling_secs = sampling.elapsed().as_secs_f64();
    assert!(!subjects.is_empty(), "no entity of the sample space is in the store");

    for id in &warm {
        let subject = resolve(&store, id).expect("sampled record exists");
        let graph = store.ownership_graph_above(&subject, options.max_depth).expect("graph");
        std::hint::black_box(graph.ultimate_owners(&subject, &options));
    }

    // Owners: who owns each entity, through every layer.
    let mut t = Timings::default();
    let (mut owners, mut with_owner, mut tops, mut undisclosed, mut cycles, mut with_cycle, mut truncated) =
        (0usize, 0usize, 0usize, 0usize, 0usize, 0usize, 0usize);
    let (mut paths, mut longest) = (0usize, 0usize);
    for id in &subjects {
        let cpu = cpu_ms();
        let started = Instant::now();
        let subject = resolve(&store, id).expect("sampled record exists");
        let resolved = ms(started);
        let started = Instant::now();
        let graph = store.ownership_graph_above(&subject, options.max_depth).expect("graph");
        let loaded = ms(started);
        let started = Instant::now();
        let report = graph.ultimate_owners(&subject, &options);
        let walked = ms(started);
        let cpu = cpu_ms() - cpu;
        t.push(id, cpu, resolved, loaded, walked, report.ultimate_owners.len());
        owners += report.ultimate_owners.len();
        with_owner += usize::from(!report.ultimate_owners.is_empty());
        tops += report.top_entities.len();
        undisclosed += report.undisclosed.len();
        cycles += report.cycles.len();
        with_cycle += usize::from(!report.cycles.is_empty());
        truncated += report.truncated.len();
        for o in report.ultimate_owners.iter().chain(&report.top_entities) {
            paths += o.paths.len();
            longest = longest.max(o.paths.iter().map(|p| p.relationships.len()).max().unwrap_or(0));
        }
    }
    let owners_report = report(
        &t,
        json!({"ultimate_owners": owners, "entities_with_a_named_owner": with_owner, "top_entities": tops,
            "undisclosed_chains": undisclosed, "cycles": cycles, "entities_with_a_cycle": with_cycle,
            "truncated": truncated, "paths": paths, "longest_chain": longest}),
    );

    // Holdings: everything a person or company holds, through every layer.
    let mut t = Timings::default();
    let (mut holdings, mut holding_something, mut cycles, mut with_cycle, mut longest) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    let mut most = 0usize;
    for id in &holders {
        let cpu = cpu_ms();
        let started = Instant::now();
        let owner = resolve(&store, id).expect("sampled record exists");
        let resolved = ms(started);
        let started = Instant::now();
        let graph = store.ownership_graph_below(&owner, options.max_depth).expect("graph");
        let loaded = ms(started);
        let started = Instant::now();
        let report = graph.holdings(&owner, &options);
        let walked = ms(started);
        let cpu = cpu_ms() - cpu;
        t.push(id, cpu, resolved, loaded, walked, report.holdings.len());
        holdings += report.holdings.len();
        most = most.max(report.holdings.len());
        holding_something += usize::from(!report.holdings.is_empty());
        cycles += report.cycles.len();
        with_cycle += usize::from(!report.cycles.is_empty());
        for h in &report.holdings {
            longest = longest.max(h.paths.iter().map(|p| p.relationships.len()).max().unwrap_or(0));
        }
    }
    let holdings_report = report(
        &t,
        json!({"holdings": holdings, "records_holding_something": holding_something, "most_holdings": most,
            "cycles": cycles, "records_with_a_cycle": with_cycle, "longest_chain": longest}),
    );

    let out = json!({
        "data_dir": args.data_dir.display().to_string(),
        "seed": args.seed,
        "warmup": warm.len(),
        "sampling_seconds": (sampling_secs * 1000.0).round() / 1000.0,
        "owners": owners_report,
        "holdings": holdings_report,
    });
    if args.json {
        println!("{out}");
        return;
    }
    for (name, what, r) in
        [("owners", "random entities", &out["owners"]), ("owned-by", "random entities and persons", &out["holdings"])]
    {
        println!(
            "{name} latency over {} {what}: median {} ms, p90 {} ms, p99 {} ms, max {} ms \
             (CPU time: median {} / p99 {} ms; load from store: median {} / p99 {} ms; walk: median {} / p99 {} ms)",
            r["samples"],
            r["median_ms"],
            r["p90_ms"],
            r["p99_ms"],
            r["max_ms"],
            r["cpu"]["median_ms"],
            r["cpu"]["p99_ms"],
            r["load"]["median_ms"],
            r["load"]["p99_ms"],
            r["walk"]["median_ms"],
            r["walk"]["p99_ms"]
        );
        println!("  found: {}", r["found"]);
        println!("  slowest: {}", r["slowest"]);
    }
}
