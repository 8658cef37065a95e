//! openreg's search index: contracting processes, organisations, people and donations, found by
//! name in any script, by identifier, with filters, facets and cursors. The only crate that touches
//! tantivy. The store is the source of truth: [`sync`] brings the index up to date from the
//! store's queue, and rebuilds it from scratch when asked.
//!
//! Data flows through the modules in this order: [`analysis`] (how text becomes terms),
//! [`schema`] (the fields), [`document`] (store data → documents), [`sync`] (the queue → the
//! index), [`query`] (what a person types → a tantivy query), [`cursor`] and [`collect`] (pages
//! in a stable order), [`highlight`] (snippets), and [`SearchIndex::search`] tying them together.

pub mod analysis;
pub mod collect;
pub mod cursor;
pub mod document;
pub mod fuzzy;
pub mod highlight;
pub mod query;
pub mod schema;
pub mod sync;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::schema::Value;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

pub use document::{DocKind, SearchDoc};
pub use query::{Filter, FILTERS};
pub use schema::{Fields, SCHEMA_VERSION};

use crate::collect::PageCollector;
use crate::cursor::{search_key, Cursor, FrozenStats};

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("the search index failed: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("the search index directory could not be used: {0}")]
    Io(#[from] std::io::Error),
    #[error("the search index could not be opened: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error(transparent)]
    Store(#[from] openreg_store::StoreError),
    #[error("{0}")]
    Query(String),
    #[error("{0}")]
    Cursor(String),
}

pub type Result<T> = std::result::Result<T, IndexError>;

/// What the index says about itself in each commit: which schema it was built with and how much of
/// the store's queue it has applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexState {
    pub schema: u32,
    /// Queue entries (documents added, replaced or removed) applied since the index was created.
    pub applied: u64,
    pub commits: u64,
    pub committed_at: Option<String>,
}

/// How the index was found on opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    Existing,
    /// There was none: it must be filled from the store.
    Created,
    /// It was built with another schema and was started afresh: it must be filled from the store.
    Replaced,
}

/// The tantivy writer's memory budget: indexing memory stays flat whatever the input's size.
pub const DEFAULT_HEAP_BYTES: usize = 64 << 20;

pub struct SearchIndex {
    index: Index,
    fields: Fields,
    reader: IndexReader,
    writer: Option<IndexWriter>,
    heap_bytes: usize,
    threads: usize,
    state: IndexState,
    dir: PathBuf,
}

/// One search.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub text: String,
    pub kind: Option<DocKind>,
    pub filters: Vec<Filter>,
    pub limit: usize,
    pub cursor: Option<String>,
    pub facets: bool,
    pub snippets: bool,
}

impl SearchRequest {
    pub fn new(text: &str) -> SearchRequest {
        SearchRequest {
            text: text.to_string(),
            kind: None,
            filters: Vec::new(),
            limit: 20,
            cursor: None,
            facets: true,
            snippets: true,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
    /// Organisations, persons and donations have a name; contracts a title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub score: f32,
    /// The best matching passage, with matches between `<b>` and `</b>` (HTML-escaped).
    pub snippet: String,
    pub summary: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub country: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// Every match, on all pages.
    pub total: u64,
    pub hits: Vec<SearchHit>,
    /// Per facet, values with their counts over every match, most frequent first.
    pub facets: BTreeMap<String, Vec<FacetValue>>,
    /// Pass to `--cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Facet values listed per facet, at most.
const FACET_VALUES: usize = 20;

fn register_tokenizers(index: &Index) {
    index.tokenizers().register(analysis::NAMES, TextAnalyzer::from(analysis::NamesTokenizer::default()));
    index.tokenizers().register(analysis::SKELETONS, TextAnalyzer::from(analysis::SkeletonTokenizer::default()));
}

fn read_state(index: &Index) -> Result<Option<IndexState>> {
    let metas = index.load_metas()?;
    Ok(metas.payload.as_deref().and_then(|p| serde_json::from_str(p).ok()))
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it if missing. An index built with another schema
    /// version, or never committed, is removed and created afresh ([`Opened::Replaced`]).
    pub fn open(dir: &Path) -> Result<(SearchIndex, Opened)> {
        let (schema, fields) = schema::build();
        std::fs::create_dir_all(dir)?;
        let mut opened = Opened::Existing;
        let directory = MmapDirectory::open(dir)?;
        if Index::exists(&directory).map_err(|e| IndexError::Query(format!("the search index: {e}")))? {
            let existing = Index::open(directory.clone())?;
            let state = read_state(&existing)?;
            if state.as_ref().map(|s| s.schema) != Some(SCHEMA_VERSION) || existing.schema() != schema {
                drop(existing);
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                opened = Opened::Replaced;
            }
        } else {
            opened = Opened::Created;
        }
        let directory = MmapDirectory::open(dir)?;
        let index = Index::open_or_create(directory, schema)?;
        register_tokenizers(&index);
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let state = read_state(&index)?.unwrap_or(IndexState { schema: SCHEMA_VERSION, ..Default::default() });
        let search_index = SearchIndex {
            index,
            fields,
            reader,
            writer: None,
            heap_bytes: DEFAULT_HEAP_BYTES,
            threads: 1,
            state,
            dir: dir.to_path_buf(),
        };
        // A new index records its schema with its first commit ([`SearchIndex::commit`]); until
        // then it opens as `Replaced` again, so whoever fills it is asked to again.
        Ok((search_index, opened))
    }

    /// The writer's memory budget and indexing threads (before the first write).
    pub fn set_writer(&mut self, heap_bytes: usize, threads: usize) {
        self.heap_bytes = heap_bytes;
        self.threads = threads.max(1);
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    pub fn state(&self) -> &IndexState {
        &self.state
    }

    fn writer(&mut self) -> Result<&mut IndexWriter> {
        if self.writer.is_none() {
            // tantivy asks for at least 15 MB per thread.
            let heap = self.heap_bytes.max((self.threads * 16) << 20);
            self.writer = Some(self.index.writer_with_num_threads(self.threads, heap)?);
        }
        Ok(self.writer.as_mut().expect("just made"))
    }

    /// Adds a document, replacing any with the same id.
    pub fn upsert(&mut self, doc: &SearchDoc) -> Result<()> {
        let tantivy_doc = doc.to_tantivy(&self.fields);
        let id = self.fields.id;
        let writer = self.writer()?;
        writer.delete_term(Term::from_field_text(id, &doc.id));
        writer.add_document(tantivy_doc)?;
        Ok(())
    }

    /// Adds a document known to be new (no delete first: for bulk loads into an empty index).
    pub fn add_new(&mut self, doc: &SearchDoc) -> Result<()> {
        let tantivy_doc = doc.to_tantivy(&self.fields);
        self.writer()?.add_document(tantivy_doc)?;
        Ok(())
    }

    /// Adds a document already made into a tantivy document (built on another thread), known to
    /// be new.
    pub fn add_prepared(&mut self, doc: TantivyDocument) -> Result<()> {
        self.writer()?.add_document(doc)?;
        Ok(())
    }

    pub fn delete(&mut self, id: &str) -> Result<()> {
        let term = Term::from_field_text(self.fields.id, id);
        self.writer()?.delete_term(term);
        Ok(())
    }

    /// Removes every organisation or person document that merges `mention`.
    pub fn delete_member(&mut self, mention: &str) -> Result<()> {
        let term = Term::from_field_text(self.fields.member, mention);
        self.writer()?.delete_term(term);
        Ok(())
    }

    /// Removes every document (a rebuild).
    pub fn delete_all(&mut self) -> Result<()> {
        self.writer()?.delete_all_documents()?;
        Ok(())
    }

    /// Commits what was written, recording `applied` more queue entries in the commit, and makes it
    /// visible to searches.
    pub fn commit(&mut self, applied: u64) -> Result<()> {
        let mut state = self.state.clone();
        state.schema = SCHEMA_VERSION;
        state.applied += applied;
        state.commits += 1;
        state.committed_at = Some(openreg_store::time::now_rfc3339());
        let payload = serde_json::to_string(&state).expect("the state serialises");
        let writer = self.writer()?;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.reader.reload()?;
        self.state = state;
        Ok(())
    }

    /// Merges every segment into one (after a bulk load: a query then reads one dictionary per
    /// field instead of one per segment). Streams; memory stays flat.
    pub fn optimize(&mut self) -> Result<()> {
        // Background merges first (a segment may only be in one merge), then one merge of all.
        self.finish()?;
        let ids = self.index.searchable_segment_ids()?;
        if ids.len() > 1 {
            let writer = self.writer()?;
            writer.set_merge_policy(Box::new(tantivy::merge_policy::NoMergePolicy));
            writer.merge(&ids).wait()?;
            self.finish()?;
            self.reader.reload()?;
        }
        Ok(())
    }

    /// Waits for background merges, then releases the writer.
    pub fn finish(&mut self) -> Result<()> {
        if let Some(writer) = self.writer.take() {
            writer.wait_merging_threads()?;
        }
        Ok(())
    }

    /// Segments searched (fewer is faster to search).
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Documents searchable now.
    pub fn documents(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Bytes the index takes on disk.
    pub fn disk_bytes(&self) -> u64 {
        fn walk(dir: &Path) -> u64 {
            std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => walk(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        }
        walk(&self.dir)
    }

    /// Whether any organisation or person document is searchable (as last committed).
    pub fn has_entities(&self) -> Result<bool> {
        let searcher = self.reader.searcher();
        for kind in [DocKind::Organization, DocKind::Person] {
            let query = tantivy::query::TermQuery::new(
                Term::from_field_text(self.fields.kind, kind.as_str()),
                tantivy::schema::IndexRecordOption::Basic,
            );
            if searcher.search(&query, &tantivy::collector::Count)? > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The mentions merged into the documents that merge `mention` (as last committed).
    pub fn members_with(&self, mention: &str) -> Result<Vec<String>> {
        let searcher = self.reader.searcher();
        let query = tantivy::query::TermQuery::new(
            Term::from_field_text(self.fields.member, mention),
            tantivy::schema::IndexRecordOption::Basic,
        );
        let addresses = searcher.search(&query, &tantivy::collector::DocSetCollector)?;
        let mut out = Vec::new();
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            out.extend(doc.get_all(self.fields.member).filter_map(|v| v.as_str().map(str::to_string)));
        }
        Ok(out)
    }

    /// Runs a search: a page of hits in a stable order (score, then id), the total, facets and the
    /// cursor of the next page.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults> {
        let mut filters = request.filters.clone();
        if let Some(kind) = request.kind {
            filters.push(Filter { field: "type".into(), value: kind.as_str().into() });
        }
        let key_filters: Vec<(String, String)> = filters.iter().map(|f| (f.field.clone(), f.value.clone())).collect();
        let key = search_key(&request.text, &key_filters);
        let searcher = self.reader.searcher();
        let cursor = match &request.cursor {
            Some(text) => {
                let cursor = Cursor::decode(text)?;
                if cursor.q != key {
                    return Err(IndexError::Cursor(
                        "this cursor belongs to another search: give the same query, --type and --filter as for the first page"
                            .into(),
                    ));
                }
                Some(cursor)
            }
            None => None,
        };
        // Typos expand into the index's words on the first page; later pages reuse those words.
        let replay = cursor.is_some();
        let mut expansions = cursor.as_ref().map(|c| c.x.clone()).unwrap_or_default();
        let query = query::build(&self.fields, &request.text, &filters, &mut |field, word, distance| {
            let key = format!("{}:{word}:{distance}", field.field_id());
            if let Some(list) = expansions.get(&key) {
                return Ok(list.clone());
            }
            let list = if replay { Vec::new() } else { fuzzy::expand(&searcher, field, word, distance)? };
            expansions.insert(key, list.clone());
            Ok(list)
        })?;
        let (stats, after) = match cursor {
            Some(cursor) => {
                let after = Some((cursor.score(), cursor.id.clone()));
                (cursor.stats, after)
            }
            None => (FrozenStats::take(&searcher, query.as_ref())?, None),
        };
        let limit = request.limit.max(1);
        let collector =
            PageCollector { after, limit, facets: if request.facets { schema::FACETS.to_vec() } else { Vec::new() } };
        let page = searcher.search_with_statistics_provider(query.as_ref(), &collector, &stats)?;
        let next_cursor = match page.hits.last() {
            Some(last) if page.remaining > page.hits.len() as u64 => Some(
                Cursor {
                    v: 1,
                    q: key,
                    s: last.score.to_bits(),
                    id: last.id.clone(),
                    stats: stats.clone(),
                    x: expansions.clone(),
                }
                .encode(),
            ),
            _ => None,
        };
        let highlighter = request.snippets.then(|| highlight::Highlighter::new(&request.text));
        let f = &self.fields;
        let mut hits = Vec::with_capacity(page.hits.len());
        for hit in &page.hits {
            let doc: TantivyDocument = searcher.doc(hit.address)?;
            let text = |field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_string);
            let all = |field| doc.get_all(field).filter_map(|v| v.as_str().map(str::to_string)).collect::<Vec<_>>();
            let kind = DocKind::parse(&text(f.kind).unwrap_or_default()).unwrap_or(DocKind::Organization);
            let display = text(f.display).unwrap_or_default();
            let summary = text(f.summary).unwrap_or_default();
            let snippet = match &highlighter {
                Some(h) => {
                    let mut values = all(f.name);
                    values.extend(all(f.parties));
                    values.extend(all(f.text));
                    h.snippet(&values).unwrap_or_else(|| highlight::escape(&summary))
                }
                None => String::new(),
            };
            let date = doc.get_first(f.date).and_then(|v| v.as_datetime()).map(|d| {
                let days = d.into_timestamp_secs().div_euclid(86_400);
                document::civil_from_days(days)
            });
            hits.push(SearchHit {
                kind: kind.as_str(),
                id: hit.id.clone(),
                name: (kind != DocKind::Contract).then(|| display.clone()),
                title: (kind == DocKind::Contract).then_some(display),
                score: hit.score,
                snippet,
                summary,
                country: all(f.country),
                date,
                value: doc.get_first(f.value).and_then(|v| v.as_f64()),
                currency: text(f.currency),
            });
        }
        let mut facets = BTreeMap::new();
        for (name, values) in page.facets {
            let mut list: Vec<FacetValue> =
                values.into_iter().map(|(value, count)| FacetValue { value, count }).collect();
            list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            list.truncate(FACET_VALUES);
            facets.insert(name.to_string(), list);
        }
        Ok(SearchResults { total: page.total, hits, facets, next_cursor })
    }
}
