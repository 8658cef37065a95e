//! The search index's queue: which documents changed in the store since the index last committed.
//! Markers are written in the same atomic batch as the data, and removed only after the index has
//! committed the documents, so the index can never silently fall behind the store.

use crate::keys::*;
use crate::{Result, Store, StoreError};

impl Store {
    /// Documents waiting to be indexed, in id order, at most `limit`.
    pub fn index_pending(&self, limit: usize) -> Result<Vec<String>> {
        let prefix = prefix(INDEX_PENDING);
        let mut out = Vec::new();
        for key in self.db.scan_prefix(prefix).keys().take(limit) {
            out.push(String::from_utf8_lossy(&key?[prefix.len()..]).into_owned());
        }
        Ok(out)
    }

    /// How many documents wait to be indexed.
    pub fn index_pending_count(&self) -> u64 {
        self.db.scan_prefix(prefix(INDEX_PENDING)).count() as u64
    }

    /// Marks documents as indexed (call after the index commit that holds them).
    pub fn index_done(&self, ids: &[String]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for id in ids {
            batch.remove(ocid_key(INDEX_PENDING, id));
        }
        self.db.apply_batch(batch)?;
        self.db.flush()?;
        Ok(())
    }

    /// Queues documents to be indexed again (a rebuild, or a document derived from others).
    pub fn index_again(&self, ids: impl IntoIterator<Item = String>) -> Result<u64> {
        let mut batch = sled::Batch::default();
        let mut n = 0;
        for id in ids {
            batch.insert(ocid_key(INDEX_PENDING, &id), &[][..]);
            n += 1;
        }
        self.db.apply_batch(batch)?;
        self.db.flush()?;
        Ok(n)
    }

    /// Queues every contract, donation and mention for a full rebuild of the index.
    pub fn index_everything(&self) -> Result<u64> {
        let mut ids = Vec::new();
        let mut n = 0;
        let mut flush = |ids: &mut Vec<String>| -> Result<()> {
            n += self.index_again(std::mem::take(ids))?;
            Ok(())
        };
        let in_sled = [(COMPILED, "contract"), (DONATION, "donation")].into_iter().flat_map(|(kind, name)| {
            self.db.scan_prefix(prefix(kind)).keys().map(move |key| Ok::<_, StoreError>((name, key?.to_vec())))
        });
        // Mentions are kept with linking's keys, beside sled.
        let mentions = self.link_keys.iter_prefix(&prefix(MENTION)).map(|entry| Ok(("mention", entry?.0)));
        for entry in in_sled.chain(mentions) {
            let (name, key) = entry?;
            ids.push(format!("{name}/{}", String::from_utf8_lossy(&key[2..])));
            if ids.len() >= 10_000 {
                flush(&mut ids)?;
            }
        }
        flush(&mut ids)?;
        Ok(n)
    }

    /// Whether an ocid still waits to be compiled (its contract document must wait too).
    pub fn awaits_compiling(&self, ocid: &str) -> Result<bool> {
        Ok(self.db.contains_key(ocid_key(DIRTY, ocid))?)
    }
}
