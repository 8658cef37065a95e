//! Commands that print what the store holds: records, stats and the quarantine.

use std::io::Write;

use anyhow::Result;
use openreg_model::Merger;
use openreg_store::Store;
use serde_json::Value;

pub fn record(store: &Store, ocid: &str, versioned: bool, rules: Option<&Merger>, compact: bool) -> Result<u8> {
    let Some(json) = store.record_json(ocid)? else {
        eprintln!("openreg: no contracting process with ocid {ocid} in this registry");
        return Ok(1);
    };
    let (warnings, from_publisher) = store.record_notes(ocid)?;
    for warning in &warnings {
        let message = warning.get("message").and_then(Value::as_str).unwrap_or("");
        match warning.get("release") {
            Some(id) => eprintln!("warning: release {id}: {} {message}", warning["pointer"].as_str().unwrap_or("")),
            None => eprintln!("warning: {message}"),
        }
    }
    if from_publisher {
        eprintln!("note: this record's releases are only linked; its compiled release is the publisher's");
    }
    let mut out = std::io::stdout().lock();
    if compact && !versioned {
        out.write_all(&json)?;
        writeln!(out)?;
        return Ok(0);
    }
    let mut record: Value = serde_json::from_slice(&json)?;
    if versioned {
        match store.versioned_release(ocid, rules)? {
            Some(Ok(v)) => {
                record["versionedRelease"] = v;
            }
            Some(Err(e)) => eprintln!("openreg: the versioned release cannot be built: {e}"),
            None => {}
        }
    }
    if compact {
        serde_json::to_writer(&mut out, &record)?;
    } else {
        serde_json::to_writer_pretty(&mut out, &record)?;
    }
    writeln!(out)?;
    Ok(0)
}

pub fn stats(store: &Store, json: bool) -> Result<()> {
    let stats = store.stats()?;
    if json {
        println!("{}", serde_json::to_string(&stats)?);
        return Ok(());
    }
    println!("contracting processes  {}", stats.ocids);
    println!("releases               {}", stats.releases);
    println!(
        "compiled records       {} ({} compiled by their publisher)",
        stats.records_compiled, stats.records_from_publisher
    );
    if stats.records_not_compiled > 0 {
        println!("not compiled           {} (see the warnings of `openreg record OCID`)", stats.records_not_compiled);
    }
    if stats.awaiting_compile > 0 {
        println!(
            "awaiting compile       {} (an ingest was interrupted; the next ingest completes it)",
            stats.awaiting_compile
        );
    }
    println!("packages               {}", stats.packages);
    println!("quarantined            {}", stats.quarantined);
    if let (Some(first), Some(last)) = (&stats.earliest_date, &stats.latest_date) {
        println!("dates                  {first} to {last}");
    }
    if stats.statements > 0 {
        println!(
            "ownership statements   {} ({} entities and persons, {} relationships)",
            stats.statements,
            stats.statements - stats.relationship_statements,
            stats.relationship_statements
        );
    }
    if stats.donations > 0 {
        println!("donations              {}", stats.donations);
    }
    if stats.mentions > 0 {
        let links: Vec<String> = stats.links.iter().map(|(label, n)| format!("{n} {label}")).collect();
        println!(
            "linking                {} parties, owners and donors; {} identifiers shared; name links: {}",
            stats.mentions,
            stats.identifier_groups,
            if links.is_empty() { "none".to_string() } else { links.join(", ") }
        );
        if stats.mentions_pending > 0 {
            println!("  not compared yet     {} (run `openreg link`)", stats.mentions_pending);
        }
        if stats.judgements > 0 {
            println!("  judged by a person   {}", stats.judgements);
        }
    }
    if stats.flags > 0 {
        println!("red flags              {} (see `openreg flags`)", stats.flags);
    }
    if stats.search_waiting > 0 {
        println!("search index           {} changes waiting (the next search adds them)", stats.search_waiting);
    }
    println!("on disk                {:.1} MB", stats.disk_bytes as f64 / 1e6);
    if let Some(last) = &stats.last_ingest {
        let names: Vec<&str> = last
            .sources
            .iter()
            .map(|s| std::path::Path::new(s).file_name().and_then(|n| n.to_str()).unwrap_or(s))
            .collect();
        println!(
            "last ingest            {} from {} ({} new releases{})",
            last.started_at,
            if names.is_empty() { "standard input".to_string() } else { names.join(", ") },
            last.releases_new,
            if last.finished { "" } else { ", interrupted" }
        );
    }
    Ok(())
}

pub fn quarantine(store: &Store, json: bool) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut count = 0;
    for entry in store.quarantine() {
        let entry = entry?;
        count += 1;
        if json {
            serde_json::to_writer(&mut out, &entry)?;
            writeln!(out)?;
        } else {
            let pointer = if entry.pointer.is_empty() { String::new() } else { format!(" at {}", entry.pointer) };
            writeln!(out, "{}:{} (byte {}){pointer}: {}", entry.source, entry.line, entry.offset, entry.reason)?;
        }
    }
    if !json && count == 0 {
        writeln!(out, "The quarantine is empty.")?;
    }
    out.flush()?;
    Ok(())
}

/// Resolves what a person typed (a record id or an identifier) to a record.
fn resolve_record(store: &Store, id: &str) -> Result<Option<String>> {
    if store.has_record(id)? {
        return Ok(Some(id.to_string()));
    }
    Ok(store.records_with_identifier(id)?.into_iter().next())
}

pub fn owners(store: &Store, id: &str, options: &openreg_model::ownership::OwnershipOptions, json: bool) -> Result<u8> {
    let Some(subject) = resolve_record(store, id)? else {
        eprintln!("openreg: no company or person with the id or identifier {id} in this registry");
        return Ok(1);
    };
    let graph = store.ownership_graph_above(&subject, options.max_depth)?;
    let report = graph.ultimate_owners(&subject, options);
    let paths = report.ultimate_owners.iter().chain(&report.top_entities).flat_map(|o| &o.paths);
    let paths = paths.chain(&report.undisclosed).chain(&report.truncated);
    let warnings = warnings_behind(store, std::iter::once(&subject).chain(report.cycles.iter().flatten()), paths)?;
    if json {
        let mut value = serde_json::to_value(&report)?;
        value["warnings"] = serde_json::to_value(&warnings)?;
        println!("{value}");
        return Ok(0);
    }
    let name = |record: &str| record_label(&graph, record);
    let share = share_text;
    let chain = |path: &openreg_model::ownership::OwnershipPath| -> String {
        path.records.iter().map(|r| name(r)).collect::<Vec<_>>().join(" <- ")
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", name(&subject))?;
    if report.ultimate_owners.is_empty() {
        writeln!(out, "  no natural person is named at the end of any chain")?;
    }
    for owner in &report.ultimate_owners {
        let declared = match (owner.declared_min, owner.declared_max) {
            (Some(min), Some(max)) => format!(" (the register declares {})", share(min, max)),
            _ => String::new(),
        };
        writeln!(out, "  {}: effective share {}{declared}", name(&owner.record_id), share(owner.min, owner.max))?;
        for path in &owner.paths {
            writeln!(out, "      {} [{}]", chain(path), share(path.min, path.max))?;
        }
    }
    for top in &report.top_entities {
        writeln!(
            out,
            "  {} holds {} and declares no owners of its own",
            name(&top.record_id),
            share(top.min, top.max)
        )?;
    }
    for path in &report.undisclosed {
        let reason = path.reason.as_deref().unwrap_or("no reason given");
        writeln!(out, "  UNDISCLOSED owner ({reason}), holding {}: {}", share(path.min, path.max), chain(path))?;
        if let Some(description) = &path.description {
            writeln!(out, "      the register says: {description}")?;
        }
    }
    for cycle in &report.cycles {
        writeln!(
            out,
            "  CIRCULAR ownership, followed once: {}",
            cycle.iter().map(|r| name(r)).collect::<Vec<_>>().join(" <- ")
        )?;
    }
    for path in &report.truncated {
        writeln!(out, "  chain cut at the depth limit: {}", chain(path))?;
    }
    write_warnings(&mut out, &warnings)?;
    Ok(0)
}

/// What openreg tolerated in the statements of the records and relationships an answer rests on.
fn warnings_behind<'a>(
    store: &Store,
    records: impl Iterator<Item = &'a String>,
    paths: impl Iterator<Item = &'a openreg_model::ownership::OwnershipPath>,
) -> Result<Vec<openreg_store::owners::RecordWarning>> {
    let mut ids = std::collections::BTreeSet::new();
    ids.extend(records);
    for path in paths {
        ids.extend(path.records.iter().chain(&path.relationships));
    }
    let mut warnings = Vec::new();
    for id in ids {
        warnings.extend(store.record_warnings(id)?);
    }
    Ok(warnings)
}

/// One line that says the answer rests on statements that break the standard, and how.
fn write_warnings(out: &mut impl Write, warnings: &[openreg_store::owners::RecordWarning]) -> Result<()> {
    if warnings.is_empty() {
        return Ok(());
    }
    let statements: std::collections::BTreeSet<(&str, &str)> =
        warnings.iter().map(|w| (w.record_id.as_str(), w.statement_id.as_str())).collect();
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for w in warnings {
        *counts.entry(w.message.as_str()).or_default() += 1;
    }
    let counts: Vec<String> = counts.iter().map(|(message, n)| format!("{message}: {n}")).collect();
    writeln!(
        out,
        "  note: {} of the statements behind this answer break the standard ({}); --json lists them",
        statements.len(),
        counts.join("; ")
    )?;
    Ok(())
}

fn round(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// How a record is shown to a person: its name and identifiers.
fn record_label(graph: &openreg_model::ownership::OwnershipGraph, record: &str) -> String {
    if let Some(e) = graph.entity(record) {
        let ids: Vec<String> = e
            .identifiers
            .iter()
            .filter_map(|i| Some(format!("{} {}", i.scheme.as_deref()?, i.id.as_deref()?)))
            .collect();
        let label = e.name.clone().unwrap_or_else(|| record.to_string());
        return if ids.is_empty() { label } else { format!("{label} ({})", ids.join(", ")) };
    }
    if let Some(p) = graph.person(record) {
        let name = p.names.first().cloned().unwrap_or_else(|| format!("unnamed person {record}"));
        return if p.politically_exposed == Some(true) { format!("{name} (politically exposed)") } else { name };
    }
    record.to_string()
}

fn share_text(min: f64, max: f64) -> String {
    if (max - min).abs() < 1e-9 {
        format!("{}%", round(min))
    } else {
        format!("{}-{}%", round(min), round(max))
    }
}

pub fn owned_by(
    store: &Store,
    id: &str,
    options: &openreg_model::ownership::OwnershipOptions,
    json: bool,
) -> Result<u8> {
    let Some(owner) = resolve_record(store, id)? else {
        eprintln!("openreg: no company or person with the id or identifier {id} in this registry");
        return Ok(1);
    };
    let graph = store.ownership_graph_below(&owner, options.max_depth)?;
    let report = graph.holdings(&owner, options);
    let paths = report.holdings.iter().flat_map(|h| &h.paths).chain(&report.truncated);
    let warnings = warnings_behind(store, std::iter::once(&owner).chain(report.cycles.iter().flatten()), paths)?;
    if json {
        let mut value = serde_json::to_value(&report)?;
        value["warnings"] = serde_json::to_value(&warnings)?;
        println!("{value}");
        return Ok(0);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", record_label(&graph, &owner))?;
    if report.holdings.is_empty() {
        writeln!(out, "  holds nothing in this registry")?;
    }
    for holding in &report.holdings {
        writeln!(
            out,
            "  {}: effective share {}",
            record_label(&graph, &holding.record_id),
            share_text(holding.min, holding.max)
        )?;
        for path in &holding.paths {
            let chain: Vec<String> = path.records.iter().map(|r| record_label(&graph, r)).collect();
            writeln!(out, "      {} [{}]", chain.join(" -> "), share_text(path.min, path.max))?;
        }
    }
    for cycle in &report.cycles {
        let chain: Vec<String> = cycle.iter().map(|r| record_label(&graph, r)).collect();
        writeln!(out, "  CIRCULAR ownership, followed once: {}", chain.join(" -> "))?;
    }
    write_warnings(&mut out, &warnings)?;
    Ok(0)
}
