//! README's first command: `openreg demo` loads the whole demo world (contracts, owners, donations,
//! links, flags, search) into a fresh registry; `openreg stats` then tells what is in it.

use super::*;

#[test]
fn the_demo_world_loads_and_stats_describe_all_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("demo");
    let demo = openreg(dir.path(), &["demo", "--keep", kept.to_str().unwrap()]);
    assert_eq!(code(&demo), 0, "{}", String::from_utf8_lossy(&demo.stderr));

    let stats = json(&openreg(&kept, &["stats", "--json"]));
    // Eight contracting processes in Ukraine and Georgia, with their owners and donors.
    assert_eq!(stats["ocids"], 8);
    assert_eq!(stats["records_compiled"], 8);
    assert_eq!(stats["statements"], 14);
    assert_eq!(stats["relationship_statements"], 8);
    assert_eq!(stats["donations"], 10);
    assert_eq!(stats["mentions"], 42);
    assert_eq!(stats["mentions_pending"], 0);
    assert!(stats["identifier_groups"].as_u64().unwrap() > 0);
    assert!(stats["flags"].as_u64().unwrap() > 0);
    // The demo searches, so the index has caught up with everything.
    assert_eq!(stats["search_waiting"], 0);

    // What a person reads, without the lines that change from run to run.
    let text = stdout(&openreg(&kept, &["stats"]));
    let stable: Vec<&str> =
        text.lines().filter(|l| !l.starts_with("on disk") && !l.starts_with("last ingest")).collect();
    insta::assert_snapshot!("demo_stats", stable.join("\n"));
}
