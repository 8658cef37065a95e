//! `kill -9` in the middle of an ingest: the store opens cleanly, holds every acknowledged batch, and
//! running the same command again completes the rest, ending where an uninterrupted run ends.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{code, json, openreg};

/// Writes `n` releases over `n / 4` ocids, about 1.5 KB each, as JSON Lines.
fn write_corpus(path: &Path, n: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let ocids = n / 4;
    for i in 0..n {
        let ocid = i % ocids;
        let step = i / ocids;
        let padding = "x".repeat(1200);
        writeln!(
            out,
            r#"{{"ocid":"ocds-crash-{ocid}","id":"{ocid}-{step}","date":"2024-01-0{}T00:00:00Z","tag":["tender"],"initiationType":"tender","parties":[{{"id":"UA-EDR-{ocid:08}","name":"Постачальник {ocid}","roles":["supplier"]}}],"tender":{{"id":"t{ocid}","status":"active","value":{{"amount":{},"currency":"UAH"}},"description":"{padding}"}}}}"#,
            step + 1,
            1000 + step * 10
        )
        .unwrap();
    }
}

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let meta = entry.metadata().unwrap();
            total += if meta.is_dir() { dir_size(&entry.path()) } else { meta.len() };
        }
    }
    total
}

#[test]
fn kill_9_mid_ingest_then_rerun_completes() {
    let work = tempfile::tempdir().unwrap();
    let corpus = work.path().join("corpus.jsonl");
    let releases = 40_000;
    write_corpus(&corpus, releases);
    let corpus = corpus.to_str().unwrap();

    // The reference: one uninterrupted run.
    let clean = work.path().join("clean");
    assert_eq!(code(&openreg(&clean, &["ingest", "ocds", corpus, "--batch-mb", "1"])), 0);
    let expected = openreg(&clean, &["export", "compiled"]).stdout;

    let crashed = work.path().join("crashed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_openreg"))
        .args(["--data-dir", crashed.to_str().unwrap(), "ingest", "ocds", corpus, "--batch-mb", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill once a few batches are on disk, well before the end.
    let started = Instant::now();
    while dir_size(&crashed) < 4 << 20 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let stats = json(&openreg(&crashed, &["stats", "--json"]));
    let checkpoint = &stats["last_ingest"];
    assert_eq!(checkpoint["finished"], false, "the kill came after the end; make the corpus bigger");
    let acknowledged = checkpoint["releases_new"].as_u64().unwrap();
    assert!(acknowledged > 0, "no batch was acknowledged before the kill");
    assert!(stats["releases"].as_u64().unwrap() >= acknowledged, "{stats}");
    assert!((stats["releases"].as_u64().unwrap() as usize) < releases);

    // The same command again completes the rest.
    let rerun = openreg(&crashed, &["ingest", "ocds", corpus, "--batch-mb", "1", "--json"]);
    assert_eq!(code(&rerun), 0);
    let summary = json(&rerun);
    assert_eq!(
        summary["releases_stored"].as_u64().unwrap() + summary["releases_duplicate"].as_u64().unwrap(),
        releases as u64
    );
    let stats = json(&openreg(&crashed, &["stats", "--json"]));
    assert_eq!(stats["releases"], releases);
    assert_eq!(stats["awaiting_compile"], 0);
    assert!(
        openreg(&crashed, &["export", "compiled"]).stdout == expected,
        "the compiled records differ from an uninterrupted run"
    );
}

/// Writes `n` BODS 0.4 statements as JSON Lines: entities, persons and the relationships between
/// them, about 600 bytes each, with text that does not compress away (so that batches reach disk).
fn write_bods_corpus(path: &Path, n: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut noise = || {
        (0..400)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from(b"abcdefghijklmnopqrstuvwxyz "[(state % 27) as usize])
            })
            .collect::<String>()
    };
    for i in 0..n / 3 {
        let note = noise();
        writeln!(
            out,
            r#"{{"statementId":"crash-entity-statement-{i:020}","recordId":"e{i}","recordType":"entity","recordDetails":{{"entityType":{{"type":"registeredEntity"}},"name":"Компанія {i}","alternateNames":["{note}"],"identifiers":[{{"scheme":"UA-EDR","id":"{i:08}"}}]}}}}"#
        )
        .unwrap();
        writeln!(
            out,
            r#"{{"statementId":"crash-person-statement-{i:020}","recordId":"p{i}","recordType":"person","recordDetails":{{"personType":"knownPerson","names":[{{"fullName":"Особа {i}"}}]}}}}"#
        )
        .unwrap();
        // Each entity is owned by its person, and half of the rest of it by the entity before it.
        let (party, share) = if i % 2 == 0 || i == 0 { (format!("p{i}"), 100) } else { (format!("e{}", i - 1), 50) };
        writeln!(
            out,
            r#"{{"statementId":"crash-relationship-statement-{i:020}","recordId":"r{i}","recordType":"relationship","recordDetails":{{"subject":"e{i}","interestedParty":"{party}","interests":[{{"type":"shareholding","share":{{"exact":{share}}}}}]}}}}"#
        )
        .unwrap();
    }
}

#[test]
fn kill_9_mid_bods_ingest_then_rerun_completes() {
    let work = tempfile::tempdir().unwrap();
    let corpus = work.path().join("register.jsonl");
    let statements = 60_000;
    write_bods_corpus(&corpus, statements);
    let corpus = corpus.to_str().unwrap();

    let clean = work.path().join("clean");
    assert_eq!(code(&openreg(&clean, &["ingest", "bods", corpus])), 0);
    let expected = openreg(&clean, &["export", "bods"]).stdout;
    let expected_owners = openreg(&clean, &["owners", "e19999", "--json"]).stdout;
    assert!(String::from_utf8_lossy(&expected_owners).contains("p19998"), "e19999 is owned through e19998");

    let crashed = work.path().join("crashed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_openreg"))
        .args(["--data-dir", crashed.to_str().unwrap(), "ingest", "bods", corpus])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill once the first 8 MB batch is committing (its BODS keys reach their log), before the end.
    let log = crashed.join("bods-keys").join("log.0");
    let started = Instant::now();
    while std::fs::metadata(&log).map_or(0, |m| m.len()) == 0 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap();
    child.wait().unwrap();

    let stats = json(&openreg(&crashed, &["stats", "--json"]));
    assert_eq!(
        stats["last_ingest"]["finished"], false,
        "the kill came after the end, or before the first batch: {stats}"
    );
    let acknowledged = stats["last_ingest"]["releases_new"].as_u64().unwrap();
    assert!(acknowledged > 0, "no batch was acknowledged before the kill");
    assert!(stats["statements"].as_u64().unwrap() >= acknowledged, "{stats}");
    assert!((stats["statements"].as_u64().unwrap() as usize) < statements);

    let rerun = json(&openreg(&crashed, &["ingest", "bods", corpus, "--json"]));
    assert_eq!(
        rerun["statements_stored"].as_u64().unwrap() + rerun["statements_duplicate"].as_u64().unwrap(),
        statements as u64
    );
    assert_eq!(json(&openreg(&crashed, &["stats", "--json"]))["statements"], statements);
    assert!(openreg(&crashed, &["export", "bods"]).stdout == expected, "the export differs from an uninterrupted run");
    assert_eq!(openreg(&crashed, &["owners", "e19999", "--json"]).stdout, expected_owners);
}
