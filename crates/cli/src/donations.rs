//! `openreg ingest donations` and `openreg donations`: party-finance lists in, and back out.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use openreg_ingest::{expand, ingest_donations, DonationOptions, Mapping};
use openreg_model::identifier::parse_identifier;
use openreg_store::Store;

/// Load donations to political parties from a register's export.
///
/// The profile says how to read the file:
///   ge-sao   Georgia's State Audit Office (CSV with Georgian headers)
///   uk-ec    the UK Electoral Commission's CSV (current and older headers)
///   us-fec   the US FEC bulk file of contributions (itcont.txt: pipes, no header)
///   generic  columns donor_name, donor_id, donor_scheme, donor_kind, party, amount,
///            currency, date, type; or any layout through --mapping FILE (TOML; see
///            fixtures/donations/mapping-example.toml)
///
/// CSV with any delimiter, JSON and JSON Lines are read; UTF-8 or Windows-1252; amounts such
/// as "1,000" or "£1,234.00"; dates DD/MM/YYYY, MMDDYYYY or ISO. Rows that cannot be read go
/// to the quarantine (`openreg quarantine list`) and the rest goes on.
///
/// Exit status: 0 when everything was stored, 2 when some rows were quarantined, 1 when
/// nothing could be read.
///
/// Examples:
///   openreg ingest donations --profile uk-ec donations.csv
///   openreg ingest donations --profile generic --mapping my-layout.toml --country UA list.csv
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct IngestDonationsArgs {
    /// Files or folders (read recursively) to load; `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// How to read the file: ge-sao, uk-ec, us-fec or generic.
    #[arg(long, value_name = "PROFILE")]
    profile: String,
    /// A TOML file mapping the file's columns onto openreg's fields (with the generic profile).
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// The country whose formats give bare donor ids their scheme (UA: 8 digits is a company
    /// code, 10 a person's tax number; GE: 9 digits a company code, 11 a personal number; GB:
    /// a Companies House number). Ids that fit no format are kept but never used to link.
    #[arg(long, value_name = "CC")]
    country: Option<String>,
    /// The text encoding: auto, utf-8, iso-8859-1 or windows-1252.
    #[arg(long, default_value = "auto")]
    encoding: openreg_ingest::Encoding,
    /// Print a JSON summary on standard output instead of the readable one.
    #[arg(long)]
    pub json: bool,
    /// Do not update the search index now: the next search, ingest or link run does it.
    #[arg(long)]
    pub no_index: bool,
}

pub fn ingest(store: &Store, args: &IngestDonationsArgs) -> Result<u8> {
    let mapping = match &args.mapping {
        Some(path) => {
            if args.profile != "generic" {
                anyhow::bail!("--mapping goes with --profile generic (the other profiles have their own layout)");
            }
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            Mapping::from_toml(&text).with_context(|| format!("{}", path.display()))?
        }
        None => Mapping::profile(&args.profile)?,
    };
    let inputs = match expand(&args.paths) {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("openreg: {e}");
            return Ok(1);
        }
    };
    let options = DonationOptions {
        profile: args.profile.clone(),
        mapping,
        country: args.country.as_ref().map(|c| c.trim().to_uppercase()),
        encoding: args.encoding,
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("valid template"));
        bar
    });
    let summary = ingest_donations(store, &inputs, &options, &mut |source, bytes, rows| {
        if let Some(bar) = &bar {
            bar.set_message(format!("{source}: {rows} rows, {:.1} MB", bytes as f64 / 1e6));
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        for source in &summary.sources {
            match &source.error {
                Some(error) => println!("{}: {error}", source.source),
                None => println!(
                    "{}: {} rows read, {} quarantined",
                    source.source, source.releases_read, source.quarantined
                ),
            }
        }
        println!("{} new donations stored, {} already held", summary.donations_stored, summary.donations_duplicate);
        for (warning, count) in &summary.warnings {
            println!("note: {warning} ({count} rows)");
        }
        if summary.quarantined > 0 {
            println!("{} quarantined: see `openreg quarantine list`", summary.quarantined);
        }
    }
    Ok(summary.exit_code() as u8)
}

/// List stored donations: all of them, or a donor's (by identifier) or a party's.
///
/// Examples:
///   openreg donations --donor GEO-TAXID-01008012345
///   openreg donations --party "Conservative and Unionist Party" --json
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct DonationsArgs {
    /// Only donations from the donor with this identifier (e.g. GB-COH-00507062).
    #[arg(long, value_name = "ID")]
    donor: Option<String>,
    /// Only donations to this party (the name as the source writes it, without regard to case).
    #[arg(long, value_name = "NAME")]
    party: Option<String>,
    /// One JSON object per line, with the raw row. (The readable list ends with totals per
    /// currency, in which refunds subtract and memo entries do not count.)
    #[arg(long)]
    json: bool,
}

pub fn list(store: &Store, args: &DonationsArgs) -> Result<u8> {
    let donations: Box<dyn Iterator<Item = openreg_store::Result<openreg_model::donation::Donation>>> =
        match &args.donor {
            Some(id) => {
                let identifier = parse_identifier(id)
                    .with_context(|| format!("{id:?} is not an identifier such as GB-COH-00507062"))?;
                Box::new(store.donations_by_identifier(&identifier.key())?.into_iter().map(Ok))
            }
            None => Box::new(store.donations()),
        };
    let party = args.party.as_ref().map(|p| p.to_lowercase());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut count, mut total) = (0u64, std::collections::BTreeMap::<String, f64>::new());
    for donation in donations {
        let donation = donation?;
        if party.as_ref().is_some_and(|p| donation.party.name.to_lowercase() != *p) {
            continue;
        }
        count += 1;
        if args.json {
            serde_json::to_writer(&mut out, &donation)?;
            writeln!(out)?;
            continue;
        }
        *total.entry(donation.currency.clone()).or_default() += donation.net_amount();
        let identifier = donation.donor.identifier.as_ref().map(|i| format!(" [{i}]")).unwrap_or_default();
        writeln!(
            out,
            "{}  {:>12} {}  {}{identifier} ({:?}) → {}{}",
            donation.date.as_deref().unwrap_or("(no date) "),
            donation.amount,
            donation.currency,
            donation.donor.name,
            donation.donor.kind,
            donation.party.name,
            if donation.memo { "  (memo: not counted)" } else { "" }
        )?;
    }
    if !args.json {
        let totals: Vec<String> = total.iter().map(|(c, v)| format!("{v:.2} {c}")).collect();
        writeln!(out, "{count} donations; total {}", if totals.is_empty() { "0".into() } else { totals.join(", ") })?;
    }
    out.flush()?;
    Ok(0)
}
