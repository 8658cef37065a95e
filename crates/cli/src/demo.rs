//! `openreg demo`: the demo world, loaded into a fresh registry. The fixtures are built into the
//! binary so the command works from any folder.

use std::path::PathBuf;

use anyhow::Result;
use openreg_ingest::{IngestOptions, Input};
use openreg_store::Store;

const FIXTURES: &[(&str, &str)] = &[
    ("ua-release-package.json", include_str!("../../../fixtures/ocds/ua-release-package.json")),
    ("ua-record-package.json", include_str!("../../../fixtures/ocds/ua-record-package.json")),
    ("ge-releases.jsonl", include_str!("../../../fixtures/ocds/ge-releases.jsonl")),
];

pub fn run(keep: Option<PathBuf>, json: bool) -> Result<u8> {
    let temp = tempfile::tempdir()?;
    let dir = keep.unwrap_or_else(|| temp.path().join("registry"));
    let fixtures = temp.path().join("fixtures");
    std::fs::create_dir_all(&fixtures)?;
    let mut inputs = Vec::new();
    for (name, text) in FIXTURES {
        let path = fixtures.join(name);
        std::fs::write(&path, text)?;
        inputs.push(Input::File(path));
    }
    let store = crate::open_store(&dir)?;
    let summary = crate::ingest::run_with_progress(&store, &inputs, &IngestOptions::default())?;
    let stats = store.stats()?;
    if json {
        println!("{}", serde_json::json!({"data_dir": dir, "ingest": summary, "stats": stats}));
        return Ok(0);
    }
    println!("openreg demo: {} releases from the demo world loaded into {}", summary.releases_stored, dir.display());
    println!();
    drop(store);
    let store = Store::open(&dir)?;
    crate::output::stats(&store, false)?;
    println!();
    println!("Contracting processes in the demo:");
    for ocid in store.ocids() {
        let ocid = ocid?;
        let title = store
            .record(&ocid)?
            .and_then(|r| r.compiled_release)
            .and_then(|c| c.pointer("/tender/title").and_then(|t| t.as_str()).map(str::to_string))
            .unwrap_or_default();
        println!("  {ocid}  {title}");
    }
    println!();
    println!("Try: openreg --data-dir DIR record OCID   (use `openreg demo --keep DIR` to keep the registry)");
    Ok(0)
}
