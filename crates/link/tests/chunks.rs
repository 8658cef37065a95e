//! Comparing writes its links a chunk of mentions at a time; the links found, the summary and the
//! evaluation must not depend on the chunk's size, on a first run or on a re-run after changes.

use std::io::BufReader;

use openreg_link::evaluate::{evaluate_in_chunks, read_labelled};
use openreg_link::run::{compare_pending_on_threads, Gathering, LinkSummary, COMPARE_CHUNK};
use openreg_link::LinkConfig;
use openreg_model::link::Mention;
use openreg_store::Store;

fn generated() -> Vec<Mention> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/links/generated.jsonl");
    let file = std::fs::File::open(path).unwrap();
    read_labelled(BufReader::new(file)).unwrap().into_iter().map(|(m, _)| m).collect()
}

/// What a run leaves: its summary (without the time) and every link, as JSON.
fn outcome(store: &Store, summary: &LinkSummary) -> (String, Vec<String>) {
    let mut summary = summary.clone();
    summary.seconds = 0.0;
    let links = store.links().map(|l| serde_json::to_string(&l.unwrap()).unwrap()).collect();
    (serde_json::to_string(&summary).unwrap(), links)
}

/// Gathers on `threads` threads too: what is stored must not depend on them either.
fn gather(store: &Store, mentions: &[Mention], summary: &mut LinkSummary, threads: usize) {
    let mut gathering = Gathering::on_threads(store, threads);
    for m in mentions {
        summary.mentions += 1;
        gathering.add(m.clone()).unwrap();
    }
    summary.new_or_changed += gathering.finish().unwrap();
}

/// Links the generated set, then changes some mentions (names shortened, identifiers dropped)
/// and links again, `chunk` mentions at a time on `threads` threads. Returns both runs' outcomes.
fn two_runs(chunk: usize, threads: usize) -> [(String, Vec<String>); 2] {
    let config = LinkConfig::default();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut mentions = generated();
    let mut first = LinkSummary::default();
    gather(&store, &mentions, &mut first, threads);
    compare_pending_on_threads(&store, &config, &mut first, &mut |_| {}, chunk, threads).unwrap();
    assert_eq!(store.pending_mention_count().unwrap(), 0);
    let first = outcome(&store, &first);

    for m in mentions.iter_mut().step_by(7) {
        m.name = m.name.split_whitespace().take(1).collect::<Vec<_>>().join(" ");
        m.identifiers.clear();
    }
    let mut second = LinkSummary::default();
    gather(&store, &mentions, &mut second, threads);
    assert!(second.new_or_changed > 100, "{second:?}");
    compare_pending_on_threads(&store, &config, &mut second, &mut |_| {}, chunk, threads).unwrap();
    assert_eq!(store.pending_mention_count().unwrap(), 0);
    [first, outcome(&store, &second)]
}

#[test]
fn links_do_not_depend_on_the_chunk_size_or_the_threads() {
    let one_by_one = two_runs(1, 1);
    assert!(one_by_one[0].1.len() > 500, "{}", one_by_one[0].0);
    // The changes undo links and make others: the second run's links differ from the first's.
    assert_ne!(one_by_one[0].1, one_by_one[1].1);
    for (chunk, threads) in [(7, 3), (COMPARE_CHUNK, 1), (COMPARE_CHUNK, 2)] {
        let chunked = two_runs(chunk, threads);
        for run in 0..2 {
            assert_eq!(chunked[run].0, one_by_one[run].0, "run {run}, chunks of {chunk} on {threads} threads");
            assert!(
                chunked[run].1 == one_by_one[run].1,
                "run {run}, chunks of {chunk} on {threads} threads: the links differ"
            );
        }
    }
}

#[test]
fn evaluation_does_not_depend_on_the_chunk_size() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/links/generated.jsonl");
    let evaluate = |chunk| {
        let file = std::fs::File::open(path).unwrap();
        serde_json::to_string(&evaluate_in_chunks(BufReader::new(file), &LinkConfig::default(), chunk).unwrap())
            .unwrap()
    };
    assert_eq!(evaluate(1), evaluate(COMPARE_CHUNK));
}
