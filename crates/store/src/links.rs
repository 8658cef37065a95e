//! Linking's state in the store: the mentions last compared (with a hash, so an unchanged mention
//! is not compared again), the blocking and identifier indexes that find candidates without
//! comparing all pairs, the links found, and people's judgements.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use openreg_model::link::{Evidence, Judgement, Label, Link, Mention};

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

    /// The hash of a mention's content as last stored, without reading the mention.
    pub fn mention_hash(&self, id: &str) -> Result<Option<[u8; 16]>> {
        let Some(bytes) = self.db.get(ocid_key(MENTION, id))? else { return Ok(None) };
        let hash = bytes.get(..16).ok_or_else(|| StoreError::Corrupt(format!("mention {id}")))?;
        Ok(Some(hash.try_into().expect("16 bytes")))
    }

    /// Stores mentions (each id at most once) with their hashes, blocking keys and identifiers,
    /// replacing what earlier versions of them left in the indexes, in one atomic write: sled pays for every separate write with log space, so gathering writes thousands at
    /// a time. Durable with the next [`Store::flush`].
    pub fn put_mentions(&self, mentions: &[(Mention, [u8; 16], Vec<String>)]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for (mention, hash, blocks) in mentions {
            self.put_mention_in(mention, *hash, blocks, &mut batch)?;
        }
        self.db.apply_batch(batch)?;
        Ok(())
    }

    fn put_mention_in(
        &self,
        mention: &Mention,
        hash: [u8; 16],
        blocks: &[String],
        batch: &mut sled::Batch,
    ) -> Result<()> {
        self.remove_mention_indexes(&mention.id, batch)?;
        let mut value = hash.to_vec();
        value.extend(serde_json::to_vec(mention)?);
        batch.insert(ocid_key(MENTION, &mention.id), value);
        let mut back = Vec::new();
        for block in blocks {
            batch.insert(pair_key(BLOCK, block, mention.id.as_bytes()), &[][..]);
            back.push((BLOCK, block.as_str()));
        }
        for identifier in &mention.identifiers {
            batch.insert(pair_key(MENTION_IDENTIFIER, identifier, mention.id.as_bytes()), &[][..]);
            back.push((MENTION_IDENTIFIER, identifier.as_str()));
        }
        // Which index keys this mention wrote, so a changed mention can take them back.
        batch.insert(ocid_key(MENTION_KEYS, &mention.id), encode_mention_keys(&back));
        // In the same batch: a crash before the mention is compared leaves it marked.
        batch.insert(ocid_key(LINK_PENDING, &mention.id), &[][..]);
        batch.insert(ocid_key(INDEX_PENDING, &format!("mention/{}", mention.id)), &[][..]);
        Ok(())
    }

    fn remove_mention_indexes(&self, id: &str, batch: &mut sled::Batch) -> Result<()> {
        if let Some(keys) = self.db.get(ocid_key(MENTION_KEYS, id))? {
            for key in decode_mention_keys(id, &keys)? {
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

    /// Adds or replaces one link (a judgement's).
    pub fn put_link(&self, link: &Link) -> Result<()> {
        let value = encode_link(link);
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
            out.push(decode_link(id, &value?)?);
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
            let link = match decode_link("", &value) {
                Ok(link) => link,
                Err(e) => return Some(Err(e)),
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

/// The index keys a mention wrote (each `kind`, 0, `a`, 0, mention id), as stored under
/// `MENTION_KEYS`: a format byte (1), then each key's kind, the length of its `a` (4 bytes,
/// little-endian) and `a`. The mention id is not repeated: a JSON list of whole keys, as stores
/// written before held, took four times the space.
fn encode_mention_keys(keys: &[(u8, &str)]) -> Vec<u8> {
    let mut out = vec![1];
    for (kind, a) in keys {
        out.push(*kind);
        out.extend_from_slice(&(a.len() as u32).to_le_bytes());
        out.extend_from_slice(a.as_bytes());
    }
    out
}

fn decode_mention_keys(id: &str, value: &[u8]) -> Result<Vec<Vec<u8>>> {
    let corrupt = || StoreError::Corrupt(format!("index keys of mention {id}"));
    match value.first() {
        // Written before this format: a JSON list of whole keys.
        Some(b'[') => return Ok(serde_json::from_slice(value)?),
        Some(1) => {}
        _ => return Err(corrupt()),
    }
    let mut keys = Vec::new();
    let mut rest = &value[1..];
    while let [kind, more @ ..] = rest {
        let len = more.get(..4).ok_or_else(corrupt)?;
        let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
        let a = more.get(4..4 + len).ok_or_else(corrupt)?;
        let mut key = prefix(*kind).to_vec();
        key.extend_from_slice(a);
        key.push(0);
        key.extend_from_slice(id.as_bytes());
        keys.push(key);
        rest = &more[4 + len..];
    }
    Ok(keys)
}

/// A link as stored: a format byte (2), the label, the score (8 bytes, little-endian), then `a`,
/// `b` and each piece of evidence (field, whether it agrees, detail), each text as its length (4
/// bytes, little-endian) and its bytes. Links were JSON before (and are read as such): a link is
/// stored under both its ends and there are millions, and JSON's names and quotes took two fifths
/// of the space and much of the time to write and read them.
fn encode_link(link: &Link) -> Vec<u8> {
    let text = |out: &mut Vec<u8>, s: &str| {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    let mut out = Vec::with_capacity(64 + link.a.len() + link.b.len() + 80 * link.evidence.len());
    out.push(2);
    out.push(match link.label {
        Label::Confirmed => 0,
        Label::Probable => 1,
        Label::Possible => 2,
    });
    out.extend_from_slice(&link.score.to_le_bytes());
    text(&mut out, &link.a);
    text(&mut out, &link.b);
    out.extend_from_slice(&(link.evidence.len() as u32).to_le_bytes());
    for e in &link.evidence {
        text(&mut out, &e.field);
        out.push(u8::from(e.agrees));
        text(&mut out, &e.detail);
    }
    out
}

fn decode_link(id: &str, value: &[u8]) -> Result<Link> {
    let corrupt = || StoreError::Corrupt(format!("link of {id}"));
    match value.first() {
        Some(b'{') => {
            return serde_json::from_slice(value).map_err(|e| StoreError::Corrupt(format!("link of {id}: {e}")))
        }
        Some(2) => {}
        _ => return Err(corrupt()),
    }
    let mut bytes = Bytes(&value[1..]);
    let label = match bytes.take(1).ok_or_else(corrupt)?[0] {
        0 => Label::Confirmed,
        1 => Label::Probable,
        2 => Label::Possible,
        _ => return Err(corrupt()),
    };
    let score = f64::from_le_bytes(bytes.take(8).ok_or_else(corrupt)?.try_into().expect("8 bytes"));
    let a = bytes.text().ok_or_else(corrupt)?;
    let b = bytes.text().ok_or_else(corrupt)?;
    let count = bytes.len().ok_or_else(corrupt)?;
    let mut evidence = Vec::with_capacity(count.min(16));
    for _ in 0..count {
        let field = bytes.text().ok_or_else(corrupt)?;
        let agrees = bytes.take(1).ok_or_else(corrupt)?[0] != 0;
        let detail = bytes.text().ok_or_else(corrupt)?;
        evidence.push(Evidence { field, agrees, detail });
    }
    if !bytes.0.is_empty() {
        return Err(corrupt());
    }
    Ok(Link { a, b, label, score, evidence })
}

/// Reading a binary value from the front (`None`: it ends too soon, or a text is not UTF-8).
struct Bytes<'v>(&'v [u8]);

impl<'v> Bytes<'v> {
    fn take(&mut self, n: usize) -> Option<&'v [u8]> {
        let head = self.0.get(..n)?;
        self.0 = &self.0[n..];
        Some(head)
    }

    fn len(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")) as usize)
    }

    fn text(&mut self) -> Option<String> {
        let len = self.len()?;
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }
}

/// What comparing a chunk of mentions writes (their name links, namesakes, and that they were
/// compared), held in memory and written in one atomic batch by [`LinkWrites::commit`]. Reads
/// through it see the store as if each write had been applied at once, so the links found do not
/// depend on the chunk's size; and a mention stays marked pending until the batch holding its
/// links is written, so a crash never loses a mention's comparison.
pub struct LinkWrites<'s> {
    store: &'s Store,
    /// Link entries (key → value, `None` when removed) written since the last commit.
    links: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    namesakes: BTreeSet<String>,
    /// The namesakes stored when this began (and those committed since): comparing asks about
    /// every candidate, and a read of the store each time cost more than the rest of the check.
    stored_namesakes: HashSet<String>,
    compared: Vec<String>,
}

impl Store {
    /// Starts holding the writes of comparing mentions (see [`LinkWrites`]).
    pub fn link_writes(&self) -> Result<LinkWrites<'_>> {
        let prefix = prefix(NAMESAKES);
        let mut stored_namesakes = HashSet::new();
        for key in self.db.scan_prefix(prefix).keys() {
            stored_namesakes.insert(String::from_utf8_lossy(&key?[prefix.len()..]).into_owned());
        }
        Ok(LinkWrites {
            store: self,
            links: BTreeMap::new(),
            namesakes: BTreeSet::new(),
            stored_namesakes,
            compared: Vec::new(),
        })
    }
}

impl LinkWrites<'_> {
    /// A mention's links, the held writes included, in key order (as [`Store::links_of`]).
    pub fn links_of(&self, id: &str) -> Result<Vec<Link>> {
        self.link_entries(id)?.values().map(|value| decode_link(id, value)).collect()
    }

    /// The mentions a mention is linked to, the held writes included, in id order: what
    /// [`LinkWrites::links_of`] gives without reading the links themselves.
    pub fn linked(&self, id: &str) -> Result<Vec<String>> {
        Ok(self.link_entries(id)?.into_keys().map(|other| String::from_utf8_lossy(&other).into_owned()).collect())
    }

    /// The stored link entries under a mention (other mention's id → value), held writes included.
    fn link_entries(&self, id: &str) -> Result<BTreeMap<Vec<u8>, Vec<u8>>> {
        let prefix = pair_prefix(LINK, id);
        let mut entries = BTreeMap::new();
        for entry in self.store.db.scan_prefix(&prefix) {
            let (key, value) = entry?;
            entries.insert(key[prefix.len()..].to_vec(), value.to_vec());
        }
        for (key, value) in self.links.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix)) {
            let other = key[prefix.len()..].to_vec();
            match value {
                Some(value) => entries.insert(other, value.clone()),
                None => entries.remove(&other),
            };
        }
        Ok(entries)
    }

    /// Replaces a mention's name links by `links` (each with the mention as `a` or `b`). A link
    /// that is already stored as it is now is not written again: each link is found from both its
    /// ends, and rewriting it would cost the store space for nothing.
    pub fn replace_links(&mut self, id: &str, links: &[Link]) -> Result<()> {
        let mut old = self.link_entries(id)?;
        for link in links {
            let other = if link.a == id { &link.b } else { &link.a };
            let value = encode_link(link);
            if old.remove(other.as_bytes()).as_ref() == Some(&value) {
                continue;
            }
            self.links.insert(pair_key(LINK, &link.a, link.b.as_bytes()), Some(value.clone()));
            self.links.insert(pair_key(LINK, &link.b, link.a.as_bytes()), Some(value));
        }
        // What is left was linked before and is not now.
        for other in old.keys() {
            self.links.insert(pair_key(LINK, id, other), None);
            self.links.insert(pair_key(LINK, &String::from_utf8_lossy(other), id.as_bytes()), None);
        }
        Ok(())
    }

    /// Records that a mention's name is shared by different people.
    pub fn set_namesakes(&mut self, id: &str) -> Result<()> {
        if !self.has_namesakes(id)? {
            self.namesakes.insert(id.to_string());
        }
        Ok(())
    }

    /// Whether a mention's name is known to be shared by different people.
    pub fn has_namesakes(&self, id: &str) -> Result<bool> {
        Ok(self.namesakes.contains(id) || self.stored_namesakes.contains(id))
    }

    /// Marks a mention as compared; its marker goes in the same batch as its links.
    pub fn mention_compared(&mut self, id: &str) {
        self.compared.push(id.to_string());
    }

    /// Writes everything held in one atomic batch, and starts holding anew. Durable with the next
    /// [`Store::flush`].
    pub fn commit(&mut self) -> Result<()> {
        let mut batch = sled::Batch::default();
        for (key, value) in std::mem::take(&mut self.links) {
            match value {
                Some(value) => batch.insert(key, value),
                None => batch.remove(key),
            }
        }
        for id in &self.namesakes {
            batch.insert(ocid_key(NAMESAKES, id), &[][..]);
        }
        for id in self.compared.drain(..) {
            batch.remove(ocid_key(LINK_PENDING, &id));
        }
        self.store.db.apply_batch(batch)?;
        self.stored_namesakes.extend(std::mem::take(&mut self.namesakes));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_read_back_as_written_in_either_format() {
        let link = Link {
            a: "bods/p1".into(),
            b: "donor/ge-sao:7".into(),
            label: Label::Possible,
            score: 0.871,
            evidence: vec![
                Evidence {
                    field: "name".into(), agrees: true, detail: "similar names: \"ბერიძე\" (0.93)".into()
                },
                Evidence { field: "country".into(), agrees: false, detail: "GE against UA".into() },
            ],
        };
        let binary = encode_link(&link);
        assert_eq!(decode_link("bods/p1", &binary).unwrap(), link);
        assert!(binary.len() < serde_json::to_vec(&link).unwrap().len());
        assert_eq!(decode_link("bods/p1", &serde_json::to_vec(&link).unwrap()).unwrap(), link);
        let none = Link { label: Label::Confirmed, evidence: Vec::new(), ..link };
        assert_eq!(decode_link("bods/p1", &encode_link(&none)).unwrap(), none);
        for cut in 0..binary.len() {
            assert!(decode_link("bods/p1", &binary[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn mention_keys_read_back_as_written_in_either_format() {
        let keys = [(BLOCK, "~beridze"), (BLOCK, "=tamar beridze"), (MENTION_IDENTIFIER, "GEO-TAXID-01008054321")];
        let whole: Vec<Vec<u8>> = keys.iter().map(|(kind, a)| pair_key(*kind, a, b"bods/p1")).collect();
        assert_eq!(decode_mention_keys("bods/p1", &encode_mention_keys(&keys)).unwrap(), whole);
        assert_eq!(decode_mention_keys("bods/p1", &serde_json::to_vec(&whole).unwrap()).unwrap(), whole);
        assert_eq!(decode_mention_keys("bods/p1", &encode_mention_keys(&[])).unwrap(), Vec::<Vec<u8>>::new());
        assert!(decode_mention_keys("bods/p1", &encode_mention_keys(&keys)[..12]).is_err());
    }
}
