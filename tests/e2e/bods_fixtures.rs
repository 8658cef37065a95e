//! BODS fixtures through the binary: lib-cove-bods' validator fixtures (what openreg stores,
//! quarantines and warns about, fixture by fixture), each `.expected.md` case of the edge-case suite,
//! real data that breaks the schema, and openreg's own statements that cannot be understood.
//! Fixtures from ../shared are skipped with a message where that folder is absent.

use std::path::Path;

use serde_json::Value;

use crate::{code, json, openreg, shared, stdout};

/// What `openreg owners` must say, given its JSON report and its text.
type OwnersCheck = fn(&Value, &str);

/// One lib-cove-bods fixture and what openreg must make of it.
struct Fixture {
    /// Under lib-cove-bods/tests/fixtures.
    file: &'static str,
    /// What lib-cove-bods' own tests (tests/test_*.py) say the fixture shows.
    intent: &'static str,
    stored: u64,
    /// Statements identical to one already read.
    duplicate: u64,
    /// The ingest summary's warnings: what openreg tolerated, and in how many statements.
    warnings: &'static [(&'static str, u64)],
    /// The company to ask `openreg owners` about, and what the answer must say.
    owners: Option<(&'static str, OwnersCheck)>,
}

fn share(owner: &Value) -> (f64, f64) {
    (owner["min"].as_f64().unwrap(), owner["max"].as_f64().unwrap())
}

fn only_owner(report: &Value) -> &Value {
    let owners = report["ultimate_owners"].as_array().unwrap();
    assert_eq!(owners.len(), 1, "{report}");
    &owners[0]
}

const NO_PUBLICATION_DETAILS: &str = "no publicationDetails";

/// Every fixture lib-cove-bods' tests (at the commit in ../shared) find schema-valid:
/// `validation_errors_count == 0` for each. Those named `-invalid-` fail one of its *additional*
/// checks, rules of good practice (a declarationSubject that names nothing, an unknown identifier
/// scheme, …) that do not stop anyone reading the statement. openreg therefore stores every one of
/// them and quarantines none; where a fault touches what openreg computes, the owners it reports say
/// how it was read. None carries a statement id shorter than 32 characters; the 0.1 files and the
/// 0.4 additional-check files carry no publicationDetails, which openreg records as a warning.
const LIB_COVE_BODS: &[Fixture] = &[
    Fixture {
        file: "0.1/basic_anonymous_person_1.json",
        intent: "valid (test_api_0_1): BODS 0.1, an anonymous person holds 100%",
        stored: 3,
        duplicate: 0,
        warnings: &[(NO_PUBLICATION_DETAILS, 3)],
        owners: Some(("GB-COH-07444723", |report, _| {
            let owner = only_owner(report);
            assert_eq!(share(owner), (100.0, 100.0));
            assert_eq!(report["undisclosed"][0]["reason"], "anonymousPerson", "{report}");
        })),
    },
    Fixture {
        file: "0.1/basic_unknown_person_1.json",
        intent: "valid (test_api_0_1): BODS 0.1, an unknown person (with names) holds 100%",
        stored: 3,
        duplicate: 0,
        warnings: &[(NO_PUBLICATION_DETAILS, 3)],
        owners: Some(("GB-COH-07444723", |report, _| {
            assert_eq!(only_owner(report)["name"], "Christopher Taggart");
            assert_eq!(report["undisclosed"][0]["reason"], "unknownPerson", "{report}");
        })),
    },
    Fixture {
        file: "0.2/beneficialOwnershipOrControl_but_unspecified_person_1.json",
        intent: "schema-valid; check statement_is_beneficialOwnershipOrControl_but_no_person_specified: \
                 a beneficial interest whose interested party is `unspecified`",
        stored: 2,
        duplicate: 0,
        warnings: &[],
        owners: Some(("GB-COH-07444723", |report, text| {
            assert!(report["ultimate_owners"].as_array().unwrap().is_empty());
            let undisclosed = &report["undisclosed"][0];
            assert_eq!(undisclosed["reason"], "subjectUnableToConfirmOrIdentifyBeneficialOwner");
            assert!(undisclosed["description"].as_str().unwrap().contains("can not be bothered"));
            assert_eq!(share(undisclosed), (100.0, 100.0));
            assert!(text.contains("UNDISCLOSED owner (subjectUnableToConfirmOrIdentifyBeneficialOwner)"), "{text}");
        })),
    },
    Fixture {
        file: "0.2/component_statement_ids_not_in_package_1.json",
        intent: "schema-valid; check component_statement_id_not_in_package: componentStatementIDs names a \
                 statement nobody published",
        stored: 3,
        duplicate: 0,
        warnings: &[],
        // With no component in the register, the relationship is all there is, and it is walked.
        owners: Some(("GB-COH-07444723", |report, _| {
            let owner = only_owner(report);
            assert_eq!(owner["name"], "Christopher Taggart");
            assert_eq!(share(owner), (100.0, 100.0));
        })),
    },
    Fixture {
        file: "0.2/iscompontent-os-03-dr-03.json",
        intent: "the standard's own indirect example, which passes all of lib-cove-bods' 0.2 checks: \
                 Company A <- Company B <- Person 1 as components, and a summary declaring 30%",
        stored: 6,
        duplicate: 0,
        warnings: &[],
        // Neither link states a share: by the chain, 0-100%; the summary is not walked beside it.
        owners: Some(("GB-COH-XE9999", |report, _| {
            let owner = only_owner(report);
            assert_eq!(owner["name"], "Person 1");
            assert_eq!(share(owner), (0.0, 100.0));
            assert_eq!(owner["declared_min"].as_f64(), Some(30.0));
            assert_eq!(owner["paths"].as_array().unwrap().len(), 1, "{owner}");
            assert_eq!(owner["paths"][0]["records"].as_array().unwrap().len(), 3);
        })),
    },
    Fixture {
        file: "0.2/pep_status_1.json",
        intent: "valid (test_pep): a politically exposed person, hasPepStatus with details",
        stored: 3,
        duplicate: 0,
        warnings: &[],
        owners: Some(("GB-COH XE-000079054", |report, text| {
            let owner = only_owner(report);
            assert_eq!(share(owner), (25.0, 50.0), "shareholding and voting rights both 25-50%");
            assert!(text.contains("Michael Hubbard (politically exposed): effective share 25-50%"), "{text}");
        })),
    },
    Fixture {
        file: "0.4/additional-checks/interested_party_person_with_beneficial_ownership_or_control-invalid-1.json",
        intent: "schema-valid; one additional check: a beneficial interest held by an entity, not a person",
        stored: 3,
        duplicate: 0,
        warnings: &[(NO_PUBLICATION_DETAILS, 3)],
        // No natural person: the entity is reported at the top of the chain, not as an owner.
        owners: Some(("c359f58d2977", |report, _| {
            assert!(report["ultimate_owners"].as_array().unwrap().is_empty(), "{report}");
            assert_eq!(report["top_entities"][0]["record_id"], "10478c6cf6de");
        })),
    },
    Fixture {
        file: "0.4/additional-checks/statement_declaration_subject-invalid-1.json",
        intent: "schema-valid; one additional check: a declarationSubject that names no record in the file \
                 (openreg does not use declarationSubject)",
        stored: 3,
        duplicate: 0,
        warnings: &[(NO_PUBLICATION_DETAILS, 3)],
        owners: Some(("c359f58d2977", |report, _| {
            assert_eq!(only_owner(report)["record_id"], "10478c6cf6de");
        })),
    },
    Fixture {
        file: "0.4/additional-checks/statement_duplicate_statement_id-invalid-2.json",
        intent: "schema-valid; one additional check: the same statement twice. openreg keeps it once",
        stored: 3,
        duplicate: 1,
        warnings: &[(NO_PUBLICATION_DETAILS, 4)],
        owners: None,
    },
    Fixture {
        file: "0.4/additional-checks/statement_entity_identifier_scheme_known-invalid-1.json",
        intent: "schema-valid; one additional check: ME-BCE is not an org-id.guide scheme. openreg keeps \
                 and indexes the identifier as published",
        stored: 3,
        duplicate: 0,
        warnings: &[(NO_PUBLICATION_DETAILS, 3)],
        owners: Some(("ME-BCE-0521.749.43", |report, _| {
            assert_eq!(report["subject"], "c359f58d2977");
        })),
    },
    Fixture {
        file: "0.4/additional-checks/statement_entity_is_component-valid-1.json",
        intent: "valid: an entity in an indirect chain (isComponent), the chain, and its summary \
                 relationship listing componentRecords (with no interests)",
        stored: 6,
        duplicate: 0,
        warnings: &[(NO_PUBLICATION_DETAILS, 6)],
        // The person is reached once, through the chain (the summary used to be walked too).
        owners: Some(("ad3f6c2fcc9e", |report, _| {
            let owner = only_owner(report);
            assert_eq!(owner["record_id"], "c25d4d612c2c");
            let paths = owner["paths"].as_array().unwrap();
            assert_eq!(paths.len(), 1, "{owner}");
            assert_eq!(paths[0]["records"], serde_json::json!(["ad3f6c2fcc9e", "d4ab89ea169a", "c25d4d612c2c"]));
        })),
    },
    Fixture {
        file: "0.4/additional-checks/statement_person_identifiers_have_correct_scheme-invalid-1.json",
        intent: "schema-valid; one additional check: GBR--PASSPORT is not {ISO3}-{PASSPORT|TAXID|IDCARD}",
        stored: 1,
        duplicate: 0,
        warnings: &[(NO_PUBLICATION_DETAILS, 1)],
        owners: None,
    },
    Fixture {
        file: "0.4/additional-checks/statement_relationship_component_records_are_record_ids-invalid-1.json",
        intent: "schema-valid; one additional check: componentRecords lists a statement id among the record \
                 ids",
        stored: 6,
        duplicate: 0,
        warnings: &[(NO_PUBLICATION_DETAILS, 6)],
        // The other components are records of the register: the chain is walked, once.
        owners: Some(("ad3f6c2fcc9e", |report, _| {
            assert_eq!(only_owner(report)["paths"].as_array().unwrap().len(), 1, "{report}");
        })),
    },
    Fixture {
        file: "0.4/additional-checks/statement_relationship_interests_share_values-invalid-1.json",
        intent: "schema-valid; one additional check: a share gives `exact` (88) with exclusive bounds (12, 95)",
        stored: 3,
        duplicate: 0,
        warnings: &[(NO_PUBLICATION_DETAILS, 3)],
        // The exact share is what the statement says was held.
        owners: Some(("c359f58d2977", |report, _| assert_eq!(share(only_owner(report)), (88.0, 88.0)))),
    },
    Fixture {
        file: "0.4/additional-checks/statement_relationship_interests_share_values-valid-2.json",
        intent: "valid: a share of minimum 88 and exclusiveMaximum 99",
        stored: 3,
        duplicate: 0,
        warnings: &[(NO_PUBLICATION_DETAILS, 3)],
        owners: Some(("c359f58d2977", |report, _| assert_eq!(share(only_owner(report)), (88.0, 99.0)))),
    },
];

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            out.push(path.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
        }
    }
    out.sort();
    out
}

#[test]
fn lib_cove_bods_fixtures_are_stored_or_quarantined_as_they_should_be() {
    let Some(root) = shared("bods/samples/lib-cove-bods/tests/fixtures") else { return };
    let mut listed: Vec<String> = LIB_COVE_BODS.iter().map(|f| f.file.to_string()).collect();
    listed.sort();
    assert_eq!(listed, files_under(&root), "every fixture has a row");

    for fixture in LIB_COVE_BODS {
        let dir = tempfile::tempdir().unwrap();
        let path = root.join(fixture.file);
        let out = openreg(dir.path(), &["ingest", "bods", path.to_str().unwrap(), "--json"]);
        let context = format!("{} ({})", fixture.file, fixture.intent);
        assert_eq!(code(&out), 0, "{context}: {}", stdout(&out));
        let summary = json(&out);
        assert_eq!(summary["statements_stored"], fixture.stored, "{context}");
        assert_eq!(summary["statements_duplicate"], fixture.duplicate, "{context}");
        assert_eq!(summary["quarantined"], 0, "{context}");
        let warnings: Vec<(String, u64)> = summary["warnings"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(message, count)| (message.clone(), count.as_u64().unwrap()))
            .collect();
        let expected: Vec<(String, u64)> = fixture.warnings.iter().map(|(m, n)| (m.to_string(), *n)).collect();
        assert_eq!(warnings, expected, "{context}");
        let exported = openreg(dir.path(), &["export", "bods"]).stdout;
        assert_eq!(exported.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count() as u64, fixture.stored);

        if let Some((subject, check)) = fixture.owners {
            let report = json(&openreg(dir.path(), &["owners", subject, "--json"]));
            let text = stdout(&openreg(dir.path(), &["owners", subject]));
            check(&report, &text);
            // Each statement's own warnings travel with the answers that rest on it.
            let kept = report["warnings"].as_array().unwrap();
            assert_eq!(kept.is_empty(), fixture.warnings.is_empty(), "{context}: {report}");
        }
    }
}

/// Statements openreg cannot understand, one fault each (fixtures/bods/README.md): each is
/// quarantined with where it was and why, and the good statements around them are stored.
#[test]
fn statements_that_cannot_be_understood_are_quarantined_each_with_its_reason() {
    let bad = "fixtures/bods/bad/unreadable.jsonl";
    let dir = tempfile::tempdir().unwrap();
    let out = openreg(dir.path(), &["ingest", "bods", bad, "--json"]);
    assert_eq!(code(&out), 2, "some input quarantined");
    let summary = json(&out);
    assert_eq!(summary["statements_stored"], 3);
    assert_eq!(summary["quarantined"], 10);

    let list = stdout(&openreg(dir.path(), &["quarantine", "list", "--json"]));
    let entries: Vec<(u64, String, String)> = list
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|e| {
            (e["line"].as_u64().unwrap(), e["pointer"].as_str().unwrap().into(), e["reason"].as_str().unwrap().into())
        })
        .collect();
    let expected: [(u64, &str, &str); 10] = [
        (2, "/statementId", "is missing"),
        (3, "/statementID", "is missing"),
        (4, "/statementType", "unknown statement type `beneficialOwnerStatement`"),
        (5, "/recordType", "unknown record type `trust`"),
        (6, "/recordDetails", "is missing"),
        (7, "/recordDetails/subject", "must be a record id or an unspecified record"),
        (8, "/interestedParty", "names no statement and says nothing unspecified"),
        (9, "/recordDetails/personType", "unknown personType `alienPerson`"),
        (10, "", "line 10 is not valid JSON: EOF while parsing a value at line 1 column 106"),
        (11, "", "line 11 is not a JSON object"),
    ];
    let expected: Vec<(u64, String, String)> =
        expected.iter().map(|(line, pointer, reason)| (*line, pointer.to_string(), reason.to_string())).collect();
    assert_eq!(entries, expected);
    insta::assert_snapshot!("quarantine-list-unreadable-bods", stdout(&openreg(dir.path(), &["quarantine", "list"])));

    let report = json(&openreg(dir.path(), &["owners", "UA-EDR-41126083", "--json"]));
    assert_eq!(only_owner(&report)["name"], "Тарас Бондар");
}

/// Real data breaks the schema: the bods-neo4j sample's statement ids are short. openreg stores it,
/// and records the fault with each statement.
#[test]
fn short_statement_ids_are_stored_with_a_warning() {
    let Some(sample) = shared("bods/samples/bods-neo4j/examples/sample_data/sample_bods.json") else { return };
    let dir = tempfile::tempdir().unwrap();
    let summary = json(&openreg(dir.path(), &["ingest", "bods", sample.to_str().unwrap(), "--json"]));
    assert_eq!(summary["statements_stored"], 11);
    assert_eq!(summary["warnings"], serde_json::json!({"statement id shorter than 32 characters": 11}));
    let report = json(&openreg(dir.path(), &["owners", "GB-COH-12345678", "--json"]));
    let warnings = report["warnings"].as_array().unwrap();
    assert!(!warnings.is_empty());
    assert!(warnings.iter().all(|w| w["pointer"] == "/statementId"), "{report}");
}

/// The record id of the statement named `name` in a JSON array file.
fn record(path: &Path, name: &str) -> String {
    let statements: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    statements
        .iter()
        .find(|s| s.pointer("/recordDetails/name").and_then(Value::as_str) == Some(name))
        .and_then(|s| s["recordId"].as_str())
        .unwrap_or_else(|| panic!("{name} in {}", path.display()))
        .to_string()
}

/// The exported statements of a store, parsed.
fn exported(dir: &Path) -> Vec<Value> {
    let out = openreg(dir, &["export", "bods"]).stdout;
    String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn parsed(path: &Path) -> Vec<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// 01 · Direct ownership: "A find UBO query starting from rec-acme-holdings-ltd MUST return
/// rec-jane-smith-1975 with a single hop and a 75% aggregate interest"; sinks preserve both interest
/// types, beneficialOwnershipOrControl, publicationDetails and `bodsVersion: "0.4"` exactly, and
/// record ids are stable across runs.
#[test]
fn edge_case_01_direct_ownership() {
    let Some(path) = shared("bods/samples/bods-v04-fixtures-pypi/bods_fixtures/data/core/01-direct-ownership.json")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&openreg(dir.path(), &["ingest", "bods", path.to_str().unwrap()])), 0);
    for id in ["rec-acme-holdings-ltd", "GB-COH-10000001"] {
        let report = json(&openreg(dir.path(), &["owners", id, "--json"]));
        let owner = only_owner(&report);
        assert_eq!(owner["record_id"], "rec-jane-smith-1975");
        assert_eq!(share(owner), (75.0, 75.0), "75%, not 150%: two interests in one relationship");
        assert_eq!(owner["paths"].as_array().unwrap().len(), 1);
        assert_eq!(owner["paths"][0]["relationships"], serde_json::json!(["rec-rel-jane-acme"]), "a single hop");
    }
    insta::assert_snapshot!("owners-edge-01", stdout(&openreg(dir.path(), &["owners", "rec-acme-holdings-ltd"])));

    // The round trip: the same three statements, both interests and bodsVersion "0.4" included.
    assert_eq!(exported(dir.path()), parsed(&path));
    assert_eq!(
        json(&openreg(dir.path(), &["ingest", "bods", path.to_str().unwrap(), "--json"]))["statements_stored"],
        0
    );
}

/// 10 · Circular ownership: a UBO query from either entity "MUST terminate, return either an
/// explicit no-natural-person result OR flag the cycle, never return one of the cycle entities as
/// its own UBO"; totals must not reach 200%; neither side of the cycle may be dropped.
#[test]
fn edge_case_10_circular_ownership() {
    let Some(path) =
        shared("bods/samples/bods-v04-fixtures-pypi/bods_fixtures/data/edge-cases/10-circular-ownership.json")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&openreg(dir.path(), &["ingest", "bods", path.to_str().unwrap()])), 0);
    for (name, other) in [("Alpha Corp Ltd", "Beta Corp Ltd"), ("Beta Corp Ltd", "Alpha Corp Ltd")] {
        let (subject, other) = (record(&path, name), record(&path, other));
        let report = json(&openreg(dir.path(), &["owners", &subject, "--json"]));
        assert!(report["ultimate_owners"].as_array().unwrap().is_empty(), "no natural person: {report}");
        assert_eq!(report["cycles"], serde_json::json!([[subject, other, subject]]));
        assert!(report["top_entities"].as_array().unwrap().iter().all(|e| e["record_id"] != subject.as_str()));

        let holdings = json(&openreg(dir.path(), &["owned-by", &subject, "--json"]));
        let held = holdings["holdings"].as_array().unwrap();
        assert_eq!(held.len(), 1, "{holdings}");
        assert_eq!((held[0]["record_id"].as_str(), share(&held[0])), (Some(other.as_str()), (100.0, 100.0)));
        assert_eq!(holdings["cycles"].as_array().unwrap().len(), 1);
    }
    insta::assert_snapshot!(
        "owners-edge-10",
        stdout(&openreg(dir.path(), &["owners", &record(&path, "Alpha Corp Ltd")]))
    );
    assert_eq!(exported(dir.path()), parsed(&path), "both edges kept");
}

/// 11 · Declared-unknown beneficial owner: a UBO query "MUST distinguish between no UBO records
/// exist (data gap — query returns nothing) and declared unknown UBO (a structured
/// acknowledgement that an unknown was declared, with the reason code)"; the reason is kept
/// verbatim, the description too, and no placeholder person is made up.
#[test]
fn edge_case_11_declared_unknown_owner() {
    let Some(path) =
        shared("bods/samples/bods-v04-fixtures-pypi/bods_fixtures/data/edge-cases/11-anonymous-person.json")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&openreg(dir.path(), &["ingest", "bods", path.to_str().unwrap()])), 0);
    let statements = parsed(&path);
    let declared = &statements[1]["recordDetails"]["interestedParty"];

    let report = json(&openreg(dir.path(), &["owners", "PA-PUB-PA-1000011", "--json"]));
    assert_eq!(report["subject"], "rec-opaque-holdings-sa");
    assert!(report["ultimate_owners"].as_array().unwrap().is_empty(), "no placeholder person: {report}");
    let undisclosed = report["undisclosed"].as_array().unwrap();
    assert_eq!(undisclosed.len(), 1);
    assert_eq!(undisclosed[0]["reason"], declared["reason"]);
    assert_eq!(undisclosed[0]["description"], declared["description"]);
    assert_eq!(undisclosed[0]["relationships"], serde_json::json!(["rec-rel-opaque-no-ubo"]));
    insta::assert_snapshot!("owners-edge-11", stdout(&openreg(dir.path(), &["owners", "rec-opaque-holdings-sa"])));
    assert_eq!(exported(dir.path()), statements, "the inline interestedParty kept as published");

    // A data gap, by contrast: an entity nobody declared owners for gives nothing at all.
    let gap = dir.path().join("gap.json");
    std::fs::write(&gap, r#"[{"statementId":"openreg-demo-04-stmt-entity-no-declaration","recordId":"rec-gap","recordType":"entity","recordDetails":{"entityType":{"type":"registeredEntity"},"name":"Gap Ltd"}}]"#).unwrap();
    assert_eq!(code(&openreg(dir.path(), &["ingest", "bods", gap.to_str().unwrap()])), 0);
    let report = json(&openreg(dir.path(), &["owners", "rec-gap", "--json"]));
    assert!(report["ultimate_owners"].as_array().unwrap().is_empty());
    assert!(report["undisclosed"].as_array().unwrap().is_empty());
    assert!(report["top_entities"].as_array().unwrap().is_empty());
}
