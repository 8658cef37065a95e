//! `openreg flags`, `openreg explain`, `openreg ingest control`: red flags, their evidence, and
//! who controlled which buyer.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use openreg_flags::commitments;
use openreg_flags::run::{is_current, FlagSettings};
use openreg_model::flag::Flag;
use openreg_store::Store;

/// Red flags and conflicts of interest, each with its evidence and its certainty.
///
/// Procurement flags come from the contracts alone (R003 short submission period, R018 single
/// bid, R024, R028, R035, R036, R038, R058 as Cardinal computes them; R055, R069). Ownership
/// flags need owners (BODS) and links: R032 bidders share a beneficial owner, R033 a major
/// shareholder, OR-UNDISCLOSED hidden owners, OR-SECRECY a chain through a secrecy
/// jurisdiction, OR-CIRCULAR, OR-NEWCO a supplier registered shortly before the award.
/// Political-finance flags need donations: OR-DONOR the supplier or its owner gave to a party
/// around the award; OR-DONOR-CONTROL the party also controlled the buyer (see `openreg ingest
/// control`).
///
/// A flag's certainty is that of the weakest link it rests on: `confirmed` (data and shared
/// identifiers), `probable` or `possible` (a name match: check it before you publish).
///
/// Flags are brought up to date whenever the data changed since they were computed.
///
/// Examples:
///   openreg flags
///   openreg flags --code OR-DONOR --json
///   openreg flags --entity GE-NAPR-205813946
///   openreg flags --by-commitment
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct FlagsArgs {
    /// Only flags about this contracting process.
    #[arg(long)]
    ocid: Option<String>,
    /// Only flags naming this organisation or person (a mention id as `openreg links` prints it,
    /// or an identifier such as GE-NAPR-205813946).
    #[arg(long, value_name = "ID")]
    entity: Option<String>,
    /// Only flags of this indicator (R018, OR-DONOR, …).
    #[arg(long)]
    code: Option<String>,
    /// Counts and amounts per Open Government Partnership commitment and country.
    #[arg(long)]
    by_commitment: bool,
    /// The commitments file (CSV: id,country,title,policy_area,url); default: the one openreg ships.
    #[arg(long, value_name = "FILE")]
    commitments: Option<PathBuf>,
    /// Thresholds (TOML, one table per indicator; see fixtures/flags/settings-example.toml).
    /// Given, the flags are computed again with them.
    #[arg(long, value_name = "FILE")]
    settings: Option<PathBuf>,
    /// One flag object per line (with `--by-commitment`, one report per commitment).
    #[arg(long)]
    json: bool,
}

fn load_settings(path: Option<&PathBuf>) -> Result<FlagSettings> {
    match path {
        None => Ok(FlagSettings::default()),
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            FlagSettings::from_toml(&text).with_context(|| format!("{}", path.display()))
        }
    }
}

/// Computes the flags again when the data changed since they were (or when settings are given).
pub fn bring_up_to_date(store: &Store, settings: Option<&PathBuf>) -> Result<()> {
    if settings.is_none() && is_current(store)? {
        return Ok(());
    }
    let settings = load_settings(settings)?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message("computing flags");
        bar
    });
    let summary = openreg_flags::run(store, &settings, &mut |n| {
        if let Some(bar) = &bar {
            bar.set_message(format!("computing flags: {n} processes"));
            bar.tick();
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if std::io::stderr().is_terminal() {
        eprintln!(
            "flags computed: {} over {} processes ({} new, {} changed, {} gone) in {:.2} s",
            summary.flags,
            summary.processes,
            summary.changes.new,
            summary.changes.changed,
            summary.changes.removed,
            summary.seconds
        );
    }
    Ok(())
}

pub fn run(store: &Store, args: &FlagsArgs) -> Result<u8> {
    bring_up_to_date(store, args.settings.as_ref())?;
    if args.by_commitment {
        return by_commitment(store, args);
    }
    let mut flags: Vec<Flag> = match (&args.ocid, &args.entity) {
        (Some(ocid), _) => store.flags_of_ocid(ocid)?,
        (None, Some(entity)) => {
            let mut ids = vec![entity.clone()];
            if let Some(identifier) = openreg_model::identifier::parse_identifier(entity) {
                ids.extend(store.mentions_with_identifier(&identifier.key())?);
            }
            let mut found = Vec::new();
            for id in ids {
                found.extend(store.flags_of_entity(&id)?);
            }
            found
        }
        (None, None) => store.flags().collect::<Result<_, _>>()?,
    };
    if let (Some(_), Some(entity)) = (&args.ocid, &args.entity) {
        flags.retain(|f| f.entities.iter().any(|e| e.id == *entity));
    }
    if let Some(code) = &args.code {
        flags.retain(|f| f.code.eq_ignore_ascii_case(code));
    }
    flags.sort_by(|a, b| (&a.ocid, &a.code, &a.id).cmp(&(&b.ocid, &b.code, &b.id)));
    flags.dedup_by(|a, b| a.id == b.id);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json {
        for flag in &flags {
            writeln!(out, "{}", serde_json::to_string(flag)?)?;
        }
        out.flush()?;
        return Ok(0);
    }
    for flag in &flags {
        let about = flag
            .ocid
            .clone()
            .unwrap_or_else(|| flag.entities.first().map(|e| format!("{} {}", e.role, e.id)).unwrap_or_default());
        let who: Vec<String> =
            flag.entities.iter().filter(|e| e.role != "buyer").map(|e| format!("{} ({})", e.name, e.role)).collect();
        writeln!(
            out,
            "{:<17} {:<9} {:<6} {}  {}",
            flag.code,
            flag.certainty.as_str(),
            format!("{:?}", flag.severity).to_lowercase(),
            about,
            flag.name
        )?;
        if !who.is_empty() {
            writeln!(out, "    {}", who.join("; "))?;
        }
        writeln!(out, "    openreg explain {}", flag.id)?;
    }
    writeln!(out, "{} flags", flags.len())?;
    out.flush()?;
    Ok(0)
}

fn by_commitment(store: &Store, args: &FlagsArgs) -> Result<u8> {
    let text = match &args.commitments {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?,
        None => commitments::SHIPPED.to_string(),
    };
    let list = commitments::read(&text).map_err(anyhow::Error::msg)?;
    let flags: Vec<Flag> = store.flags().collect::<Result<_, _>>()?;
    let reports = commitments::report(&list, &flags);
    if args.json {
        for r in &reports {
            println!("{}", serde_json::to_string(r)?);
        }
        return Ok(0);
    }
    for r in &reports {
        let c = &r.commitment;
        println!("{} ({}, {}): {}", c.id, c.country, c.policy_area, c.title);
        let amounts: Vec<String> = r.amounts.iter().map(|(cur, v)| format!("{v:.2} {cur}")).collect();
        println!(
            "    {} flags over {} processes{}",
            r.flags,
            r.processes,
            if amounts.is_empty() { String::new() } else { format!(", awarded {}", amounts.join(", ")) }
        );
        if !r.by_code.is_empty() {
            let codes: Vec<String> = r.by_code.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let sure: Vec<String> = r.by_certainty.iter().map(|(k, v)| format!("{v} {k}")).collect();
            println!("    {}; {}", codes.join(", "), sure.join(", "));
        }
    }
    Ok(0)
}

pub fn explain(store: &Store, id: &str, json: bool) -> Result<u8> {
    bring_up_to_date(store, None)?;
    match store.flag(id)? {
        Some(flag) => {
            let explanation = openreg_flags::explain::explain(&flag);
            if json {
                let mut value = serde_json::to_value(&flag)?;
                value["explanation"] = explanation.into();
                println!("{}", serde_json::to_string(&value)?);
            } else {
                print!("{explanation}");
            }
            Ok(0)
        }
        None => {
            eprintln!("openreg: no flag {id:?} (see `openreg flags`)");
            Ok(1)
        }
    }
}

/// Load which party controlled which buying body, and when.
///
/// CSV with the header `buyer_scheme,buyer_id,party,from,to`: the buyer's identifier (as in
/// the contracts: GE-NAPR and 404518273), the party as the donation lists name it, ISO dates,
/// an empty `to` meaning still in control. With it, a supplier whose owner funded the party
/// that controlled the buyer at the time of the award gets the stronger flag OR-DONOR-CONTROL.
///
/// Example: openreg ingest control fixtures/flags/ge-control.csv
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct IngestControlArgs {
    file: PathBuf,
    #[arg(long)]
    json: bool,
}

pub fn ingest_control(store: &Store, args: &IngestControlArgs) -> Result<u8> {
    let file = std::fs::File::open(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let summary = match openreg_flags::control::ingest_control(store, &args.file.display().to_string(), file) {
        Ok(s) => s,
        Err(openreg_flags::control::ControlError::Header(message)) => {
            eprintln!("openreg: {message}");
            return Ok(1);
        }
        Err(e) => return Err(e.into()),
    };
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        println!(
            "{} rows: {} control periods stored, {} already held, {} quarantined",
            summary.rows_read, summary.periods_stored, summary.periods_already_held, summary.quarantined
        );
        if summary.quarantined > 0 {
            println!("see `openreg quarantine list`");
        }
    }
    Ok(summary.exit_code() as u8)
}
