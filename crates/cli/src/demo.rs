//! `openreg demo`: the demo world (contracts, their winners' owners and party donations, linked),
//! loaded into a fresh registry. The fixtures are built into the binary so the command works from
//! any folder.

use std::path::PathBuf;

use anyhow::Result;
use openreg_ingest::{DonationOptions, Encoding, IngestOptions, Input, Mapping};

const FIXTURES: &[(&str, &str)] = &[
    ("ua-release-package.json", include_str!("../../../fixtures/ocds/ua-release-package.json")),
    ("ua-record-package.json", include_str!("../../../fixtures/ocds/ua-record-package.json")),
    ("ge-releases.jsonl", include_str!("../../../fixtures/ocds/ge-releases.jsonl")),
];

const OWNERS: &[(&str, &str)] = &[
    ("ua-0.3-statements.json", include_str!("../../../fixtures/bods/ua-0.3-statements.json")),
    ("ge-demo-owners.jsonl", include_str!("../../../fixtures/bods/ge-demo-owners.jsonl")),
];

/// Which party controls which demo buyer (two rows are bad on purpose: see fixtures/flags/README.md).
const CONTROL: &str = include_str!("../../../fixtures/flags/ge-control.csv");

/// Donation lists, each with the profile that reads it (and a mapping for the generic one).
const DONATIONS: &[(&str, &str, &str, Option<&str>)] = &[
    ("ge-sao-donations.csv", include_str!("../../../fixtures/donations/ge-sao-donations.csv"), "ge-sao", None),
    (
        "ua-donations.csv",
        include_str!("../../../fixtures/donations/ua-donations.csv"),
        "generic",
        Some(include_str!("../../../fixtures/donations/mapping-example.toml")),
    ),
];

fn write_all(dir: &std::path::Path, files: &[(&str, &str)]) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        inputs.push(Input::File(path));
    }
    Ok(inputs)
}

pub fn run(keep: Option<PathBuf>, json: bool) -> Result<u8> {
    let temp = tempfile::tempdir()?;
    let dir = keep.unwrap_or_else(|| temp.path().join("registry"));
    let fixtures = temp.path().join("fixtures");
    std::fs::create_dir_all(&fixtures)?;
    let inputs = write_all(&fixtures, FIXTURES)?;
    let store = crate::open_store(&dir)?;
    let summary = crate::ingest::run_with_progress(&store, &inputs, &IngestOptions::default())?;
    let owners = openreg_ingest::ingest_bods(&store, &write_all(&fixtures, OWNERS)?, Encoding::Auto)?;
    let mut donations = Vec::new();
    for (name, text, profile, mapping) in DONATIONS {
        let inputs = write_all(&fixtures, &[(name, text)])?;
        let mapping = match mapping {
            Some(toml) => Mapping::from_toml(toml)?,
            None => Mapping::profile(profile)?,
        };
        let options =
            DonationOptions { profile: profile.to_string(), mapping, country: None, encoding: Encoding::Auto };
        donations.push(openreg_ingest::ingest_donations(&store, &inputs, &options, &mut |_, _, _| {})?);
    }
    let links = openreg_link::run::run(&store, &openreg_link::LinkConfig::default(), &mut |_| {})?;
    let control_file = fixtures.join("ge-control.csv");
    std::fs::write(&control_file, CONTROL)?;
    let control = openreg_flags::control::ingest_control(&store, "ge-control.csv", CONTROL.as_bytes())?;
    let flags = openreg_flags::run(&store, &openreg_flags::FlagSettings::default(), &mut |_| {})?;
    crate::search::after_write(&store, &dir, false, true)?;
    let stats = store.stats()?;
    if json {
        println!(
            "{}",
            serde_json::json!({"data_dir": dir, "ingest": summary, "owners": owners, "donations": donations, "links": links, "control": control, "flags": flags, "stats": stats})
        );
        return Ok(0);
    }
    let stored: u64 = donations.iter().map(|d| d.donations_stored).sum();
    let set_aside: u64 = donations.iter().map(|d| d.quarantined).sum();
    println!("openreg demo: the demo world loaded into {}", dir.display());
    println!("  {} releases of contracting processes", summary.releases_stored);
    println!("  {} beneficial-ownership statements", owners.statements_stored);
    println!("  {stored} party donations ({set_aside} rows set aside as unreadable: see `quarantine list`)");
    println!(
        "  {} mentions of organisations and people linked: {} identifiers shared across datasets, {} name links",
        links.mentions,
        links.identifier_groups,
        links.links.values().sum::<u64>()
    );
    let codes: Vec<String> = flags.by_code.iter().map(|(code, n)| format!("{code} {n}")).collect();
    let sure: Vec<String> = flags.by_certainty.iter().map(|(c, n)| format!("{n} {c}")).collect();
    println!("  {} red flags ({}; {})", flags.flags, codes.join(", "), sure.join(", "));
    println!(
        "  {} periods of party control over buying bodies ({} rows set aside on purpose)",
        control.periods_stored, control.quarantined
    );
    println!();
    // The same handle: sled lets go of its lock only once its background flusher is done, so a
    // reopen right after heavy writes can find the store still locked.
    store.flush()?;
    crate::output::stats(&store, false)?;
    println!();
    println!("Contracting processes in the demo:");
    for ocid in store.ocids() {
        let ocid = ocid?;
        let title = store
            .record(&ocid)?
            .and_then(|r| r.compiled_release)
            .and_then(|c| c.pointer("/tender/title").and_then(|t| t.as_str()).map(str::to_string))
            .unwrap_or_default();
        println!("  {ocid}  {title}");
    }
    println!();
    println!("Try, with `openreg demo --keep DIR` and then `--data-dir DIR`:");
    println!("  openreg record OCID                    one contracting process, compiled");
    println!("  openreg owners GE-NAPR-205813946       who owns the company that won in Mtisdziri");
    println!("  openreg links GEO-TAXID-01008054321    its owner, who is also a party donor");
    println!("  openreg links bods/ge-person-chavchavadze   a co-owner found among donors by name only");
    println!("  openreg donations --party \"მთისძირის განვითარების პარტია\"");
    println!("  openreg flags                          red flags, each with how sure it is");
    println!("  openreg flags --code OR-DONOR-CONTROL  donors' companies winning from the party they fund");
    println!("  openreg explain FLAG_ID                a flag's evidence, sentence by sentence");
    println!("  openreg search Beridze                 the donor and owner, found from Latin letters");
    println!("  openreg search 41126083                a company by its registry number");
    Ok(0)
}
