//! Linking's state in the store: the mentions last compared (with a hash, so an unchanged mention
//! is not compared again), the blocking and identifier indexes that find candidates without
//! comparing all pairs, the links found, and people's judgements.

use openreg_model::link::{Judgement, Link, Mention};

use crate::keys::*;
use crate::{Result, Store, StoreError};

impl Store {
    /// The mention as last linked, and the hash of its content then.
    pub fn mention(&self, id: &str) -> Result<Option<(Mention, [u8; 16])>> {
        let Some(bytes) = self.db.get(ocid_key(MENTION, id))? else { return Ok(None) };
        if bytes.len() < 16 {
            return Err(StoreError::Corrupt(format!("mention {id}")));
        }
        let hash: [u8; 16] = bytes[..16].try_into().expect("16 bytes");
        let mention =
            serde_json::from_slice(&bytes[16..]).map_err(|e| StoreError::Corrupt(format!("mention {id}: {e}")))?;
        Ok(Some((mention, hash)))
    }

    /// Stores a mention with its blocking keys and identifiers, replacing what an earlier version of
    /// it left in the indexes. Durable with the next [`Store::flush`].
    pub fn put_mention(&self, mention: &Mention, hash: [u8; 16], blocks: &[String]) -> Result<()> {
        let mut batch = sled::Batch::default();
        self.remove_mention_indexes(&mention.id, &mut batch)?;
        let mut value = hash.to_vec();
        value.extend(serde_json::to_vec(mention)?);
        batch.insert(ocid_key(MENTION, &mention.id), value);
        let mut back = Vec::new();
        for block in blocks {
            let key = pair_key(BLOCK, block, mention.id.as_bytes());
            back.push(key.clone());
            batch.insert(key, &[][..]);
        }
        for identifier in &mention.identifiers {
            let key = pair_key(MENTION_IDENTIFIER, identifier, mention.id.as_bytes());
            back.push(key.clone());
            batch.insert(key, &[][..]);
        }
        // Which index keys this mention wrote, so a changed mention can take them back.
        batch.insert(ocid_key(MENTION_KEYS, &mention.id), serde_json::to_vec(&back)?);
        // In the same batch: a crash before the mention is compared leaves it marked.
        batch.insert(ocid_key(LINK_PENDING, &mention.id), &[][..]);
        batch.insert(ocid_key(INDEX_PENDING, &format!("mention/{}", mention.id)), &[][..]);
        self.db.apply_batch(batch)?;
        Ok(())
    }

    fn remove_mention_indexes(&self, id: &str, batch: &mut sled::Batch) -> Result<()> {
        if let Some(keys) = self.db.get(ocid_key(MENTION_KEYS, id))? {
            let keys: Vec<Vec<u8>> = serde_json::from_slice(&keys)?;
            for key in keys {
                batch.remove(key);
            }
        }
        Ok(())
    }

    /// Mentions stored but not yet compared, in id order.
    pub fn pending_mentions(&self) -> impl Iterator<Item = Result<String>> + '_ {
        let prefix = prefix(LINK_PENDING);
        self.db
            .scan_prefix(prefix)
            .keys()
            .map(move |key| Ok(String::from_utf8_lossy(&key?[prefix.len()..]).into_owned()))
    }

    /// How many mentions wait to be compared.
    pub fn pending_mention_count(&self) -> u64 {
        self.db.scan_prefix(prefix(LINK_PENDING)).count() as u64
    }

    /// Marks a mention as compared, once its links are written.
    pub fn mention_compared(&self, id: &str) -> Result<()> {
        self.db.remove(ocid_key(LINK_PENDING, id))?;
        Ok(())
    }

    /// Marks every mention to be compared again (after a change of thresholds).
    pub fn mark_all_mentions_pending(&self) -> Result<u64> {
        let mut n = 0;
        let mut batch = sled::Batch::default();
        for key in self.db.scan_prefix(prefix(MENTION)).keys() {
            let key = key?;
            batch.insert(ocid_key(LINK_PENDING, &String::from_utf8_lossy(&key[2..])), &[][..]);
            n += 1;
        }
        self.db.apply_batch(batch)?;
        Ok(n)
    }

    /// Records that a mention's name is shared by different people (namesakes are known).
    pub fn set_namesakes(&self, id: &str) -> Result<()> {
        self.db.insert(ocid_key(NAMESAKES, id), &[][..])?;
        Ok(())
    }

    /// Whether a mention's name is known to be shared by different people.
    pub fn has_namesakes(&self, id: &str) -> Result<bool> {
        Ok(self.db.contains_key(ocid_key(NAMESAKES, id))?)
    }

    /// Every mention, in id order.
    pub fn mentions(&self) -> impl Iterator<Item = Result<Mention>> + '_ {
        let prefix = prefix(MENTION);
        self.db.scan_prefix(prefix).values().map(|bytes| {
            let bytes = bytes?;
            serde_json::from_slice(&bytes[16.min(bytes.len())..])
                .map_err(|e| StoreError::Corrupt(format!("mention: {e}")))
        })
    }

    /// Mentions in a blocking key's block, at most `limit` + 1 of them (so a caller can tell a block
    /// too common to use).
    pub fn block(&self, key: &str, limit: usize) -> Result<Vec<String>> {
        scan_ids(self, pair_prefix(BLOCK, key), limit)
    }

    /// Mentions carrying a canonical identifier.
    pub fn mentions_with_identifier(&self, identifier: &str) -> Result<Vec<String>> {
        scan_ids(self, pair_prefix(MENTION_IDENTIFIER, identifier), usize::MAX - 1)
    }

    /// How many identifiers are carried by more than one mention (each such group is one entity).
    pub fn shared_identifier_count(&self) -> Result<u64> {
        let prefix = prefix(MENTION_IDENTIFIER);
        let (mut groups, mut last, mut run) = (0u64, Vec::new(), 0u32);
        for key in self.db.scan_prefix(prefix).keys() {
            let key = key?;
            // Key: prefix, identifier, 0, mention id.
            let identifier = key[2..].split(|&b| b == 0).next().unwrap_or_default().to_vec();
            if identifier == last {
                run += 1;
                if run == 2 {
                    groups += 1;
                }
            } else {
                last = identifier;
                run = 1;
            }
        }
        Ok(groups)
    }

    /// Replaces a mention's name links by `links` (each with the mention as `a` or `b`).
    pub fn replace_links(&self, id: &str, links: &[Link]) -> Result<()> {
        let mut batch = sled::Batch::default();
        let prefix = pair_prefix(LINK, id);
        for key in self.db.scan_prefix(&prefix).keys() {
            let key = key?;
            let other = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
            batch.remove(key);
            batch.remove(pair_key(LINK, &other, id.as_bytes()));
        }
        for link in links {
            let value = serde_json::to_vec(link)?;
            batch.insert(pair_key(LINK, &link.a, link.b.as_bytes()), value.clone());
            batch.insert(pair_key(LINK, &link.b, link.a.as_bytes()), value);
        }
        self.db.apply_batch(batch)?;
        Ok(())
    }

    /// Adds or replaces one link (a judgement's).
    pub fn put_link(&self, link: &Link) -> Result<()> {
        let value = serde_json::to_vec(link)?;
        let mut batch = sled::Batch::default();
        batch.insert(pair_key(LINK, &link.a, link.b.as_bytes()), value.clone());
        batch.insert(pair_key(LINK, &link.b, link.a.as_bytes()), value);
        self.db.apply_batch(batch)?;
        Ok(())
    }

    /// Removes the link between two mentions, if any.
    pub fn remove_link(&self, a: &str, b: &str) -> Result<()> {
        let mut batch = sled::Batch::default();
        batch.remove(pair_key(LINK, a, b.as_bytes()));
        batch.remove(pair_key(LINK, b, a.as_bytes()));
        self.db.apply_batch(batch)?;
        Ok(())
    }

    /// A mention's links (name links and judgements; identifier links are found through
    /// [`Store::mentions_with_identifier`]).
    pub fn links_of(&self, id: &str) -> Result<Vec<Link>> {
        let mut out = Vec::new();
        for value in self.db.scan_prefix(pair_prefix(LINK, id)).values() {
            out.push(serde_json::from_slice(&value?).map_err(|e| StoreError::Corrupt(format!("link of {id}: {e}")))?);
        }
        Ok(out)
    }

    /// Every link once, in key order.
    pub fn links(&self) -> impl Iterator<Item = Result<Link>> + '_ {
        self.db.scan_prefix(prefix(LINK)).filter_map(|entry| {
            let (key, value) = match entry {
                Ok(kv) => kv,
                Err(e) => return Some(Err(e.into())),
            };
            let link: Link = match serde_json::from_slice(&value) {
                Ok(link) => link,
                Err(e) => return Some(Err(StoreError::Corrupt(format!("link: {e}")))),
            };
            // Each link is stored under both ends; report it under `a`.
            (key.starts_with(&pair_prefix(LINK, &link.a))).then_some(Ok(link))
        })
    }

    /// How many links there are of each label.
    pub fn link_counts(&self) -> Result<std::collections::BTreeMap<String, u64>> {
        let mut counts = std::collections::BTreeMap::new();
        for link in self.links() {
            *counts.entry(link?.label.as_str().to_string()).or_default() += 1;
        }
        Ok(counts)
    }

    /// Records a person's judgement about two mentions.
    pub fn put_judgement(&self, judgement: &Judgement) -> Result<()> {
        let value = serde_json::to_vec(judgement)?;
        let mut batch = sled::Batch::default();
        batch.insert(pair_key(JUDGEMENT, &judgement.a, judgement.b.as_bytes()), value.clone());
        batch.insert(pair_key(JUDGEMENT, &judgement.b, judgement.a.as_bytes()), value);
        self.db.apply_batch(batch)?;
        self.db.flush()?;
        Ok(())
    }

    /// The judgement about two mentions, if a person made one.
    pub fn judgement(&self, a: &str, b: &str) -> Result<Option<Judgement>> {
        match self.db.get(pair_key(JUDGEMENT, a, b.as_bytes()))? {
            Some(v) => {
                Ok(Some(serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt(format!("judgement: {e}")))?))
            }
            None => Ok(None),
        }
    }

    /// Every judgement about a mention.
    pub fn judgements_of(&self, id: &str) -> Result<Vec<Judgement>> {
        let mut out = Vec::new();
        for value in self.db.scan_prefix(pair_prefix(JUDGEMENT, id)).values() {
            out.push(serde_json::from_slice(&value?).map_err(|e| StoreError::Corrupt(format!("judgement: {e}")))?);
        }
        Ok(out)
    }

    /// Makes everything written so far durable.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }
}

fn scan_ids(store: &Store, prefix: Vec<u8>, limit: usize) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for key in store.db.scan_prefix(&prefix).keys() {
        let key = key?;
        out.push(String::from_utf8_lossy(&key[prefix.len()..]).into_owned());
        if out.len() > limit {
            break;
        }
    }
    Ok(out)
}
