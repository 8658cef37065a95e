//! Read-only lookups the search index needs: one compiled release by ocid without reading its
//! releases, and the index queue read past a point (so that contracts still waiting to be
//! compiled never hide the rest of the queue).

use crate::keys::*;
use crate::{Result, Store, StoreError};

impl Store {
    /// One ocid's compiled release: its date, whether the publisher compiled it, and its JSON text.
    pub fn compiled_release(&self, ocid: &str) -> Result<Option<(String, bool, Vec<u8>)>> {
        let Some(bytes) = self.db.get(ocid_key(COMPILED, ocid))? else { return Ok(None) };
        let envelope =
            CompiledEnvelope::decode(&bytes).ok_or_else(|| StoreError::Corrupt(format!("compiled {ocid}")))?;
        let json = envelope.json().ok_or_else(|| StoreError::Corrupt(format!("compiled text of {ocid}")))?;
        Ok(Some((envelope.date.to_string(), envelope.from_publisher, json)))
    }

    /// Documents waiting to be indexed whose ids come after `after` (all, from the start, when
    /// `None`), in id order, at most `limit`.
    pub fn index_pending_after(&self, after: Option<&str>, limit: usize) -> Result<Vec<String>> {
        let start = prefix(INDEX_PENDING);
        let from = match after {
            Some(id) => {
                let mut key = ocid_key(INDEX_PENDING, id);
                key.push(0);
                key
            }
            None => start.to_vec(),
        };
        let mut out = Vec::new();
        for key in self.db.range(from..).keys() {
            let key = key?;
            if !key.starts_with(&start) || out.len() >= limit {
                break;
            }
            out.push(String::from_utf8_lossy(&key[start.len()..]).into_owned());
        }
        Ok(out)
    }
}
