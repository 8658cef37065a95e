//! The procurement indicators against Cardinal's own fixtures (open-contracting/cardinal-rs, MIT),
//! read from `../shared/data/ocds/samples/cardinal-fixtures` (skipped, with a message, when that
//! folder is absent), and a no-panic run over the real OCDS samples next to them.
//!
//! Every file in the fixture folders must have a row below: a fixture openreg compares, or one it
//! knowingly leaves alone (an indicator openreg does not compute), so a fixture added upstream
//! cannot be skipped silently.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use openreg_flags::procurement::{cardinal_json, run, ProcurementSettings, INDICATORS};
use serde_json::Value;

fn samples() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ocds/samples");
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("skipped: {} is missing (it lives outside the repository, see DOMAIN.md)", path.display());
        None
    }
}

/// What the test does with a fixture.
enum Row {
    /// Run the indicators and compare `cardinal_json` with the expected output.
    Compare,
    /// An indicator openreg does not compute.
    NotOurs(&'static str),
}

/// `tests/fixtures/indicators/<stem>.jsonl` and `.expected`, from Cardinal's `tests/`.
const INDICATOR_FIXTURES: &[(&str, Row)] = &[
    ("R003", Row::Compare),
    ("R003-procurement_method_details-x-5-y-10", Row::Compare),
    ("R003-procurement_methods-open+selective", Row::Compare),
    ("R003-threshold-10", Row::Compare),
    ("R018", Row::Compare),
    ("R024", Row::Compare),
    ("R025", Row::NotOurs("R025 Excessive unsuccessful bids")),
    ("R028", Row::Compare),
    ("R030", Row::NotOurs("R030 Late bid won")),
    ("R035", Row::Compare),
    ("R036", Row::Compare),
    ("R038", Row::Compare),
    ("R038-tenderer", Row::Compare),
    ("R048-minimum_contracting_processes-1", Row::NotOurs("R048 Heterogeneous supplier")),
    ("R058", Row::Compare),
];

/// The settings Cardinal's `build.rs` derives from a fixture's name: `R003-threshold-10` is
/// `[R003] threshold = 10`, `+` stands for `|`, more than two parts make a sub-table
/// (`R003-procurement_method_details-x-5-y-10` is `[R003.procurement_method_details] x = 5, y = 10`),
/// and every fixture also sets `no_price_comparison_procurement_methods = NPC` and
/// `[exclusions] procurement_method_details = EXC`.
fn settings_from_name(stem: &str) -> String {
    let name = stem.replace('+', "|");
    let mut parts: Vec<&str> = name.split('-').collect();
    let indicator = parts.remove(0);
    let value = |text: &str| {
        if text.bytes().all(|b| b.is_ascii_digit()) {
            text.to_owned()
        } else {
            format!("{text:?}")
        }
    };
    let mut toml = String::from("no_price_comparison_procurement_methods = \"NPC\"\n");
    toml.push_str("[exclusions]\nprocurement_method_details = \"EXC\"\n");
    match parts.len() {
        0 | 1 => toml.push_str(&format!("[{indicator}]\n")),
        2 => toml.push_str(&format!("[{indicator}]\n{} = {}\n", parts[0], value(parts[1]))),
        _ => {
            toml.push_str(&format!("[{indicator}.{}]\n", parts[0]));
            for pair in parts[1..].chunks(2) {
                toml.push_str(&format!("{} = {}\n", pair[0], pair[1]));
            }
        }
    }
    toml
}

/// `docs/examples/R/<NNN>.jsonl` from Cardinal's documentation, run with `<NNN>.ini` if there is
/// one, else `settings.ini` (every indicator). The expected outputs are the ones printed on
/// Cardinal's documentation pages (`docs/cli/indicators/R/<NNN>.md`), where noted brought up to
/// the behaviour of the Cardinal version the fixtures come from.
const DOCS_EXAMPLES: &[(&str, Option<&str>)] = &[
    // The page prints {} : it predates `procurement_methods`, when R003 required an open
    // procedure. Since then a process without a method is flagged (fixture R003, "missing").
    ("003", Some(r#"{"OCID":{"F":{"R003":1.0}}}"#)),
    ("018", Some(r#"{"OCID":{"F":{"R018":1.0}}}"#)),
    // The page predates "R024: Flag the winner and second-lowest bidder" (changelog 0.0.6).
    ("024", Some(r#"{"OCID":{"F":{"R024":1.0}},"Tenderer":{"W":{"R024":0.0},"L":{"R024":0.0}}}"#)),
    ("025", None),
    ("028", Some(r#"{"OCID":{"F":{"R028":1.0}},"Tenderer":{"D":{"R028":1.0},"V":{"R028":1.0}}}"#)),
    ("030", None),
    // The page predates "R035: Flag the winner" (changelog 0.0.6).
    ("035", Some(r#"{"OCID":{"F":{"R035":1.0}},"Tenderer":{"V":{"R035":0.0}}}"#)),
    ("036", Some(r#"{"OCID":{"F":{"R036":1.0}}}"#)),
    ("038", Some(r#"{"Buyer":{"B":{"R038":0.5}}}"#)),
    ("048", None),
    // The page predates R058's Tenderer result (the winner, value 0.0).
    ("058", Some(r#"{"OCID":{"F":{"R058":99.0}},"Tenderer":{"W":{"R058":0.0}}}"#)),
];

/// Files of `docs/examples/` that are not indicator examples (Cardinal's `coverage` and
/// `prepare` commands, and the settings the examples share).
const DOCS_OTHER_FILES: &[&str] = &[
    "coverage-bracket.jsonl",
    "coverage-duplicate.jsonl",
    "coverage-empty.jsonl",
    "coverage.jsonl",
    "prepare.jsonl",
    "settings.ini",
];

fn read_lines(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // Like Cardinal: blank and invalid lines are skipped.
    text.lines().filter_map(|line| serde_json::from_str(line).ok()).collect()
}

fn file_names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().unwrap().is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn cardinal_indicator_fixtures() {
    let Some(samples) = samples() else { return };
    let dir = samples.join("cardinal-fixtures/indicators");

    let mut rows = BTreeSet::new();
    for (stem, _) in INDICATOR_FIXTURES {
        rows.insert(format!("{stem}.jsonl"));
        rows.insert(format!("{stem}.expected"));
    }
    let files = file_names(&dir);
    let without_row: Vec<_> = files.difference(&rows).collect();
    let without_file: Vec<_> = rows.difference(&files).collect();
    assert!(without_row.is_empty(), "fixtures without a row in INDICATOR_FIXTURES: {without_row:?}");
    assert!(without_file.is_empty(), "rows without a fixture file: {without_file:?}");

    let mut failures = Vec::new();
    let mut compared = 0;
    for (stem, row) in INDICATOR_FIXTURES {
        match row {
            Row::NotOurs(indicator) => {
                assert!(!INDICATORS.iter().any(|info| stem.starts_with(info.code)), "{stem} is ours: compare it");
                eprintln!("left alone: {stem} ({indicator} is not computed by openreg)");
            }
            Row::Compare => {
                let toml = settings_from_name(stem);
                let settings = ProcurementSettings::from_toml(&toml).unwrap_or_else(|e| panic!("{stem}: {e}\n{toml}"));
                let actual = cardinal_json(&run(read_lines(&dir.join(format!("{stem}.jsonl"))), &settings));
                let expected_text = std::fs::read_to_string(dir.join(format!("{stem}.expected"))).unwrap();
                let expected: Value = serde_json::from_str(&expected_text).unwrap();
                compared += 1;
                if actual != expected {
                    failures
                        .push(format!("{stem}\n  settings: {toml:?}\n  expected: {expected}\n  actual:   {actual}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {compared} fixtures differ:\n{}", failures.len(), failures.join("\n"));
    eprintln!("{compared} Cardinal fixtures equal");
}

/// INI as the docs examples write it (sections and `key = number` lines) to TOML, keeping only
/// the indicators openreg computes.
fn ini_to_toml(ini: &str) -> String {
    let ours = |section: &str| INDICATORS.iter().any(|info| info.code == section);
    let mut toml = String::new();
    let mut keep = true;
    for line in ini.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with(';')) {
        if let Some(section) = line.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
            keep = ours(section);
            if keep {
                toml.push_str(&format!("[{section}]\n"));
            }
        } else if keep {
            let (key, value) = line.split_once('=').expect("key = value");
            let value = value.trim();
            let value = if value.parse::<f64>().is_ok() { value.to_owned() } else { format!("{value:?}") };
            toml.push_str(&format!("{} = {value}\n", key.trim()));
        }
    }
    toml
}

#[test]
fn cardinal_documentation_examples() {
    let Some(samples) = samples() else { return };
    let docs = samples.join("cardinal-fixtures/docs-examples");
    let dir = docs.join("R");

    let mut rows = BTreeSet::new();
    for (number, _) in DOCS_EXAMPLES {
        rows.insert(format!("{number}.jsonl"));
        if dir.join(format!("{number}.ini")).exists() {
            rows.insert(format!("{number}.ini"));
        }
    }
    let files = file_names(&dir);
    let without_row: Vec<_> = files.difference(&rows).collect();
    assert!(without_row.is_empty(), "docs examples without a row in DOCS_EXAMPLES: {without_row:?}");
    let other: BTreeSet<String> = DOCS_OTHER_FILES.iter().map(|s| s.to_string()).collect();
    let unknown: Vec<_> = file_names(&docs).into_iter().filter(|name| !other.contains(name)).collect();
    assert!(unknown.is_empty(), "files in docs-examples without a row: {unknown:?}");

    let mut failures = Vec::new();
    for (number, expected) in DOCS_EXAMPLES {
        let Some(expected) = expected else {
            eprintln!("left alone: docs example R{number} (not computed by openreg)");
            continue;
        };
        let ini_path = dir.join(format!("{number}.ini"));
        let ini_path = if ini_path.exists() { ini_path } else { docs.join("settings.ini") };
        let toml = ini_to_toml(&std::fs::read_to_string(&ini_path).unwrap());
        let settings = ProcurementSettings::from_toml(&toml).unwrap_or_else(|e| panic!("R{number}: {e}\n{toml}"));
        let actual = cardinal_json(&run(read_lines(&dir.join(format!("{number}.jsonl"))), &settings));
        let expected: Value = serde_json::from_str(expected).unwrap();
        if actual != expected {
            failures.push(format!("R{number}: expected {expected}, actual {actual}"));
        }
    }
    assert!(failures.is_empty(), "docs examples differ:\n{}", failures.join("\n"));
}

#[test]
fn settings_names_follow_cardinal_build_rs() {
    assert_eq!(
        settings_from_name("R003-procurement_method_details-x-5-y-10"),
        "no_price_comparison_procurement_methods = \"NPC\"\n[exclusions]\nprocurement_method_details = \"EXC\"\n\
         [R003.procurement_method_details]\nx = 5\ny = 10\n"
    );
    assert!(settings_from_name("R003-procurement_methods-open+selective")
        .ends_with("[R003]\nprocurement_methods = \"open|selective\"\n"));
    assert!(settings_from_name("R038-tenderer").ends_with("[R038]\n"));
    assert_eq!(
        ini_to_toml("[R024]\n[R025]\npercentile = 75\n[R038]\nthreshold = 0.5\n"),
        "[R024]\n[R038]\nthreshold = 0.5\n"
    );
}

// Real data: every compiled release (or release) in the OCDS samples, through every indicator.

/// Decodes a file as UTF-8, or else as ISO-8859-1 (one sample is).
fn decode(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| e.into_bytes().iter().map(|&b| char::from(b)).collect())
}

/// The releases in a JSON value: a compiled release, the `compiledRelease` (or embedded releases) of
/// records, the releases of a release package, an array of any of these.
fn releases_in(value: Value, out: &mut Vec<Value>) {
    match value {
        Value::Array(items) => items.into_iter().for_each(|item| releases_in(item, out)),
        Value::Object(mut object) => {
            if let Some(Value::Array(records)) = object.remove("records") {
                for record in records {
                    if let Value::Object(mut record) = record {
                        match record.remove("compiledRelease") {
                            Some(compiled) => out.push(compiled),
                            None => releases_in(record.remove("releases").unwrap_or(Value::Null), out),
                        }
                    }
                }
            } else if let Some(releases) = object.remove("releases") {
                releases_in(releases, out);
            } else if object.contains_key("ocid") && object.contains_key("date") {
                out.push(Value::Object(object));
            }
        }
        _ => {}
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name != "cardinal-fixtures") {
                walk(&path, files);
            }
        } else if path.extension().is_some_and(|ext| ext == "json" || ext == "jsonl") {
            files.push(path);
        }
    }
}

#[test]
fn real_samples_run_without_panicking() {
    // The repository's own OCDS fixtures are always there; the shared samples only beside a
    // checkout that has them.
    let mut files = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/ocds"), &mut files);
    let own = files.len();
    if let Some(samples) = samples() {
        walk(&samples, &mut files);
    }
    let mut releases = Vec::new();
    for path in &files {
        let text = decode(std::fs::read(path).unwrap());
        if path.extension().is_some_and(|ext| ext == "jsonl") {
            // Like Cardinal, a bad line is skipped.
            text.lines().filter_map(|line| serde_json::from_str(line).ok()).for_each(|v| releases_in(v, &mut releases));
            continue;
        }
        // Concatenated JSON streams.
        for value in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
            match value {
                Ok(value) => releases_in(value, &mut releases),
                Err(e) => {
                    eprintln!("{}: stopped reading at {e}", path.display());
                    break;
                }
            }
        }
    }
    let expected = if files.len() > own { 20 } else { 5 };
    assert!(releases.len() > expected, "only {} releases found in {} files", releases.len(), files.len());

    // Every indicator, R055 with a threshold low enough to reach its code.
    let settings = ProcurementSettings::from_toml(
        "[R003]\n[R018]\n[R024]\n[R028]\n[R035]\n[R036]\n[R038]\n[R055]\nthreshold = 1\nwindow_days = 0\n[R058]\n[R069]\n",
    )
    .unwrap();
    let count = releases.len();
    let findings = run(releases, &settings);
    let mut by_code = std::collections::BTreeMap::<&str, usize>::new();
    for finding in &findings {
        *by_code.entry(finding.code.as_str()).or_default() += 1;
        assert!(!finding.ocids.is_empty() || finding.subject.group() != "OCID");
        assert!(finding.value.is_finite(), "{finding:?}");
    }
    eprintln!("{count} releases from {} files: {} findings {by_code:?}", files.len(), findings.len());
}
