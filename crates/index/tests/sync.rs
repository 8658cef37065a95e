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
