//! Beneficial ownership through the binary: BODS of every version in, owners out.

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
