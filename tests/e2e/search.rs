//! `openreg search` through the binary: names across Ukrainian, Russian and Georgian scripts in both
//! directions, typos, identifiers, filters and facets, pages that neither skip nor repeat while data
//! is added, and an index that catches up after the process is killed between a store write and an
//! index commit.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::{code, json, openreg, stdout};

/// The demo world (Ukrainian and Georgian contracts, owners, donations), linked, plus a few
/// donors written in Russian and in Latin letters.
fn world(dir: &Path) {
    for args in [
        vec!["ingest", "ocds", "fixtures/ocds/ua-release-package.json", "fixtures/ocds/ge-releases.jsonl"],
        vec!["ingest", "bods", "fixtures/bods/ua-0.3-statements.json", "fixtures/bods/ge-demo-owners.jsonl"],
        vec![
            "ingest",
            "donations",
            "--profile",
            "generic",
            "--mapping",
            "fixtures/donations/mapping-example.toml",
            "fixtures/donations/ua-donations.csv",
        ],
    ] {
        let out = openreg(dir, &args);
        assert_eq!(code(&out), 0, "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let out = openreg(dir, &["ingest", "donations", "--profile", "ge-sao", "fixtures/donations/ge-sao-donations.csv"]);
    assert_eq!(code(&out), 2, "the fixture has bad rows");
    add_donations(dir, "ru", &[("Евгений Соловьёв", "RU"), ("Giorgi Beridze", "GE")]);
    assert_eq!(code(&openreg(dir, &["link"])), 0);
}

/// Ingests donations by the given donors (a file named after `tag`).
fn add_donations(dir: &Path, tag: &str, donors: &[(&str, &str)]) {
    let file = dir.join(format!("donations-{tag}.jsonl"));
    let mut out = std::fs::File::create(&file).unwrap();
    for (i, (name, country)) in donors.iter().enumerate() {
        let id = if *name == "Giorgi Beridze" { r#","donor_id":"01008054321","donor_scheme":"GEO-TAXID""# } else { "" };
        writeln!(
            out,
            r#"{{"donor_name":"{name}","donor_kind":"person","party":"Party {tag}","amount":"{}","currency":"EUR","date":"2025-05-{:02}","donor_country":"{country}"{id}}}"#,
            100 + i,
            1 + i % 28
        )
        .unwrap();
    }
    drop(out);
    let out = openreg(dir, &["ingest", "donations", "--profile", "generic", file.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
}

fn search(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["search"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = openreg(dir, &all);
    assert_eq!(code(&out), 0, "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    json(&out)
}

fn names(found: &Value) -> Vec<String> {
    found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().or(h["title"].as_str()).unwrap().to_string())
        .collect()
}

fn first(found: &Value) -> &Value {
    &found["hits"][0]
}

#[test]
fn names_cross_scripts_typos_identifiers_and_facets() {
    let dir = tempfile::tempdir().unwrap();
    world(dir.path());

    // Georgian, both ways. The Georgian owner-donor and the donor written in Latin letters carry
    // the same personal number: one person, found from either script.
    for query in ["Beridze", "ბერიძე", "Giorgi Beridze", "\"გიორგი ბერიძე\""] {
        let found = search(dir.path(), &[query, "--type", "person"]);
        assert_eq!(found["total"], 1, "{query}: {found}");
        assert_eq!(first(&found)["type"], "person");
        assert_eq!(first(&found)["id"], "person/bods/ge-person-beridze", "{query}");
    }
    let found = search(dir.path(), &["Beridze", "--type", "person"]);
    assert!(first(&found)["snippet"].as_str().unwrap().contains("<b>"), "{found}");

    // Ukrainian, both ways: Cyrillic from Latin, and the owner recorded with a transliteration.
    let found = search(dir.path(), &["Kravchuk"]);
    assert!(names(&found).iter().any(|n| n.contains("Кравчук")), "{found}");
    let found = search(dir.path(), &["Мельник", "--type", "person"]);
    assert_eq!(first(&found)["name"], "Олена Мельник", "{found}");
    let found = search(dir.path(), &["Olena Melnyk"]);
    assert_eq!(first(&found)["name"], "Олена Мельник", "{found}");
    let found = search(dir.path(), &["Shliakhbud"]);
    assert!(names(&found).iter().any(|n| n.contains("Шляхбуд")), "{found}");

    // Russian, both ways (ё as е, and the passport spelling).
    for query in ["Solovev", "Соловьев", "Evgenii Solovev", "Soloviev"] {
        let found = search(dir.path(), &[query, "--type", "person"]);
        assert_eq!(names(&found), ["Евгений Соловьёв"], "{query}");
    }

    // Typos.
    for query in ["Beridez", "Kravchk", "Shliakhbut"] {
        let found = search(dir.path(), &[query]);
        assert!(found["total"].as_u64().unwrap() > 0, "{query}: {found}");
    }
    assert!(names(&search(dir.path(), &["Beridez", "--type", "person"])).iter().any(|n| n.contains("ბერიძე")));

    // Identifiers: bare, with the scheme, as Prozorro writes it.
    for query in ["41126083", "UA-EDR-41126083", "UA-EDR 41126083"] {
        let found = search(dir.path(), &[query, "--type", "organization"]);
        assert_eq!(found["total"], 1, "{query}: {found}");
        assert!(first(&found)["name"].as_str().unwrap().contains("Шляхбуд"), "{found}");
    }
    let found = search(dir.path(), &["ocds-be6bcu-UA-2025-02-03-000417-a"]);
    assert_eq!(first(&found)["id"], "contract/ocds-be6bcu-UA-2025-02-03-000417-a");
    assert_eq!(first(&found)["title"], "Капітальний ремонт вулиці Садової в м. Ясеньків");

    // Facets count every match, and filters narrow.
    let all = search(dir.path(), &[""]);
    let total = all["total"].as_u64().unwrap();
    let by_type: u64 = all["facets"]["type"].as_array().unwrap().iter().map(|f| f["count"].as_u64().unwrap()).sum();
    assert_eq!(by_type, total, "{all}");
    for kind in ["contract", "organization", "person", "donation"] {
        let count = all["facets"]["type"].as_array().unwrap().iter().find(|f| f["value"] == kind).unwrap()["count"]
            .as_u64()
            .unwrap();
        assert_eq!(search(dir.path(), &["", "--type", kind])["total"].as_u64().unwrap(), count, "{kind}");
    }
    let georgian = search(dir.path(), &["", "--type", "contract", "--filter", "country=GE"]);
    assert!(georgian["total"].as_u64().unwrap() >= 1);
    for hit in georgian["hits"].as_array().unwrap() {
        assert!(hit["id"].as_str().unwrap().starts_with("contract/ocds-g3x7fx-GE"), "{hit}");
    }
    let big = search(dir.path(), &["", "--filter", "value=1000000..", "--filter", "type=contract"]);
    for hit in big["hits"].as_array().unwrap() {
        assert!(hit["value"].as_f64().unwrap() >= 1e6, "{hit}");
    }
    let supplier = search(dir.path(), &["", "--filter", "supplier=UA-EDR-37481295"]);
    assert_eq!(supplier["total"], 1, "{supplier}");
    let supplier = search(dir.path(), &["", "--filter", "supplier=Будівельна компанія Дніпро-Граніт"]);
    assert_eq!(supplier["total"], 1, "a supplier's name in any spelling: {supplier}");

    let bad = openreg(dir.path(), &["search", "x", "--filter", "colour=red"]);
    assert_eq!(code(&bad), 1);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("filters are"));

    insta::assert_snapshot!("search_beridze", stdout(&openreg(dir.path(), &["search", "Beridze"])));
    insta::assert_snapshot!("search_identifier", stdout(&openreg(dir.path(), &["search", "41126083"])));
}

#[test]
fn pages_neither_skip_nor_repeat_while_donations_arrive() {
    let dir = tempfile::tempdir().unwrap();
    let donors: Vec<(String, &str)> = (0..30)
        .map(|i| {
            (
                format!("{} Shevchenko {}", ["Taras", "Тарас", "ტარას"][i % 3], ["", "Hryhorovych", "Петрович"][i % 3]),
                "UA",
            )
        })
        .collect();
    let as_refs: Vec<(&str, &str)> = donors.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    add_donations(dir.path(), "first", &as_refs);
    let before: BTreeSet<String> = search(dir.path(), &["Shevchenko", "--type", "donation", "--limit", "100"])["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(before.len(), 30);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0.. {
        let mut args = vec!["Shevchenko", "--type", "donation", "--limit", "4"];
        if let Some(c) = &cursor {
            args.extend(["--cursor", c.as_str()]);
        }
        let found = search(dir.path(), &args);
        seen.extend(found["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()));
        // Between pages, more donations by namesakes arrive (and are indexed by the ingest).
        let more: Vec<(String, &str)> = (0..5).map(|i| (format!("Shevchenko Nova {page} {i}"), "UA")).collect();
        let refs: Vec<(&str, &str)> = more.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        add_donations(dir.path(), &format!("page{page}"), &refs);
        match found["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a hit was shown twice: {seen:?}");
    let missing: Vec<&String> = before.difference(&unique).collect();
    assert!(missing.is_empty(), "hits skipped: {missing:?}");
}

#[test]
fn killed_between_store_write_and_index_commit_the_next_start_catches_up() {
    let dir = tempfile::tempdir().unwrap();
    // The ingest writes the store, then stops just before committing the index (a failpoint), and
    // is killed there.
    let mut child = Command::new(env!("CARGO_BIN_EXE_openreg"))
        .current_dir(crate::repo())
        .args(["--data-dir", dir.path().to_str().unwrap(), "ingest", "ocds", "fixtures/ocds/ua-release-package.json"])
        .env("OPENREG_FAILPOINT", "index-commit")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.contains("failpoint index-commit") {
        line.clear();
    }
    assert!(line.contains("failpoint index-commit"), "the ingest never reached its index commit");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    // The store holds the contracts; the index does not yet. The next start catches up.
    let stats = json(&openreg(dir.path(), &["stats", "--json"]));
    let ocids = stats["records_compiled"].as_u64().unwrap();
    assert!(ocids > 0, "{stats}");
    let found = search(dir.path(), &["", "--type", "contract"]);
    assert!(found["index"]["caught_up"].as_u64().unwrap() > 0, "nothing was left to catch up: {found}");
    assert_eq!(found["total"].as_u64().unwrap(), ocids, "{found}");
    let again = search(dir.path(), &["", "--type", "contract"]);
    assert_eq!(again["index"]["caught_up"], 0, "{again}");

    // --no-index leaves the work queued; the next search does it.
    let out = openreg(dir.path(), &["ingest", "ocds", "--no-index", "fixtures/ocds/ge-releases.jsonl"]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("left to index"), "{}", stdout(&out));
    let found = search(dir.path(), &["Mtisdziri"]);
    assert!(found["index"]["caught_up"].as_u64().unwrap() > 0);
    assert!(found["total"].as_u64().unwrap() > 0, "{found}");

    // A rebuild gives the same answers.
    let out = openreg(dir.path(), &["reindex", "--json"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(search(dir.path(), &["Mtisdziri"])["total"], found["total"]);
}
