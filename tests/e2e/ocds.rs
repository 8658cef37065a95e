//! OCDS ingest, records and export through the CLI.

use std::io::Read;

use openreg_model::merge::json_eq;
use serde_json::Value;

use crate::{code, json, openreg, shared, stdout};

const UA: &str = "fixtures/ocds/ua-release-package.json";
const GE: &str = "fixtures/ocds/ge-releases.jsonl";
const RECORDS: &str = "fixtures/ocds/ua-record-package.json";
const BAD: &str = "fixtures/ocds/bad/mixed-bad.jsonl";

#[test]
fn fixtures_ingest_and_compile() {
    let dir = tempfile::tempdir().unwrap();
    let out = openreg(dir.path(), &["ingest", "ocds", UA, GE, RECORDS, "--json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let summary = json(&out);
    assert_eq!(summary["releases_stored"], 23);
    assert_eq!(summary["quarantined"], 0);
    assert_eq!(summary["compile"]["records_compiled"], 7);
    assert_eq!(summary["compile"]["records_from_publisher"], 1);

    let stats = json(&openreg(dir.path(), &["stats", "--json"]));
    assert_eq!(stats["ocids"], 8);
    assert_eq!(stats["releases"], 23);
    assert_eq!(stats["awaiting_compile"], 0);
    assert_eq!(stats["last_ingest"]["finished"], true);
}

#[test]
fn record_shows_releases_and_the_compiled_state() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&openreg(dir.path(), &["ingest", "ocds", UA])), 0);
    let out = openreg(dir.path(), &["record", "ocds-be6bcu-UA-2025-02-03-000417-a"]);
    assert_eq!(code(&out), 0);
    let record = json(&out);
    assert_eq!(record["releases"].as_array().unwrap().len(), 4);
    let compiled = &record["compiledRelease"];
    assert_eq!(compiled["tag"], serde_json::json!(["compiled"]));
    // The amendment raised the contract from 7,980,000 to 8,611,000 UAH: the compiled state says so.
    assert_eq!(compiled["contracts"][0]["value"]["amount"].to_string(), "8611000");
    insta::assert_json_snapshot!("compiled-release-000417", compiled);

    let versioned = json(&openreg(dir.path(), &["record", "ocds-be6bcu-UA-2025-02-03-000417-a", "--versioned"]));
    let history = versioned["versionedRelease"]["contracts"][0]["value"]["amount"].as_array().unwrap();
    assert_eq!(history.len(), 2, "{history:?}");

    let missing = openreg(dir.path(), &["record", "ocds-nope"]);
    assert_eq!(code(&missing), 1);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no contracting process"));
}

#[test]
fn reingest_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&openreg(dir.path(), &["ingest", "ocds", UA, GE])), 0);
    let first = openreg(dir.path(), &["export", "records"]).stdout;
    let again = json(&openreg(dir.path(), &["ingest", "ocds", UA, GE, "--json"]));
    assert_eq!(again["releases_stored"], 0);
    assert_eq!(again["releases_duplicate"], 23);
    assert_eq!(openreg(dir.path(), &["export", "records"]).stdout, first);
    assert_eq!(json(&openreg(dir.path(), &["stats", "--json"]))["releases"], 23);
}

#[test]
fn bad_lines_are_quarantined_and_the_rest_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let out = openreg(dir.path(), &["ingest", "ocds", BAD, "--json"]);
    assert_eq!(code(&out), 2, "some input quarantined");
    let summary = json(&out);
    assert_eq!(summary["releases_stored"], 9);
    assert_eq!(summary["quarantined"], 5);

    let list = stdout(&openreg(dir.path(), &["quarantine", "list", "--json"]));
    let entries: Vec<Value> = list.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let lines: Vec<u64> = entries.iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 6, 9, 11, 12]);
    for entry in &entries {
        assert_eq!(entry["source"], BAD);
        assert!(!entry["raw"].as_str().unwrap().is_empty());
    }
    let pointers: Vec<&str> = entries.iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, ["", "/ocid", "/tag", "/date", "/parties/0/id"]);

    // What a person reads.
    let text = stdout(&openreg(dir.path(), &["quarantine", "list"]));
    insta::assert_snapshot!("quarantine-list-mixed-bad", text);

    // The quarantine does not grow when the same file comes again.
    assert_eq!(code(&openreg(dir.path(), &["ingest", "ocds", BAD])), 2);
    assert_eq!(stdout(&openreg(dir.path(), &["quarantine", "list", "--json"])).lines().count(), 5);
}

#[test]
fn unreadable_input_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, b"this is not json at all\n").unwrap();
    assert_eq!(code(&openreg(dir.path(), &["ingest", "ocds", junk.to_str().unwrap()])), 1);
    assert_eq!(code(&openreg(dir.path(), &["ingest", "ocds", "no/such/file.json"])), 1);
    assert_eq!(code(&openreg(dir.path(), &["ingest"])), 2, "usage error from clap");
}

#[test]
fn stdin_and_directories() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_openreg"))
        .current_dir(crate::repo())
        .args(["--data-dir", dir.path().to_str().unwrap(), "ingest", "ocds", "-", "--json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &std::fs::read(crate::repo().join(GE)).unwrap()).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(json(&out)["releases_stored"], 8);

    let other = tempfile::tempdir().unwrap();
    let out = openreg(other.path(), &["ingest", "ocds", "fixtures/ocds", "--json"]);
    let summary = json(&out);
    // The folder holds the three demo files and the bad one (its README.md is not data).
    assert_eq!(summary["sources"].as_array().unwrap().len(), 4);
    assert_eq!(summary["releases_stored"], 32);
}

#[test]
fn export_lines_packages_gzip_and_since() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&openreg(dir.path(), &["ingest", "ocds", UA, GE, RECORDS])), 0);
    let lines = stdout(&openreg(dir.path(), &["export", "compiled"]));
    assert_eq!(lines.lines().count(), 8);
    for line in lines.lines() {
        let compiled: Value = serde_json::from_str(line).unwrap();
        assert!(compiled["ocid"].is_string());
    }
    assert_eq!(stdout(&openreg(dir.path(), &["export", "releases"])).lines().count(), 23);

    let package = json(&openreg(dir.path(), &["export", "releases", "--package", "--publisher", "Test"]));
    assert_eq!(package["releases"].as_array().unwrap().len(), 23);
    assert_eq!(package["publisher"]["name"], "Test");
    assert_eq!(package["version"], "1.1");
    assert!(package["extensions"].as_array().is_some_and(|e| !e.is_empty()));
    let records = json(&openreg(dir.path(), &["export", "records", "--package"]));
    assert_eq!(records["records"].as_array().unwrap().len(), 8);

    let gz = dir.path().join("full.jsonl.gz");
    assert_eq!(code(&openreg(dir.path(), &["export", "compiled", "--gzip", "-o", gz.to_str().unwrap()])), 0);
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap()).read_to_string(&mut text).unwrap();
    assert_eq!(text, lines);

    let recent = stdout(&openreg(dir.path(), &["export", "compiled", "--since", "2025-07-01"]));
    let dates: Vec<String> = recent
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["date"].as_str().unwrap().to_string())
        .collect();
    assert!(!dates.is_empty() && dates.len() < 8, "{dates:?}");
    assert!(dates.iter().all(|d| d.as_str() >= "2025-07-01"));
}

/// ocdskit's expected outputs for Mexico City (OCDS 1.0 packages) through the whole pipeline.
#[test]
fn mexico_city_compiles_as_the_reference_does() {
    let Some(cdmx) = shared("ocds/samples/mexico-cdmx") else {
        return;
    };
    for n in [1, 2] {
        let dir = tempfile::tempdir().unwrap();
        let input = cdmx.join(format!("release-package-{n}.json"));
        assert_eq!(code(&openreg(dir.path(), &["ingest", "ocds", input.to_str().unwrap()])), 0);
        let compiled: Value =
            serde_json::from_str(stdout(&openreg(dir.path(), &["export", "compiled"])).trim()).unwrap();
        let expected: Value =
            serde_json::from_slice(&std::fs::read(cdmx.join(format!("compiled-release-{n}.json"))).unwrap()).unwrap();
        assert!(json_eq(&compiled, &expected), "compiled-release-{n}");
        let ocid = compiled["ocid"].as_str().unwrap();
        let record = json(&openreg(dir.path(), &["record", ocid, "--versioned"]));
        let expected: Value =
            serde_json::from_slice(&std::fs::read(cdmx.join(format!("versioned-release-{n}.json"))).unwrap()).unwrap();
        assert!(json_eq(&record["versionedRelease"], &expected), "versioned-release-{n}");
    }
}

#[test]
fn publishers_odd_shapes() {
    let Some(cdmx) = shared("ocds/samples/mexico-cdmx") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let latin = cdmx.join("release-package_encoding-iso-8859-1.json");
    let out = json(&openreg(dir.path(), &["ingest", "ocds", latin.to_str().unwrap(), "--json"]));
    assert_eq!(out["sources"][0]["encoding"], "windows-1252");
    assert_eq!(out["releases_stored"], 3);
    let compiled: Value = serde_json::from_str(stdout(&openreg(dir.path(), &["export", "compiled"])).trim()).unwrap();
    let expected: Value =
        serde_json::from_slice(&std::fs::read(cdmx.join("compile_encoding_encoding.json")).unwrap()).unwrap();
    assert!(json_eq(&compiled, &expected), "compile_encoding_encoding.json");

    let dir = tempfile::tempdir().unwrap();
    let split = cdmx.join("release-package_split.json");
    let out = json(&openreg(dir.path(), &["ingest", "ocds", split.to_str().unwrap(), "--json"]));
    assert_eq!(out["releases_stored"], 4);
    assert_eq!(out["packages"], 2);

    let dir = tempfile::tempdir().unwrap();
    let linked = cdmx.join("record-package_linked-releases.json");
    let out = json(&openreg(dir.path(), &["ingest", "ocds", linked.to_str().unwrap(), "--json"]));
    assert_eq!(out["compile"]["records_from_publisher"], 2);
    let Some(prozorro) = shared("prozorro/record-ocds-be6bcu-UA-2018-06-22-001789-a.json") else {
        return;
    };
    let out = json(&openreg(dir.path(), &["ingest", "ocds", prozorro.to_str().unwrap(), "--json"]));
    assert_eq!(out["compile"]["records_from_publisher"], 1);
}

#[test]
fn every_shared_ocds_sample_ingests_without_quarantine() {
    let Some(samples) = shared("ocds/samples") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for folder in ["mexico-cdmx", "mexico-apf", "paraguay-dncp", "prozorro-ua", "ocp-fictional"] {
        let out = openreg(dir.path(), &["ingest", "ocds", samples.join(folder).to_str().unwrap(), "--json"]);
        let summary = json(&out);
        // Mexico City's folder also holds ocdskit's versioned outputs, which are not releases.
        let expected = if folder == "mexico-cdmx" { 2 } else { 0 };
        assert_eq!(
            summary["quarantined"],
            expected,
            "{folder}: {}",
            stdout(&openreg(dir.path(), &["quarantine", "list"]))
        );
        assert!(
            summary["releases_read"].as_u64().unwrap() + summary["linked_records"].as_u64().unwrap() > 0,
            "{folder}"
        );
    }
    let list = stdout(&openreg(dir.path(), &["quarantine", "list"]));
    assert_eq!(list.matches("versioned release").count(), 2, "{list}");
}

#[test]
fn a_publishers_extended_schema_changes_the_merge() {
    let Some(fixtures) = shared("ocds/merge-fixtures") else {
        return;
    };
    // OCDS 1.0 merges award suppliers as a whole list; 1.1 by id. The same releases, two schemas.
    let input = fixtures.join("1.0/suppliers.json");
    let dir = tempfile::tempdir().unwrap();
    let schema = fixtures.join("release-schema-1__0__3.json");
    assert_eq!(
        code(&openreg(dir.path(), &["ingest", "ocds", input.to_str().unwrap(), "--schema", schema.to_str().unwrap()])),
        0
    );
    let with_schema: Value =
        serde_json::from_str(stdout(&openreg(dir.path(), &["export", "compiled"])).trim()).unwrap();
    let expected: Value =
        serde_json::from_slice(&std::fs::read(fixtures.join("1.0/suppliers-compiled.json")).unwrap()).unwrap();
    assert!(json_eq(&with_schema, &expected));
}

#[test]
fn help_speaks_plainly() {
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_openreg")).args(["ingest", "ocds", "--help"]).output().unwrap();
    let help = stdout(&out);
    assert!(help.contains("quarantine") && help.contains("Exit status"), "{help}");
}

/// Undated releases and duplicate release ids, handled as the reference implementation handles
/// them, each with a warning a person can read.
#[test]
fn undated_and_duplicate_releases_warn() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("odd.jsonl");
    let lines = [
        // Two releases of one process, one without a date: the reference cannot order them.
        r#"{"ocid":"ocds-x-1","id":"1","date":"2024-01-01T00:00:00Z","tag":["tender"],"initiationType":"tender","tender":{"id":"t","status":"active"}}"#,
        r#"{"ocid":"ocds-x-1","id":"2","tag":["award"],"initiationType":"tender","tender":{"id":"t","status":"complete"}}"#,
        // One undated release alone compiles, as in the reference.
        r#"{"ocid":"ocds-x-2","id":"1","tag":["tender"],"initiationType":"tender"}"#,
        // Two different releases sharing an id: both are merged in date order.
        r#"{"ocid":"ocds-x-3","id":"1","date":"2024-01-01T00:00:00Z","tag":["tender"],"initiationType":"tender","tender":{"id":"t","status":"active"}}"#,
        r#"{"ocid":"ocds-x-3","id":"1","date":"2024-02-01T00:00:00Z","tag":["tender"],"initiationType":"tender","tender":{"id":"t","status":"complete"}}"#,
    ];
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let summary = json(&openreg(dir.path(), &["ingest", "ocds", input.to_str().unwrap(), "--json"]));
    assert_eq!(summary["releases_stored"], 5);
    assert_eq!(summary["compile"]["records_compiled"], 2);
    assert_eq!(summary["compile"]["records_not_compiled"], 1);

    let out = openreg(dir.path(), &["record", "ocds-x-1"]);
    assert!(json(&out).get("compiledRelease").is_none());
    assert!(String::from_utf8_lossy(&out.stderr).contains("`date` field of at least one release is missing"));

    let single = json(&openreg(dir.path(), &["record", "ocds-x-2"]));
    assert_eq!(single["compiledRelease"]["id"], "ocds-x-2-None", "the reference's id for an undated release");

    let out = openreg(dir.path(), &["record", "ocds-x-3"]);
    assert_eq!(json(&out)["compiledRelease"]["tender"]["status"], "complete");
    assert!(String::from_utf8_lossy(&out.stderr).contains("several different releases have the id '1'"));
}
