//! Prints what a search index holds, independent of how it was written (segments, deletes, order):
//! every live document's stored fields, sorted by id, then for every indexed field a digest of its
//! terms and the ids of the live documents holding each term. Two indexes built differently from
//! the same store print the same text.
//!
//!   cargo run --release -p openreg-index --example dump_index -- DATA_DIR/search > dump.txt

use std::collections::BTreeMap;

use tantivy::schema::{FieldType, IndexRecordOption, Value};
use tantivy::{DocSet, Document, Index, TantivyDocument, TERMINATED};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: dump_index INDEX_DIR")?;
    let index = Index::open_in_dir(&dir)?;
    let schema = index.schema();
    let id_field = schema.get_field("id")?;
    let searcher = index.reader()?.searcher();
    // Each live document's id, per segment, to name postings by document id.
    let mut ids: Vec<Vec<Option<String>>> = Vec::new();
    let mut docs: BTreeMap<String, String> = BTreeMap::new();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let store = segment.get_store_reader(64)?;
        let mut seg_ids = vec![None; segment.max_doc() as usize];
        for doc_id in 0..segment.max_doc() {
            if segment.is_deleted(doc_id) {
                continue;
            }
            let doc: TantivyDocument = store.get(doc_id)?;
            let id = doc.get_first(id_field).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let json = doc.to_json(&schema);
            if docs.insert(id.clone(), json).is_some() {
                eprintln!("duplicate id {id} (segment {ord})");
            }
            seg_ids[doc_id as usize] = Some(id);
        }
        ids.push(seg_ids);
    }
    println!("documents {}", docs.len());
    for (id, json) in &docs {
        println!("doc {id} {json}");
    }
    for (field, entry) in schema.fields() {
        if !entry.is_indexed() {
            continue;
        }
        let option = match entry.field_type() {
            FieldType::Str(_) => IndexRecordOption::Basic,
            _ => IndexRecordOption::Basic,
        };
        let mut postings: BTreeMap<Vec<u8>, Vec<String>> = BTreeMap::new();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let inverted = segment.inverted_index(field)?;
            let mut stream = inverted.terms().stream()?;
            while stream.advance() {
                let term = stream.key().to_vec();
                let mut docset = inverted.read_postings_from_terminfo(stream.value(), option)?;
                let mut doc = docset.doc();
                while doc != TERMINATED {
                    if let Some(id) = &ids[ord][doc as usize] {
                        postings.entry(term.clone()).or_default().push(id.clone());
                    }
                    doc = docset.advance();
                }
            }
        }
        let mut hasher = blake3::Hasher::new();
        let mut pairs = 0usize;
        for (term, mut holders) in postings.iter().map(|(t, h)| (t, h.clone())) {
            holders.sort();
            pairs += holders.len();
            hasher.update(term);
            hasher.update(&[0]);
            for holder in holders {
                hasher.update(holder.as_bytes());
                hasher.update(&[0]);
            }
            hasher.update(&[1]);
        }
        println!("field {} terms {} postings {pairs} digest {}", entry.name(), postings.len(), hasher.finalize());
    }
    Ok(())
}
