//! Red flags through the binary on the demo world: procurement flags from the contracts,
//! ownership and political-finance flags through owners, donations and links, each with its
//! evidence and certainty; the stronger flag once a buyer-control file is loaded.

use std::path::Path;

use serde_json::Value;

use crate::{code, json, openreg, stdout};

fn world(dir: &Path) {
    for args in [
        vec!["ingest", "ocds", "fixtures/ocds/ge-releases.jsonl"],
        vec!["ingest", "bods", "fixtures/bods/ge-demo-owners.jsonl"],
    ] {
        assert_eq!(code(&openreg(dir, &args)), 0);
    }
    let out = openreg(dir, &["ingest", "donations", "--profile", "ge-sao", "fixtures/donations/ge-sao-donations.csv"]);
    assert_eq!(code(&out), 2);
    assert_eq!(code(&openreg(dir, &["link"])), 0);
}

fn flags(dir: &Path, args: &[&str]) -> Vec<Value> {
    let out = openreg(dir, &[&["flags", "--json"][..], args].concat());
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn donor_owned_supplier_is_flagged_with_its_evidence_and_certainty() {
    let dir = tempfile::tempdir().unwrap();
    world(dir.path());
    let all = flags(dir.path(), &[]);
    for flag in &all {
        for field in ["id", "code", "entities", "certainty", "evidence"] {
            assert!(flag.get(field).is_some(), "{field} missing: {flag}");
        }
    }
    // The single bid (R018) in SPA250004519: from the contracts alone, confirmed.
    let single: Vec<&Value> = all.iter().filter(|f| f["code"] == "R018").collect();
    assert!(
        single.iter().any(|f| f["ocid"] == "ocds-g3x7fx-GE-SPA250004519" && f["certainty"] == "confirmed"),
        "{all:#?}"
    );

    // Giorgi Beridze owns 60% of the supplier and gave to the party: confirmed by his personal
    // number; Tamar Chavchavadze (40%) is found among donors by name only: probable, and said so.
    let donors: Vec<&Value> = all.iter().filter(|f| f["code"] == "OR-DONOR").collect();
    let by_owner = |name: &str| -> Vec<&&Value> {
        donors.iter().filter(|f| f["entities"].as_array().unwrap().iter().any(|e| e["name"] == name)).collect()
    };
    let beridze = by_owner("გიორგი ბერიძე");
    assert!(!beridze.is_empty(), "{donors:#?}");
    assert!(beridze.iter().all(|f| f["certainty"] == "confirmed"));
    let tamar = by_owner("Tamar Chavchavadze");
    assert!(!tamar.is_empty(), "{donors:#?}");
    assert!(tamar.iter().all(|f| f["certainty"] == "probable"), "a name link is never counted as confirmed");
    let evidence = tamar[0]["evidence"].as_array().unwrap();
    for kind in ["release", "award", "relationship", "link", "donation"] {
        assert!(evidence.iter().any(|e| e["kind"] == kind), "no {kind} in the evidence: {evidence:#?}");
    }
    // The donation outside the window (a year before the award is the limit) is not there, and the
    // company registered on 2024-11-20 won within a year: OR-NEWCO.
    assert!(all.iter().any(|f| f["code"] == "OR-NEWCO" && f["ocid"] == "ocds-g3x7fx-GE-SPA250001234"));

    // The sole trader who won SPA250002871 is herself a donor (by her personal number).
    let nino: Vec<&&Value> = by_owner("ი/მ ნინო წერეთელი");
    assert!(
        nino.iter().any(|f| f["ocid"] == "ocds-g3x7fx-GE-SPA250002871" && f["certainty"] == "confirmed"),
        "{donors:#?}"
    );
    // … and never through her namesake with another personal number.
    assert!(!all.iter().any(|f| f.to_string().contains("01019077777")));

    // Filters.
    assert!(flags(dir.path(), &["--code", "R018"]).iter().all(|f| f["code"] == "R018"));
    let of_process = flags(dir.path(), &["--ocid", "ocds-g3x7fx-GE-SPA250001234"]);
    assert!(!of_process.is_empty() && of_process.iter().all(|f| f["ocid"] == "ocds-g3x7fx-GE-SPA250001234"));
    let of_company = flags(dir.path(), &["--entity", "GE-NAPR-205813946"]);
    assert!(!of_company.is_empty(), "found by the supplier's identifier");

    // The explanation a journalist reads.
    let id = tamar[0]["id"].as_str().unwrap();
    let text = stdout(&openreg(dir.path(), &["explain", id]));
    assert!(text.contains("Certainty: probable"), "{text}");
    assert!(text.contains("Check: donation"), "{text}");
    // For scripts: the flag itself, with the same text.
    let flag = json(&openreg(dir.path(), &["explain", id, "--json"]));
    assert_eq!(flag["id"], id);
    assert_eq!(flag["explanation"], text.as_str());
    assert!(!flag["evidence"].as_array().unwrap().is_empty(), "{flag}");
    assert_eq!(code(&openreg(dir.path(), &["explain", "R999-nothing"])), 1);
}

#[test]
fn a_buyer_controlled_by_the_funded_party_gives_the_stronger_flag() {
    let dir = tempfile::tempdir().unwrap();
    world(dir.path());
    let before = flags(dir.path(), &["--code", "OR-DONOR-CONTROL"]);
    assert!(before.is_empty());
    let out = openreg(dir.path(), &["ingest", "control", "fixtures/flags/ge-control.csv", "--json"]);
    assert_eq!(code(&out), 2, "two bad rows: {}", stdout(&out));
    let summary = json(&out);
    assert_eq!((summary["periods_stored"].as_u64(), summary["quarantined"].as_u64()), (Some(3), Some(2)));
    let quarantine = stdout(&openreg(dir.path(), &["quarantine", "list"]));
    assert!(quarantine.contains("ge-control.csv:5 ") && quarantine.contains("no buyer identifier"), "{quarantine}");
    assert!(quarantine.contains("ge-control.csv:6 ") && quarantine.contains("is before `from`"), "{quarantine}");

    // Flags follow the new data without being asked to.
    let strong = flags(dir.path(), &["--code", "OR-DONOR-CONTROL"]);
    assert!(!strong.is_empty());
    for flag in &strong {
        assert_eq!(flag["severity"], "high");
        assert!(flag["evidence"].as_array().unwrap().iter().any(|e| e["kind"] == "control"), "{flag}");
    }
    let report = stdout(&openreg(dir.path(), &["flags", "--by-commitment"]));
    assert!(report.contains("GE0025 (GE, political finance)"), "{report}");
    let reports: Vec<Value> = stdout(&openreg(dir.path(), &["flags", "--by-commitment", "--json"]))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ge = reports.iter().find(|r| r["commitment"]["id"] == "GE0025").unwrap();
    assert!(ge["flags"].as_u64().unwrap() >= strong.len() as u64);
    assert!(ge["amounts"]["GEL"].as_f64().unwrap() > 0.0, "{ge}");

    // export flags: one object per line, the same flags.
    let exported = stdout(&openreg(dir.path(), &["export", "flags"]));
    assert_eq!(exported.lines().count(), flags(dir.path(), &[]).len());
}

#[test]
fn bidders_sharing_owners_hidden_owners_secrecy_and_circles() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(code(&openreg(dir.path(), &["ingest", "ocds", "fixtures/flags/gb-bidders.jsonl"])), 0);
    assert_eq!(code(&openreg(dir.path(), &["ingest", "bods", "fixtures/flags/gb-bidders-owners.jsonl"])), 0);
    assert_eq!(code(&openreg(dir.path(), &["link"])), 0);
    // Without a secrecy list, no secrecy flag.
    assert!(flags(dir.path(), &[]).iter().all(|f| f["code"] != "OR-SECRECY"));
    let all = flags(dir.path(), &["--settings", "fixtures/flags/secrecy.toml"]);
    let codes: Vec<&str> = all.iter().map(|f| f["code"].as_str().unwrap()).collect();
    for code in ["OR-CIRCULAR", "OR-SECRECY", "OR-UNDISCLOSED", "R032", "R033"] {
        assert!(codes.contains(&code), "{code} missing: {codes:?}");
    }
    // Alan Marsh owns all three bidders: through a BVI holding (Northgate 70%, Westmoor 50%) and
    // directly (Eastfield 40%): three pairs.
    assert_eq!(codes.iter().filter(|c| **c == "R032").count(), 3);
    let r033: Vec<&Value> = all.iter().filter(|f| f["code"] == "R033").collect();
    assert_eq!(r033.len(), 1, "only Harbour Crest holds 25% or more of two bidders directly");
    assert_eq!(r033[0]["figures"]["owner"], "Harbour Crest Holdings Ltd");
    assert_eq!(r033[0]["thresholds"]["major_share"], 25.0);
    let secrecy = all.iter().find(|f| f["code"] == "OR-SECRECY").unwrap();
    assert_eq!(secrecy["figures"]["entities"][0]["jurisdiction"], "VG");
    let undisclosed = all.iter().find(|f| f["code"] == "OR-UNDISCLOSED").unwrap();
    assert_eq!(undisclosed["figures"]["undisclosed_share_max"], 20.0);
    let text = stdout(&openreg(dir.path(), &["explain", secrecy["id"].as_str().unwrap()]));
    insta::assert_snapshot!("explain_secrecy", text);
}

#[test]
fn what_must_not_flag_does_not() {
    // An owner who left before the award: her donations no longer bear on it.
    let dir = tempfile::tempdir().unwrap();
    world(dir.path());
    let tamar = |dir: &Path| -> Vec<Value> {
        flags(dir, &["--code", "OR-DONOR"])
            .into_iter()
            .filter(|f| f["entities"].as_array().unwrap().iter().any(|e| e["name"] == "Tamar Chavchavadze"))
            .collect()
    };
    assert!(!tamar(dir.path()).is_empty());
    assert_eq!(code(&openreg(dir.path(), &["ingest", "bods", "fixtures/flags/ge-owner-left.jsonl"])), 0);
    assert!(tamar(dir.path()).is_empty(), "she left on 2025-03-01, before both awards");

    // A donation outside the window: with 70 days before the award, only Giorgi Beridze's
    // donation of 2025-02-02 (59 days before the award of 2025-04-02) still counts.
    let settings = dir.path().join("window.toml");
    std::fs::write(&settings, "[conflicts]\ndonation_days_before = 70\ndonation_days_after = 0\n").unwrap();
    let windowed = flags(dir.path(), &["--code", "OR-DONOR", "--settings", settings.to_str().unwrap()]);
    assert_eq!(windowed.len(), 1, "{windowed:#?}");
    assert_eq!(windowed[0]["ocid"], "ocds-g3x7fx-GE-SPA250001234");
    assert_eq!(windowed[0]["figures"]["donations"], 1);
    assert_eq!(windowed[0]["figures"]["donation_dates"][0]["date"], "2025-02-02");
    assert_eq!(windowed[0]["thresholds"]["donation_days_before"], 70);

    // A name-only link to one of two namesakes is only `possible`: no flag unless asked for.
    let gb = tempfile::tempdir().unwrap();
    for args in [
        vec!["ingest", "ocds", "fixtures/flags/gb-bidders.jsonl"],
        vec!["ingest", "bods", "fixtures/flags/gb-bidders-owners.jsonl"],
        vec!["ingest", "donations", "--profile", "generic", "--country", "GB", "fixtures/flags/gb-donations.jsonl"],
        vec!["link"],
    ] {
        assert_eq!(code(&openreg(gb.path(), &args)), 0, "{args:?}");
    }
    assert!(flags(gb.path(), &["--code", "OR-DONOR"]).is_empty());
    let weak = gb.path().join("weak.toml");
    std::fs::write(&weak, "[conflicts]\nweakest_link = \"possible\"\n").unwrap();
    let leads = flags(gb.path(), &["--code", "OR-DONOR", "--settings", weak.to_str().unwrap()]);
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0]["certainty"], "possible");
    assert!(leads[0]["evidence"].as_array().unwrap().iter().any(|e| e["kind"] == "link" && e["label"] == "possible"));
}
