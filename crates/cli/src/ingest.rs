//! `openreg ingest ocds`: progress on a terminal, a summary at the end.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use openreg_ingest::{expand, ingest_ocds, IngestOptions, IngestSummary, Progress};
use openreg_store::Store;

pub fn ocds(store: &Store, paths: &[PathBuf], options: IngestOptions, json: bool) -> Result<u8> {
    let inputs = match expand(paths) {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("openreg: {e}");
            return Ok(1);
        }
    };
    let summary = run_with_progress(store, &inputs, &options)?;
    if json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print_summary(&summary);
    }
    Ok(summary.exit_code() as u8)
}

pub fn run_with_progress(
    store: &Store,
    inputs: &[openreg_ingest::Input],
    options: &IngestOptions,
) -> Result<IngestSummary> {
    // A bar on a terminal only: scripts and pipes get no control characters.
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg:40!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {prefix}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        Some(bar)
    } else {
        None
    };
    let started = std::time::Instant::now();
    let mut report = |p: &Progress| {
        let Some(bar) = &bar else { return };
        let rate = p.releases as f64 / started.elapsed().as_secs_f64().max(1e-3);
        match p.compiling {
            Some(done) => {
                bar.set_message("compiling records");
                bar.set_prefix(format!("{done} records compiled"));
            }
            None => {
                bar.set_message(p.source.clone());
                if let Some(total) = p.bytes_total {
                    bar.set_length(total);
                }
                bar.set_position(p.bytes_read);
                bar.set_prefix(format!("{} releases, {rate:.0}/s", p.releases));
            }
        }
    };
    let summary = ingest_ocds(store, inputs, options, &mut report);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    Ok(summary?)
}

fn print_summary(s: &IngestSummary) {
    for source in &s.sources {
        match &source.error {
            Some(error) => println!("{}: {error}", source.source),
            None => println!(
                "{}: {} releases read, {} quarantined ({}{})",
                source.source,
                source.releases_read,
                source.quarantined,
                source.encoding,
                if source.gzip { ", gzip" } else { "" }
            ),
        }
    }
    println!(
        "{} new releases stored, {} already held; {} records compiled, {} taken from the publisher, {} could not be compiled",
        s.releases_stored, s.releases_duplicate, s.compile.records_compiled, s.compile.records_from_publisher, s.compile.records_not_compiled
    );
    if s.quarantined > 0 {
        println!("{} quarantined: see `openreg quarantine list`", s.quarantined);
    }
    if s.compile.warnings + s.release_warnings > 0 {
        println!("{} warnings: see `openreg record OCID` for each process", s.compile.warnings + s.release_warnings);
    }
    let mb = s.bytes_read as f64 / 1e6;
    println!("{mb:.1} MB in {:.2} s ({:.0} releases/s)", s.seconds, s.releases_read as f64 / s.seconds.max(1e-9));
}

pub fn bods(store: &Store, paths: &[PathBuf], encoding: openreg_ingest::Encoding, json: bool) -> Result<u8> {
    let inputs = match expand(paths) {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("openreg: {e}");
            return Ok(1);
        }
    };
    let summary = openreg_ingest::ingest_bods(store, &inputs, encoding)?;
    if json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        for source in &summary.sources {
            match &source.error {
                Some(error) => println!("{}: {error}", source.source),
                None => println!(
                    "{}: {} statements read, {} quarantined",
                    source.source, source.releases_read, source.quarantined
                ),
            }
        }
        println!("{} new statements stored, {} already held", summary.statements_stored, summary.statements_duplicate);
        for (warning, count) in &summary.warnings {
            println!("warning: {warning} ({count} statements)");
        }
        if summary.quarantined > 0 {
            println!("{} quarantined: see `openreg quarantine list`", summary.quarantined);
        }
    }
    Ok(summary.exit_code() as u8)
}
