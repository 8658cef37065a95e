//! `openreg export`: bulk files the way the OCDS Data Registry publishes them: JSON Lines (one
//! compiled release, release or record per line), or one package; gzipped if asked. Beneficial
//! ownership goes out as BODS statements, exactly as they were loaded.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use flate2::write::GzEncoder;
use flate2::Compression;
use openreg_store::Store;
use serde_json::{json, Map, Value};

use crate::ExportKind;

#[derive(clap::Args)]
pub struct ExportArgs {
    /// What to write: compiled (one compiled release per process), releases (every release as
    /// published), records (releases and compiled release per process) or bods (every
    /// beneficial-ownership statement as loaded).
    kind: ExportKind,
    /// Compress with gzip.
    #[arg(long)]
    gzip: bool,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Only what is dated on or after this date (YYYY-MM-DD or a full date-time, compared as
    /// written; for bods, the statementDate); undated entries are left out when this is given.
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Write one release package (or record package) instead of JSON Lines; for bods, one JSON
    /// array of statements (a BODS package).
    #[arg(long)]
    package: bool,
    /// For bods: only statements of this BODS version (as the statement declares it; statements
    /// that declare none count as 0.4 when they follow the record model, 0.1 otherwise).
    #[arg(long, value_name = "VERSION", value_parser = ["0.1", "0.2", "0.3", "0.4"])]
    bods_version: Option<String>,
    /// The publisher named in an OCDS package.
    #[arg(long, default_value = "openreg", value_name = "NAME")]
    publisher: String,
    /// The URI of an OCDS package (where it will be published).
    #[arg(long, default_value = "", value_name = "URI")]
    uri: String,
}

pub fn run(store: &Store, args: &ExportArgs) -> Result<()> {
    if args.bods_version.is_some() && args.kind != ExportKind::Bods {
        bail!("--bods-version only applies to `openreg export bods`");
    }
    let sink: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(File::create(path).with_context(|| format!("cannot create {}", path.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let sink: Box<dyn Write> = if args.gzip { Box::new(GzEncoder::new(sink, Compression::default())) } else { sink };
    let mut out = BufWriter::with_capacity(1 << 20, sink);
    let spinner = (args.output.is_some() && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message("exporting");
        bar
    });

    let since = args.since.as_deref();
    let keep = |date: &str| since.is_none_or(|s| !date.is_empty() && date >= s);
    let mut writer = ItemWriter::new(&mut out, args, store)?;
    match args.kind {
        ExportKind::Compiled => {
            for entry in store.compiled() {
                let (_, date, json) = entry?;
                if keep(&date) {
                    writer.item(&json)?;
                }
                tick(&spinner, writer.count);
            }
        }
        ExportKind::Releases => {
            for entry in store.releases() {
                let (_, date, json) = entry?;
                if keep(&date) {
                    writer.item(&json)?;
                }
                tick(&spinner, writer.count);
            }
        }
        ExportKind::Records => {
            for ocid in store.ocids() {
                let ocid = ocid?;
                let Some(record) = store.record(&ocid)? else {
                    continue;
                };
                let date =
                    record.compiled_release.as_ref().and_then(|c| c.get("date")).and_then(Value::as_str).unwrap_or("");
                if keep(date) {
                    writer.item(&serde_json::to_vec(&record.to_ocds(None))?)?;
                }
                tick(&spinner, writer.count);
            }
        }
        ExportKind::Flags => {
            if args.package || args.since.is_some() {
                bail!("flags are exported as JSON Lines only, without --package or --since");
            }
            crate::flags::bring_up_to_date(store, None)?;
            for flag in store.flags() {
                writer.item(&serde_json::to_vec(&flag?)?)?;
                tick(&spinner, writer.count);
            }
        }
        ExportKind::Bods => {
            let wanted = args.bods_version.as_deref();
            for entry in store.statements() {
                let statement = entry?;
                let version_ok =
                    wanted.is_none_or(|v| openreg_model::bods::bods_version(&statement.json).as_deref() == Some(v));
                if version_ok && keep(&statement.date) {
                    writer.item(&statement.json)?;
                }
                tick(&spinner, writer.count);
            }
        }
    }
    writer.finish()?;
    let sink = out.into_inner().map_err(|e| e.into_error())?;
    finish(sink)?;
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    Ok(())
}

fn tick(spinner: &Option<indicatif::ProgressBar>, count: u64) {
    if let Some(bar) = spinner {
        if count.is_multiple_of(1000) {
            bar.set_message(format!("{count} exported"));
            bar.tick();
        }
    }
}

/// Ends the gzip stream (if any) and flushes.
fn finish(mut sink: Box<dyn Write>) -> Result<()> {
    sink.flush()?;
    drop(sink);
    Ok(())
}

/// Writes items as JSON Lines, or as the body of a package.
struct ItemWriter<'w, W: Write> {
    out: &'w mut W,
    package: bool,
    /// What closes the package.
    close: &'static [u8],
    count: u64,
}

impl<'w, W: Write> ItemWriter<'w, W> {
    fn new(out: &'w mut W, args: &ExportArgs, store: &Store) -> Result<Self> {
        if args.package && args.kind == ExportKind::Bods {
            // A BODS package is a bare JSON array of statements.
            out.write_all(b"[")?;
        } else if args.package {
            let mut header = Map::new();
            header.insert("uri".into(), json!(args.uri));
            header.insert("version".into(), json!("1.1"));
            let extensions = store.extensions()?;
            if !extensions.is_empty() {
                header.insert("extensions".into(), json!(extensions));
            }
            header.insert("publishedDate".into(), json!(openreg_store::time::now_rfc3339()));
            header.insert("publisher".into(), json!({"name": args.publisher}));
            let text = serde_json::to_string(&Value::Object(header))?;
            let key = if args.kind == ExportKind::Records { "records" } else { "releases" };
            write!(out, "{},\"{key}\":[", &text[..text.len() - 1])?;
        }
        let close: &[u8] = if args.kind == ExportKind::Bods { b"\n]\n" } else { b"\n]}\n" };
        Ok(ItemWriter { out, package: args.package, close, count: 0 })
    }

    fn item(&mut self, json: &[u8]) -> Result<()> {
        if self.package {
            if self.count > 0 {
                self.out.write_all(b",\n")?;
            } else {
                self.out.write_all(b"\n")?;
            }
            self.out.write_all(json)?;
        } else {
            self.out.write_all(json)?;
            self.out.write_all(b"\n")?;
        }
        self.count += 1;
        Ok(())
    }

    fn finish(self) -> Result<()> {
        if self.package {
            self.out.write_all(self.close)?;
        }
        Ok(())
    }
}
