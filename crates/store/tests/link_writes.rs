//! Comparing's held writes (`LinkWrites`): reads see them before they are stored, and a mention
//! stays pending until the batch with its links is written.

use openreg_model::link::{Label, Link, Mention, MentionKind};
use openreg_store::{Pending, Store};

fn mention(id: &str, name: &str) -> Mention {
    Mention {
        id: id.into(),
        kind: MentionKind::Person,
        name: name.into(),
        other_names: Vec::new(),
        identifiers: Vec::new(),
        country: None,
        birth_date: None,
        postcode: None,
        role: "test".into(),
    }
}

fn link(a: &str, b: &str, score: f64) -> Link {
    Link { a: a.into(), b: b.into(), label: Label::Probable, score, evidence: Vec::new() }
}

fn others(links: &[Link], id: &str) -> Vec<String> {
    links.iter().map(|l| if l.a == id { l.b.clone() } else { l.a.clone() }).collect()
}

fn stored(dir: &std::path::Path) -> Store {
    let store = Store::open(dir).unwrap();
    let mentions: Vec<(Mention, [u8; 16], Vec<String>)> = ["a", "b", "c"]
        .iter()
        .enumerate()
        .map(|(i, id)| (mention(id, "Tamar Beridze"), [i as u8; 16], vec!["~beridze".to_string()]))
        .collect();
    store.put_mentions(&mentions).unwrap();
    store
}

/// A mention's pending marker.
fn marker(store: &Store, id: &str) -> Pending {
    store.pending_after(None).map(Result::unwrap).find(|p| p.id == id).expect("pending")
}

#[test]
fn reads_see_held_writes_and_markers_go_with_the_links() {
    let dir = tempfile::tempdir().unwrap();
    let store = stored(dir.path());
    assert_eq!(store.pending_mention_count().unwrap(), 3);
    assert_eq!(store.block("~beridze", 10).unwrap(), ["a", "b", "c"]);

    let mut writes = store.link_writes().unwrap();
    writes.replace_links("a", &[link("a", "b", 0.9), link("a", "c", 0.8)]).unwrap();
    writes.mention_compared(&marker(&store, "a"));
    writes.set_namesakes("c").unwrap();
    // Held, not stored: the other end sees the link, the store does not yet.
    assert_eq!(others(&writes.links_of("b").unwrap(), "b"), ["a"]);
    assert_eq!(writes.linked("b").unwrap(), ["a"]);
    assert_eq!(writes.linked("a").unwrap(), ["b", "c"]);
    assert!(writes.has_namesakes("c").unwrap());
    assert!(store.links_of("b").unwrap().is_empty());
    assert!(!store.has_namesakes("c").unwrap());
    // `b` drops its link to `a`: both ends lose it, in the held view.
    writes.replace_links("b", &[]).unwrap();
    writes.mention_compared(&marker(&store, "b"));
    assert_eq!(others(&writes.links_of("a").unwrap(), "a"), ["c"]);
    assert_eq!(writes.linked("a").unwrap(), ["c"]);
    assert!(writes.links_of("b").unwrap().is_empty());
    assert!(writes.linked("b").unwrap().is_empty());

    // Dropped without commit (a crash): nothing was written, every mention is still pending.
    drop(writes);
    assert_eq!(store.pending_mention_count().unwrap(), 3);
    assert!(store.links_of("a").unwrap().is_empty());

    let mut writes = store.link_writes().unwrap();
    writes.replace_links("a", &[link("a", "b", 0.9), link("a", "c", 0.8)]).unwrap();
    writes.mention_compared(&marker(&store, "a"));
    writes.replace_links("b", &[]).unwrap();
    writes.mention_compared(&marker(&store, "b"));
    writes.set_namesakes("c").unwrap();
    writes.commit().unwrap();
    assert_eq!(store.pending_mentions().map(Result::unwrap).collect::<Vec<_>>(), ["c"]);
    assert_eq!(others(&store.links_of("a").unwrap(), "a"), ["c"]);
    assert_eq!(others(&store.links_of("c").unwrap(), "c"), ["a"]);
    assert!(store.links_of("b").unwrap().is_empty());
    assert!(store.has_namesakes("c").unwrap());
    assert_eq!(store.links().count(), 1);
}

#[test]
fn a_changed_link_is_replaced_at_both_ends_and_an_unchanged_one_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = stored(dir.path());
    let mut writes = store.link_writes().unwrap();
    writes.replace_links("a", &[link("a", "b", 0.9), link("a", "c", 0.8)]).unwrap();
    writes.commit().unwrap();

    let mut writes = store.link_writes().unwrap();
    // From the other end: the same link to `a`, and a new score for `c`'s.
    writes.replace_links("b", &[link("a", "b", 0.9)]).unwrap();
    writes.replace_links("c", &[link("a", "c", 0.7)]).unwrap();
    writes.commit().unwrap();
    let scores = |id: &str| store.links_of(id).unwrap().iter().map(|l| l.score).collect::<Vec<_>>();
    assert_eq!(scores("a"), [0.9, 0.7]);
    assert_eq!(scores("b"), [0.9]);
    assert_eq!(scores("c"), [0.7]);
}

#[test]
fn a_stored_again_mention_takes_back_its_old_index_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = stored(dir.path());
    let mut changed = mention("b", "Tamar Chavchavadze");
    changed.identifiers = vec!["GEO-TAXID-01008054321".into()];
    store.put_mentions(&[(changed, [9; 16], vec!["~chavchavadze".to_string()])]).unwrap();
    assert_eq!(store.block("~beridze", 10).unwrap(), ["a", "c"]);
    assert_eq!(store.block("~chavchavadze", 10).unwrap(), ["b"]);
    assert_eq!(store.mentions_with_identifier("GEO-TAXID-01008054321").unwrap(), ["b"]);
    assert_eq!(store.mention_hash("b").unwrap(), Some([9; 16]));
    store.put_mentions(&[(mention("b", "Tamar Beridze"), [1; 16], vec!["~beridze".to_string()])]).unwrap();
    assert!(store.mentions_with_identifier("GEO-TAXID-01008054321").unwrap().is_empty());
    assert!(store.block("~chavchavadze", 10).unwrap().is_empty());
    assert_eq!(store.block("~beridze", 10).unwrap(), ["a", "b", "c"]);
}

#[test]
fn mentions_are_compared_name_by_name_and_once_however_often_they_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let put = |id: &str, name: &str, hash: u8| {
        let blocks = vec![format!("={name}"), format!("~{name}")];
        store.put_mentions(&[(mention(id, name), [hash; 16], blocks)]).unwrap();
    };
    put("a", "zhvania", 1);
    put("b", "beridze", 1);
    put("c", "zhvania", 1);
    put("d", "beridze", 1);
    // Named again before it was compared: one marker, under its new name.
    put("c", "abashidze", 2);
    let pending = || store.pending_mentions().map(Result::unwrap).collect::<Vec<_>>();
    assert_eq!(pending(), ["c", "b", "d", "a"]);
    assert_eq!(store.pending_mention_count().unwrap(), 4);
    // Going on from a marker skips those before it, whatever was removed meanwhile.
    let mut writes = store.link_writes().unwrap();
    writes.mention_compared(&marker(&store, "c"));
    writes.mention_compared(&marker(&store, "b"));
    writes.commit().unwrap();
    let after_c = marker(&store, "d");
    assert_eq!(pending(), ["d", "a"]);
    let after: Vec<String> = store.pending_after(Some(&after_c)).map(|p| p.unwrap().id).collect();
    assert_eq!(after, ["a"]);
    // Marking every mention again uses the same order.
    assert_eq!(store.mark_all_mentions_pending().unwrap(), 4);
    assert_eq!(pending(), ["c", "b", "d", "a"]);
}
