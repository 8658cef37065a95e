//! Ocids new to the store compile as their batch commits, from the releases in it; the others go
//! through their dirty marker. Either way the records must be those of compiling everything at the end.

use openreg_store::{Checkpoint, PackageVersion, Store};
use serde_json::json;

fn release(ocid: &str, n: u32, amount: u32) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "ocid": ocid, "id": format!("{ocid}-{n}"), "date": format!("2024-01-0{n}T00:00:00Z"), "tag": ["tender"],
        "initiationType": "tender",
        "tender": {"id": "t", "value": {"amount": amount, "currency": "UAH"}, "items": [{"id": n.to_string()}]}
    }))
    .unwrap()
}

fn add(store: &Store, batch: &mut openreg_store::Batch, json: Vec<u8>, version: PackageVersion) {
    let ocid = serde_json::from_slice::<serde_json::Value>(&json).unwrap()["ocid"].as_str().unwrap().to_string();
    let date = serde_json::from_slice::<serde_json::Value>(&json).unwrap()["date"].as_str().unwrap().to_string();
    store.add_release_json(batch, &ocid, &date, json, None, version, &[]).unwrap();
}

fn compiled(store: &Store) -> Vec<(String, String, Vec<u8>)> {
    store.compiled().collect::<Result<_, _>>().unwrap()
}

/// The same releases, in the same order, cut into batches in different ways (and with the package
/// version known or not), give the same records.
#[test]
fn records_do_not_depend_on_how_releases_are_batched() {
    let releases: Vec<Vec<u8>> =
        (1..=4).flat_map(|n| ["ocds-a-1", "ocds-a-2", "ocds-a-3"].map(|ocid| release(ocid, n, n * 10))).collect();
    let mut outcomes = Vec::new();
    for (cut, version) in [
        (usize::MAX, PackageVersion::Ocds1_1),
        (1, PackageVersion::Ocds1_1),
        (5, PackageVersion::Ocds1_1),
        (5, PackageVersion::Unknown),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let checkpoint = Checkpoint::default();
        let mut batch = store.batch();
        let mut in_batch = 0;
        let mut compiled_in_batch = 0;
        for json in &releases {
            add(&store, &mut batch, json.clone(), version);
            in_batch += 1;
            if in_batch == cut {
                // Hand the batch over as the pipeline does: the next one is filled before it is applied.
                let next = store.batch_after(&mut batch);
                let full = std::mem::replace(&mut batch, next);
                compiled_in_batch += store.commit_compiling(full, &checkpoint, None).unwrap().records_compiled;
                in_batch = 0;
            }
        }
        compiled_in_batch += store.commit_compiling(batch, &checkpoint, None).unwrap().records_compiled;
        if version == PackageVersion::Unknown {
            assert_eq!(compiled_in_batch, 0, "rules not known: nothing compiles before the end");
            assert_eq!(store.dirty_count(), 3);
        } else if cut == usize::MAX {
            assert_eq!(compiled_in_batch, 3);
            assert_eq!(store.dirty_count(), 0, "every ocid compiled with its batch: no markers");
        }
        store.compile_pending(None, &mut |_| {}).unwrap();
        assert_eq!(store.dirty_count(), 0);
        outcomes.push(compiled(&store));
    }
    assert_eq!(outcomes[0].len(), 3);
    for other in &outcomes[1..] {
        assert_eq!(other, &outcomes[0]);
    }
}

/// A release repeated in a batch made while the batches before it are not applied yet is still a
/// duplicate, and a new release of an ocid they hold waits for its marker.
#[test]
fn duplicates_in_the_batches_being_applied_are_found() {
    assert_eq!(openreg_store::IN_FLIGHT, 2, "this test hands over two batches before applying");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut first = store.batch();
    add(&store, &mut first, release("ocds-b-1", 1, 10), PackageVersion::Ocds1_1);
    let mut second = store.batch_after(&mut first);
    add(&store, &mut second, release("ocds-b-2", 1, 10), PackageVersion::Ocds1_1);
    let mut third = store.batch_after(&mut second);
    add(&store, &mut third, release("ocds-b-1", 1, 10), PackageVersion::Ocds1_1);
    add(&store, &mut third, release("ocds-b-2", 1, 10), PackageVersion::Ocds1_1);
    add(&store, &mut third, release("ocds-b-1", 2, 20), PackageVersion::Ocds1_1);
    assert_eq!((third.releases_new, third.releases_duplicate), (1, 2));
    for batch in [first, second, third] {
        store.commit_compiling(batch, &Checkpoint::default(), None).unwrap();
    }
    // The new release came to an ocid with stored releases: it waits for its marker.
    assert_eq!(store.dirty_count(), 1);
    store.compile_pending(None, &mut |_| {}).unwrap();
    let records = compiled(&store);
    let record: serde_json::Value = serde_json::from_slice(&records[0].2).unwrap();
    assert_eq!(record["tender"]["value"]["amount"], 20);
    assert_eq!(record["tender"]["items"].as_array().unwrap().len(), 2);
}

/// A batch committed without compiling marks its new ocids instead: no record is ever lost.
#[test]
fn a_batch_committed_without_compiling_marks_its_ocids() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut batch = store.batch();
    add(&store, &mut batch, release("ocds-d-1", 1, 10), PackageVersion::Ocds1_1);
    store.commit(batch, &Checkpoint::default()).unwrap();
    assert_eq!(store.dirty_count(), 1);
    assert_eq!(store.compile_pending(None, &mut |_| {}).unwrap().records_compiled, 1);
}

/// Releases of an OCDS 1.0 package compile with the 1.0 rules when the package says so up front,
/// as they do from the store once the package's metadata is there.
#[test]
fn a_known_1_0_package_compiles_with_the_1_0_rules() {
    let tenderers = |ocid: &str, n: u32, who: &str| {
        serde_json::to_vec(&json!({"ocid": ocid, "id": n.to_string(), "date": format!("2024-01-0{n}T00:00:00Z"),
            "tag": ["tender"], "initiationType": "tender", "tender": {"id": "t", "tenderers": [{"id": who}]}}))
        .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let package = [7u8; 8];
    let mut batch = store.batch();
    for (ocid, version) in [("ocds-c-known", PackageVersion::Ocds1_0), ("ocds-c-later", PackageVersion::Unknown)] {
        for (n, who) in [(1, "a"), (2, "b")] {
            let json = tenderers(ocid, n, who);
            let date = format!("2024-01-0{n}T00:00:00Z");
            store.add_release_json(&mut batch, ocid, &date, json, Some(package), version, &[]).unwrap();
        }
    }
    // A package without `version`: OCDS 1.0, where `tender.tenderers` is replaced whole.
    store.add_package(&mut batch, package, "test", "release-package", &serde_json::Map::new()).unwrap();
    assert_eq!(store.commit_compiling(batch, &Checkpoint::default(), None).unwrap().records_compiled, 1);
    store.compile_pending(None, &mut |_| {}).unwrap();
    let records = compiled(&store);
    let tenderers: Vec<serde_json::Value> = records
        .iter()
        .map(|(_, _, json)| serde_json::from_slice::<serde_json::Value>(json).unwrap()["tender"]["tenderers"].clone())
        .collect();
    assert_eq!(tenderers, [json!([{"id": "b"}]), json!([{"id": "b"}])]);
}
