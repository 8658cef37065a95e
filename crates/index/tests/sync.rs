//! Catching the index up with the store's queue: every queued entry counted once, however many
//! rounds and commits the queue takes.

use openreg_index::sync::catch_up;
use openreg_index::SearchIndex;
use openreg_store::Store;

#[test]
fn a_long_queue_is_counted_once_per_entry() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    // More entries than one round reads: donations the store does not hold, each one a removal.
    let queued = 5_123;
    store.index_again((0..queued).map(|n| format!("donation/gone-{n:05}"))).unwrap();
    let (mut index, _) = SearchIndex::open(&dir.path().join("search")).unwrap();
    let mut last = (0, 0);
    let summary = catch_up(&store, &mut index, &mut |done, total| last = (done, total)).unwrap();
    assert_eq!(summary.applied, queued);
    assert_eq!(last, (queued, queued));
    assert_eq!(store.index_pending_count(), 0);
}

mod entities {
    use std::collections::BTreeMap;

    use openreg_index::sync::catch_up;
    use openreg_index::{SearchIndex, SearchRequest};
    use openreg_model::link::{Mention, MentionKind};
    use openreg_store::Store;

    pub fn mention(id: &str, name: &str, identifiers: &[&str]) -> Mention {
        Mention {
            id: id.to_string(),
            kind: MentionKind::Organisation,
            name: name.to_string(),
            other_names: Vec::new(),
            identifiers: identifiers.iter().map(|i| i.to_string()).collect(),
            country: Some("UA".into()),
            birth_date: None,
            postcode: None,
            role: "supplier".into(),
        }
    }

    pub fn put(store: &Store, mentions: &[Mention]) {
        let rows: Vec<_> = mentions.iter().map(|m| (m.clone(), [0u8; 16], Vec::new())).collect();
        store.put_mentions(&rows).unwrap();
        store.flush().unwrap();
    }

    /// Every organisation or person document: its id and members.
    pub fn entity_docs(index: &SearchIndex) -> BTreeMap<String, Vec<String>> {
        let mut request = SearchRequest::new("");
        request.limit = 100_000;
        request.facets = false;
        request.snippets = false;
        let hits = index.search(&request).unwrap().hits;
        let mut out = BTreeMap::new();
        for hit in hits {
            if hit.kind == "organization" || hit.kind == "person" {
                out.insert(hit.id.clone(), index.members_with(hit.id.split_once('/').unwrap().1).unwrap());
            }
        }
        out
    }

    pub fn catch_up_all(store: &Store, index: &mut SearchIndex) {
        catch_up(store, index, &mut |_, _| {}).unwrap();
    }

    #[test]
    fn an_entity_whose_mentions_are_queued_far_apart_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store")).unwrap();
        // `a/0` and `z/0` share an identifier, with more mentions between them in the queue than
        // one round of the catch-up reads.
        let mut mentions =
            vec![mention("a/0", "Budmaister", &["UA-EDR-1"]), mention("z/0", "Будмайстер", &["UA-EDR-1"])];
        for n in 0..4_500 {
            mentions.push(mention(&format!("m/{n:05}"), &format!("Company {n}"), &[&format!("UA-EDR-9{n:05}")]));
        }
        put(&store, &mentions);
        let (mut index, _) = SearchIndex::open(&dir.path().join("search")).unwrap();
        catch_up_all(&store, &mut index);
        let docs = entity_docs(&index);
        assert_eq!(docs.len(), 4_501);
        assert_eq!(docs["organization/a/0"], ["a/0", "z/0"]);
    }

    fn judge(store: &Store, a: &str, b: &str, same: bool) {
        openreg_link::run::judge(store, a, b, same, None).unwrap();
        // As `openreg link confirm` and `reject` do.
        store.index_again([format!("mention/{a}"), format!("mention/{b}")]).unwrap();
    }

    fn open(dir: &std::path::Path) -> (Store, SearchIndex) {
        let store = Store::open(&dir.join("store")).unwrap();
        let (index, _) = SearchIndex::open(&dir.join("search")).unwrap();
        (store, index)
    }

    #[test]
    fn a_changed_mention_moves_to_its_new_entity() {
        let dir = tempfile::tempdir().unwrap();
        let (store, mut index) = open(dir.path());
        put(&store, &[mention("b/0", "Alpha", &["UA-EDR-1"]), mention("b/1", "Alpha", &["UA-EDR-1"])]);
        catch_up_all(&store, &mut index);
        assert_eq!(entity_docs(&index)["organization/b/0"], ["b/0", "b/1"]);
        // `b/1` changes its identifier to that of a new mention `a/0`, which comes first in the
        // queue, far ahead: `b/1` is reached from `a/0` before its own turn, and `b/0` must be
        // placed again on its own.
        let mut changed = vec![mention("a/0", "Beta", &["UA-EDR-2"]), mention("b/1", "Alpha", &["UA-EDR-2"])];
        for n in 0..2_500 {
            changed.push(mention(&format!("a/{n:05}"), &format!("Filler {n}"), &[]));
        }
        put(&store, &changed);
        catch_up_all(&store, &mut index);
        let docs = entity_docs(&index);
        assert_eq!(docs["organization/a/0"], ["a/0", "b/1"]);
        assert_eq!(docs["organization/b/0"], ["b/0"]);
        assert_eq!(docs.len(), 2 + 2_500);
        assert_eq!(index.documents(), 2 + 2_500);
    }

    #[test]
    fn a_link_undone_splits_the_entity_and_a_confirmed_one_joins_it() {
        let dir = tempfile::tempdir().unwrap();
        let (store, mut index) = open(dir.path());
        put(
            &store,
            &[
                mention("x/1", "Gamma", &["UA-EDR-3"]),
                mention("x/2", "Gamma", &["UA-EDR-3"]),
                mention("x/3", "Gamma Ltd", &[]),
            ],
        );
        catch_up_all(&store, &mut index);
        let docs = entity_docs(&index);
        assert_eq!(docs["organization/x/1"], ["x/1", "x/2"]);
        assert_eq!(docs["organization/x/3"], ["x/3"]);
        // A person joins x/3 to x/2: one entity of three.
        judge(&store, "x/2", "x/3", true);
        catch_up_all(&store, &mut index);
        let docs = entity_docs(&index);
        assert_eq!(docs.len(), 1);
        assert_eq!(docs["organization/x/1"], ["x/1", "x/2", "x/3"]);
        // Then says x/1 and x/2 are not the same after all, although they share an identifier.
        judge(&store, "x/1", "x/2", false);
        catch_up_all(&store, &mut index);
        let docs = entity_docs(&index);
        assert_eq!(docs["organization/x/1"], ["x/1"]);
        assert_eq!(docs["organization/x/2"], ["x/2", "x/3"]);
        assert_eq!(docs.len(), 2);
        // And undoes the confirmation: x/3 stands alone again.
        judge(&store, "x/2", "x/3", false);
        catch_up_all(&store, &mut index);
        let docs = entity_docs(&index);
        assert_eq!(docs.len(), 3);
        assert_eq!(docs["organization/x/3"], ["x/3"]);
        assert_eq!(index.documents(), 3);
    }

    #[test]
    fn the_same_documents_whatever_the_index_held_before() {
        // Built in one catch-up into an empty index, or rebuilt over an index that holds them all:
        // the same documents.
        let dir = tempfile::tempdir().unwrap();
        let (store, mut index) = open(dir.path());
        let mut mentions = Vec::new();
        for n in 0..3_000 {
            // Groups of three by identifier, spread across the queue.
            let group = n % 997;
            mentions.push(mention(&format!("m/{n:05}"), &format!("Name {group}"), &[&format!("UA-EDR-{group}")]));
        }
        put(&store, &mentions);
        catch_up_all(&store, &mut index);
        let first = entity_docs(&index);
        assert_eq!(first.len(), 997);
        assert!(first.values().all(|members| members.len() == 3 || members.len() == 4));
        store.index_again((0..3_000).map(|n| format!("mention/m/{n:05}"))).unwrap();
        catch_up_all(&store, &mut index);
        assert_eq!(entity_docs(&index), first);
        assert_eq!(index.documents(), 997);
    }
}
