//! `openreg`: the command line. It only wires the library crates together; every answer it gives is
//! a library call that the HTTP API can make too.

// Ingest and compile allocate many small maps and strings; mimalloc handles that far better than
// the system allocator (measured: see the closing note of the foundation issue).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod demo;
mod donations;
mod export;
mod flags;
mod ingest;
mod link;
mod output;
mod search;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use openreg_model::{MergeRules, Merger};
use openreg_store::Store;

/// openreg: an open registry of public contracts, the companies that win them, the people who own
/// those companies and the donors who fund political parties.
///
/// Start with `openreg demo` to load a small demo world, then try `openreg stats` and
/// `openreg record OCID`.
#[derive(Parser)]
#[command(name = "openreg", version, about, long_about, max_term_width = 100)]
struct Cli {
    /// Where openreg keeps its data (created if missing).
    #[arg(long, global = true, env = "OPENREG_DATA_DIR", default_value = "./openreg-data")]
    data_dir: PathBuf,

    /// Memory for the store's page cache, in MB. The default is small (16 MB) so that loading data
    /// stays light; `openreg link` uses 256 MB, because linking a large world reads and writes all
    /// over the store and a small cache reads the same pages again and again.
    #[arg(long, global = true, env = "OPENREG_CACHE_MB", value_name = "MB")]
    cache_mb: Option<u64>,

    #[command(subcommand)]
    command: Command,
}

/// The page cache `openreg link` uses unless `--cache-mb` says otherwise: on the 80k world, linking
/// took 113 s with 16 MB, 103 s with 128 MB and 87 s with 256 MB (benches/README.md).
const LINK_CACHE_MB: u64 = 256;

#[derive(Subcommand)]
enum Command {
    /// Load data into the registry.
    #[command(subcommand)]
    Ingest(IngestCommand),
    /// Print one contracting process as an OCDS record: every release, and the compiled release
    /// that shows its current state.
    ///
    /// Example: openreg record ocds-be6bcu-UA-2025-02-03-000417-a
    Record {
        /// The contracting process's identifier (ocid).
        ocid: String,
        /// Also show each field's history (the versioned release): who changed what, and when.
        #[arg(long)]
        versioned: bool,
        /// Merge with a publisher's extended release schema instead of the standard's rules.
        #[arg(long, value_name = "FILE")]
        schema: Option<PathBuf>,
        /// One line of JSON instead of indented JSON.
        #[arg(long)]
        compact: bool,
    },
    /// Write the registry's data out in bulk: contracts as OCDS, owners as BODS; JSON Lines (one
    /// item per line) or one package; gzipped if asked.
    ///
    /// `bods` writes every beneficial-ownership statement exactly as it was loaded: companies and
    /// people first, then who owns what, each in the order openreg received them, so that every
    /// statement comes after the ones it refers to. Checkers such as lib-cove-bods read one JSON
    /// array of one BODS version: give --package and --bods-version for them.
    ///
    /// Examples:
    ///   openreg export compiled --gzip -o full.jsonl.gz
    ///   openreg export bods -o owners.jsonl
    ///   openreg export bods --bods-version 0.4 --package -o owners-0.4.json
    #[command(verbatim_doc_comment)]
    Export(export::ExportArgs),
    /// Summarise what the registry holds: contracts and releases, ownership statements, donations,
    /// parties linked and how, red flags, the quarantine, and changes the search index has yet to take.
    Stats {
        /// Machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Input that could not be used: where it was and why.
    #[command(subcommand)]
    Quarantine(QuarantineCommand),
    /// Load the demo world (Ukrainian and Georgian contracts, invented names) into a fresh temporary
    /// registry and summarise it. Nothing is written to the data directory.
    Demo {
        /// Keep the demo registry in this directory instead of a temporary one.
        #[arg(long, value_name = "DIR")]
        keep: Option<PathBuf>,
        /// Machine-readable JSON.
        #[arg(long)]
        json: bool,
    },
    /// Compile every contracting process again, for instance with a publisher's extended schema.
    /// (Ingest already keeps compiled releases up to date; this is for a change of rules.)
    Compile {
        /// Merge with a publisher's extended release schema instead of the rules of each package's
        /// OCDS version.
        #[arg(long, value_name = "FILE")]
        schema: Option<PathBuf>,
        /// Print a JSON summary.
        #[arg(long)]
        json: bool,
    },
    /// Who really owns a company: its owners, their owners and so on, to the people at the end of
    /// every chain, with each one's effective share (shares multiplied along a chain, added across
    /// chains). Owners nobody names, and circular ownership, are shown as such.
    ///
    /// ID is a record id or an identifier such as GB-COH-00507062 or "UA-EDR 12345678".
    ///
    /// Example: openreg owners UA-EDR-37609523 --threshold 25
    Owners {
        /// The company (record id or identifier).
        id: String,
        #[command(flatten)]
        walk: OwnershipArgs,
    },
    /// Everything a person or company owns or controls, directly or through the companies it
    /// holds, with the effective share in each.
    ///
    /// Example: openreg owned-by GB-COH-00507062
    OwnedBy {
        /// The person or company (record id or identifier).
        id: String,
        #[command(flatten)]
        walk: OwnershipArgs,
    },
    /// Donations to political parties held in the registry: all, a donor's or a party's.
    Donations(donations::DonationsArgs),
    /// Find which contract parties, owners and donors are the same organisation or person.
    Link(link::LinkArgs),
    /// What an organisation or person is linked to, how surely, and why.
    Links(link::LinksArgs),
    /// Red flags and conflicts of interest, each with its evidence and how sure it is.
    Flags(flags::FlagsArgs),
    /// A flag in plain sentences: what was found and each fact to check against the sources.
    ///
    /// Example: openreg explain OR-DONOR-3f9a0c1d2e4b5a69
    Explain {
        /// The flag's id, as `openreg flags` prints it.
        flag_id: String,
        /// The flag as JSON (its evidence items and sources), with the explanation's text as
        /// `explanation`.
        #[arg(long)]
        json: bool,
    },
    /// Search contracts, companies, people and donations by name (in any script), identifier or
    /// words, with filters; see `openreg search --help`.
    Search(search::SearchArgs),
    /// Build the search index again from the registry (not needed in normal use).
    Reindex(search::ReindexArgs),
    /// Tools for release schemas.
    #[command(subcommand)]
    Schema(SchemaCommand),
}

#[derive(Subcommand)]
enum IngestCommand {
    /// Load OCDS data: release or record packages, bare releases or records, JSON arrays of these,
    /// JSON Lines or several JSON documents back to back; gzipped or not; UTF-8 or Latin-1.
    ///
    /// The format is found from the content, not the file name. Releases are kept exactly as
    /// published; each contracting process's compiled release is brought up to date. Anything that
    /// cannot be used is set aside in the quarantine (see `openreg quarantine list`) and the rest
    /// goes on.
    ///
    /// Exit status: 0 when everything was stored, 2 when some input was quarantined, 1 when nothing
    /// could be read.
    ///
    /// Examples:
    ///   openreg ingest ocds releases.json
    ///   openreg ingest ocds bulk/ full.jsonl.gz
    ///   curl -s URL | openreg ingest ocds -
    #[command(verbatim_doc_comment)]
    Ocds {
        /// Files or folders (read recursively) to load; `-` reads standard input.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The text encoding: auto (UTF-8, or Latin-1/Windows-1252 when the bytes say so), utf-8,
        /// iso-8859-1 or windows-1252.
        #[arg(long, default_value = "auto")]
        encoding: openreg_ingest::Encoding,
        /// Compile with a publisher's extended release schema (its merge directives) instead of the
        /// rules of each package's OCDS version.
        #[arg(long, value_name = "FILE")]
        schema: Option<PathBuf>,
        /// Print a JSON summary on standard output instead of the readable one.
        #[arg(long)]
        json: bool,
        /// Commit to disk after this many megabytes of releases (smaller: less to redo after a
        /// crash; larger: faster).
        #[arg(long, default_value_t = 8, value_name = "MB")]
        batch_mb: usize,
        /// Do not update the search index now (faster when loading many files in a row): the next
        /// search, ingest or link run indexes what was left.
        #[arg(long)]
        no_index: bool,
    },
    /// Load beneficial-ownership statements (BODS 0.2, 0.3 or 0.4): JSON arrays, JSON Lines or
    /// gzip, whatever the file is called. Statements that cannot be understood go to the quarantine.
    ///
    /// Exit status: 0 when everything was stored, 2 when some input was quarantined, 1 when nothing
    /// could be read.
    Bods {
        /// Files or folders (read recursively) to load; `-` reads standard input.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The text encoding: auto, utf-8, iso-8859-1 or windows-1252.
        #[arg(long, default_value = "auto")]
        encoding: openreg_ingest::Encoding,
        /// Print a JSON summary on standard output instead of the readable one.
        #[arg(long)]
        json: bool,
        /// Do not update the search index now: the next search, ingest or link run does it.
        #[arg(long)]
        no_index: bool,
    },
    Donations(donations::IngestDonationsArgs),
    Control(flags::IngestControlArgs),
}

/// How `owners` and `owned-by` walk the ownership chains.
#[derive(clap::Args)]
struct OwnershipArgs {
    /// Only what may reach this effective share, in percent.
    #[arg(long, value_name = "PERCENT")]
    threshold: Option<f64>,
    /// Ownership as it stood on this date (YYYY-MM-DD) instead of now.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Include ended interests and closed relationships.
    #[arg(long)]
    history: bool,
    /// Follow at most this many layers of ownership.
    #[arg(long, default_value_t = 64, value_name = "N")]
    max_depth: usize,
    /// Machine-readable JSON.
    #[arg(long)]
    json: bool,
}

impl OwnershipArgs {
    fn options(&self) -> openreg_model::ownership::OwnershipOptions {
        openreg_model::ownership::OwnershipOptions {
            as_of: self.as_of.clone(),
            history: self.history,
            threshold: self.threshold,
            max_depth: self.max_depth,
        }
    }
}

#[derive(Subcommand)]
enum QuarantineCommand {
    /// List quarantined input, by file and position.
    List {
        /// One JSON object per line, including the quarantined text.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum SchemaCommand {
    /// Print the merge rules openreg derives from a release schema (omitWhenMerged,
    /// wholeListMerge, versionId), as used by `--schema`.
    MergeRules {
        /// A release schema (JSON Schema with local $refs).
        file: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum ExportKind {
    /// One compiled release per contracting process.
    Compiled,
    /// Every release as published.
    Releases,
    /// One record per contracting process (releases and compiled release).
    Records,
    /// Every beneficial-ownership statement (BODS), exactly as loaded.
    Bods,
    /// Every red flag with its evidence, one JSON object per line.
    Flags,
}

fn open_store(dir: &std::path::Path) -> Result<Store> {
    open_store_with_cache(dir, None)
}

/// Opens the store with `cache_mb` of page cache, or the store's default.
fn open_store_with_cache(dir: &std::path::Path, cache_mb: Option<u64>) -> Result<Store> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    let cache_bytes = cache_mb.map_or(openreg_store::CACHE_BYTES, |mb| mb.max(1) << 20);
    Store::open_with_cache(dir, cache_bytes).with_context(|| format!("cannot open the registry in {}", dir.display()))
}

fn load_rules(schema: &Option<PathBuf>) -> Result<Option<Merger>> {
    let Some(path) = schema else { return Ok(None) };
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_slice(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let rules =
        MergeRules::from_schema(&value, &path.display().to_string()).with_context(|| format!("{}", path.display()))?;
    Ok(Some(Merger::new(&rules)))
}

fn run(cli: Cli) -> Result<u8> {
    let open_store = || open_store_with_cache(&cli.data_dir, cli.cache_mb);
    match cli.command {
        Command::Ingest(IngestCommand::Ocds { paths, encoding, schema, json, batch_mb, no_index }) => {
            let store = open_store()?;
            let rules = load_rules(&schema)?;
            let options = openreg_ingest::IngestOptions { encoding, rules, batch_bytes: batch_mb.max(1) << 20 };
            let code = ingest::ocds(&store, &paths, options, json)?;
            search::after_write(&store, &cli.data_dir, no_index, json)?;
            Ok(code)
        }
        Command::Record { ocid, versioned, schema, compact } => {
            let store = open_store()?;
            let rules = load_rules(&schema)?;
            output::record(&store, &ocid, versioned, rules.as_ref(), compact)
        }
        Command::Export(args) => {
            let store = open_store()?;
            export::run(&store, &args)?;
            Ok(0)
        }
        Command::Stats { json } => {
            let store = open_store()?;
            output::stats(&store, json)?;
            Ok(0)
        }
        Command::Quarantine(QuarantineCommand::List { json }) => {
            let store = open_store()?;
            output::quarantine(&store, json)?;
            Ok(0)
        }
        Command::Demo { keep, json } => demo::run(keep, json),
        Command::Ingest(IngestCommand::Bods { paths, encoding, json, no_index }) => {
            let store = open_store()?;
            let code = ingest::bods(&store, &paths, encoding, json)?;
            search::after_write(&store, &cli.data_dir, no_index, json)?;
            Ok(code)
        }
        Command::Ingest(IngestCommand::Donations(args)) => {
            let store = open_store()?;
            let code = donations::ingest(&store, &args)?;
            search::after_write(&store, &cli.data_dir, args.no_index, args.json)?;
            Ok(code)
        }
        Command::Link(args) => {
            let store = open_store_with_cache(&cli.data_dir, cli.cache_mb.or(Some(LINK_CACHE_MB)))?;
            let code = link::run(&store, &args)?;
            if args.writes() {
                search::after_write(&store, &cli.data_dir, args.no_index(), args.json())?;
            }
            Ok(code)
        }
        Command::Search(args) => {
            let store = open_store()?;
            search::search(&store, &cli.data_dir, &args)
        }
        Command::Reindex(args) => {
            let store = open_store()?;
            search::reindex(&store, &cli.data_dir, &args)
        }
        Command::Links(args) => {
            let store = open_store()?;
            link::links(&store, &args)
        }
        Command::Flags(args) => {
            let store = open_store()?;
            flags::run(&store, &args)
        }
        Command::Explain { flag_id, json } => {
            let store = open_store()?;
            flags::explain(&store, &flag_id, json)
        }
        Command::Ingest(IngestCommand::Control(args)) => {
            let store = open_store()?;
            flags::ingest_control(&store, &args)
        }
        Command::Donations(args) => {
            let store = open_store()?;
            donations::list(&store, &args)
        }
        Command::OwnedBy { id, walk } => {
            let store = open_store()?;
            output::owned_by(&store, &id, &walk.options(), walk.json)
        }
        Command::Owners { id, walk } => {
            let store = open_store()?;
            output::owners(&store, &id, &walk.options(), walk.json)
        }
        Command::Compile { schema, json } => {
            let store = open_store()?;
            let rules = load_rules(&schema)?;
            let started = std::time::Instant::now();
            let marked = store.mark_all_pending()?;
            let summary = store.compile_pending(rules.as_ref(), &mut |_| {})?;
            search::contracts_changed(&store)?;
            search::after_write(&store, &cli.data_dir, false, json)?;
            let seconds = started.elapsed().as_secs_f64();
            if json {
                println!("{}", serde_json::json!({"ocids": marked, "compile": summary, "seconds": seconds}));
            } else {
                println!(
                    "{marked} contracting processes: {} compiled, {} compiled by their publisher, {} could not be compiled ({seconds:.2} s)",
                    summary.records_compiled, summary.records_from_publisher, summary.records_not_compiled
                );
            }
            Ok(0)
        }
        Command::Schema(SchemaCommand::MergeRules { file }) => {
            let text = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let value: serde_json::Value = serde_json::from_slice(&text)?;
            let rules = MergeRules::from_schema(&value, &file.display().to_string())?;
            println!("{}", serde_json::to_string_pretty(&rules)?);
            Ok(0)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // A closed pipe (`openreg export … | head`) is not an error worth a message.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("openreg: {e:#}");
            ExitCode::from(1)
        }
    }
}
