//! `openreg search` and `openreg reindex`, and the catch-up that keeps the search index in step
//! with the store after every command that writes.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use openreg_index::sync::CatchUp;
use openreg_index::{DocKind, Filter, SearchIndex, SearchRequest};
use openreg_store::Store;

/// Search contracts, companies, people and donations: by name in any script, by identifier, by
/// words of a title or description.
///
/// Names are found whatever alphabet they were written in: Kovalenko finds Коваленко,
/// Beridze finds ბერიძე, Solovev finds Соловьёв, and the other way round. Spellings of one name
/// meet (Kolomoisky, Kolomoiskyi, Коломойський), and a typo still finds it.
///
/// How to write a query:
///   Kovalenko Ivan        every word must match (in any order, any script)
///   "Ivan Kovalenko"      a phrase: the words next to each other, in this order
///   Budm*                 words starting with Budm (type-ahead)
///   37609523              a registry number finds its company (so does UA-EDR-37609523,
///                         "UA-EDR 37609523" or GEO-TAXID-01008054321); an ocid its contract
///   ""                    everything: browse with --type and --filter alone
/// Legal forms (LLC, ТОВ, შპს) only help the ranking; titles (Mr, пан) are ignored.
///
/// Hits come best first (then by id), 20 at a time: pass the cursor printed at the end to see
/// the next page. A cursor keeps the order of the first page even while data is being added, so
/// walking the pages never skips or repeats a hit. There is no limit to how far you can go.
///
/// Filters (--filter FIELD=VALUE, repeatable; the same field twice means either value):
///   type       contract, organization, person, donation (or use --type)
///   buyer      a buyer's identifier or name (e.g. buyer=UA-EDR-04055915, buyer="Мерія")
///   supplier   a supplier's identifier or name
///   party      the party a donation went to
///   country    ISO code: UA, GE, GB...
///   date       2025, 2025-03, 2025-03-01, or a range: 2025-01..2025-06, 2024.., ..2024-06
///   value      an amount or a range: 100000.., 1000..50000
///   method     procurement method: open, selective, limited, direct
///   status     active, complete, cancelled, unsuccessful...
///   category   goods, works, services; for donations money, in_kind, membership_fee...
///   role       buyer, supplier, tenderer, beneficial_owner, donor, party...
///   currency   UAH, GEL, GBP...
/// A contract's date is its signing date, else its award's, else the start of its tender.
///
/// The search index lives beside the registry (DATA_DIR/search) and is brought up to date
/// before every search, so what was ingested with --no-index is found too.
///
/// Examples:
///   openreg search Beridze
///   openreg search "Kovalenko" --type person
///   openreg search asphalt --filter country=GE --filter date=2025 --filter value=100000..
///   openreg search "" --type contract --filter supplier=UA-EDR-41126083 --json
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct SearchArgs {
    /// What to look for (see above); "" for everything.
    #[arg(value_name = "QUERY", allow_hyphen_values = true)]
    query: String,
    /// Only this kind of result.
    #[arg(long = "type", value_name = "TYPE")]
    kind: Option<Kind>,
    /// Narrow the results: FIELD=VALUE (see above). Repeatable.
    #[arg(long = "filter", value_name = "FIELD=VALUE")]
    filters: Vec<String>,
    /// Hits per page.
    #[arg(long, default_value_t = 20, value_name = "N")]
    limit: usize,
    /// Continue after the page that printed this cursor.
    #[arg(long, value_name = "C")]
    cursor: Option<String>,
    /// Machine-readable JSON: `total`, `hits` (each with `type`, `id`, `name` or `title`, `score`,
    /// `snippet`), `facets`, `next_cursor`, and `index` (how up to date the index is).
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Kind {
    Contract,
    Organization,
    Person,
    Donation,
}

impl Kind {
    fn doc_kind(self) -> DocKind {
        match self {
            Kind::Contract => DocKind::Contract,
            Kind::Organization => DocKind::Organization,
            Kind::Person => DocKind::Person,
            Kind::Donation => DocKind::Donation,
        }
    }
}

/// Build the search index again from everything the registry holds.
///
/// Not needed in normal use: every ingest and link run updates the index, and a search first
/// catches up with anything left undone (after a crash, or an ingest with --no-index). Use it
/// if the index was damaged or deleted; searches wait until it is done.
#[derive(clap::Args)]
pub struct ReindexArgs {
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
}

/// Where the search index of a registry lives.
pub fn index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("search")
}

fn bar(total: u64, message: &str) -> Option<ProgressBar> {
    // Only on a terminal, and only for work worth watching.
    (std::io::stderr().is_terminal() && total > 2_000).then(|| {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} {per_sec}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(message.to_string());
        bar
    })
}

fn open_and_catch_up(store: &Store, data_dir: &Path) -> Result<(SearchIndex, CatchUp)> {
    let dir = index_dir(data_dir);
    let mut index = openreg_index::sync::open(store, &dir)
        .with_context(|| format!("cannot open the search index in {}", dir.display()))?;
    let mut progress: Option<Option<ProgressBar>> = None;
    let summary = openreg_index::sync::catch_up(store, &mut index, &mut |done, total| {
        if let Some(bar) = progress.get_or_insert_with(|| bar(total, "updating the search index")) {
            bar.set_position(done);
        }
    })?;
    if let Some(Some(bar)) = progress {
        bar.finish_and_clear();
    }
    Ok((index, summary))
}

/// Brings the search index up to date after a command that wrote to the store. With `skip`
/// (`--no-index`), leaves the work queued for the next search or write.
pub fn after_write(store: &Store, data_dir: &Path, skip: bool, json: bool) -> Result<()> {
    if skip {
        if !json {
            println!(
                "search index: {} documents left to index (the next search or ingest does it)",
                store.index_pending_count()
            );
        }
        return Ok(());
    }
    let (_, summary) = open_and_catch_up(store, data_dir)?;
    if !json && summary.applied > 0 {
        println!("search index: {} documents updated ({:.2} s)", summary.applied, summary.seconds);
    }
    if !json && summary.waiting > 0 {
        println!(
            "search index: {} contracts wait for their records to be compiled (run the ingest again)",
            summary.waiting
        );
    }
    Ok(())
}

/// Queues every contract for indexing again (their compiled releases changed: `openreg compile`).
pub fn contracts_changed(store: &Store) -> Result<()> {
    let mut ids = Vec::new();
    for ocid in store.ocids() {
        ids.push(format!("contract/{}", ocid?));
        if ids.len() >= 10_000 {
            store.index_again(std::mem::take(&mut ids))?;
        }
    }
    store.index_again(ids)?;
    Ok(())
}

/// `<b>…</b>` marks, HTML-escaped, as plain text with the matches in [brackets].
fn plain(snippet: &str) -> String {
    snippet
        .replace("<b>", "[")
        .replace("</b>", "]")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

pub fn search(store: &Store, data_dir: &Path, args: &SearchArgs) -> Result<u8> {
    let mut filters = Vec::new();
    for text in &args.filters {
        match Filter::parse(text) {
            Ok(filter) => filters.push(filter),
            Err(e) => {
                eprintln!("openreg: {e}");
                return Ok(1);
            }
        }
    }
    let (index, caught_up) = open_and_catch_up(store, data_dir)?;
    let request = SearchRequest {
        text: args.query.clone(),
        kind: args.kind.map(Kind::doc_kind),
        filters,
        limit: args.limit.max(1),
        cursor: args.cursor.clone(),
        facets: true,
        snippets: true,
    };
    let results = match index.search(&request) {
        Ok(results) => results,
        Err(openreg_index::IndexError::Query(message) | openreg_index::IndexError::Cursor(message)) => {
            eprintln!("openreg: {message}");
            return Ok(1);
        }
        Err(e) => return Err(e.into()),
    };
    let state = index.state();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json {
        let value = serde_json::json!({
            "query": args.query,
            "total": results.total,
            "hits": results.hits,
            "facets": results.facets,
            "next_cursor": results.next_cursor,
            "index": {
                "documents": index.documents(),
                "caught_up": caught_up.applied,
                "waiting": caught_up.waiting,
                "applied": state.applied,
                "committed_at": state.committed_at,
            },
        });
        serde_json::to_writer(&mut out, &value)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(0);
    }
    let shown = results.hits.len();
    writeln!(
        out,
        "{} {} for {:?}{}",
        results.total,
        if results.total == 1 { "result" } else { "results" },
        args.query,
        if args.cursor.is_some() { " (a later page)" } else { "" }
    )?;
    for (i, hit) in results.hits.iter().enumerate() {
        let name = hit.name.as_deref().or(hit.title.as_deref()).unwrap_or("");
        writeln!(out)?;
        writeln!(out, "{:>3}. {name}  ({}, score {:.2})", i + 1, hit.kind, hit.score)?;
        writeln!(out, "     {}", hit.id)?;
        if !hit.summary.is_empty() {
            writeln!(out, "     {}", hit.summary)?;
        }
        let snippet = plain(&hit.snippet);
        if !snippet.is_empty() && snippet != hit.summary && snippet != format!("[{name}]") {
            writeln!(out, "     match: {snippet}")?;
        }
    }
    let facets: Vec<String> = results
        .facets
        .iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(facet, values)| {
            let list: Vec<String> = values.iter().take(6).map(|v| format!("{} {}", v.value, v.count)).collect();
            format!("{facet}: {}", list.join(", "))
        })
        .collect();
    if !facets.is_empty() {
        writeln!(out)?;
        writeln!(out, "Narrow with --filter FIELD=VALUE:")?;
        for line in facets {
            writeln!(out, "  {line}")?;
        }
    }
    if let Some(cursor) = &results.next_cursor {
        writeln!(out)?;
        writeln!(out, "{shown} shown; the next page: add --cursor {cursor}")?;
    }
    if caught_up.waiting > 0 {
        writeln!(
            out,
            "note: {} contracts are not searchable yet: an ingest was interrupted; run it again",
            caught_up.waiting
        )?;
    }
    out.flush()?;
    Ok(0)
}

pub fn reindex(store: &Store, data_dir: &Path, args: &ReindexArgs) -> Result<u8> {
    let dir = index_dir(data_dir);
    let mut index = openreg_index::sync::open(store, &dir)
        .with_context(|| format!("cannot open the search index in {}", dir.display()))?;
    let started = std::time::Instant::now();
    let mut progress: Option<Option<ProgressBar>> = None;
    let summary = openreg_index::sync::reindex(store, &mut index, &mut |done, total| {
        if let Some(bar) = progress.get_or_insert_with(|| bar(total, "rebuilding the search index")) {
            bar.set_position(done);
        }
    })?;
    if let Some(Some(bar)) = progress {
        bar.finish_and_clear();
    }
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        println!(
            "{}",
            serde_json::json!({"indexed": summary.applied, "waiting": summary.waiting, "documents": summary.documents, "disk_bytes": index.disk_bytes(), "seconds": seconds})
        );
    } else {
        println!(
            "search index rebuilt: {} entries from the registry, {} documents searchable, {:.1} MB, {seconds:.2} s",
            summary.applied,
            summary.documents,
            index.disk_bytes() as f64 / 1e6
        );
        if summary.waiting > 0 {
            println!("{} contracts wait for their records to be compiled (run the ingest again)", summary.waiting);
        }
    }
    Ok(0)
}
