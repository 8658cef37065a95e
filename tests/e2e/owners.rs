//! Beneficial ownership through the binary: BODS of every version in, owners out.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{code, json, openreg, shared, stdout};

#[test]
fn official_examples_ingest_and_answer_who_owns() {
    let (Some(v04), Some(v02)) =
        (shared("bods/samples/data-standard-0.4/examples"), shared("bods/samples/data-standard-0.2/examples"))
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = openreg(dir.path(), &["ingest", "bods", v04.to_str().unwrap(), v02.to_str().unwrap(), "--json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stdout));
    let summary = json(&out);
    assert!(summary["statements_stored"].as_u64().unwrap() > 150);
    assert_eq!(summary["quarantined"], 0);
    // Real examples use short statement ids; that is tolerated with a warning.
    assert!(summary["warnings"].as_object().is_some());

    // Company A <- 60% Company B <- Person 1 (share not stated); the register declares 30%.
    // Found by identifier, in two spellings.
    for id in ["GB-COH-XE9999", "GB-COH XE9999"] {
        let report = json(&openreg(dir.path(), &["owners", id, "--json"]));
        let owners = report["ultimate_owners"].as_array().unwrap();
        assert_eq!(owners.len(), 1, "{report}");
        assert_eq!(owners[0]["name"], "Person 1");
        assert_eq!((owners[0]["min"].as_f64(), owners[0]["max"].as_f64()), (Some(0.0), Some(60.0)));
        assert_eq!(owners[0]["declared_min"].as_f64(), Some(30.0));
    }
    let text = stdout(&openreg(dir.path(), &["owners", "GB-COH-XE9999"]));
    assert!(text.contains("Person 1: effective share 0-60% (the register declares 30%)"), "{text}");

    let missing = openreg(dir.path(), &["owners", "GB-COH-NOPE"]);
    assert_eq!(code(&missing), 1);
}

#[test]
fn circular_and_anonymous_owners_are_shown_as_such() {
    let Some(fixtures) = shared("bods/samples/bods-v04-fixtures-pypi/bods_fixtures/data/edge-cases") else { return };
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&openreg(dir.path(), &["ingest", "bods", fixtures.to_str().unwrap()])), 0);
    let circular = serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(fixtures.join("10-circular-ownership.json")).unwrap(),
    )
    .unwrap();
    let alpha = circular.as_array().unwrap().iter().find(|s| s["recordType"] == "entity").unwrap()["recordId"]
        .as_str()
        .unwrap()
        .to_string();
    let report = json(&openreg(dir.path(), &["owners", &alpha, "--json"]));
    assert_eq!(report["cycles"].as_array().unwrap().len(), 1, "{report}");
    assert!(report["ultimate_owners"].as_array().unwrap().is_empty());
    let text = stdout(&openreg(dir.path(), &["owners", &alpha]));
    assert!(text.contains("CIRCULAR ownership"), "{text}");
    // The reverse question meets the same cycle, once, and never counts past 100%.
    let holdings = json(&openreg(dir.path(), &["owned-by", &alpha, "--json"]));
    assert_eq!(holdings["cycles"].as_array().unwrap().len(), 1, "{holdings}");
    assert!(holdings["holdings"].as_array().unwrap().iter().all(|h| h["max"].as_f64().unwrap() <= 100.0));

    let anonymous = serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(fixtures.join("11-anonymous-person.json")).unwrap(),
    )
    .unwrap();
    let subject = anonymous.as_array().unwrap().iter().find(|s| s["recordType"] == "entity").unwrap()["recordId"]
        .as_str()
        .unwrap()
        .to_string();
    let text = stdout(&openreg(dir.path(), &["owners", &subject]));
    assert!(text.contains("UNDISCLOSED owner"), "{text}");
}

#[test]
fn statements_that_cannot_be_understood_are_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mixed.jsonl");
    let lines = [
        r#"{"statementId":"s1","recordId":"e1","recordType":"entity","recordStatus":"new","recordDetails":{"entityType":{"type":"registeredEntity"},"name":"Один"}}"#,
        r#"{"statementId":"s2","recordId":"p1","recordType":"person","recordStatus":"new","recordDetails":{"names":[{"fullName":"Без типу"}]}}"#,
        r#"{"statementId":"s3","recordId":"r1","recordType":"relationship","recordStatus":"new","recordDetails":{"subject":"e1","interestedParty":"p1","interests":[]}}"#,
        r#"{"statementId":"s4","recordId":"x","recordType":"mystery","recordDetails":{}}"#,
        r#"{"statementId": "s5", "recordId": "e2", "#,
    ];
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = openreg(dir.path(), &["ingest", "bods", input.to_str().unwrap(), "--json"]);
    assert_eq!(code(&out), 2);
    let summary = json(&out);
    assert_eq!(summary["statements_stored"], 2);
    assert_eq!(summary["quarantined"], 3);
    let list = stdout(&openreg(dir.path(), &["quarantine", "list"]));
    assert!(list.contains("personType"), "{list}");
    assert!(list.contains("unknown record type"), "{list}");
    assert!(list.contains("line 5 is not valid JSON"), "{list}");
    // Again: nothing new, nothing duplicated.
    let again = json(&openreg(dir.path(), &["ingest", "bods", input.to_str().unwrap(), "--json"]));
    assert_eq!(again["statements_stored"], 0);
    assert_eq!(again["statements_duplicate"], 2);
}

const DEMO_03: &str = "fixtures/bods/ua-0.3-statements.json";

/// BODS 0.3 has no published sample data: the demo world's own 0.3 file (see fixtures/bods/README.md)
/// ingests, and its owners are those worked out by hand there.
#[test]
fn a_0_3_register_answers_who_owns() {
    let dir = tempfile::tempdir().unwrap();
    let out = openreg(dir.path(), &["ingest", "bods", DEMO_03, "--json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let summary = json(&out);
    assert_eq!(summary["statements_stored"], 9);
    assert_eq!(summary["warnings"], serde_json::json!({}), "a clean 0.3 file carries no warnings");

    let report = json(&openreg(dir.path(), &["owners", "UA-EDR 40917634", "--json"]));
    let owners = report["ultimate_owners"].as_array().unwrap();
    assert_eq!(owners.len(), 1, "{report}");
    let olena = &owners[0];
    assert_eq!(olena["name"], "Олена Мельник");
    // 30% directly (the 2023 statement replaces the 2021 one's 25%) + 70% × 50% through Harbourline.
    assert_eq!((olena["min"].as_f64(), olena["max"].as_f64()), (Some(65.0), Some(65.0)));
    assert_eq!(olena["declared_min"].as_f64(), Some(35.0), "the summary's declared indirect share");
    let relationships: Vec<&Value> = olena["paths"].as_array().unwrap().iter().map(|p| &p["relationships"]).collect();
    assert_eq!(relationships.len(), 2, "the chain and the direct holding; the summary is not walked beside its chain");
    assert!(relationships.contains(&&serde_json::json!(["openreg-demo-03-ooc-olena-direct-2023"])));
    let undisclosed = report["undisclosed"].as_array().unwrap();
    assert_eq!(undisclosed.len(), 1);
    assert_eq!(undisclosed[0]["reason"], "interestedPartyHasNotProvidedInformation");
    assert_eq!(undisclosed[0]["max"].as_f64(), Some(35.0));
    assert!(undisclosed[0]["description"].as_str().unwrap().contains("has not answered the register"));
    assert_eq!(report["warnings"], serde_json::json!([]));

    // Found by her tax number as well; what she holds, directly or not.
    let holdings = json(&openreg(dir.path(), &["owned-by", "UKR-TAXID-2987604315", "--json"]));
    let share = |name: &str| {
        holdings["holdings"].as_array().unwrap().iter().find(|h| h["name"] == name).map(|h| h["max"].as_f64().unwrap())
    };
    assert_eq!(share("ТОВ \"Теплотехсервіс-Плюс\""), Some(65.0));
    assert_eq!(share("Harbourline Holdings Ltd"), Some(50.0));

    insta::assert_snapshot!("owners-demo-0.3", stdout(&openreg(dir.path(), &["owners", "UA-EDR-40917634"])));
    insta::assert_snapshot!("owned-by-demo-0.3", stdout(&openreg(dir.path(), &["owned-by", "UKR-TAXID 2987604315"])));
    let over_70 = json(&openreg(dir.path(), &["owners", "UA-EDR-40917634", "--threshold", "70", "--json"]));
    assert!(over_70["ultimate_owners"].as_array().unwrap().is_empty());
}

/// What openreg tolerates is kept with each statement and shown with the answers that rest on it.
#[test]
fn each_statements_warnings_are_kept_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("short-ids.jsonl");
    let lines = [
        r#"{"statementId":"e-1","recordId":"e1","recordType":"entity","recordDetails":{"entityType":{"type":"registeredEntity"},"name":"Короткий Ідентифікатор","identifiers":[{"scheme":"UA-EDR","id":"43980521"}]}}"#,
        r#"{"statementId":"p-1","recordId":"p1","recordType":"person","recordDetails":{"personType":"knownPerson","names":[{"fullName":"Ірина Коваль"}]},"publicationDetails":{"publicationDate":"2024-01-01","bodsVersion":"0.4","publisher":{"name":"x"}}}"#,
        r#"{"statementId":"openreg-demo-04-stmt-a-long-enough-statement-id","recordId":"r1","recordType":"relationship","recordDetails":{"subject":"e1","interestedParty":"p1","interests":[{"type":"shareholding","share":{"exact":100}}]},"publicationDetails":{"publicationDate":"2024-01-01","bodsVersion":"0.4","publisher":{"name":"x"}}}"#,
    ];
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let summary = json(&openreg(dir.path(), &["ingest", "bods", input.to_str().unwrap(), "--json"]));
    assert_eq!(summary["statements_stored"], 3);
    assert_eq!(
        summary["warnings"],
        serde_json::json!({"no publicationDetails": 1, "statement id shorter than 32 characters": 2})
    );

    let report = json(&openreg(dir.path(), &["owners", "UA-EDR-43980521", "--json"]));
    let warnings: Vec<(&str, &str, &str)> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["statement_id"].as_str().unwrap(), w["pointer"].as_str().unwrap(), w["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        warnings,
        [
            ("e-1", "/publicationDetails", "no publicationDetails"),
            ("e-1", "/statementId", "statement id shorter than 32 characters"),
            ("p-1", "/statementId", "statement id shorter than 32 characters"),
        ]
    );
    let text = stdout(&openreg(dir.path(), &["owners", "UA-EDR-43980521"]));
    assert!(
        text.contains("note: 2 of the statements behind this answer break the standard (no publicationDetails: 1; statement id shorter than 32 characters: 2)"),
        "{text}"
    );
    let holdings = json(&openreg(dir.path(), &["owned-by", "p1", "--json"]));
    assert_eq!(holdings["warnings"].as_array().unwrap().len(), 3);
}

/// Every file under `path` (or `path` itself), in name order.
fn files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for entry in entries {
        out.extend(files(&entry));
    }
    out
}

/// The statements of a JSON array file, each with its file.
fn statements_in(path: &Path) -> Vec<(PathBuf, Value)> {
    files(path)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
        .flat_map(|f| {
            let items: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
            items.into_iter().map(move |s| (f.clone(), s))
        })
        .collect()
}

/// The inputs of the export tests: the demo 0.3 file always, the official 0.2 and 0.4 examples where
/// ../shared is present.
fn export_inputs() -> Vec<PathBuf> {
    let mut inputs = vec![crate::repo().join(DEMO_03)];
    inputs.extend(shared("bods/samples/data-standard-0.4/examples"));
    inputs.extend(shared("bods/samples/data-standard-0.2/examples"));
    inputs
}

fn is_relationship(statement: &Value) -> bool {
    statement["recordType"] == "relationship" || statement["statementType"] == "ownershipOrControlStatement"
}

/// `openreg export bods` hands back every statement exactly as it was loaded, once, in a stable
/// order with every statement after those it refers to, as JSON Lines, one package, or gzipped.
#[test]
fn export_bods_streams_every_statement_as_ingested() {
    let inputs = export_inputs();
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["ingest", "bods", "--json"];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    let summary = json(&openreg(dir.path(), &args));
    let stored = summary["statements_stored"].as_u64().unwrap() as usize;

    let export = openreg(dir.path(), &["export", "bods"]).stdout;
    let lines: Vec<Value> =
        String::from_utf8(export.clone()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), stored);

    // Lossless: the same statements as the input files, each once (files repeat some statements).
    let text = |v: &Value| serde_json::to_string(v).unwrap();
    let mut given: Vec<String> = inputs.iter().flat_map(|p| statements_in(p)).map(|(_, s)| text(&s)).collect();
    given.sort();
    given.dedup();
    let mut exported: Vec<String> = lines.iter().map(text).collect();
    exported.sort();
    assert_eq!(exported, given);

    // Entities and persons first, then relationships, each as received.
    let first_relationship = lines.iter().position(is_relationship).unwrap();
    assert!(lines[first_relationship..].iter().all(is_relationship));
    let demo: Vec<Value> = statements_in(&crate::repo().join(DEMO_03)).into_iter().map(|(_, s)| s).collect();
    let demo_order: Vec<&Value> = lines.iter().filter(|s| demo.contains(s)).collect();
    let mut expected: Vec<&Value> = demo.iter().filter(|s| !is_relationship(s)).collect();
    expected.extend(demo.iter().filter(|s| is_relationship(s)));
    assert_eq!(demo_order, expected);

    // Stable: the same bytes again, and after loading the same files once more.
    assert_eq!(openreg(dir.path(), &["export", "bods"]).stdout, export);
    assert_eq!(json(&openreg(dir.path(), &args))["statements_stored"], 0);
    assert_eq!(openreg(dir.path(), &["export", "bods"]).stdout, export);

    // By version: the demo file is all the 0.3 there is; the versions add up.
    let count = |version: &str| {
        openreg(dir.path(), &["export", "bods", "--bods-version", version])
            .stdout
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count()
    };
    assert_eq!(count("0.3"), 9);
    assert_eq!(count("0.1") + count("0.2") + count("0.3") + count("0.4"), stored);
    let refused = openreg(dir.path(), &["export", "releases", "--bods-version", "0.4"]);
    assert_eq!(code(&refused), 1);

    // One package (a JSON array), and gzip, with the same statements in the same order.
    let package: Vec<Value> =
        serde_json::from_slice(&openreg(dir.path(), &["export", "bods", "--package"]).stdout).unwrap();
    assert_eq!(package, lines);
    let gz = dir.path().join("owners.jsonl.gz");
    assert_eq!(code(&openreg(dir.path(), &["export", "bods", "--gzip", "-o", gz.to_str().unwrap()])), 0);
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap()).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, export);

    // --since keeps what is dated on or after the day, by statementDate.
    let since = openreg(dir.path(), &["export", "bods", "--since", "2024-01-01"]).stdout;
    let dated: Vec<Value> =
        String::from_utf8(since).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let expected = lines.iter().filter(|s| s["statementDate"].as_str().is_some_and(|d| d >= "2024-01-01")).count();
    assert_eq!(dated.len(), expected);
    assert!(expected >= 7, "the demo file's seven statements of 2024");
}

/// Where lib-cove-bods lives: a Python with `libcovebods` installed (.ci/run makes one under target/).
const LIBCOVEBODS_PYTHON: &str = "OPENREG_LIBCOVEBODS_PYTHON";

/// lib-cove-bods' additional checks through its Python API, all but the two that download the
/// org-id.guide list of identifier schemes (the tests run offline). Prints the schema version it
/// chose and the checks' findings as JSON.
const ADDITIONAL_CHECKS: &str = r#"
import json, sys
import libcovebods.config, libcovebods.data_reader, libcovebods.run_tasks, libcovebods.schema
from libcovebods.tasks.checks import legacy_checks, record_based_checks
online = (legacy_checks.LegacyChecks, record_based_checks.CheckStatementEntityIdentifiersHaveKnownScheme)
tasks = [t for t in libcovebods.run_tasks.TASK_CLASSES if t not in online]
reader = libcovebods.data_reader.DataReader(sys.argv[1])
config = libcovebods.config.LibCoveBODSConfig()
schema = libcovebods.schema.SchemaBODS(reader, config)
output = libcovebods.run_tasks.process_additional_checks(reader, config, schema, tasks)
print(json.dumps({"schema_version": schema.schema_version, "additional_checks": output["additional_checks"]}))
"#;

/// lib-cove-bods (PyPI `libcovebods`) accepts what `openreg export bods` writes. It reads one JSON
/// array and validates every statement against the version the first one declares, so the export
/// is checked one version at a time (`--bods-version V --package`): no JSON Schema error, and no
/// additional-check finding but duplicate statement ids, which the official example files
/// themselves carry (several files reuse an id for different statements; openreg keeps both).
#[test]
fn lib_cove_bods_accepts_the_export() {
    let Ok(python) = std::env::var(LIBCOVEBODS_PYTHON) else {
        eprintln!(
            "skipped: {LIBCOVEBODS_PYTHON} is not set; point it at a Python with libcovebods installed (.ci/run makes one) to check the BODS export with lib-cove-bods"
        );
        return;
    };
    let inputs = export_inputs();
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["ingest", "bods"];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    assert_eq!(code(&openreg(dir.path(), &args)), 0);

    // Statement ids that the inputs use for more than one different statement.
    let mut contents: std::collections::HashMap<String, std::collections::HashSet<String>> = Default::default();
    for (_, statement) in inputs.iter().flat_map(|p| statements_in(p)) {
        let id = statement.get("statementId").or_else(|| statement.get("statementID")).unwrap().as_str().unwrap();
        contents.entry(id.to_string()).or_default().insert(serde_json::to_string(&statement).unwrap());
    }
    let reused: std::collections::HashSet<&String> =
        contents.iter().filter(|(_, c)| c.len() > 1).map(|(id, _)| id).collect();

    let versions: &[&str] = if inputs.len() == 3 { &["0.2", "0.3", "0.4"] } else { &["0.3"] };
    for version in versions {
        let file = dir.path().join(format!("export-{version}.json"));
        let out = openreg(
            dir.path(),
            &["export", "bods", "--bods-version", version, "--package", "-o", file.to_str().unwrap()],
        );
        assert_eq!(code(&out), 0);
        let exported: Vec<Value> = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert!(!exported.is_empty(), "{version}");

        let run = |args: &[&str]| {
            let out = Command::new(&python).args(args).arg(&file).output().expect("the libcovebods Python runs");
            assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
            serde_json::from_slice::<Value>(&out.stdout).unwrap()
        };
        let errors = run(&["-m", "libcovebods.cli", "jsonschemavalidate"]);
        assert_eq!(errors, serde_json::json!([]), "BODS {version}: lib-cove-bods finds schema errors");

        let checks = run(&["-c", ADDITIONAL_CHECKS]);
        assert_eq!(checks["schema_version"], *version);
        for check in checks["additional_checks"].as_array().unwrap() {
            assert_eq!(check["type"], "duplicate_statement_id", "BODS {version}: {check}");
            assert!(reused.contains(&check["id"].as_str().unwrap().to_string()), "{check}");
        }
    }
}

/// `openreg export --help`, as a journalist reads it before exporting owners.
#[test]
fn export_help_explains_the_bods_export() {
    let out = Command::new(env!("CARGO_BIN_EXE_openreg"))
        .args(["export", "--help"])
        .env_remove("COLUMNS")
        .env_remove("OPENREG_DATA_DIR")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0);
    let help = stdout(&out);
    assert!(help.contains("--bods-version") && help.contains("lib-cove-bods"), "{help}");
    insta::assert_snapshot!("export-help", help);
}
