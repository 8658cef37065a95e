//! Party donations through the binary: each profile's files in, donations out, bad rows quarantined
//! with their line and reason.

use crate::{code, json, openreg, shared, stdout};

fn fixture(name: &str) -> String {
    crate::repo().join("fixtures/donations").join(name).display().to_string()
}

#[test]
fn georgian_audit_office_export_reads_with_its_georgian_headers() {
    let dir = tempfile::tempdir().unwrap();
    let out = openreg(
        dir.path(),
        &["ingest", "donations", "--profile", "ge-sao", &fixture("ge-sao-donations.csv"), "--json"],
    );
    assert_eq!(code(&out), 2, "some rows are bad: {}", stdout(&out));
    let summary = json(&out);
    assert_eq!((summary["rows_read"].as_u64(), summary["donations_stored"].as_u64()), (Some(10), Some(7)));
    assert_eq!(summary["quarantined"], 3);
    assert_eq!(summary["warnings"]["donor id fits no known format: kept as written, not used to link"], 1);

    let all: Vec<serde_json::Value> = stdout(&openreg(dir.path(), &["donations", "--json"]))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let beridze: Vec<_> = all.iter().filter(|d| d["donor"]["name"] == "გიორგი ბერიძე").collect();
    assert_eq!(beridze.len(), 2);
    let first = beridze.iter().find(|d| d["date"] == "2025-01-14").expect("the January donation");
    assert_eq!(first["amount"], "30000");
    assert_eq!(first["currency"], "GEL");
    assert_eq!(first["donor"]["kind"], "person");
    assert_eq!(first["donor"]["identifier"]["scheme"], "GEO-TAXID");
    assert_eq!(first["party"]["name"], "მთისძირის განვითარების პარტია");
    assert_eq!(first["raw"]["თანხა"], "30,000", "the raw row is kept as written");
    let company = all.iter().find(|d| d["donor"]["name"] == "ჯეო-ასფალტი პლიუსი").unwrap();
    assert_eq!(
        (company["donor"]["kind"].as_str(), company["donor"]["identifier"]["id"].as_str()),
        (Some("company"), Some("405127384"))
    );
    let fee = all.iter().find(|d| d["type"] == "membership_fee").unwrap();
    assert_eq!(fee["donor"]["name"], "ნინო წერეთელი");
    assert_eq!(all.iter().filter(|d| d["type"] == "in_kind").count(), 1);
    // A 10-digit Georgian number is neither a personal number nor a company code.
    let odd = all.iter().find(|d| d["donor"]["name"] == "თამარ ჭავჭავაძე").unwrap();
    assert!(odd["donor"].get("identifier").is_none());
    assert_eq!(odd["donor"]["identifier_as_written"], "0102405831");

    // Found by the donor's identifier, written any way.
    let by_id = stdout(&openreg(dir.path(), &["donations", "--donor", "GEO-TAXID 01008054321"]));
    assert!(by_id.ends_with("2 donations; total 45000.00 GEL\n"), "{by_id}");

    let quarantine = stdout(&openreg(dir.path(), &["quarantine", "list"]));
    let lines: Vec<&str> = quarantine.lines().collect();
    assert_eq!(lines.len(), 3, "{quarantine}");
    assert!(
        lines[0].contains("ge-sao-donations.csv:9 ") && lines[0].contains("\"31/02/2025\" is not a date"),
        "{quarantine}"
    );
    assert!(lines[1].contains(":10 ") && lines[1].contains("\"ათასი\" is not a number"), "{quarantine}");
    assert!(lines[2].contains(":11 ") && lines[2].contains("no donor name"), "{quarantine}");

    // Idempotent: the same file again stores nothing new.
    let again = json(&openreg(
        dir.path(),
        &["ingest", "donations", "--profile", "ge-sao", &fixture("ge-sao-donations.csv"), "--json"],
    ));
    assert_eq!((again["donations_stored"].as_u64(), again["donations_duplicate"].as_u64()), (Some(0), Some(7)));
}

#[test]
fn legacy_electoral_commission_export_in_windows_1252() {
    let dir = tempfile::tempdir().unwrap();
    let out = openreg(
        dir.path(),
        &["ingest", "donations", "--profile", "uk-ec", &fixture("uk-ec-legacy-cp1252.csv"), "--json"],
    );
    assert_eq!(code(&out), 2);
    assert_eq!(json(&out)["donations_stored"], 3);
    let listed = stdout(&openreg(dir.path(), &["donations"]));
    insta::assert_snapshot!("donations_uk_legacy", listed);
    let company = stdout(&openreg(dir.path(), &["donations", "--donor", "GB-COH-00507062", "--json"]));
    let company: serde_json::Value = serde_json::from_str(company.trim()).unwrap();
    assert_eq!(company["source_row_id"], "C0100001");
    assert_eq!(company["id"], "uk-ec:C0100001");
    assert_eq!(company["donor"]["identifier_as_written"], "507062");
    let quarantine = stdout(&openreg(dir.path(), &["quarantine", "list"]));
    assert!(quarantine.contains("uk-ec-legacy-cp1252.csv:5 ") && quarantine.contains("31/13/2014"), "{quarantine}");
}

#[test]
fn any_layout_through_a_mapping_and_json_lines_in_the_canonical_layout() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["ingest", "donations", "--profile", "generic", "--mapping", &fixture("mapping-example.toml")];
    let out = openreg(dir.path(), &[&args[..], &[&fixture("ua-donations.csv"), "--json"]].concat());
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(json(&out)["donations_stored"], 3);
    let out =
        openreg(dir.path(), &["ingest", "donations", "--profile", "generic", &fixture("generic.jsonl"), "--json"]);
    assert_eq!(code(&out), 2);
    assert_eq!((json(&out)["donations_stored"].as_u64(), json(&out)["quarantined"].as_u64()), (Some(2), Some(1)));
    // "25 000,00" from the CSV and 1500 from the JSON: one donor, found by the tax number that the
    // CSV gives bare (10 digits in Ukraine: a person's tax number).
    let kravchuk = stdout(&openreg(dir.path(), &["donations", "--donor", "UKR-TAXID-3124509876", "--json"]));
    let amounts: Vec<String> = kravchuk
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["amount"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(amounts.len(), 2, "{kravchuk}");
    assert!(amounts.contains(&"25000.00".to_string()) && amounts.contains(&"1500".to_string()), "{amounts:?}");
    // The same company code as a supplier in the OCDS demo data.
    let company = stdout(&openreg(dir.path(), &["donations", "--donor", "UA-EDR-41126083"]));
    assert!(company.contains("ТОВ «Шляхбуд-Інвест»") && company.contains("100000.00 UAH"), "{company}");

    // A mapping that names a column the file lacks stops that file with a clear reason.
    let out = openreg(dir.path(), &[&args[..], &[&fixture("ge-sao-donations.csv")]].concat());
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("columns not found: donor_name"), "{}", stdout(&out));
}

#[test]
fn unknown_profile_and_misplaced_mapping_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = openreg(dir.path(), &["ingest", "donations", "--profile", "xx", &fixture("generic.jsonl")]);
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown profile `xx`"));
    let out = openreg(
        dir.path(),
        &[
            "ingest",
            "donations",
            "--profile",
            "uk-ec",
            "--mapping",
            &fixture("mapping-example.toml"),
            &fixture("generic.jsonl"),
        ],
    );
    assert_eq!(code(&out), 1);
}

#[test]
fn real_electoral_commission_and_fec_files() {
    let (Some(uk), Some(fec)) = (shared("donations/donations.csv"), shared("donations/itcont.txt")) else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = openreg(dir.path(), &["ingest", "donations", "--profile", "uk-ec", uk.to_str().unwrap(), "--json"]);
    assert_eq!(code(&out), 0);
    let uk_row: serde_json::Value =
        serde_json::from_str(stdout(&openreg(dir.path(), &["donations", "--json"])).trim()).unwrap();
    assert_eq!(uk_row["donor"]["name"], "David E Jay");
    assert_eq!((uk_row["amount"].as_str(), uk_row["currency"].as_str()), (Some("833"), Some("GBP")));
    assert_eq!(uk_row["party"]["name"], "Conservative and Unionist Party");
    // "NA" is no company number.
    assert!(uk_row["donor"].get("identifier_as_written").is_none());

    let out = openreg(dir.path(), &["ingest", "donations", "--profile", "us-fec", fec.to_str().unwrap(), "--json"]);
    assert_eq!(code(&out), 2, "one row has no donor name");
    let summary = json(&out);
    assert_eq!((summary["rows_read"].as_u64(), summary["donations_stored"].as_u64()), (Some(699), Some(698)));
    let quarantine = stdout(&openreg(dir.path(), &["quarantine", "list"]));
    assert!(quarantine.contains("itcont.txt:638 ") && quarantine.contains("no donor name"), "{quarantine}");
    let rows: Vec<serde_json::Value> = stdout(&openreg(dir.path(), &["donations", "--json"]))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let keeler = rows.iter().find(|d| d["source_row_id"] == "2101720171458474471").unwrap();
    assert_eq!((keeler["date"].as_str(), keeler["amount"].as_str()), (Some("2017-09-02"), Some("250")));
    assert_eq!(keeler["party"]["id"], "C00570994");
    assert_eq!(keeler["donor"]["kind"], "person");
    assert_eq!(keeler["raw"]["EMPLOYER"], "MAYER BROWN, LLP");
    // Negative amounts are refunds, and so is transaction type 22Y; MEMO_CD X entries are memos.
    let negative: Vec<_> = rows.iter().filter(|d| d["amount"].as_str().unwrap().starts_with('-')).collect();
    assert_eq!(negative.len(), 28);
    assert!(negative.iter().all(|d| d["type"] == "refund"));
    let refunds_22y = rows.iter().filter(|d| d["raw"]["TRANSACTION_TP"] == "22Y").collect::<Vec<_>>();
    assert_eq!(refunds_22y.len(), 28);
    assert!(refunds_22y.iter().all(|d| d["type"] == "refund"));
    assert_eq!(rows.iter().filter(|d| d["memo"] == true).count(), 70);
}
