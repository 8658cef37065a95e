//! Beneficial-ownership statements in the store: kept losslessly, indexed by the records they link
//! and the identifiers they carry, and read back as the part of the ownership graph a query needs.

use std::collections::{HashSet, VecDeque};

use openreg_model::bods::{Details, Party, Statement};
use openreg_model::ownership::OwnershipGraph;
use serde_json::Value;

use crate::keys::*;
use crate::{Added, Batch, Result, Store, StoreError};

/// An identifier reduced to one spelling: scheme upper-cased, the id without spaces, and
/// `UA-EDR 37609523`, `UA-EDR-37609523` and `{scheme: UA-EDR, id: 37609523}` all the same.
pub fn canonical_identifier(scheme: &str, id: &str) -> String {
    let scheme = scheme.trim().to_ascii_uppercase();
    let id: String = id.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let id = id.strip_prefix(&format!("{scheme}-")).unwrap_or(&id).to_string();
    format!("{scheme}-{id}")
}

/// Reads an identifier as people type it: `GB-COH-00507062`, `UA-EDR 37609523`, `XI-LEI-…`.
/// The scheme is the first two dash-separated parts.
pub fn parse_identifier(text: &str) -> Option<String> {
    let text = text.trim();
    let (scheme, id) = match text.split_once(' ') {
        Some((scheme, id)) if scheme.matches('-').count() == 1 => (scheme.to_string(), id.to_string()),
        _ => {
            let mut parts = text.splitn(3, '-');
            let (a, b, id) = (parts.next()?, parts.next()?, parts.next()?);
            (format!("{a}-{b}"), id.to_string())
        }
    };
    (scheme.len() >= 4 && !id.trim().is_empty()).then(|| canonical_identifier(&scheme, &id))
}

impl Store {
    /// Adds a statement (already read into the model) with its text, and indexes it.
    pub fn add_statement(&self, batch: &mut Batch, statement: &Statement, json: &[u8]) -> Result<Added> {
        let hash: [u8; 16] = blake3::hash(json).as_bytes()[..16].try_into().expect("16 bytes");
        let key = pair_key(STATEMENT, &statement.record_id, &hash);
        if batch.keys.contains(&key) || self.db.contains_key(&key)? {
            batch.releases_duplicate += 1;
            return Ok(Added::Duplicate);
        }
        let seq = self.next_seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let envelope =
            ReleaseEnvelope::encode(seq, [0; 8], statement.statement_date.as_deref().unwrap_or(""), "", json);
        batch.bytes += json.len();
        batch.batch.insert(key.clone(), envelope);
        for replaced in &statement.replaces {
            batch.batch.insert(ocid_key(REPLACED, replaced), &[][..]);
        }
        let mut index = |key: Vec<u8>| batch.batch.insert(key, &[][..]);
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
                        index(pair_key(IDENTIFIER, &canonical_identifier(scheme, id), statement.record_id.as_bytes()));
                    }
                }
            }
            Details::Person(p) => {
                for i in &p.identifiers {
                    if let (Some(scheme), Some(id)) = (&i.scheme, &i.id) {
                        index(pair_key(IDENTIFIER, &canonical_identifier(scheme, id), statement.record_id.as_bytes()));
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
        for entry in self.db.scan_prefix(pair_prefix(STATEMENT, record_id)) {
            let (_, bytes) = entry?;
            let envelope = ReleaseEnvelope::decode(&bytes)
                .ok_or_else(|| StoreError::Corrupt(format!("statement of {record_id}")))?;
            let json = envelope.json().ok_or_else(|| StoreError::Corrupt(format!("statement text of {record_id}")))?;
            let value: Value = serde_json::from_slice(&json)?;
            let statement = openreg_model::bods::parse_statement(&value)
                .map_err(|e| StoreError::Corrupt(format!("statement of {record_id}: {e}")))?;
            out.push((envelope.seq, statement, value));
        }
        out.sort_by_key(|(seq, _, _)| *seq);
        Ok(out.into_iter().map(|(_, s, v)| (s, v)).collect())
    }

    /// Whether the store holds statements about a record.
    pub fn has_record(&self, record_id: &str) -> Result<bool> {
        Ok(self.db.scan_prefix(pair_prefix(STATEMENT, record_id)).next().transpose()?.is_some())
    }

    /// Records carrying an identifier (given in any of its spellings).
    pub fn records_with_identifier(&self, identifier: &str) -> Result<Vec<String>> {
        let Some(canonical) = parse_identifier(identifier) else { return Ok(Vec::new()) };
        let prefix = pair_prefix(IDENTIFIER, &canonical);
        let mut out = Vec::new();
        for entry in self.db.scan_prefix(&prefix) {
            let (key, _) = entry?;
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
            for entry in self.db.scan_prefix(&prefix) {
                let (key, _) = entry?;
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
            if self.db.contains_key(ocid_key(REPLACED, &statement.statement_id))? {
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
    fn identifiers_have_one_spelling() {
        let a = canonical_identifier("UA-EDR", "37609523");
        assert_eq!(parse_identifier("UA-EDR-37609523").as_deref(), Some(a.as_str()));
        assert_eq!(parse_identifier("UA-EDR 37609523").as_deref(), Some(a.as_str()));
        assert_eq!(parse_identifier("ua-edr-37609523").as_deref(), Some(a.as_str()));
        assert_eq!(canonical_identifier("GB-COH", "SC 115530"), "GB-COH-SC115530");
        assert_eq!(parse_identifier("nothing"), None);
    }
}
