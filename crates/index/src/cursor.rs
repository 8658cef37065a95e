//! Keyset pagination that neither skips nor repeats a hit while documents are added.
//!
//! Hits are ordered by score, then id. A cursor is the last hit's (score, id): the next page is the
//! hits strictly after it. That alone is not enough, because BM25 scores move when documents are
//! added (a word's rarity, and the average length of a field, change), so a hit could jump from
//! after the cursor to before it and never be shown. The cursor therefore also carries the
//! statistics the first page was scored with (the number of documents, each field's number of
//! tokens, each query term's document frequency), and every later page is scored with those same
//! statistics ([`FrozenStats`], a tantivy `Bm25StatisticsProvider`). A document's score then
//! depends only on its own content, and the order is fixed for the whole walk.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use tantivy::query::{Bm25StatisticsProvider, Query};
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use crate::IndexError;

/// The statistics a search is scored with, taken once on its first page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FrozenStats {
    #[serde(rename = "n")]
    pub total_num_docs: u64,
    /// Field id → tokens in that field over all documents.
    #[serde(rename = "t")]
    pub tokens: BTreeMap<u32, u64>,
    /// Field id → term text → documents holding it.
    #[serde(rename = "d")]
    pub doc_freqs: BTreeMap<u32, BTreeMap<String, u64>>,
}

impl FrozenStats {
    /// The statistics the searcher holds now for the terms of `query`.
    pub fn take(searcher: &Searcher, query: &dyn Query) -> Result<FrozenStats, IndexError> {
        let mut terms: Vec<Term> = Vec::new();
        query.query_terms(&mut |term, _| terms.push(term.clone()));
        let mut stats = FrozenStats { total_num_docs: searcher.total_num_docs()?, ..Default::default() };
        for term in terms {
            let field = term.field();
            if let std::collections::btree_map::Entry::Vacant(e) = stats.tokens.entry(field.field_id()) {
                e.insert(searcher.total_num_tokens(field)?);
            }
            let Some(text) = term.value().as_str().map(str::to_string) else { continue };
            let df = searcher.doc_freq(&term)?;
            stats.doc_freqs.entry(field.field_id()).or_default().insert(text, df);
        }
        Ok(stats)
    }
}

impl Bm25StatisticsProvider for FrozenStats {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        Ok(self.tokens.get(&field.field_id()).copied().unwrap_or(0))
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.total_num_docs)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        let value = term.value();
        let text = value.as_str().unwrap_or_default();
        Ok(self.doc_freqs.get(&term.field().field_id()).and_then(|m| m.get(text)).copied().unwrap_or(0))
    }
}

/// Where the next page starts, and how the walk is scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// Format version.
    pub v: u32,
    /// A fingerprint of the query, type and filters the cursor belongs to.
    pub q: String,
    /// The last hit's score (the bits of the f32, exactly) and id.
    pub s: u32,
    pub id: String,
    pub stats: FrozenStats,
    /// The words each misspelt query word was expanded into on the first page (see
    /// [`crate::fuzzy`]), keyed by field, word and distance.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub x: BTreeMap<String, Vec<(String, u8)>>,
}

impl Cursor {
    pub fn score(&self) -> f32 {
        f32::from_bits(self.s)
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).expect("a cursor serialises"))
    }

    pub fn decode(text: &str) -> Result<Cursor, IndexError> {
        let bad = || IndexError::Cursor("this cursor is damaged: copy `next_cursor` from the last page exactly".into());
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| bad())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if cursor.v != 1 {
            return Err(bad());
        }
        Ok(cursor)
    }
}

/// The fingerprint of a search, so that a cursor is never used with another query.
pub fn search_key(text: &str, filters: &[(String, String)]) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(text.trim().as_bytes());
    let mut sorted = filters.to_vec();
    sorted.sort();
    for (field, value) in sorted {
        hasher.update(&[0]);
        hasher.update(field.as_bytes());
        hasher.update(&[1]);
        hasher.update(value.as_bytes());
    }
    hasher.finalize().to_hex()[..16].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_damage() {
        let mut stats = FrozenStats { total_num_docs: 7, ..Default::default() };
        stats.tokens.insert(3, 40);
        stats.doc_freqs.entry(3).or_default().insert("kovalenko".into(), 2);
        let cursor = Cursor {
            v: 1,
            q: search_key("x", &[]),
            s: 1.5f32.to_bits(),
            id: "person/a".into(),
            stats,
            x: BTreeMap::from([("7:kovalenko:2".to_string(), vec![("kovalenka".to_string(), 1)])]),
        };
        let text = cursor.encode();
        assert_eq!(Cursor::decode(&text).unwrap(), cursor);
        assert!(Cursor::decode("not a cursor").is_err());
        assert_ne!(search_key("x", &[]), search_key("y", &[]));
        assert_eq!(
            search_key("x", &[("a".into(), "1".into()), ("b".into(), "2".into())]),
            search_key("x", &[("b".into(), "2".into()), ("a".into(), "1".into())])
        );
    }
}
