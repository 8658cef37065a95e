//! Beneficial-ownership statements in the store: kept losslessly, indexed by the records they link
//! and the identifiers they carry, and read back as the part of the ownership graph a query needs.

use std::collections::{HashSet, VecDeque};

use openreg_model::bods::{Details, Party, Statement};
use openreg_model::identifier::Identifier;
use openreg_model::ownership::OwnershipGraph;
use openreg_model::Problem;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::blobs::Blobs;
use crate::keys::*;
use crate::{Added, Batch, Result, Store, StoreError};

/// Something openreg tolerated in a statement, kept with it (as release warnings are).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementWarning {
    pub pointer: String,
    pub message: String,
}

/// A stored statement: its text exactly as ingested, and what openreg noticed reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStatement {
    pub record_id: String,
    /// First-seen order.
    pub seq: u64,
    /// The statement's `statementDate`, or empty.
    pub date: String,
    pub warnings: Vec<StatementWarning>,
    pub json: Vec<u8>,
}

/// A statement's warning, with the statement and record it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordWarning {
    pub record_id: String,
    pub statement_id: String,
    pub pointer: String,
    pub message: String,
}

/// Reads a statement's envelope, as `releases()` reads a release's, and its body from the blob file
/// (or from the envelope, for statements stored before bodies moved out of sled).
fn decode_statement(blobs: &Blobs, record_id: &str, bytes: &[u8]) -> Result<StoredStatement> {
    let envelope =
        ReleaseEnvelope::decode(bytes).ok_or_else(|| StoreError::Corrupt(format!("statement of {record_id}")))?;
    let corrupt = || StoreError::Corrupt(format!("statement text of {record_id}"));
    let json = match envelope.blob() {
        Some((at, len)) => unpacked_json(&blobs.read(at, len)?).ok_or_else(corrupt)?,
        None => envelope.json().ok_or_else(corrupt)?,
    };
    let warnings = if envelope.warnings.is_empty() { Vec::new() } else { serde_json::from_str(envelope.warnings)? };
    Ok(StoredStatement {
        record_id: record_id.to_string(),
        seq: envelope.seq,
        date: envelope.date.to_string(),
        warnings,
        json,
    })
}

/// An identifier's canonical key, as every dataset's index uses it (see
/// `openreg_model::identifier`): `UA-EDR 37609523`, `UA-EDR-37609523` and
/// `{scheme: UA-EDR, id: 37609523}` are one key.
pub fn canonical_identifier(scheme: &str, id: &str) -> Option<String> {
    Identifier::new(scheme, id).map(|i| i.key())
}

/// Reads an identifier as people type it (`GB-COH-00507062`, `UA-EDR 37609523`) into its key.
pub fn parse_identifier(text: &str) -> Option<String> {
    openreg_model::identifier::parse_identifier(text).map(|i| i.key())
}

/// Adds an index entry (the key is the whole fact) unless its key is too long to keep: an
/// identifier of 64 KiB is not one anybody searches by.
fn index_key(bods: &mut Vec<crate::sorted_runs::Write>, key: Vec<u8>) {
    if key.len() <= crate::sorted_runs::MAX_KEY {
        bods.push((key, Some(Vec::new())));
    }
}

impl Store {
    /// A BODS entry: from the sorted runs, or from sled for a store written before them.
    fn bods_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(value) = self.bods_keys.get(key)? {
            return Ok(Some(value));
        }
        if self.bods_in_sled {
            return Ok(self.db.get(key)?.map(|v| v.to_vec()));
        }
        Ok(None)
    }

    fn bods_contains(&self, key: &[u8]) -> Result<bool> {
        Ok(self.bods_get(key)?.is_some())
    }

    /// BODS entries under `prefix`, in key order, at most `limit`: from the sorted runs and, for a
    /// store written before them, from sled.
    fn bods_scan(&self, prefix: &[u8], limit: usize) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let found = self.bods_keys.scan_prefix(prefix, limit)?;
        if !self.bods_in_sled {
            return Ok(found);
        }
        let mut all: std::collections::BTreeMap<Vec<u8>, Vec<u8>> = found.into_iter().collect();
        for entry in self.db.scan_prefix(prefix).take(limit) {
            let (key, value) = entry?;
            all.entry(key.to_vec()).or_insert_with(|| value.to_vec());
        }
        Ok(all.into_iter().take(limit).collect())
    }

    /// Adds a statement (already read into the model) with its text and what was tolerated in it,
    /// and indexes it.
    pub fn add_statement(
        &self,
        batch: &mut Batch,
        statement: &Statement,
        json: &[u8],
        warnings: &[Problem],
    ) -> Result<Added> {
        let hash: [u8; 16] = blake3::hash(json).as_bytes()[..16].try_into().expect("16 bytes");
        let key = pair_key(STATEMENT, &statement.record_id, &hash);
        if batch.keys.contains(&key) || self.bods_contains(&key)? {
            batch.releases_duplicate += 1;
            return Ok(Added::Duplicate);
        }
        let seq = self.next_seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let warnings = if warnings.is_empty() {
            String::new()
        } else {
            let list: Vec<StatementWarning> = warnings
                .iter()
                .map(|w| StatementWarning { pointer: w.pointer.clone(), message: w.reason.clone() })
                .collect();
            serde_json::to_string(&list)?
        };
        // The body goes to the blob file; sled keeps the envelope and a pointer (see blobs.rs).
        let (at, len) = self.blobs.append(&packed_json(json))?;
        let envelope = ReleaseEnvelope::encode_pointer(
            seq,
            [0; 8],
            statement.statement_date.as_deref().unwrap_or(""),
            &warnings,
            at,
            len,
        );
        batch.bytes += json.len();
        batch.bods.push((key.clone(), Some(envelope)));
        let relationship = matches!(statement.details, Details::Relationship(_));
        batch.statement_order_end = Some(self.statement_order.append(relationship, &key)?);
        for replaced in &statement.replaces {
            index_key(&mut batch.bods, ocid_key(REPLACED, replaced));
        }
        let mut index = |key: Vec<u8>| index_key(&mut batch.bods, key);
        match &statement.details {
            Details::Relationship(r) => {
                if let Party::Record(subject) = &r.subject {
                    index(pair_key(OWNED_VIA, subject, statement.record_id.as_bytes()));
                }
                if let Party::Record(owner) = &r.interested_party {
                    index(pair_key(HOLDS_VIA, owner, statement.record_id.as_bytes()));
                }
            }
            Details::Entity(e) => {
                for i in &e.identifiers {
                    if let (Some(scheme), Some(id)) = (&i.scheme, &i.id) {
                        if let Some(key) = canonical_identifier(scheme, id) {
                            index(pair_key(IDENTIFIER, &key, statement.record_id.as_bytes()));
                        }
                    }
                }
            }
            Details::Person(p) => {
                for i in &p.identifiers {
                    if let (Some(scheme), Some(id)) = (&i.scheme, &i.id) {
                        if let Some(key) = canonical_identifier(scheme, id) {
                            index(pair_key(IDENTIFIER, &key, statement.record_id.as_bytes()));
                        }
                    }
                }
            }
        }
        batch.keys.insert(key);
        batch.releases_new += 1;
        Ok(Added::New)
    }

    /// Every stored statement of a record, in publication order.
    pub fn statements_of(&self, record_id: &str) -> Result<Vec<(Statement, Value)>> {
        let mut out = Vec::new();
        for (_, bytes) in self.bods_scan(&pair_prefix(STATEMENT, record_id), usize::MAX)? {
            let stored = decode_statement(&self.blobs, record_id, &bytes)?;
            let value: Value = serde_json::from_slice(&stored.json)?;
            let statement = openreg_model::bods::parse_statement(&value)
                .map_err(|e| StoreError::Corrupt(format!("statement of {record_id}: {e}")))?;
            out.push((stored.seq, statement, value));
        }
        out.sort_by_key(|(seq, _, _)| *seq);
        Ok(out.into_iter().map(|(_, s, v)| (s, v)).collect())
    }

    /// How many statements are stored, and how many of them are relationships.
    pub fn statement_counts(&self) -> Result<(u64, u64)> {
        let end = self.statement_order_end()?;
        let mut counts = [0u64; 2];
        for relationship in [false, true] {
            for key in self.statement_keys(relationship, end) {
                key?;
                counts[relationship as usize] += 1;
            }
        }
        Ok((counts[0] + counts[1], counts[1]))
    }

    /// Where the order file ends for the batches committed so far (a batch being filled meanwhile
    /// appends after it).
    fn statement_order_end(&self) -> Result<u64> {
        Ok(self
            .db
            .get(meta_key(STATEMENT_ORDER_END))?
            .and_then(|v| v.as_ref().try_into().ok())
            .map_or(0, u64::from_be_bytes))
    }

    /// The keys of one group of statements (entities and persons, or relationships) in export
    /// order, up to `end` of the order file: the keys of a store written before the order file,
    /// then the file's.
    fn statement_keys(&self, relationship: bool, end: u64) -> Box<dyn Iterator<Item = Result<Vec<u8>>> + '_> {
        let mut legacy = prefix(STATEMENT_ORDER).to_vec();
        legacy.push(relationship as u8);
        let legacy = self.db.scan_prefix(legacy).values().map(|key| Ok(key?.to_vec()));
        match self.statement_order.keys(relationship, end) {
            Ok(keys) => Box::new(legacy.chain(keys.map(|key| Ok(key?)))),
            Err(e) => Box::new(legacy.chain(std::iter::once(Err(e.into())))),
        }
    }

    /// Every stored statement, its text exactly as ingested: entities and persons first, then
    /// relationships, each in the order openreg first received them (so that every statement
    /// comes after those it refers to, as BODS asks). One statement is in memory at a time.
    pub fn statements(&self) -> impl Iterator<Item = Result<StoredStatement>> + '_ {
        // One end for both groups: a relationship committed after the entities were read could
        // otherwise refer to an entity the export never wrote.
        let end = self.statement_order_end();
        [false, true]
            .into_iter()
            .flat_map(move |relationship| match &end {
                Ok(end) => self.statement_keys(relationship, *end),
                Err(e) => Box::new(std::iter::once(Err(StoreError::Corrupt(e.to_string())))),
            })
            .map(move |key: Result<Vec<u8>>| {
                let key = key?;
                // A statement key is laid out as a release key: record id where the ocid is.
                let record_id = String::from_utf8_lossy(release_key_ocid(&key)).into_owned();
                let bytes = self.bods_get(&key)?.ok_or_else(|| {
                    StoreError::Corrupt(format!("a statement of {record_id} is in the export order but not stored"))
                })?;
                decode_statement(&self.blobs, &record_id, &bytes)
            })
    }

    /// What openreg tolerated in a record's statements, in publication order.
    pub fn record_warnings(&self, record_id: &str) -> Result<Vec<RecordWarning>> {
        let mut stored = Vec::new();
        for (_, bytes) in self.bods_scan(&pair_prefix(STATEMENT, record_id), usize::MAX)? {
            let statement = decode_statement(&self.blobs, record_id, &bytes)?;
            if !statement.warnings.is_empty() {
                stored.push(statement);
            }
        }
        stored.sort_by_key(|s| s.seq);
        let mut out = Vec::new();
        for statement in stored {
            let value: Value = serde_json::from_slice(&statement.json)?;
            let statement_id = ["statementId", "statementID"]
                .iter()
                .find_map(|k| value.get(*k))
                .map(|id| id.as_str().map(str::to_string).unwrap_or_else(|| id.to_string()))
                .unwrap_or_default();
            out.extend(statement.warnings.into_iter().map(|w| RecordWarning {
                record_id: record_id.to_string(),
                statement_id: statement_id.clone(),
                pointer: w.pointer,
                message: w.message,
            }));
        }
        Ok(out)
    }

    /// Whether the store holds statements about a record.
    pub fn has_record(&self, record_id: &str) -> Result<bool> {
        Ok(!self.bods_scan(&pair_prefix(STATEMENT, record_id), 1)?.is_empty())
    }

    /// Records carrying an identifier (given in any of its spellings).
    pub fn records_with_identifier(&self, identifier: &str) -> Result<Vec<String>> {
        let Some(canonical) = parse_identifier(identifier) else { return Ok(Vec::new()) };
        let prefix = pair_prefix(IDENTIFIER, &canonical);
        let mut out = Vec::new();
        for (key, _) in self.bods_scan(&prefix, usize::MAX)? {
            out.push(String::from_utf8_lossy(&key[prefix.len()..]).into_owned());
        }
        Ok(out)
    }

    /// The part of the register below `owner` (what it holds, what those hold, …), as a graph.
    pub fn ownership_graph_below(&self, owner: &str, max_depth: usize) -> Result<OwnershipGraph> {
        self.ownership_graph(owner, max_depth, HOLDS_VIA)
    }

    /// The part of the register above `subject` (its owners, theirs, and so on, to `max_depth`
    /// layers), as a graph; loaded breadth-first, each record once, so cycles cannot loop.
    pub fn ownership_graph_above(&self, subject: &str, max_depth: usize) -> Result<OwnershipGraph> {
        self.ownership_graph(subject, max_depth, OWNED_VIA)
    }

    /// Loads the graph around `start` along one index (owners or holdings), breadth-first.
    fn ownership_graph(&self, start: &str, max_depth: usize, direction: u8) -> Result<OwnershipGraph> {
        let subject = start;
        let mut statements = Vec::new();
        let mut seen = HashSet::new();
        let mut queue = VecDeque::from([(subject.to_string(), 0usize)]);
        seen.insert(subject.to_string());
        while let Some((record, depth)) = queue.pop_front() {
            statements.extend(self.statements_of(&record)?.into_iter().map(|(s, _)| s));
            if depth >= max_depth {
                continue;
            }
            let prefix = pair_prefix(direction, &record);
            for (key, _) in self.bods_scan(&prefix, usize::MAX)? {
                let relationship = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
                if !seen.insert(relationship.clone()) {
                    continue;
                }
                for (statement, _) in self.statements_of(&relationship)? {
                    if let Details::Relationship(r) = &statement.details {
                        let next = if direction == OWNED_VIA { &r.interested_party } else { &r.subject };
                        if let Party::Record(next) = next {
                            if seen.insert(next.clone()) {
                                queue.push_back((next.clone(), depth + 1));
                            }
                        }
                    }
                    statements.push(statement);
                }
            }
        }
        // 0.2/0.3 statements replaced by statements outside the loaded part still drop out.
        let mut replaced = Vec::new();
        for statement in &statements {
            if self.bods_contains(&ocid_key(REPLACED, &statement.statement_id))? {
                replaced.push(statement.statement_id.clone());
            }
        }
        statements.retain(|s| !replaced.contains(&s.statement_id));
        Ok(OwnershipGraph::from_statements(statements))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_stream_back_as_ingested_referenced_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let texts: [&[u8]; 3] = [
            br#"{"statementId":"s-r","recordId":"r","recordType":"relationship","recordDetails":{"subject":"e","interestedParty":"p"}}"#,
            br#"{"statementId":"s-e","recordId":"e","recordType":"entity","recordDetails":{"name":"E"}}"#,
            br#"{"statementId":"s-p","recordId":"p","recordType":"person","recordDetails":{"personType":"knownPerson"}}"#,
        ];
        let mut batch = store.batch();
        for (i, text) in texts.iter().enumerate() {
            let read = openreg_model::bods::read_statement(&serde_json::from_slice(text).unwrap()).unwrap();
            let warnings = if i == 1 { read.warnings } else { Vec::new() };
            assert_eq!(store.add_statement(&mut batch, &read.statement, text, &warnings).unwrap(), Added::New);
        }
        store.commit(batch, &crate::Checkpoint::default()).unwrap();

        let stored: Vec<StoredStatement> = store.statements().collect::<Result<_>>().unwrap();
        let order: Vec<&str> = stored.iter().map(|s| s.record_id.as_str()).collect();
        assert_eq!(order, ["e", "p", "r"], "entities and persons first, then relationships, each as received");
        for s in &stored {
            assert!(texts.contains(&s.json.as_slice()), "kept byte for byte");
        }
        let messages: Vec<&str> = stored[0].warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(messages, [openreg_model::bods::NO_PUBLICATION_DETAILS, openreg_model::bods::SHORT_ID]);
        assert!(stored[1].warnings.is_empty());
        let warnings = store.record_warnings("e").unwrap();
        assert_eq!(warnings.len(), 2);
        assert_eq!((warnings[0].statement_id.as_str(), warnings[0].pointer.as_str()), ("s-e", "/publicationDetails"));
        assert!(store.record_warnings("p").unwrap().is_empty());
    }

    fn add(store: &Store, batch: &mut Batch, text: &[u8]) -> Added {
        let read = openreg_model::bods::read_statement(&serde_json::from_slice(text).unwrap()).unwrap();
        store.add_statement(batch, &read.statement, text, &[]).unwrap()
    }

    fn exported(store: &Store) -> Vec<String> {
        store.statements().map(|s| s.unwrap().record_id).collect()
    }

    #[test]
    fn a_batch_that_never_committed_leaves_no_place_in_the_export() {
        let dir = tempfile::tempdir().unwrap();
        let entity = br#"{"statementId":"s-e","recordId":"e","recordType":"entity","recordDetails":{"name":"E"}}"#;
        let person = br#"{"statementId":"s-p","recordId":"p","recordType":"person","recordDetails":{"personType":"knownPerson"}}"#;
        {
            let store = Store::open(dir.path()).unwrap();
            let mut batch = store.batch();
            add(&store, &mut batch, entity);
            store.commit(batch, &crate::Checkpoint::default()).unwrap();
            // Appended and even synced (as a later batch's commit would), but never committed.
            let mut lost = store.batch();
            add(&store, &mut lost, person);
            store.statement_order.sync().unwrap();
            assert_eq!(exported(&store), ["e"], "only committed places are read");
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(exported(&store), ["e"]);
        // Ingesting both again stores the lost one, once.
        let mut batch = store.batch();
        assert_eq!(add(&store, &mut batch, entity), Added::Duplicate);
        assert_eq!(add(&store, &mut batch, person), Added::New);
        store.commit(batch, &crate::Checkpoint::default()).unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(exported(&store), ["e", "p"]);
    }

    #[test]
    fn stores_with_their_bods_keys_and_export_order_in_sled_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut batch = store.batch();
        add(&store, &mut batch, br#"{"statementId":"s-r1","recordId":"r1","recordType":"relationship","recordDetails":{"subject":"e2","interestedParty":"e1"}}"#);
        add(
            &store,
            &mut batch,
            br#"{"statementId":"s-e1","recordId":"e1","recordType":"entity","recordDetails":{"name":"E1","identifiers":[{"scheme":"GB-COH","id":"01"}]}}"#,
        );
        store.commit(batch, &crate::Checkpoint::default()).unwrap();
        // Rewrite the store as an older openreg kept it: every BODS key in sled, the export order
        // a sled key each, and neither the sorted runs nor the order file.
        let mut legacy = sled::Batch::default();
        for (key, value) in store.bods_keys.scan_prefix(b"", usize::MAX).unwrap() {
            legacy.insert(key, value);
        }
        for (group, record) in [(1u8, "r1"), (0, "e1")] {
            let (stored, _) = store.bods_keys.scan_prefix(&pair_key(STATEMENT, record, b""), 1).unwrap().remove(0);
            let mut order = prefix(STATEMENT_ORDER).to_vec();
            order.push(group);
            order.extend_from_slice(&(group as u64).to_be_bytes());
            legacy.insert(order, stored);
        }
        legacy.remove(meta_key(STATEMENT_ORDER_END));
        legacy.remove(meta_key(BODS_LOG));
        store.db.apply_batch(legacy).unwrap();
        store.db.flush().unwrap();
        drop(store);
        std::fs::remove_dir_all(dir.path().join("bods-keys")).unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert!(store.has_record("e1").unwrap() && !store.has_record("e2").unwrap());
        assert_eq!(store.records_with_identifier("GB-COH-01").unwrap(), ["e1"]);
        let below = store.ownership_graph_below("e1", 5).unwrap();
        assert!(below.entity("e1").is_some(), "the entity and the relationship it is in are found");
        let holdings = below.holdings("e1", &Default::default());
        assert!(format!("{holdings:?}").contains("r1"), "{holdings:?}");
        assert_eq!(exported(&store), ["e1", "r1"]);
        let mut batch = store.batch();
        add(&store, &mut batch, br#"{"statementId":"s-r2","recordId":"r2","recordType":"relationship","recordDetails":{"subject":"e2","interestedParty":"e1"}}"#);
        add(
            &store,
            &mut batch,
            br#"{"statementId":"s-e2","recordId":"e2","recordType":"entity","recordDetails":{"name":"E2"}}"#,
        );
        store.commit(batch, &crate::Checkpoint::default()).unwrap();
        assert_eq!(exported(&store), ["e1", "e2", "r1", "r2"], "every entity before every relationship");
    }

    #[test]
    fn identifiers_have_one_spelling() {
        let a = canonical_identifier("UA-EDR", "37609523").unwrap();
        assert_eq!(parse_identifier("UA-EDR-37609523").as_deref(), Some(a.as_str()));
        assert_eq!(parse_identifier("UA-EDR 37609523").as_deref(), Some(a.as_str()));
        assert_eq!(parse_identifier("ua-edr-37609523").as_deref(), Some(a.as_str()));
        assert_eq!(canonical_identifier("GB-COH", "SC 115530").as_deref(), Some("GB-COH-SC115530"));
        // One normalisation for every dataset: Companies House numbers are 8 characters.
        assert_eq!(parse_identifier("GB-COH-507062").as_deref(), Some("GB-COH-00507062"));
        assert_eq!(parse_identifier("nothing"), None);
    }
}
