//! `flags-bench`: the procurement red-flag indicators over a JSON Lines file of compiled releases,
//! timed inside the process, the way a user of `openreg_flags` would call them: a buffered line
//! reader, `serde_json::from_str` per line, every `Value` streamed into
//! `openreg_flags::procurement::run`.
//!
//! ```text
//! flags-bench FILE [--settings TOML] [--cardinal | --only R003,R018,...] [--parse-only]
//!             [--pipeline] [--lean] [--cardinal-json OUT] [--json]
//! ```
//!
//! - Without `--settings`, every indicator runs with its defaults (`ProcurementSettings::default()`;
//!   R055 then flags nothing, for want of a threshold). `--settings` reads a TOML file as
//!   `openreg flags` would.
//! - `--cardinal` keeps only the eight indicators Cardinal also computes (R003, R018, R024, R028,
//!   R035, R036, R038, R058), for the like-for-like comparison; `--only` keeps the listed ones.
//! - `--parse-only` reads and parses every line and runs no indicator: the floor set by reading and
//!   parsing, to tell how much of a run is the indicators themselves.
//! - `--cardinal-json OUT` writes `cardinal_json(findings)` (Cardinal's output shape, without
//!   `Meta`) to OUT after the timed part, to compare with `ocdscardinal indicators --no-meta`.
//!
//! Two what-ifs, not the headline figure:
//! - `--pipeline`: a second thread reads and parses while the calling thread runs the indicators
//!   (batches of `Value`s through a bounded channel; the order of the releases is kept). Something
//!   any caller of `run` can do today, as Cardinal spreads its work over every core with rayon.
//! - `--lean`: each line is first split into its top-level members without building them
//!   (`HashMap<&str, &RawValue>`), and only the members the indicators read (the first segment of
//!   every path in `INDICATORS[].fields`, plus `ocid`) are parsed into `Value`s: `parties`,
//!   `planning` and the like are scanned but never allocated. What a leaner reader inside
//!   `openreg_flags` could gain.
//!
//! Prints the wall time (and its split: reading, parsing and folding until the end of the input,
//! then the indicators' dataset-wide `finish`), CPU time, MB/s, releases/s, findings per indicator
//! and group, and peak RSS (`VmHWM` of /proc/self/status). `--json` prints the same as one JSON
//! object on stdout. Lines that are not JSON are skipped and counted, as Cardinal does.

// The same allocator as the `openreg` binary, which is what `openreg flags` runs with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Instant;

use openreg_flags::procurement::{cardinal_json, run, ProcurementSettings, INDICATORS};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

/// The indicators Cardinal computes too.
const CARDINAL: &[&str] = &["R003", "R018", "R024", "R028", "R035", "R036", "R038", "R058"];

const USAGE: &str = "usage: flags-bench FILE [--settings TOML] [--cardinal | --only R003,R018,...] [--parse-only]
                   [--pipeline] [--lean] [--cardinal-json OUT] [--json]";

/// Releases per message between the parsing thread and the indicators (`--pipeline`).
const BATCH: usize = 512;

struct Args {
    file: String,
    settings: Option<String>,
    only: Option<Vec<String>>,
    parse_only: bool,
    pipeline: bool,
    lean: bool,
    cardinal_json: Option<String>,
    json: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        file: String::new(),
        settings: None,
        only: None,
        parse_only: false,
        pipeline: false,
        lean: false,
        cardinal_json: None,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--settings" => args.settings = Some(value()?),
            "--cardinal" => args.only = Some(CARDINAL.iter().map(|c| (*c).to_owned()).collect()),
            "--only" => args.only = Some(value()?.split(',').map(|c| c.trim().to_owned()).collect()),
            "--parse-only" => args.parse_only = true,
            "--pipeline" => args.pipeline = true,
            "--lean" => args.lean = true,
            "--cardinal-json" => args.cardinal_json = Some(value()?),
            "--json" => args.json = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other if other.starts_with('-') => return Err(format!("unknown argument {other}")),
            file if args.file.is_empty() => args.file = file.to_owned(),
            extra => return Err(format!("unexpected argument {extra}")),
        }
    }
    if args.file.is_empty() {
        return Err("FILE is required".into());
    }
    Ok(args)
}

/// `settings` with only `codes` enabled (each keeps the settings it had).
fn restrict(mut settings: ProcurementSettings, codes: &[String]) -> Result<ProcurementSettings, String> {
    for code in codes {
        if !INDICATORS.iter().any(|info| info.code == code) {
            return Err(format!("--only: {code} is not a procurement indicator"));
        }
    }
    let keep = |code: &str| codes.iter().any(|c| c == code);
    if !keep("R003") {
        settings.R003 = None;
    }
    if !keep("R018") {
        settings.R018 = None;
    }
    if !keep("R024") {
        settings.R024 = None;
    }
    if !keep("R028") {
        settings.R028 = None;
    }
    if !keep("R035") {
        settings.R035 = None;
    }
    if !keep("R036") {
        settings.R036 = None;
    }
    if !keep("R038") {
        settings.R038 = None;
    }
    if !keep("R055") {
        settings.R055 = None;
    }
    if !keep("R058") {
        settings.R058 = None;
    }
    if !keep("R069") {
        settings.R069 = None;
    }
    Ok(settings)
}

/// What the reader saw (shared with the parsing thread under `--pipeline`).
#[derive(Default)]
struct Input {
    lines: AtomicU64,
    bytes: AtomicU64,
    invalid: AtomicU64,
}

/// How a line becomes a `Value`.
#[derive(Clone)]
enum Parse {
    /// `serde_json::from_str::<Value>`: what a user of the library does.
    Full,
    /// Only these top-level members (`--lean`).
    Lean(Arc<Vec<String>>),
}

impl Parse {
    fn value(&self, line: &str) -> serde_json::Result<Value> {
        match self {
            Parse::Full => serde_json::from_str(line),
            Parse::Lean(keys) => {
                let members: HashMap<&str, &RawValue> = serde_json::from_str(line)?;
                let mut release = Map::new();
                for key in keys.iter() {
                    if let Some(raw) = members.get(key.as_str()) {
                        release.insert(key.clone(), serde_json::from_str(raw.get())?);
                    }
                }
                Ok(Value::Object(release))
            }
        }
    }
}

/// The top-level members the indicators read: `ocid` and the first segment of their fields.
fn read_members() -> Vec<String> {
    let mut keys = vec!["ocid".to_owned()];
    for info in INDICATORS {
        for field in info.fields {
            let first = field.split('/').next().unwrap_or(field);
            if !keys.iter().any(|key| key == first) {
                keys.push(first.to_owned());
            }
        }
    }
    keys
}

/// The file's releases, one `Value` a line, read with a buffered line reader.
fn releases(file: File, input: Arc<Input>, parse: Parse) -> impl Iterator<Item = Value> {
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut line = String::new();
    std::iter::from_fn(move || loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => return None,
            Ok(n) => {
                input.bytes.fetch_add(n as u64, Ordering::Relaxed);
                input.lines.fetch_add(1, Ordering::Relaxed);
                match parse.value(&line) {
                    Ok(value) => return Some(value),
                    Err(_) => {
                        if !line.trim().is_empty() {
                            input.invalid.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
            Err(e) => {
                eprintln!("flags-bench: read error after {} lines: {e}", input.lines.load(Ordering::Relaxed));
                return None;
            }
        }
    })
}

/// `releases` parsed on a thread of their own, handed over in batches (`--pipeline`).
fn pipelined(file: File, input: Arc<Input>, parse: Parse) -> impl Iterator<Item = Value> {
    let (sender, receiver) = mpsc::sync_channel::<Vec<Value>>(32);
    std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(BATCH);
        for value in releases(file, input, parse) {
            batch.push(value);
            if batch.len() == BATCH {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if sender.send(full).is_err() {
                    return;
                }
            }
        }
        let _ = sender.send(batch);
    });
    receiver.into_iter().flatten()
}

/// Notes when `inner` runs dry: the end of reading, parsing and folding.
fn timed<'a, I: Iterator<Item = Value> + 'a>(
    mut inner: I,
    ended: &'a mut Option<Instant>,
) -> impl Iterator<Item = Value> + 'a {
    std::iter::from_fn(move || {
        let next = inner.next();
        if next.is_none() && ended.is_none() {
            *ended = Some(Instant::now());
        }
        next
    })
}

/// User + system CPU seconds of this process.
fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a `rusage` into the pointer it is given; RUSAGE_SELF is valid.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// A field of /proc/self/status in KB (`VmHWM`: peak RSS).
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("flags-bench: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut settings = match &args.settings {
        None => ProcurementSettings::default(),
        Some(path) => {
            let text = match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(e) => {
                    eprintln!("flags-bench: {path}: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match ProcurementSettings::from_toml(&text) {
                Ok(settings) => settings,
                Err(e) => {
                    eprintln!("flags-bench: {path}: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    };
    if let Some(codes) = &args.only {
        settings = match restrict(settings, codes) {
            Ok(settings) => settings,
            Err(e) => {
                eprintln!("flags-bench: {e}");
                return ExitCode::from(2);
            }
        };
    }
    let enabled = if args.parse_only { Vec::new() } else { settings.enabled() };

    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let file = match File::open(&args.file) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("flags-bench: {}: {e}", args.file);
            return ExitCode::FAILURE;
        }
    };
    let input = Arc::new(Input::default());
    let parse = if args.lean { Parse::Lean(Arc::new(read_members())) } else { Parse::Full };
    let stream: Box<dyn Iterator<Item = Value>> = if args.pipeline {
        Box::new(pipelined(file, Arc::clone(&input), parse))
    } else {
        Box::new(releases(file, Arc::clone(&input), parse))
    };
    let mut ended_at = None;
    let stream = timed(stream, &mut ended_at);
    let findings = if args.parse_only {
        let mut parsed = 0u64;
        for value in stream {
            parsed += u64::from(value.is_object());
        }
        std::hint::black_box(parsed);
        Vec::new()
    } else {
        run(stream, &settings)
    };
    let elapsed = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    let ended = ended_at.map_or(elapsed, |at| (at - t0).as_secs_f64());
    let peak_rss_kb = status_kb("VmHWM:");

    // Findings per indicator, and per indicator and group.
    let mut per_code: BTreeMap<&str, u64> = enabled.iter().map(|code| (*code, 0)).collect();
    let mut per_group: BTreeMap<String, u64> = BTreeMap::new();
    for finding in &findings {
        *per_code.entry(finding.code.as_str()).or_default() += 1;
        *per_group.entry(format!("{} {}", finding.code, finding.subject.group())).or_default() += 1;
    }

    let bytes = input.bytes.load(Ordering::Relaxed);
    let lines = input.lines.load(Ordering::Relaxed);
    let invalid = input.invalid.load(Ordering::Relaxed);
    let releases = lines - invalid;
    let mb_per_s = bytes as f64 / 1e6 / elapsed;
    let releases_per_s = releases as f64 / elapsed;
    let mode = if args.parse_only {
        "parse-only"
    } else if enabled == CARDINAL {
        "cardinal-8"
    } else if enabled.len() == INDICATORS.len() {
        "all"
    } else {
        "some"
    };

    if let Some(path) = &args.cardinal_json {
        let output = cardinal_json(&findings);
        if let Err(e) = std::fs::write(path, serde_json::to_vec(&output).expect("a Value serializes")) {
            eprintln!("flags-bench: {path}: {e}");
            return ExitCode::FAILURE;
        }
    }

    if args.json {
        let summary = json!({
            "mode": mode,
            "pipeline": args.pipeline,
            "lean": args.lean,
            "indicators": enabled,
            "file": args.file,
            "lines": lines,
            "releases": releases,
            "invalid_lines": invalid,
            "bytes": bytes,
            "seconds": elapsed,
            "seconds_until_end_of_input": ended,
            "seconds_finish": elapsed - ended,
            "cpu_seconds": cpu,
            "mb_per_s": mb_per_s,
            "releases_per_s": releases_per_s,
            "findings": findings.len(),
            "findings_per_indicator": per_code,
            "findings_per_indicator_and_group": per_group,
            "peak_rss_kb": peak_rss_kb,
        });
        println!("{summary}");
    } else {
        let variant = match (args.pipeline, args.lean) {
            (false, false) => "",
            (true, false) => " (--pipeline)",
            (false, true) => " (--lean)",
            (true, true) => " (--pipeline --lean)",
        };
        println!("flags-bench {mode}{variant}: {}", args.file);
        println!(
            "  indicators      {}",
            if enabled.is_empty() { "none (parse only)".into() } else { enabled.join(" ") }
        );
        println!(
            "  input           {releases} releases, {:.1} MB ({} invalid lines skipped)",
            bytes as f64 / 1e6,
            invalid
        );
        println!(
            "  wall            {elapsed:.2} s (read+parse+fold {ended:.2} s, finish {:.2} s); CPU {cpu:.2} s",
            elapsed - ended
        );
        println!("  throughput      {mb_per_s:.1} MB/s, {releases_per_s:.0} releases/s");
        println!("  peak RSS        {} MB", peak_rss_kb.map_or("?".into(), |kb| format!("{:.0}", kb as f64 / 1024.0)));
        println!("  findings        {}", findings.len());
        for (code, count) in &per_code {
            let groups: Vec<String> = per_group
                .iter()
                .filter_map(|(key, n)| key.strip_prefix(code).map(|group| format!("{}{group}", n)))
                .collect();
            println!("    {code}  {count:>9}  ({})", groups.join(", "));
        }
    }
    ExitCode::SUCCESS
}
