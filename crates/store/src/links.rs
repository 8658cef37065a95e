//! Linking's state in the store: the mentions last compared (with a hash, so an unchanged mention
//! is not compared again), the blocking and identifier indexes that find candidates without
//! comparing all pairs, the links found, and people's judgements.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use openreg_model::link::{Evidence, Judgement, Label, Link, Mention};

use crate::keys::*;
use crate::sorted_runs::Write;
use crate::{Result, Store, StoreError};

impl Store {
    /// The mention as last linked, and the hash of its content then.
    pub fn mention(&self, id: &str) -> Result<Option<(Mention, [u8; 16])>> {
        let Some(bytes) = self.link_keys.get(&ocid_key(MENTION, id))? else { return Ok(None) };
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
        let Some(bytes) = self.link_keys.get(&ocid_key(MENTION, id))? else { return Ok(None) };
        let hash = bytes.get(..16).ok_or_else(|| StoreError::Corrupt(format!("mention {id}")))?;
        Ok(Some(hash.try_into().expect("16 bytes")))
    }

    /// Stores mentions (each id at most once) with their hashes, blocking keys and identifiers,
    /// replacing what earlier versions of them left in the indexes, in one atomic write (a
    /// thousand separate writes would each pay for a sync). Durable at once.
    pub fn put_mentions(&self, mentions: &[(Mention, [u8; 16], Vec<String>)]) -> Result<()> {
        let mut writes = Vec::new();
        let mut batch = sled::Batch::default();
        for (mention, hash, blocks) in mentions {
            self.put_mention_in(mention, *hash, blocks, &mut writes)?;
            // In the same atomic write: the search index learns of the mention.
            batch.insert(ocid_key(INDEX_PENDING, &format!("mention/{}", mention.id)), &[][..]);
        }
        self.commit_link_keys(writes, batch)
    }

    fn put_mention_in(
        &self,
        mention: &Mention,
        hash: [u8; 16],
        blocks: &[String],
        writes: &mut Vec<Write>,
    ) -> Result<()> {
        // Which index keys the mention's last version wrote: they are taken back.
        if let Some(keys) = self.link_keys.get(&ocid_key(MENTION_KEYS, &mention.id))? {
            writes.extend(decode_mention_keys(&mention.id, &keys)?.into_iter().map(|key| (key, None)));
        }
        let mut value = hash.to_vec();
        value.extend(serde_json::to_vec(mention)?);
        writes.push((ocid_key(MENTION, &mention.id), Some(value)));
        let mut back = Vec::new();
        for block in blocks {
            push_index_key(writes, pair_key(BLOCK, block, mention.id.as_bytes()));
            back.push((BLOCK, block.as_str()));
        }
        for identifier in &mention.identifiers {
            push_index_key(writes, pair_key(MENTION_IDENTIFIER, identifier, mention.id.as_bytes()));
            back.push((MENTION_IDENTIFIER, identifier.as_str()));
        }
        // In the same write: a crash before the mention is compared leaves it marked. Marked
        // under its name, so that mentions are compared name by name (see `Pending`).
        let order = pending_order(blocks.iter().map(String::as_str));
        writes.push((pair_key(LINK_PENDING, order, mention.id.as_bytes()), Some(Vec::new())));
        back.push((LINK_PENDING, order));
        // Which index keys this mention wrote, so a changed mention can take them back.
        writes.push((ocid_key(MENTION_KEYS, &mention.id), Some(encode_mention_keys(&back))));
        Ok(())
    }

    /// Writes linking's keys (to their runs) and `batch` (to sled) as one atomic write: the runs'
    /// log is synced first, and the sled batch records where it ends (see sorted_runs.rs).
    pub(crate) fn commit_link_keys(&self, writes: Vec<Write>, mut batch: sled::Batch) -> Result<()> {
        let _one_at_a_time = self.link_commit.lock().expect("the link commit lock is never poisoned");
        if !writes.is_empty() {
            let (generation, end) = self.link_keys.log(&writes)?;
            batch.insert(meta_key(LINK_LOG), crate::log_place_value(generation, end));
        }
        self.db.apply_batch(batch)?;
        if !writes.is_empty() {
            // Before a run outlives the log, sled's record of where the log ends must be durable.
            let durable = || self.db.flush().map(drop).map_err(std::io::Error::other);
            self.link_keys.applied(writes, &durable)?;
        }
        Ok(())
    }

    /// Mentions stored but not yet compared, in the order they are compared (see [`Pending`]).
    pub fn pending_mentions(&self) -> impl Iterator<Item = Result<String>> + '_ {
        self.pending_after(None).map(|pending| pending.map(|p| p.id))
    }

    /// Mentions stored but not yet compared, after `after` (comparing goes on from the last
    /// mention it compared, rather than past the markers it removed).
    pub fn pending_after(&self, after: Option<&Pending>) -> impl Iterator<Item = Result<Pending>> + '_ {
        let prefix = prefix(LINK_PENDING);
        self.link_keys.iter_prefix_after(&prefix, after.map(|p| p.key.clone())).map(move |entry| {
            let (key, _) = entry?;
            let rest = &key[prefix.len()..];
            // Order, 0, id; markers written before they had an order are the id alone.
            let id = match rest.iter().position(|&b| b == 0) {
                Some(at) => &rest[at + 1..],
                None => rest,
            };
            Ok(Pending { id: String::from_utf8_lossy(id).into_owned(), key })
        })
    }

    /// How many mentions wait to be compared.
    pub fn pending_mention_count(&self) -> Result<u64> {
        count(self.link_keys.iter_prefix(&prefix(LINK_PENDING)))
    }

    /// How many mentions are stored.
    pub fn mention_count(&self) -> Result<u64> {
        count(self.link_keys.iter_prefix(&prefix(MENTION)))
    }

    /// Marks every mention to be compared again (after a change of thresholds).
    pub fn mark_all_mentions_pending(&self) -> Result<u64> {
        let mut n = 0;
        let mut writes = Vec::new();
        // Each mention's keys say under which name it is marked.
        for entry in self.link_keys.iter_prefix(&prefix(MENTION_KEYS)) {
            let (key, value) = entry?;
            let id = String::from_utf8_lossy(&key[2..]).into_owned();
            let keys = decode_mention_keys(&id, &value)?;
            let exact = prefix(BLOCK);
            let order = pending_order(keys.iter().filter_map(|k| {
                let block = k.strip_prefix(exact.as_slice())?;
                std::str::from_utf8(&block[..block.len().saturating_sub(id.len() + 1)]).ok()
            }));
            writes.push((pair_key(LINK_PENDING, order, id.as_bytes()), Some(Vec::new())));
            n += 1;
            if writes.len() >= 100_000 {
                self.commit_link_keys(std::mem::take(&mut writes), sled::Batch::default())?;
            }
        }
        self.commit_link_keys(writes, sled::Batch::default())?;
        Ok(n)
    }

    /// Whether a mention's name is known to be shared by different people.
    pub fn has_namesakes(&self, id: &str) -> Result<bool> {
        Ok(self.link_keys.get(&ocid_key(NAMESAKES, id))?.is_some())
    }

    /// Every mention, in id order.
    pub fn mentions(&self) -> impl Iterator<Item = Result<Mention>> + '_ {
        self.link_keys.iter_prefix(&prefix(MENTION)).map(|entry| {
            let (_, bytes) = entry?;
            serde_json::from_slice(&bytes[16.min(bytes.len())..])
                .map_err(|e| StoreError::Corrupt(format!("mention: {e}")))
        })
    }

    /// Mentions in a blocking key's block, at most `limit` + 1 of them (so a caller can tell a block
    /// too common to use).
    pub fn block(&self, key: &str, limit: usize) -> Result<Vec<String>> {
        self.group_ids(pair_prefix(BLOCK, key), limit.saturating_add(1))
    }

    /// Mentions carrying a canonical identifier.
    pub fn mentions_with_identifier(&self, identifier: &str) -> Result<Vec<String>> {
        self.group_ids(pair_prefix(MENTION_IDENTIFIER, identifier), usize::MAX)
    }

    /// The second ids of the keys in a group (`kind`, 0, `a`, 0), at most `limit`.
    fn group_ids(&self, group: Vec<u8>, limit: usize) -> Result<Vec<String>> {
        let found = self.link_keys.scan_group(&group, limit)?;
        Ok(found.into_iter().map(|(key, _)| String::from_utf8_lossy(&key[group.len()..]).into_owned()).collect())
    }

    /// How many identifiers are carried by more than one mention (each such group is one entity).
    pub fn shared_identifier_count(&self) -> Result<u64> {
        let (mut groups, mut last, mut run) = (0u64, Vec::new(), 0u32);
        for entry in self.link_keys.iter_prefix(&prefix(MENTION_IDENTIFIER)) {
            let (key, _) = entry?;
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
        self.commit_link_keys(link_writes(link), sled::Batch::default())
    }

    /// Removes the link between two mentions, if any.
    pub fn remove_link(&self, a: &str, b: &str) -> Result<()> {
        let writes = vec![(pair_key(LINK, a, b.as_bytes()), None), (pair_key(LINK, b, a.as_bytes()), None)];
        self.commit_link_keys(writes, sled::Batch::default())
    }

    /// A mention's links (name links and judgements; identifier links are found through
    /// [`Store::mentions_with_identifier`]).
    pub fn links_of(&self, id: &str) -> Result<Vec<Link>> {
        let group = pair_prefix(LINK, id);
        let mut out = Vec::new();
        for (key, value) in self.link_keys.scan_group(&group, usize::MAX)? {
            let value = self.link_in_full(id, &key[group.len()..], value, &BTreeMap::new())?;
            out.push(decode_link(id, &value)?);
        }
        Ok(out)
    }

    /// The link an entry under `id` stands for: itself, or the link its reference points to under
    /// `other` (looked for first among `held`, writes not yet stored).
    fn link_in_full(
        &self,
        id: &str,
        other: &[u8],
        value: Vec<u8>,
        held: &BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    ) -> Result<Vec<u8>> {
        if value.first() != Some(&REFERENCE) {
            return Ok(value);
        }
        let key = pair_key(LINK, &String::from_utf8_lossy(other), id.as_bytes());
        let value = match held.get(&key) {
            Some(held) => held.clone(),
            None => self.link_keys.get(&key)?,
        };
        value.ok_or_else(|| StoreError::Corrupt(format!("link of {id}: its other end is missing")))
    }

    /// The mentions a mention is linked to with `label`, in id order, read from the label each
    /// end keeps (neither the evidence nor the other end is read): what the search index asks of
    /// every mention.
    pub fn linked_as(&self, id: &str, label: Label) -> Result<Vec<String>> {
        let group = pair_prefix(LINK, id);
        let mut out = Vec::new();
        for (key, value) in self.link_keys.scan_group(&group, usize::MAX)? {
            let stored = match value.as_slice() {
                [2 | REFERENCE, label, ..] => label_from_byte(*label),
                // Written as JSON by an older openreg.
                _ => Some(decode_link(id, &value)?.label),
            };
            if stored.ok_or_else(|| StoreError::Corrupt(format!("link of {id}")))? == label {
                out.push(String::from_utf8_lossy(&key[group.len()..]).into_owned());
            }
        }
        Ok(out)
    }

    /// Every link once, in key order.
    pub fn links(&self) -> impl Iterator<Item = Result<Link>> + '_ {
        self.link_keys.iter_prefix(&prefix(LINK)).filter_map(|entry| {
            let (key, value) = match entry {
                Ok(kv) => kv,
                Err(e) => return Some(Err(e.into())),
            };
            // The link itself is under one end; the other holds a reference to it.
            if value.first() == Some(&REFERENCE) {
                return None;
            }
            let link = match decode_link("", &value) {
                Ok(link) => link,
                Err(e) => return Some(Err(e)),
            };
            // Links written before references were kept in full under both ends; report them under `a`.
            (key.starts_with(&pair_prefix(LINK, &link.a))).then_some(Ok(link))
        })
    }

    /// How many links there are of each label.
    pub fn link_counts(&self) -> Result<std::collections::BTreeMap<String, u64>> {
        let mut by_label = [0u64; 3];
        for entry in self.link_keys.iter_prefix(&prefix(LINK)) {
            let (key, value) = entry?;
            // Counted where the link is kept in full, from its label and first end, without
            // decoding its evidence.
            let label = match value.as_slice() {
                [REFERENCE, ..] => continue,
                [2, label, _score @ ..] if value.len() >= 14 => {
                    let len = u32::from_le_bytes(value[10..14].try_into().expect("4 bytes")) as usize;
                    let a = value.get(14..14 + len).ok_or_else(|| StoreError::Corrupt("link".into()))?;
                    // Links kept in full under both ends (before references) count under `a`.
                    if key[2..].split(|&b| b == 0).next() != Some(a) {
                        continue;
                    }
                    label_from_byte(*label).ok_or_else(|| StoreError::Corrupt("link label".into()))?
                }
                _ => {
                    let link = decode_link("", &value)?;
                    if !key.starts_with(&pair_prefix(LINK, &link.a)) {
                        continue;
                    }
                    link.label
                }
            };
            by_label[label_byte(label) as usize] += 1;
        }
        let mut counts = std::collections::BTreeMap::new();
        for label in [Label::Confirmed, Label::Probable, Label::Possible] {
            if by_label[label_byte(label) as usize] > 0 {
                counts.insert(label.as_str().to_string(), by_label[label_byte(label) as usize]);
            }
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

    /// Moves linking's keys from sled (where stores written before the link runs kept them) to
    /// the runs: copied a chunk at a time, then removed from sled. Copying is idempotent, so a
    /// crash part way leaves keys that the next opening copies again.
    pub(crate) fn move_link_keys_out_of_sled(&self) -> Result<u64> {
        let mut moved = 0;
        for kind in SLED_LINK_KINDS {
            let mut writes = Vec::new();
            for entry in self.db.scan_prefix(prefix(kind)) {
                let (key, value) = entry?;
                writes.push((key.to_vec(), Some(value.to_vec())));
                moved += 1;
                if writes.len() >= 50_000 {
                    self.commit_link_keys(std::mem::take(&mut writes), sled::Batch::default())?;
                }
            }
            self.commit_link_keys(writes, sled::Batch::default())?;
        }
        self.db.flush()?;
        for kind in SLED_LINK_KINDS {
            let mut batch = sled::Batch::default();
            for key in self.db.scan_prefix(prefix(kind)).keys() {
                batch.remove(key?);
            }
            self.db.apply_batch(batch)?;
        }
        self.db.flush()?;
        Ok(moved)
    }
}

/// A mention waiting to be compared. Mentions are compared in the order of their whole name's
/// blocking key (its skeleton), then of their ids: mentions of one name, and of names written
/// alike, come one after another, and so do their candidates, which are then met while still
/// prepared in memory (in id order, the candidates of a world of millions were all over it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub id: String,
    /// The marker's key: the order, then the id.
    key: Vec<u8>,
}

/// The order a mention is compared in: its first whole-name blocking key (`=`), or nothing.
fn pending_order<'b>(blocks: impl Iterator<Item = &'b str>) -> &'b str {
    blocks.filter(|b| b.starts_with('=')).min().unwrap_or("")
}

/// The prefixes of linking's keys, which live in the link runs (stores written before them kept
/// them in sled).
pub(crate) const SLED_LINK_KINDS: [u8; 7] =
    [MENTION, MENTION_KEYS, BLOCK, MENTION_IDENTIFIER, LINK, LINK_PENDING, NAMESAKES];

/// The Bloom key of a link key: its group (`kind`, 0, `a`, 0) for a pair key, so that a block's
/// members, an identifier's mentions and a mention's links are scanned only in the runs that hold
/// some; the whole key otherwise.
pub(crate) fn link_group(key: &[u8]) -> &[u8] {
    match key.get(2..).and_then(|rest| rest.iter().position(|&b| b == 0)) {
        Some(at) => &key[..2 + at + 1],
        None => key,
    }
}

/// Adds an index key unless it is too long to keep (a name of 64 KiB blocks nothing useful).
fn push_index_key(writes: &mut Vec<Write>, key: Vec<u8>) {
    if key.len() <= crate::sorted_runs::MAX_KEY {
        writes.push((key, Some(Vec::new())));
    }
}

fn count(entries: impl Iterator<Item = std::io::Result<(Vec<u8>, Vec<u8>)>>) -> Result<u64> {
    let mut n = 0;
    for entry in entries {
        entry?;
        n += 1;
    }
    Ok(n)
}

/// The format byte of a link's other end: a reference (the format byte, then the label) to the
/// link kept in full under its first end. A link is found from both its ends; kept in full twice,
/// links took half of a linked store.
const REFERENCE: u8 = 3;

fn label_from_byte(byte: u8) -> Option<Label> {
    match byte {
        0 => Some(Label::Confirmed),
        1 => Some(Label::Probable),
        2 => Some(Label::Possible),
        _ => None,
    }
}

fn label_byte(label: Label) -> u8 {
    match label {
        Label::Confirmed => 0,
        Label::Probable => 1,
        Label::Possible => 2,
    }
}

/// The writes that store a link: in full under `a`, a reference under `b`.
fn link_writes(link: &Link) -> Vec<Write> {
    vec![
        (pair_key(LINK, &link.a, link.b.as_bytes()), Some(encode_link(link))),
        (pair_key(LINK, &link.b, link.a.as_bytes()), Some(vec![REFERENCE, label_byte(link.label)])),
    ]
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
    out.push(label_byte(link.label));
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
    let label = label_from_byte(bytes.take(1).ok_or_else(corrupt)?[0]).ok_or_else(corrupt)?;
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
    /// The markers of the mentions compared.
    compared: Vec<Vec<u8>>,
}

impl Store {
    /// Starts holding the writes of comparing mentions (see [`LinkWrites`]).
    pub fn link_writes(&self) -> Result<LinkWrites<'_>> {
        let prefix = prefix(NAMESAKES);
        let mut stored_namesakes = HashSet::new();
        for entry in self.link_keys.iter_prefix(&prefix) {
            stored_namesakes.insert(String::from_utf8_lossy(&entry?.0[prefix.len()..]).into_owned());
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
        let mut out = Vec::new();
        for (other, value) in self.link_entries(id)? {
            out.push(decode_link(id, &self.in_full(id, &other, value)?)?);
        }
        Ok(out)
    }

    /// The mentions a mention is linked to, the held writes included, in id order: what
    /// [`LinkWrites::links_of`] gives without reading the links themselves.
    pub fn linked(&self, id: &str) -> Result<Vec<String>> {
        Ok(self.link_entries(id)?.into_keys().map(|other| String::from_utf8_lossy(&other).into_owned()).collect())
    }

    /// The stored link entries under a mention (other mention's id → value, the link or a
    /// reference to it), held writes included.
    fn link_entries(&self, id: &str) -> Result<BTreeMap<Vec<u8>, Vec<u8>>> {
        let prefix = pair_prefix(LINK, id);
        let mut entries = BTreeMap::new();
        for (key, value) in self.store.link_keys.scan_group(&prefix, usize::MAX)? {
            entries.insert(key[prefix.len()..].to_vec(), value);
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

    /// The link an entry under `id` stands for, the held writes included.
    fn in_full(&self, id: &str, other: &[u8], value: Vec<u8>) -> Result<Vec<u8>> {
        self.store.link_in_full(id, other, value, &self.links)
    }

    /// Replaces a mention's name links by `links` (each with the mention as `a` or `b`). A link
    /// that is already stored as it is now is not written again: each link is found from both its
    /// ends, and rewriting it would cost the store space for nothing.
    pub fn replace_links(&mut self, id: &str, links: &[Link]) -> Result<()> {
        let mut old = self.link_entries(id)?;
        for link in links {
            let other = if link.a == id { &link.b } else { &link.a };
            let value = encode_link(link);
            if let Some(stored) = old.remove(other.as_bytes()) {
                if self.in_full(id, other.as_bytes(), stored)? == value {
                    continue;
                }
            }
            for (key, value) in link_writes(link) {
                self.links.insert(key, value);
            }
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
    pub fn mention_compared(&mut self, pending: &Pending) {
        self.compared.push(pending.key.clone());
    }

    /// Writes everything held in one atomic batch, and starts holding anew. Durable at once.
    pub fn commit(&mut self) -> Result<()> {
        let mut writes: Vec<Write> = std::mem::take(&mut self.links).into_iter().collect();
        for id in &self.namesakes {
            writes.push((ocid_key(NAMESAKES, id), Some(Vec::new())));
        }
        for key in self.compared.drain(..) {
            writes.push((key, None));
        }
        self.store.commit_link_keys(writes, sled::Batch::default())?;
        self.stored_namesakes.extend(std::mem::take(&mut self.namesakes));
        Ok(())
    }
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
    fn stores_with_their_link_keys_in_sled_have_them_moved_on_opening() {
        use openreg_model::link::MentionKind;
        let mention = |id: &str, identifier: &str| Mention {
            id: id.into(),
            kind: MentionKind::Person,
            name: "Tamar Beridze".into(),
            other_names: Vec::new(),
            identifiers: vec![identifier.into()],
            country: None,
            birth_date: None,
            postcode: None,
            role: "test".into(),
        };
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let blocks = vec!["~beridze".to_string()];
        store
            .put_mentions(&[(mention("a", "GE-1"), [1; 16], blocks.clone()), (mention("b", "GE-1"), [2; 16], blocks)])
            .unwrap();
        let link = Link { a: "a".into(), b: "b".into(), label: Label::Probable, score: 0.9, evidence: Vec::new() };
        // Rewrite the store as an older openreg kept it: every link key in sled, each link in full
        // under both its ends (as JSON, as the oldest did), and no link runs.
        let mut legacy = sled::Batch::default();
        for entry in store.link_keys.iter_prefix(b"") {
            let (key, value) = entry.unwrap();
            legacy.insert(key, value);
        }
        legacy.insert(pair_key(LINK, "a", b"b"), serde_json::to_vec(&link).unwrap());
        legacy.insert(pair_key(LINK, "b", b"a"), serde_json::to_vec(&link).unwrap());
        legacy.remove(meta_key(LINK_LOG));
        store.db.apply_batch(legacy).unwrap();
        store.db.flush().unwrap();
        drop(store);
        std::fs::remove_dir_all(dir.path().join("link-keys")).unwrap();

        let store = Store::open(dir.path()).unwrap();
        for kind in SLED_LINK_KINDS {
            assert!(store.db.scan_prefix(prefix(kind)).next().is_none(), "{} left in sled", kind as char);
        }
        assert_eq!(store.mention("b").unwrap().unwrap().1, [2; 16]);
        assert_eq!(store.block("~beridze", 10).unwrap(), ["a", "b"]);
        assert_eq!(store.mentions_with_identifier("GE-1").unwrap(), ["a", "b"]);
        assert_eq!(store.pending_mentions().map(Result::unwrap).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(store.links_of("b").unwrap(), std::slice::from_ref(&link));
        assert_eq!(store.linked_as("b", Label::Probable).unwrap(), ["a"], "read from the JSON");
        assert_eq!(store.link_counts().unwrap(), [("probable".to_string(), 1)].into(), "counted once");
        assert_eq!(
            store.links().map(Result::unwrap).collect::<Vec<_>>(),
            std::slice::from_ref(&link),
            "each link once"
        );
        // Comparing again rewrites the link in today's form: in full under one end only.
        let mut writes = store.link_writes().unwrap();
        let changed = Link { score: 0.95, ..link };
        writes.replace_links("b", std::slice::from_ref(&changed)).unwrap();
        writes.commit().unwrap();
        assert_eq!(store.link_keys.get(&pair_key(LINK, "b", b"a")).unwrap(), Some(vec![REFERENCE, 1]));
        assert_eq!(store.links_of("a").unwrap(), std::slice::from_ref(&changed));
        assert_eq!(store.links_of("b").unwrap(), std::slice::from_ref(&changed));
        assert_eq!(store.linked_as("b", Label::Probable).unwrap(), ["a"], "read from the reference");
        assert_eq!(store.linked_as("a", Label::Probable).unwrap(), ["b"], "read from the link");
        assert!(store.linked_as("a", Label::Confirmed).unwrap().is_empty());
        assert_eq!(store.link_counts().unwrap(), [("probable".to_string(), 1)].into(), "counted once");
        // Kept in full under both ends, in binary, as between the binary form and references.
        let mut writes = store.link_writes().unwrap();
        let possible = Link { a: "a".into(), b: "c".into(), label: Label::Possible, ..changed.clone() };
        writes.replace_links("a", &[changed.clone(), possible.clone()]).unwrap();
        writes.commit().unwrap();
        let both = vec![
            (pair_key(LINK, "a", b"c"), Some(encode_link(&possible))),
            (pair_key(LINK, "c", b"a"), Some(encode_link(&possible))),
        ];
        store.commit_link_keys(both, sled::Batch::default()).unwrap();
        let counts = store.link_counts().unwrap();
        assert_eq!(counts, [("possible".to_string(), 1), ("probable".to_string(), 1)].into());
        let counted_by_decoding = store.links().map(|l| l.unwrap().label).collect::<Vec<_>>();
        assert_eq!(counted_by_decoding, [Label::Probable, Label::Possible]);
        drop(store);
        // Opening again moves nothing: the keys stay where they are.
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.links().count(), 2);
        assert_eq!(store.link_counts().unwrap(), counts);
        assert_eq!(store.mention_count().unwrap(), 2);
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
