//! Linking through the binary: contracts, owners and donors of the demo world joined by
//! identifier and by name, judgements respected, re-runs incremental, and the labelled set
//! measured against the goal.

use std::path::Path;

use serde_json::Value;

use crate::{code, json, openreg, repo, stdout};

fn path(rel: &str) -> String {
    repo().join(rel).display().to_string()
}

/// The Georgian demo world: contracts, the owners of the winning company, and party donations.
fn georgian_world(dir: &Path) {
    for args in [
        vec!["ingest", "ocds", "fixtures/ocds/ge-releases.jsonl"],
        vec!["ingest", "bods", "fixtures/bods/ge-demo-owners.jsonl"],
    ] {
        assert_eq!(code(&openreg(dir, &args)), 0);
    }
    let donations =
        openreg(dir, &["ingest", "donations", "--profile", "ge-sao", "fixtures/donations/ge-sao-donations.csv"]);
    assert_eq!(code(&donations), 2, "the fixture has three bad rows");
}

fn linked_ids(view: &Value) -> Vec<(String, String)> {
    view["linked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["mention"]["id"].as_str().unwrap().to_string(), l["label"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn identifiers_join_for_certain_and_names_only_as_scored_candidates() {
    let dir = tempfile::tempdir().unwrap();
    georgian_world(dir.path());
    let summary = json(&openreg(dir.path(), &["link", "--json"]));
    assert_eq!(summary["mentions"], 20, "{summary}");
    assert_eq!(summary["new_or_changed"], 20);

    // The owner's personal number is the donor's: confirmed, whatever the names say.
    let beridze = json(&openreg(dir.path(), &["links", "GEO-TAXID 01008054321", "--json"]));
    let ids: Vec<&str> = beridze["mentions"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "the owner and two donations: {beridze}");
    assert!(ids.contains(&"bods/ge-person-beridze"));

    // The other owner carries no identifier: the Georgian-script donor is linked by name, across
    // scripts, as probable (birth date unknown on one side, but nothing disagrees and no namesake
    // is known), with the evidence spelled out.
    let tamar = json(&openreg(dir.path(), &["links", "bods/ge-person-chavchavadze", "--json"]));
    let links = tamar["linked"].as_array().unwrap();
    assert_eq!(links.len(), 1, "{tamar}");
    assert_eq!(links[0]["mention"]["name"], "თამარ ჭავჭავაძე");
    assert_eq!(links[0]["label"], "probable");
    let evidence = links[0]["link"]["evidence"].as_array().unwrap();
    assert!(evidence.iter().any(|e| e["field"] == "name" && e["agrees"] == true), "{tamar}");
    assert!(evidence.iter().any(|e| e["field"] == "country" && e["agrees"] == true), "{tamar}");

    // Two Nino Tseretelis with different personal numbers: never linked.
    let nino = json(&openreg(dir.path(), &["links", "GEO-TAXID-01024058317", "--json"]));
    assert!(!stdout(&openreg(dir.path(), &["links", "GEO-TAXID-01024058317"])).contains("01019077777"), "{nino}");
    let names: Vec<&str> = nino["mentions"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ნინო წერეთელი", "ი/მ ნინო წერეთელი"], "the donor and the sole trader who won a tender");

    let text = stdout(&openreg(dir.path(), &["links", "bods/ge-person-chavchavadze"]));
    insta::assert_snapshot!("links_by_name", text);
}

#[test]
fn runs_are_incremental_and_judgements_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    georgian_world(dir.path());
    assert_eq!(code(&openreg(dir.path(), &["link"])), 0);
    let again = json(&openreg(dir.path(), &["link", "--json"]));
    assert_eq!((again["new_or_changed"].as_u64(), again["compared"].as_u64()), (Some(0), Some(0)), "{again}");

    let tamar = json(&openreg(dir.path(), &["links", "bods/ge-person-chavchavadze", "--json"]));
    let donor = tamar["linked"][0]["mention"]["id"].as_str().unwrap().to_string();
    let out =
        openreg(dir.path(), &["link", "reject", "bods/ge-person-chavchavadze", &donor, "--note", "different person"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let after = json(&openreg(dir.path(), &["links", "bods/ge-person-chavchavadze", "--json"]));
    assert!(linked_ids(&after).is_empty(), "{after}");
    // Re-linking everything from scratch still respects it.
    assert_eq!(code(&openreg(dir.path(), &["link", "--all"])), 0);
    let after = json(&openreg(dir.path(), &["links", "bods/ge-person-chavchavadze", "--json"]));
    assert!(linked_ids(&after).is_empty(), "{after}");

    // A confirmation is a confirmed link, with who said so.
    let out = openreg(dir.path(), &["link", "confirm", "bods/ge-person-chavchavadze", &donor, "--json"]);
    assert_eq!(code(&out), 0);
    let judgement = json(&out);
    assert_eq!(judgement["same"], true, "{judgement}");
    assert!([judgement["a"].as_str(), judgement["b"].as_str()].contains(&Some(donor.as_str())), "{judgement}");
    assert_eq!(code(&openreg(dir.path(), &["link", "--all"])), 0);
    let after = json(&openreg(dir.path(), &["links", "bods/ge-person-chavchavadze", "--json"]));
    assert_eq!(linked_ids(&after), [(donor.clone(), "confirmed".to_string())]);
    assert!(after["linked"][0]["via"].as_str().unwrap().contains("confirmed by a person"), "{after}");

    // New data: only the new mentions are compared.
    let out = openreg(dir.path(), &["ingest", "donations", "--profile", "generic", "fixtures/donations/generic.jsonl"]);
    assert_eq!(code(&out), 2);
    let more = json(&openreg(dir.path(), &["link", "--json"]));
    assert_eq!(more["new_or_changed"], 4, "two donors and their two recipient parties: {more}");
    assert_eq!(more["compared"], 4);

    assert_eq!(code(&openreg(dir.path(), &["link", "confirm", "bods/nobody", &donor])), 1);
}

#[test]
fn the_same_data_in_another_order_gives_the_same_links() {
    let one = tempfile::tempdir().unwrap();
    georgian_world(one.path());
    let two = tempfile::tempdir().unwrap();
    assert_eq!(
        code(&openreg(
            two.path(),
            &["ingest", "donations", "--profile", "ge-sao", "fixtures/donations/ge-sao-donations.csv"]
        )),
        2
    );
    assert_eq!(code(&openreg(two.path(), &["link"])), 0);
    assert_eq!(code(&openreg(two.path(), &["ingest", "bods", "fixtures/bods/ge-demo-owners.jsonl"])), 0);
    assert_eq!(code(&openreg(two.path(), &["link"])), 0);
    assert_eq!(code(&openreg(two.path(), &["ingest", "ocds", "fixtures/ocds/ge-releases.jsonl"])), 0);
    assert_eq!(code(&openreg(two.path(), &["link"])), 0);
    assert_eq!(code(&openreg(one.path(), &["link"])), 0);
    for id in ["bods/ge-person-chavchavadze", "bods/ge-person-beridze", "GE-NAPR-205813946", "GEO-TAXID-01024058317"] {
        let a = json(&openreg(one.path(), &["links", id, "--json"]));
        let b = json(&openreg(two.path(), &["links", id, "--json"]));
        assert_eq!(a, b, "{id}");
    }
}

#[test]
fn the_labelled_set_meets_the_goal() {
    let dir = tempfile::tempdir().unwrap();
    let out = openreg(dir.path(), &["link", "evaluate", &path("fixtures/links/labelled.jsonl"), "--json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let e = json(&out);
    assert!(e["precision_probable_or_better"].as_f64().unwrap() >= 0.99, "{e:#}");
    assert!(e["recall_probable_or_better"].as_f64().unwrap() >= 0.9, "{e:#}");
    // Namesakes with different identifiers are never linked at all.
    let false_links = e["false_links"].as_array().unwrap();
    assert!(!false_links
        .iter()
        .any(|f| f.as_str().unwrap().contains("ua-p5a") && f.as_str().unwrap().contains("ua-p5b")));
    let text = stdout(&openreg(dir.path(), &["link", "evaluate", &path("fixtures/links/labelled.jsonl")]));
    assert!(text.contains("probable or better: precision 1.000"), "{text}");
}

#[test]
fn the_generated_set_meets_the_goal() {
    let dir = tempfile::tempdir().unwrap();
    let out = openreg(dir.path(), &["link", "evaluate", &path("fixtures/links/generated.jsonl"), "--json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let e = json(&out);
    assert!(e["mentions"].as_u64().unwrap() > 2000, "{e}");
    assert!(e["precision_probable_or_better"].as_f64().unwrap() >= 0.99, "{e:#}");
    assert!(e["recall_probable_or_better"].as_f64().unwrap() >= 0.9, "{e:#}");
}
