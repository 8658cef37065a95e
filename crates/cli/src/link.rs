//! `openreg link` and `openreg links`: who is who across contracts, owners and donors.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use openreg_link::run::Progress;
use openreg_link::LinkConfig;
use openreg_store::Store;

/// Find which contract parties, owners and donors are the same organisation or person.
///
/// A shared identifier (a company code, a personal number) links them for certain: the link is
/// `confirmed`. Otherwise names are compared across scripts and spellings (Коломойський,
/// Kolomoisky), with country, birth date and legal form for or against; such links are only
/// `probable` or `possible`, with their score and evidence, and are never to be printed as fact
/// without a check. A different identifier in the same scheme rules a link out.
///
/// Only what is new or changed since the last run is compared. `openreg links ID` shows the
/// result; `openreg link confirm A B` and `openreg link reject A B` record your judgement, which
/// every later run respects.
///
/// Examples:
///   openreg link
///   openreg link --config my-thresholds.toml
///   openreg link confirm "donor/ge-sao:5c1f…" "bods/GE-person-17"
///   openreg link evaluate fixtures/links/labelled.jsonl
#[derive(clap::Args)]
#[command(verbatim_doc_comment, args_conflicts_with_subcommands = true)]
pub struct LinkArgs {
    #[command(subcommand)]
    command: Option<LinkCommand>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Thresholds and weights (TOML; see `openreg link --help` in the README for the keys).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Compare every mention again (after changing thresholds), not only new or changed ones.
    #[arg(long)]
    all: bool,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
    /// Do not update the search index now (a large world's new mentions take a while): the next
    /// search, ingest or link run indexes what was left.
    #[arg(long)]
    no_index: bool,
}

#[derive(clap::Subcommand)]
enum LinkCommand {
    /// Record that two mentions are the same organisation or person (a confirmed link).
    ///
    /// Example: openreg link confirm bods/ge-person-chavchavadze donor/ge-sao:311c43bbcda8eeb68b5a --note "same birth date in the party's filing"
    #[command(verbatim_doc_comment)]
    Confirm {
        /// A mention's id, as `openreg links` and `openreg search` print it.
        a: String,
        /// The other mention's id.
        b: String,
        /// Why: your source, for whoever reads the link later.
        #[arg(long)]
        note: Option<String>,
        /// Print the judgement recorded, as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record that two mentions are NOT the same: no run will link them again.
    Reject {
        /// A mention's id, as `openreg links` and `openreg search` print it.
        a: String,
        /// The other mention's id.
        b: String,
        /// Why: your source, for whoever reads the judgement later.
        #[arg(long)]
        note: Option<String>,
        /// Print the judgement recorded, as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Measure linking against a labelled file (JSON Lines of mentions with a `truth` field):
    /// precision and recall per label.
    Evaluate {
        file: PathBuf,
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

impl LinkArgs {
    /// Whether the command changes mentions or links (and so the search index).
    pub fn writes(&self) -> bool {
        !matches!(self.command, Some(LinkCommand::Evaluate { .. }))
    }

    /// Whether the search index is to be left for later (`--no-index` on a linking run).
    pub fn no_index(&self) -> bool {
        self.command.is_none() && self.run.no_index
    }

    pub fn json(&self) -> bool {
        match &self.command {
            Some(LinkCommand::Evaluate { json, .. })
            | Some(LinkCommand::Confirm { json, .. })
            | Some(LinkCommand::Reject { json, .. }) => *json,
            None => self.run.json,
        }
    }
}

fn load_config(path: &Option<PathBuf>) -> Result<LinkConfig> {
    match path {
        None => Ok(LinkConfig::default()),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            LinkConfig::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
    }
}

pub fn run(store: &Store, args: &LinkArgs) -> Result<u8> {
    match &args.command {
        Some(LinkCommand::Confirm { a, b, note, json }) => judge(store, a, b, true, note.clone(), *json),
        Some(LinkCommand::Reject { a, b, note, json }) => judge(store, a, b, false, note.clone(), *json),
        Some(LinkCommand::Evaluate { file, config, json }) => evaluate(file, &load_config(config)?, *json),
        None => link(store, &args.run),
    }
}

fn judge(store: &Store, a: &str, b: &str, same: bool, note: Option<String>, json: bool) -> Result<u8> {
    match openreg_link::run::judge(store, a, b, same, note) {
        Ok(j) => {
            // Organisation and person documents merge along confirmed links: index both again.
            store.index_again([format!("mention/{a}"), format!("mention/{b}")])?;
            if json {
                println!("{}", serde_json::to_string(&j)?);
            } else {
                println!(
                    "{} and {} recorded as {} ({})",
                    j.a,
                    j.b,
                    if same { "the same" } else { "not the same" },
                    j.at
                );
            }
            Ok(0)
        }
        Err(openreg_link::run::LinkError::Usage(message)) => {
            eprintln!("openreg: {message}");
            Ok(1)
        }
        Err(e) => Err(e.into()),
    }
}

fn link(store: &Store, args: &RunArgs) -> Result<u8> {
    let config = load_config(&args.config)?;
    if args.all {
        store.mark_all_mentions_pending()?;
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len}").expect("valid template"));
        bar
    });
    let summary = openreg_link::run::run(store, &config, &mut |p| {
        let Some(bar) = &bar else { return };
        match p {
            Progress::Gathering { mentions } => bar.set_message(format!("gathering mentions: {mentions}")),
            Progress::Comparing { done, total } => {
                bar.set_message("comparing");
                bar.set_length(total);
                bar.set_position(done);
            }
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
        return Ok(0);
    }
    println!(
        "{} mentions, {} new or changed and compared; {} candidate pairs scored",
        summary.mentions, summary.new_or_changed, summary.candidate_pairs
    );
    println!("{} identifiers join more than one mention (confirmed)", summary.identifier_groups);
    for (label, n) in &summary.links {
        println!("{n} {label} name links written");
    }
    if summary.blocks_too_common > 0 {
        println!("{} name words too common to find candidates by (see max_block)", summary.blocks_too_common);
    }
    println!("{:.2} s; see `openreg links ID` for what an organisation or person is linked to", summary.seconds);
    Ok(0)
}

fn evaluate(file: &PathBuf, config: &LinkConfig, json: bool) -> Result<u8> {
    let input = std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let evaluation = match openreg_link::evaluate::evaluate(std::io::BufReader::new(input), config) {
        Ok(e) => e,
        Err(openreg_link::run::LinkError::Usage(message)) => {
            eprintln!("openreg: {}: {message}", file.display());
            return Ok(1);
        }
        Err(e) => return Err(e.into()),
    };
    if json {
        println!("{}", serde_json::to_string(&evaluation)?);
        return Ok(0);
    }
    println!("{} mentions, {} pairs that are truly one", evaluation.mentions, evaluation.true_pairs);
    println!("{:<10} {:>7} {:>8} {:>10} {:>18}", "label", "links", "correct", "precision", "recall (this or surer)");
    for l in &evaluation.labels {
        println!("{:<10} {:>7} {:>8} {:>10.3} {:>18.3}", l.label, l.links, l.correct, l.precision, l.recall);
    }
    println!(
        "probable or better: precision {:.3} (goal 0.99), recall {:.3} (goal 0.90)",
        evaluation.precision_probable_or_better, evaluation.recall_probable_or_better
    );
    for f in &evaluation.false_links {
        println!("wrong link: {f}");
    }
    for m in &evaluation.missed {
        println!("missed: {m}");
    }
    Ok(0)
}

/// What an organisation or person is linked to.
///
/// ID is a mention id as `openreg link` and this command print them (`ocds/OCID/PARTY`,
/// `bods/RECORD`, `donor/DONATION`) or an identifier in any spelling (UA-EDR-41126083,
/// "GEO-TAXID 01008054321").
///
/// Example: openreg links UA-EDR-41126083
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct LinksArgs {
    id: String,
    /// List at most this many linked mentions.
    #[arg(long, default_value_t = 200)]
    limit: usize,
    #[arg(long)]
    json: bool,
}

pub fn links(store: &Store, args: &LinksArgs) -> Result<u8> {
    let Some(view) = openreg_link::entity::links_for(store, &args.id, args.limit)? else {
        eprintln!("openreg: nothing known as {:?}: run `openreg link` after loading data", args.id);
        return Ok(1);
    };
    if args.json {
        println!("{}", serde_json::to_string(&view)?);
        return Ok(0);
    }
    if view.mentions.len() > 1 {
        println!("{} mentions carry {} — confirmed as one:", view.mentions.len(), args.id);
    }
    for m in &view.mentions {
        println!(
            "{}  {} ({:?}{})",
            m.id,
            m.name,
            m.kind,
            m.country.as_ref().map(|c| format!(", {c}")).unwrap_or_default()
        );
        println!("    {}", m.role);
    }
    if view.linked.is_empty() {
        println!("linked to nothing else");
    }
    for l in &view.linked {
        println!("{} {:.2}  {}  {}", l.label.as_str(), l.score, l.mention.id, l.mention.name);
        println!("    {}", l.mention.role);
        println!("    because: {}", l.via);
    }
    if view.truncated {
        println!("(more not shown: use --limit)");
    }
    Ok(0)
}
