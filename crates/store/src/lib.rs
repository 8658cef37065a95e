//! openreg's store: every release kept losslessly in sled, compiled records kept up to date as
//! releases arrive, and a quarantine for input that could not be used. The only crate that touches sled.

mod append_file;
mod blobs;
mod donations;
mod flags;
mod index_queue;
mod keys;
mod links;
pub mod owners;
mod search_support;
mod sorted_runs;
mod statement_order;
pub use flags::FlagChanges;
pub use links::{LinkWrites, Pending};
pub mod time;

use std::collections::{HashMap, HashSet};

/// Hashing on the ingest path (a key per release): fast and still seeded per process.
type FastHash = foldhash::fast::RandomState;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use openreg_model::{Light, MergeRules, Merger, Problem};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use keys::*;
pub use keys::{hash64, CompiledEnvelope, ReleaseEnvelope};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store could not be opened or written: {0}")]
    Sled(#[from] sled::Error),
    #[error("the store holds an entry it cannot read ({0}); it may be from a newer openreg")]
    Corrupt(String),
    #[error("JSON error in the store: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the store's body file could not be read or written: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Something an ingest could not use, with where it was and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineEntry {
    /// The file (or `-` for standard input).
    pub source: String,
    /// Byte offset in the (decompressed, UTF-8) text, and line.
    pub offset: u64,
    pub line: u64,
    /// JSON pointer to the bad part, from the top of the value the input held there.
    pub pointer: String,
    pub reason: String,
    /// The bad text, cut at 64 KiB.
    pub raw: String,
    pub recorded_at: String,
}

/// Whether a release was new to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    New,
    Duplicate,
}

/// Writes gathered for one atomic commit.
pub struct Batch {
    batch: sled::Batch,
    keys: HashSet<Vec<u8>, FastHash>,
    pub releases_new: u64,
    pub releases_duplicate: u64,
    pub bytes: usize,
    /// Where the statement order file ends after this batch's statements, if it has any.
    statement_order_end: Option<u64>,
    /// BODS keys and values (statements and their indexes), for the sorted runs (see sorted_runs.rs).
    bods: Vec<sorted_runs::Write>,
    /// The ocids with releases in this batch, and whether the store held releases of theirs before.
    ocids: HashMap<String, Fresh, FastHash>,
    /// What the batches before this one write, while they may not be applied yet.
    unapplied: Vec<Arc<Unapplied>>,
}

/// An ocid's releases in a batch.
enum Fresh {
    /// The store held none of its releases before this batch, and the merge rules of each release
    /// here are known: it compiles at commit, from these texts (in arrival order), in the same
    /// atomic write as its releases, without reading them back.
    Compile { releases: Vec<FreshRelease> },
    /// Compiled from those texts already (see [`Store::compile_batch`]).
    Compiled,
    /// It goes through its dirty marker: compiled from the store after reading.
    Marked,
}

/// A release text kept in its batch for compiling, and whether its package is OCDS 1.0.
struct FreshRelease {
    json: Vec<u8>,
    ocds_1_0: bool,
}

/// The keys and ocids of a batch handed over for commit, for the batch built while it is applied.
struct Unapplied {
    keys: HashSet<Vec<u8>, FastHash>,
    ocids: HashSet<String, FastHash>,
}

/// What a release's package says of its OCDS version, when the release is added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageVersion {
    /// A package without `version`: OCDS 1.0.
    Ocds1_0,
    /// A package with `version`, a record, or no package at all.
    Ocds1_1,
    /// Not known yet (the package's `version` may come after its releases).
    Unknown,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// What an ingest has had acknowledged so far: written in the same atomic batch as the data, so after
/// a crash it says exactly what the store holds from that run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub started_at: String,
    pub sources: Vec<String>,
    pub batches: u64,
    pub releases_new: u64,
    pub releases_duplicate: u64,
    pub quarantined: u64,
    pub finished: bool,
}

/// The outcome of compiling the ocids that had new releases.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CompileSummary {
    pub records_compiled: u64,
    pub records_from_publisher: u64,
    pub records_not_compiled: u64,
    pub warnings: u64,
}

/// A record as stored: its releases in date order, its compiled release, and what the merge said.
#[derive(Debug, Clone)]
pub struct StoredRecord {
    pub ocid: String,
    pub releases: Vec<Value>,
    pub linked_releases: Vec<Value>,
    pub compiled_release: Option<Value>,
    pub compiled_by_publisher: bool,
    pub warnings: Vec<Value>,
}

impl StoredRecord {
    /// The OCDS record: `ocid`, `releases` (full, then linked) and `compiledRelease`.
    pub fn to_ocds(&self, versioned: Option<Value>) -> Value {
        let mut record = Map::new();
        record.insert("ocid".into(), Value::String(self.ocid.clone()));
        let releases: Vec<Value> = self.releases.iter().chain(&self.linked_releases).cloned().collect();
        record.insert("releases".into(), Value::Array(releases));
        if let Some(compiled) = &self.compiled_release {
            record.insert("compiledRelease".into(), compiled.clone());
        }
        if let Some(versioned) = versioned {
            record.insert("versionedRelease".into(), versioned);
        }
        Value::Object(record)
    }
}

/// Counts that describe the store.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub releases: u64,
    pub ocids: u64,
    pub records_compiled: u64,
    pub records_from_publisher: u64,
    pub records_not_compiled: u64,
    pub awaiting_compile: u64,
    pub packages: u64,
    pub quarantined: u64,
    pub earliest_date: Option<String>,
    pub latest_date: Option<String>,
    pub last_ingest: Option<Checkpoint>,
    /// BODS statements, and how many of them are relationships (the rest: entities and persons).
    pub statements: u64,
    pub relationship_statements: u64,
    pub donations: u64,
    /// Parties, owners and donors gathered for linking, and those not compared yet.
    pub mentions: u64,
    pub mentions_pending: u64,
    /// Name links by label (identifier agreement is not stored as links: see `identifier_groups`).
    pub links: std::collections::BTreeMap<String, u64>,
    /// Identifiers carried by more than one mention: each group is one entity.
    pub identifier_groups: u64,
    pub judgements: u64,
    pub flags: u64,
    /// Documents changed in the store and not yet in the search index.
    pub search_waiting: u64,
    pub disk_bytes: u64,
}

/// Where a sorted runs' log ended after the last committed batch, as recorded under `name`:
/// generation and end, 8 bytes each, big-endian.
fn log_place(db: &sled::Db, name: &str) -> Result<Option<(u64, u64)>> {
    match db.get(meta_key(name))? {
        None => Ok(None),
        Some(v) if v.len() == 16 => Ok(Some((
            u64::from_be_bytes(v[..8].try_into().expect("8 bytes")),
            u64::from_be_bytes(v[8..].try_into().expect("8 bytes")),
        ))),
        Some(_) => Err(StoreError::Corrupt(format!("the end of a log ({name})"))),
    }
}

/// What [`log_place`] reads: the log's generation and end, 8 bytes each, big-endian.
fn log_place_value(generation: u64, end: u64) -> Vec<u8> {
    let mut place = generation.to_be_bytes().to_vec();
    place.extend_from_slice(&end.to_be_bytes());
    place
}

pub struct Store {
    db: sled::Db,
    /// Bodies too many to keep in sled (release texts, BODS statements): see blobs.rs.
    blobs: blobs::Blobs,
    /// The order statements are exported in: see statement_order.rs.
    statement_order: statement_order::StatementOrder,
    /// BODS statements and their indexes: see sorted_runs.rs.
    bods_keys: sorted_runs::SortedRuns,
    /// Whether sled holds BODS keys too (a store written before the sorted runs): reads then look
    /// in both.
    bods_in_sled: bool,
    /// Linking's keys (mentions, blocking keys, links, markers): see sorted_runs.rs and links.rs.
    link_keys: sorted_runs::SortedRuns,
    /// Commits of linking's keys go one at a time: each records where the runs' log ends.
    link_commit: std::sync::Mutex<()>,
    next_seq: AtomicU64,
    rules_1_1: Merger,
    rules_1_0: Merger,
}

/// How many batches may be handed over for commit, and not yet applied, while the next one fills
/// (see [`Store::batch_after`]): one being compiled while the one before it is applied.
pub const IN_FLIGHT: usize = 2;

/// How much memory sled may use for its page cache: the ingest's memory must stay flat and small.
/// sled's real use is several times this (its issue #1036); 16 MB kept a 1 GB ingest at 216 MB
/// peak RSS, against 278 MB with 64 MB, at the same speed.
pub const CACHE_BYTES: u64 = 16 * 1024 * 1024;

impl Store {
    /// Opens (or creates) the store in `dir`. A store left by a killed process opens cleanly: sled
    /// recovers to the last durable batch.
    pub fn open(dir: &Path) -> Result<Store> {
        Store::open_with_cache(dir, CACHE_BYTES)
    }

    /// [`Store::open`] with `cache_bytes` for sled's page cache instead of [`CACHE_BYTES`]: for a
    /// long run that reads and writes all over the store (linking a large world), where a small
    /// cache means reading the same pages back again and again.
    pub fn open_with_cache(dir: &Path, cache_bytes: u64) -> Result<Store> {
        let db = sled::Config::new().path(dir).cache_capacity(cache_bytes).mode(sled::Mode::HighThroughput).open()?;
        let next_seq = match db.get(meta_key("seq"))? {
            Some(v) => u64::from_be_bytes(v.as_ref().try_into().map_err(|_| StoreError::Corrupt("sequence".into()))?),
            None => 0,
        };
        let statement_order_end = db.get(meta_key(STATEMENT_ORDER_END))?.map_or(Ok(0), |v| {
            v.as_ref().try_into().map(u64::from_be_bytes).map_err(|_| StoreError::Corrupt("statement order end".into()))
        })?;
        let bods_log = log_place(&db, BODS_LOG)?;
        let bods_in_sled = db.scan_prefix(prefix(STATEMENT)).next().transpose()?.is_some();
        let link_log = log_place(&db, LINK_LOG)?;
        let link_limits = sorted_runs::Limits {
            // Linking writes millions of keys: a larger table and a wider merge rewrite each
            // fewer times, and group Bloom keys let a block's scan skip the runs without it.
            table_bytes: 32 << 20,
            fan_in: 4,
            bloom_key: links::link_group,
            ..Default::default()
        };
        let link_keys = sorted_runs::SortedRuns::open(&dir.join("link-keys"), link_log, link_limits)?;
        let links_in_sled = links::SLED_LINK_KINDS
            .iter()
            .map(|&kind| db.scan_prefix(prefix(kind)).next().transpose().map(|first| first.is_some()))
            .collect::<std::result::Result<Vec<bool>, _>>()?
            .contains(&true);
        let store = Store {
            statement_order: statement_order::StatementOrder::open(dir, statement_order_end)?,
            bods_keys: sorted_runs::SortedRuns::open(&dir.join("bods-keys"), bods_log, Default::default())?,
            bods_in_sled,
            db,
            blobs: blobs::Blobs::open(dir)?,
            next_seq: AtomicU64::new(next_seq),
            rules_1_1: Merger::new(&MergeRules::for_version(Some("1.1"))),
            rules_1_0: Merger::new(&MergeRules::for_version(None)),
            link_keys,
            link_commit: std::sync::Mutex::new(()),
        };
        if links_in_sled {
            store.move_link_keys_out_of_sled()?;
        }
        Ok(store)
    }

    pub fn batch(&self) -> Batch {
        Batch {
            batch: sled::Batch::default(),
            keys: HashSet::default(),
            releases_new: 0,
            releases_duplicate: 0,
            bytes: 0,
            statement_order_end: None,
            bods: Vec::new(),
            ocids: HashMap::default(),
            unapplied: Vec::new(),
        }
    }

    /// A new batch to fill while `previous` (and the [`IN_FLIGHT`] - 1 batches handed over before it)
    /// are being committed, on other threads, in the order they were made. Before the new batch
    /// receives its first release, every batch older than those must be applied.
    pub fn batch_after(&self, previous: &mut Batch) -> Batch {
        let mut unapplied = previous.unapplied.clone();
        unapplied.push(Arc::new(Unapplied {
            keys: std::mem::take(&mut previous.keys),
            ocids: previous.ocids.keys().cloned().collect(),
        }));
        if unapplied.len() > IN_FLIGHT {
            unapplied.remove(0);
        }
        Batch { unapplied, ..self.batch() }
    }

    /// Whether the store (or a batch before, not applied yet) holds any release of `ocid`.
    fn has_releases(&self, batch: &Batch, ocid: &str) -> Result<bool> {
        if batch.unapplied.iter().any(|u| u.ocids.contains(ocid)) {
            return Ok(true);
        }
        let prefix = release_prefix(ocid);
        Ok(self.db.get_gt(&prefix)?.is_some_and(|(key, _)| key.starts_with(&prefix)))
    }

    /// Adds a checked release. Identical content already stored (or already in this batch) is a duplicate.
    pub fn add_release(
        &self,
        batch: &mut Batch,
        release: &Value,
        container: Option<[u8; 8]>,
        warnings: &[Problem],
    ) -> Result<Added> {
        let ocid = release
            .get("ocid")
            .and_then(Value::as_str)
            .ok_or_else(|| StoreError::Corrupt("release without ocid".into()))?;
        let date = release.get("date").and_then(Value::as_str).unwrap_or("");
        let json = serde_json::to_vec(release)?;
        self.add_release_json(batch, ocid, date, json, container, PackageVersion::Unknown, warnings)
    }

    /// Adds a checked release given as its JSON text (kept exactly as given). `version` is what its
    /// package says, if known already: then an ocid new to the store compiles when the batch commits.
    #[allow(clippy::too_many_arguments)]
    pub fn add_release_json(
        &self,
        batch: &mut Batch,
        ocid: &str,
        date: &str,
        json: Vec<u8>,
        container: Option<[u8; 8]>,
        version: PackageVersion,
        warnings: &[Problem],
    ) -> Result<Added> {
        let hash: [u8; 16] = blake3::hash(&json).as_bytes()[..16].try_into().expect("16 bytes");
        let key = release_key(ocid, &hash);
        if batch.keys.contains(&key) {
            batch.releases_duplicate += 1;
            return Ok(Added::Duplicate);
        }
        let stored_before = match batch.ocids.get(ocid) {
            Some(Fresh::Compile { .. } | Fresh::Compiled) => false,
            Some(Fresh::Marked) => true,
            None => {
                let stored = self.has_releases(batch, ocid)?;
                batch.ocids.insert(
                    ocid.to_string(),
                    if stored { Fresh::Marked } else { Fresh::Compile { releases: Vec::new() } },
                );
                stored
            }
        };
        // Only an ocid the store already held releases of can hold this one.
        if stored_before && (batch.unapplied.iter().any(|u| u.keys.contains(&key)) || self.db.contains_key(&key)?) {
            batch.releases_duplicate += 1;
            return Ok(Added::Duplicate);
        }
        let warnings = if warnings.is_empty() {
            String::new()
        } else {
            let list: Vec<Value> =
                warnings.iter().map(|w| json!({"pointer": w.pointer, "message": w.reason})).collect();
            serde_json::to_string(&list)?
        };
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        // The text goes to the blob file (synced before this batch commits); sled keeps the
        // envelope and a pointer. sled rewrote each release's text several times over as its
        // pages filled and split: a third of the ingest's CPU time went to it.
        let (at, len) = self.blobs.append_with(|out| pack_json(&json, out))?;
        let envelope = ReleaseEnvelope::encode_pointer(seq, container.unwrap_or([0; 8]), date, &warnings, at, len);
        batch.bytes += json.len();
        batch.batch.insert(key.clone(), envelope);
        // The contract's search document changes with every new release (its compiled release
        // is written in this batch, or its compile marker is: see `commit`).
        batch.batch.insert(ocid_key(INDEX_PENDING, &format!("contract/{ocid}")), &[][..]);
        batch.keys.insert(key);
        batch.releases_new += 1;
        let fresh = batch.ocids.get_mut(ocid).expect("looked up above");
        match (fresh, version) {
            (Fresh::Compile { releases }, PackageVersion::Ocds1_0 | PackageVersion::Ocds1_1) => {
                releases.push(FreshRelease { json, ocds_1_0: version == PackageVersion::Ocds1_0 });
            }
            (fresh, _) => {
                // The marker goes in the same batch as the release: a crash leaves both or neither.
                if matches!(fresh, Fresh::Compile { .. }) {
                    *fresh = Fresh::Marked;
                }
                batch.batch.insert(ocid_key(DIRTY, ocid), &[][..]);
            }
        }
        Ok(Added::New)
    }

    /// Keeps a record's linked releases and the publisher's compiled release.
    pub fn add_linked_record(
        &self,
        batch: &mut Batch,
        ocid: &str,
        linked: &[Value],
        compiled: Option<&Value>,
    ) -> Result<()> {
        let value = json!({"releases": linked, "compiledRelease": compiled});
        let key = ocid_key(LINKED, ocid);
        batch.batch.insert(key.clone(), serde_json::to_vec(&value)?);
        batch.batch.insert(ocid_key(DIRTY, ocid), &[][..]);
        batch.batch.insert(ocid_key(INDEX_PENDING, &format!("contract/{ocid}")), &[][..]);
        batch.keys.insert(key);
        Ok(())
    }

    /// Keeps a package's metadata (its releases refer to it by `container`).
    pub fn add_package(
        &self,
        batch: &mut Batch,
        container: [u8; 8],
        source: &str,
        kind: &str,
        metadata: &Map<String, Value>,
    ) -> Result<()> {
        let value = json!({"source": source, "kind": kind, "metadata": metadata});
        let mut key = prefix(PACKAGE).to_vec();
        key.extend_from_slice(&container);
        batch.batch.insert(key.clone(), serde_json::to_vec(&value)?);
        batch.keys.insert(key);
        Ok(())
    }

    /// Quarantines bad input. The same fault in the same place is kept once, however often it is ingested.
    pub fn add_quarantine(&self, batch: &mut Batch, entry: &QuarantineEntry) -> Result<()> {
        let mut key = prefix(QUARANTINE).to_vec();
        key.extend_from_slice(&hash64(&[entry.source.as_bytes()]));
        key.extend_from_slice(&entry.offset.to_be_bytes());
        key.extend_from_slice(&hash64(&[entry.pointer.as_bytes(), entry.reason.as_bytes()])[..4]);
        batch.batch.insert(key.clone(), serde_json::to_vec(entry)?);
        batch.keys.insert(key);
        Ok(())
    }

    /// Applies a batch atomically and makes it durable; only then is it acknowledged. Ocids the
    /// batch could have compiled (see [`Store::compile_batch`]) but has not are marked for compiling.
    pub fn commit(&self, batch: Batch, checkpoint: &Checkpoint) -> Result<()> {
        // Bodies the batch points at must be durable before the batch is.
        self.blobs.sync()?;
        let mut writes = batch.batch;
        if let Some(end) = batch.statement_order_end {
            // The order file too, and where it ends goes in the same atomic write.
            self.statement_order.sync()?;
            writes.insert(meta_key(STATEMENT_ORDER_END), &end.to_be_bytes()[..]);
        }
        if !batch.bods.is_empty() {
            // The BODS keys go to their log first, and where it ends goes in the same atomic
            // write. (Should sled then fail, the process stops ingesting; reopening drops them.)
            let (generation, end) = self.bods_keys.log(&batch.bods)?;
            writes.insert(meta_key(BODS_LOG), log_place_value(generation, end));
        }
        for (ocid, fresh) in &batch.ocids {
            if let Fresh::Compile { .. } = fresh {
                writes.insert(ocid_key(DIRTY, ocid), &[][..]);
            }
        }
        writes.insert(meta_key("seq"), &self.next_seq.load(Ordering::Relaxed).to_be_bytes()[..]);
        writes.insert(meta_key("checkpoint"), serde_json::to_vec(checkpoint)?);
        self.db.apply_batch(writes)?;
        self.db.flush()?;
        if !batch.bods.is_empty() {
            // sled was flushed above: a run written now outlives nothing uncommitted.
            self.bods_keys.applied(batch.bods, &|| Ok(()))?;
        }
        Ok(())
    }

    /// [`Store::compile_batch`], then [`Store::commit`].
    pub fn commit_compiling(
        &self,
        mut batch: Batch,
        checkpoint: &Checkpoint,
        rules: Option<&Merger>,
    ) -> Result<CompileSummary> {
        let summary = self.compile_batch(&mut batch, rules)?;
        self.commit(batch, checkpoint)?;
        Ok(summary)
    }

    /// Compiles the ocids new to the store from the texts of their releases in the batch, so that
    /// their records are written with their releases, in the same atomic write. This reads nothing
    /// from the store: it can run while earlier batches are applied. `rules` overrides the rules
    /// chosen from each package's OCDS version.
    pub fn compile_batch(&self, batch: &mut Batch, rules: Option<&Merger>) -> Result<CompileSummary> {
        let mut summary = CompileSummary::default();
        let mut fresh: Vec<(String, Vec<FreshRelease>)> = Vec::new();
        for (ocid, state) in batch.ocids.iter_mut() {
            if let Fresh::Compile { .. } = state {
                let Fresh::Compile { releases } = std::mem::replace(state, Fresh::Compiled) else { unreachable!() };
                fresh.push((ocid.clone(), releases));
            }
        }
        let writes = &mut batch.batch;
        // Ocids compile independently: share them among the machine's cores.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let chunk = fresh.len().div_ceil(workers).max(64);
        let compile_part = |part: &[(String, Vec<FreshRelease>)]| -> Result<(Vec<Outcome>, CompileSummary)> {
            let mut outcomes = Vec::with_capacity(part.len());
            let mut part_summary = CompileSummary::default();
            for (_, releases) in part {
                let merger = match rules {
                    Some(m) => m,
                    None if releases.iter().all(|r| r.ocds_1_0) => &self.rules_1_0,
                    None => &self.rules_1_1,
                };
                let texts: Vec<&[u8]> = releases.iter().map(|r| r.json.as_slice()).collect();
                outcomes.push(self.compile_texts(&texts, merger, &mut part_summary)?);
            }
            Ok((outcomes, part_summary))
        };
        let results: Vec<Result<(Vec<Outcome>, CompileSummary)>> = std::thread::scope(|scope| {
            let mut parts = fresh.chunks(chunk.max(1));
            let first = parts.next();
            let handles: Vec<_> = parts.map(|part| scope.spawn(move || compile_part(part))).collect();
            let mut results: Vec<_> = first.map(compile_part).into_iter().collect();
            results.extend(handles.into_iter().map(|h| h.join().expect("compile worker panicked")));
            results
        });
        let mut ocids = fresh.iter().map(|(ocid, _)| ocid);
        for result in results {
            let (outcomes, part) = result?;
            for outcome in outcomes {
                // The store held no release of this ocid, so it holds no warnings of it to remove either.
                outcome.write(ocids.next().expect("one outcome per ocid"), false, writes);
            }
            summary.records_compiled += part.records_compiled;
            summary.records_from_publisher += part.records_from_publisher;
            summary.records_not_compiled += part.records_not_compiled;
            summary.warnings += part.warnings;
        }
        Ok(summary)
    }

    pub fn checkpoint(&self) -> Result<Option<Checkpoint>> {
        match self.db.get(meta_key("checkpoint"))? {
            Some(v) => Ok(Some(serde_json::from_slice(&v)?)),
            None => Ok(None),
        }
    }

    /// How many ocids await compiling (after a crash, or during an ingest).
    pub fn dirty_count(&self) -> u64 {
        self.db.scan_prefix(prefix(DIRTY)).count() as u64
    }

    /// Compiles every ocid that received releases since it was last compiled. Each ocid's releases
    /// are read in one range scan and merged afresh, so order of arrival never matters.
    /// `rules` overrides the rules chosen from each package's OCDS version.
    pub fn compile_pending(&self, rules: Option<&Merger>, progress: &mut dyn FnMut(u64)) -> Result<CompileSummary> {
        let mut summary = CompileSummary::default();
        // Ocids compile independently: share them among the machine's cores.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        loop {
            let ocids: Vec<String> = self
                .db
                .scan_prefix(prefix(DIRTY))
                .keys()
                .take(1024)
                .map(|k| k.map(|k| String::from_utf8_lossy(&k[2..]).into_owned()))
                .collect::<std::result::Result<_, _>>()?;
            if ocids.is_empty() {
                break;
            }
            let chunk = ocids.len().div_ceil(workers).max(64);
            let results: Vec<Result<(sled::Batch, CompileSummary)>> = std::thread::scope(|scope| {
                let handles: Vec<_> = ocids
                    .chunks(chunk)
                    .map(|part| {
                        scope.spawn(move || {
                            let mut writes = sled::Batch::default();
                            let mut part_summary = CompileSummary::default();
                            let mut versions = HashMap::new();
                            for ocid in part {
                                self.compile_one(ocid, rules, &mut versions, &mut writes, &mut part_summary)?;
                                // The marker goes in the same batch as the compiled record: a crash
                                // leaves either both or neither.
                                writes.remove(ocid_key(DIRTY, ocid));
                            }
                            Ok((writes, part_summary))
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().expect("compile worker panicked")).collect()
            });
            for result in results {
                let (writes, part) = result?;
                self.db.apply_batch(writes)?;
                summary.records_compiled += part.records_compiled;
                summary.records_from_publisher += part.records_from_publisher;
                summary.records_not_compiled += part.records_not_compiled;
                summary.warnings += part.warnings;
            }
            progress(ocids.len() as u64);
        }
        self.db.flush()?;
        Ok(summary)
    }

    /// Marks every ocid for compiling again (after a change of merge rules, say).
    pub fn mark_all_pending(&self) -> Result<u64> {
        let mut marked = 0;
        let mut writes = sled::Batch::default();
        for ocid in self.ocids() {
            writes.insert(ocid_key(DIRTY, &ocid?), &[][..]);
            marked += 1;
            if marked % 10_000 == 0 {
                self.db.apply_batch(std::mem::take(&mut writes))?;
            }
        }
        self.db.apply_batch(writes)?;
        self.db.flush()?;
        Ok(marked)
    }

    /// Whether an ocid's releases are OCDS 1.0: every one came from a package without `version`.
    fn is_1_0(&self, containers: &[[u8; 8]], versions: &mut HashMap<[u8; 8], bool>) -> Result<bool> {
        for container in containers {
            if *container == [0; 8] {
                return Ok(false);
            }
            let is_1_0 = match versions.get(container) {
                Some(v) => *v,
                None => {
                    let mut key = prefix(PACKAGE).to_vec();
                    key.extend_from_slice(container);
                    let v = match self.db.get(key)? {
                        Some(meta) => {
                            let meta: Value = serde_json::from_slice(&meta)?;
                            meta["kind"] != "record" && meta["metadata"].get("version").is_none()
                        }
                        None => false,
                    };
                    versions.insert(*container, v);
                    v
                }
            };
            if !is_1_0 {
                return Ok(false);
            }
        }
        Ok(!containers.is_empty())
    }

    fn merger_for<'a>(
        &'a self,
        rules: Option<&'a Merger>,
        containers: &[[u8; 8]],
        versions: &mut HashMap<[u8; 8], bool>,
    ) -> Result<&'a Merger> {
        Ok(match rules {
            Some(m) => m,
            None if self.is_1_0(containers, versions)? => &self.rules_1_0,
            None => &self.rules_1_1,
        })
    }

    /// A stored release's text, from the blob file or (stores written before texts moved there)
    /// from its envelope.
    fn release_json(&self, envelope: &ReleaseEnvelope, ocid: &str) -> Result<Vec<u8>> {
        let json = match envelope.blob() {
            Some((at, len)) => unpacked_json(&self.blobs.read(at, len)?),
            None => envelope.json(),
        };
        json.ok_or_else(|| StoreError::Corrupt(format!("release text of {ocid}")))
    }

    /// An ocid's releases as stored text, in first-seen order, with their containers and warnings.
    fn release_texts_of(&self, ocid: &str) -> Result<Vec<StoredText>> {
        let mut out = Vec::new();
        for entry in self.db.scan_prefix(release_prefix(ocid)) {
            let (_, bytes) = entry?;
            let envelope =
                ReleaseEnvelope::decode(&bytes).ok_or_else(|| StoreError::Corrupt(format!("release of {ocid}")))?;
            let json = self.release_json(&envelope, ocid)?;
            out.push((envelope.seq, envelope.container, envelope.warnings.to_string(), json));
        }
        out.sort_by_key(|r| r.0);
        Ok(out)
    }

    /// An ocid's full releases, parsed, in first-seen order, with their containers and warnings.
    fn releases_of(&self, ocid: &str) -> Result<Vec<Stored>> {
        let mut out = Vec::new();
        for (seq, container, warnings, json) in self.release_texts_of(ocid)? {
            let warnings = if warnings.is_empty() { Vec::new() } else { serde_json::from_str(&warnings)? };
            out.push((seq, container, serde_json::from_slice(&json)?, warnings));
        }
        Ok(out)
    }

    fn compile_one(
        &self,
        ocid: &str,
        rules: Option<&Merger>,
        versions: &mut HashMap<[u8; 8], bool>,
        writes: &mut sled::Batch,
        summary: &mut CompileSummary,
    ) -> Result<()> {
        let releases = self.release_texts_of(ocid)?;
        let compiled_key = ocid_key(COMPILED, ocid);
        let warnings_key = ocid_key(WARNINGS, ocid);
        if releases.is_empty() {
            // Only linked releases: the publisher's compiled release is all there is.
            let linked = self.db.get(ocid_key(LINKED, ocid))?;
            let compiled = match &linked {
                Some(bytes) => {
                    serde_json::from_slice::<Value>(bytes)?.get("compiledRelease").cloned().filter(|c| c.is_object())
                }
                None => None,
            };
            match compiled {
                Some(compiled) => {
                    let date = compiled.get("date").and_then(Value::as_str).unwrap_or("").to_string();
                    let json = serde_json::to_vec(&compiled)?;
                    writes.insert(compiled_key, CompiledEnvelope::encode(&date, true, &json));
                    summary.records_from_publisher += 1;
                }
                None => {
                    writes.remove(compiled_key);
                    summary.records_not_compiled += 1;
                }
            }
            writes.remove(warnings_key);
            return Ok(());
        }
        let containers: Vec<[u8; 8]> = releases.iter().map(|r| r.1).collect();
        let merger = self.merger_for(rules, &containers, versions)?;
        let texts: Vec<&[u8]> = releases.iter().map(|r| r.3.as_slice()).collect();
        self.compile_texts(&texts, merger, summary)?.write(ocid, true, writes);
        Ok(())
    }

    /// Compiles an ocid's releases (JSON texts in first-seen order) into its compiled release and
    /// warnings, counting the outcome in `summary`.
    fn compile_texts(&self, texts: &[&[u8]], merger: &Merger, summary: &mut CompileSummary) -> Result<Outcome> {
        let mut lights = Vec::with_capacity(texts.len());
        for json in texts {
            lights.push(Light::parse(json)?);
        }
        let mut warnings: Vec<Value> = Vec::new();
        let mut ids = HashSet::new();
        for release in &lights {
            let id = match release.get("id") {
                Some(Light::String(id)) => id.to_string(),
                Some(other) => other.to_json(),
                None => String::new(),
            };
            if !ids.insert(id.clone()) {
                warnings.push(json!({"code": "duplicate-release-id", "message": format!("several different releases have the id '{id}'; all are merged, in date order, as the reference implementation does")}));
            }
        }
        let compiled = match merger.compile_text(lights) {
            Ok(compiled) => {
                let date = compiled.date.unwrap_or_default();
                warnings.extend(compiled.warnings.iter().map(|w| json!({"code": w.code, "message": w.message})));
                summary.records_compiled += 1;
                Some(CompiledEnvelope::encode(&date, false, &compiled.json))
            }
            Err(e) => {
                warnings.push(json!({"code": e.code(), "message": format!("not compiled: {e}")}));
                summary.records_not_compiled += 1;
                None
            }
        };
        summary.warnings += warnings.len() as u64;
        let warnings = if warnings.is_empty() { None } else { Some(serde_json::to_vec(&warnings)?) };
        Ok(Outcome { compiled, warnings })
    }

    /// One ocid's record, or `None` when the store has nothing for it.
    pub fn record(&self, ocid: &str) -> Result<Option<StoredRecord>> {
        let releases = self.releases_of(ocid)?;
        let linked = match self.db.get(ocid_key(LINKED, ocid))? {
            Some(bytes) => serde_json::from_slice::<Value>(&bytes)?,
            None => Value::Null,
        };
        if releases.is_empty() && linked.is_null() {
            return Ok(None);
        }
        let (compiled_release, compiled_by_publisher) = match self.db.get(ocid_key(COMPILED, ocid))? {
            Some(bytes) => {
                let envelope =
                    CompiledEnvelope::decode(&bytes).ok_or_else(|| StoreError::Corrupt(format!("compiled {ocid}")))?;
                let json = envelope.json().ok_or_else(|| StoreError::Corrupt(format!("compiled text of {ocid}")))?;
                (Some(serde_json::from_slice(&json)?), envelope.from_publisher)
            }
            None => (None, false),
        };
        let mut warnings: Vec<Value> = match self.db.get(ocid_key(WARNINGS, ocid))? {
            Some(bytes) => serde_json::from_slice(&bytes)?,
            None => Vec::new(),
        };
        let mut ordered: Vec<(u64, Value)> = Vec::new();
        for (seq, _, release, release_warnings) in releases {
            for w in release_warnings {
                let id = release.get("id").cloned().unwrap_or(Value::Null);
                warnings
                    .push(json!({"code": "release", "release": id, "pointer": w["pointer"], "message": w["message"]}));
            }
            ordered.push((seq, release));
        }
        // Date order (stable on arrival), as the releases were merged; undated ones keep arrival order.
        ordered.sort_by(|a, b| {
            let da = a.1.get("date").and_then(Value::as_str).unwrap_or("");
            let db = b.1.get("date").and_then(Value::as_str).unwrap_or("");
            da.cmp(db).then(a.0.cmp(&b.0))
        });
        let linked_releases = linked.get("releases").and_then(Value::as_array).cloned().unwrap_or_default();
        Ok(Some(StoredRecord {
            ocid: ocid.to_string(),
            releases: ordered.into_iter().map(|(_, r)| r).collect(),
            linked_releases,
            compiled_release,
            compiled_by_publisher,
            warnings,
        }))
    }

    /// One ocid's OCDS record as JSON text (`ocid`, `releases` in date order, `compiledRelease`),
    /// assembled from the stored texts without parsing them: what `openreg record` prints and what
    /// an API hands out.
    pub fn record_json(&self, ocid: &str) -> Result<Option<Vec<u8>>> {
        let mut releases: Vec<(String, u64, Vec<u8>)> = Vec::new();
        for entry in self.db.scan_prefix(release_prefix(ocid)) {
            let (_, bytes) = entry?;
            let envelope =
                ReleaseEnvelope::decode(&bytes).ok_or_else(|| StoreError::Corrupt(format!("release of {ocid}")))?;
            let json = self.release_json(&envelope, ocid)?;
            releases.push((envelope.date.to_string(), envelope.seq, json));
        }
        let linked = self.db.get(ocid_key(LINKED, ocid))?;
        if releases.is_empty() && linked.is_none() {
            return Ok(None);
        }
        // Date order, stable on arrival, as the releases were merged.
        releases.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut out = Vec::with_capacity(releases.iter().map(|r| r.2.len() + 1).sum::<usize>() * 2 + 64);
        out.extend_from_slice(b"{\"ocid\":");
        serde_json::to_writer(&mut out, ocid)?;
        out.extend_from_slice(b",\"releases\":[");
        let mut first = true;
        for (_, _, json) in &releases {
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(json);
        }
        if let Some(linked) = linked {
            let linked: Value = serde_json::from_slice(&linked)?;
            for release in linked.get("releases").and_then(Value::as_array).into_iter().flatten() {
                if !first {
                    out.push(b',');
                }
                first = false;
                serde_json::to_writer(&mut out, release)?;
            }
        }
        out.push(b']');
        if let Some(bytes) = self.db.get(ocid_key(COMPILED, ocid))? {
            let envelope =
                CompiledEnvelope::decode(&bytes).ok_or_else(|| StoreError::Corrupt(format!("compiled {ocid}")))?;
            let json = envelope.json().ok_or_else(|| StoreError::Corrupt(format!("compiled text of {ocid}")))?;
            out.extend_from_slice(b",\"compiledRelease\":");
            out.extend_from_slice(&json);
        }
        out.push(b'}');
        Ok(Some(out))
    }

    /// What a person should know about an ocid's record beyond its data: merge warnings, each
    /// release's warnings, and whether the compiled release is the publisher's.
    pub fn record_notes(&self, ocid: &str) -> Result<(Vec<Value>, bool)> {
        let mut warnings: Vec<Value> = match self.db.get(ocid_key(WARNINGS, ocid))? {
            Some(bytes) => serde_json::from_slice(&bytes)?,
            None => Vec::new(),
        };
        for entry in self.db.scan_prefix(release_prefix(ocid)) {
            let (_, bytes) = entry?;
            let envelope =
                ReleaseEnvelope::decode(&bytes).ok_or_else(|| StoreError::Corrupt(format!("release of {ocid}")))?;
            if envelope.warnings.is_empty() {
                continue;
            }
            let release_warnings: Vec<Value> = serde_json::from_str(envelope.warnings)?;
            let json = self.release_json(&envelope, ocid)?;
            let id = serde_json::from_slice::<Value>(&json)?.get("id").cloned().unwrap_or(Value::Null);
            for w in release_warnings {
                warnings
                    .push(json!({"code": "release", "release": id, "pointer": w["pointer"], "message": w["message"]}));
            }
        }
        let from_publisher = match self.db.get(ocid_key(COMPILED, ocid))? {
            Some(bytes) => CompiledEnvelope::decode(&bytes).is_some_and(|e| e.from_publisher),
            None => false,
        };
        Ok((warnings, from_publisher))
    }

    /// The versioned release of an ocid, merged on demand from its stored releases.
    pub fn versioned_release(
        &self,
        ocid: &str,
        rules: Option<&Merger>,
    ) -> Result<Option<std::result::Result<Value, openreg_model::MergeError>>> {
        let releases = self.releases_of(ocid)?;
        if releases.is_empty() {
            return Ok(None);
        }
        let containers: Vec<[u8; 8]> = releases.iter().map(|r| r.1).collect();
        let merger = self.merger_for(rules, &containers, &mut HashMap::new())?;
        let values: Vec<&Value> = releases.iter().map(|r| &r.2).collect();
        Ok(Some(merger.versioned(&values).map(|m| m.release)))
    }

    /// Compiled releases in ocid order: (ocid, date, JSON text). The text goes out as stored, so bulk
    /// export never re-parses it.
    pub fn compiled(&self) -> impl Iterator<Item = Result<(String, String, Vec<u8>)>> + '_ {
        self.db.scan_prefix(prefix(COMPILED)).map(|entry| {
            let (key, value) = entry?;
            let ocid = String::from_utf8_lossy(&key[2..]).into_owned();
            let envelope =
                CompiledEnvelope::decode(&value).ok_or_else(|| StoreError::Corrupt(format!("compiled {ocid}")))?;
            let json = envelope.json().ok_or_else(|| StoreError::Corrupt(format!("compiled text of {ocid}")))?;
            Ok((ocid, envelope.date.to_string(), json))
        })
    }

    /// Stored releases, grouped by ocid: (ocid, date, JSON text).
    pub fn releases(&self) -> impl Iterator<Item = Result<(String, String, Vec<u8>)>> + '_ {
        self.db.scan_prefix(prefix(RELEASE)).map(|entry| {
            let (key, value) = entry?;
            let ocid = String::from_utf8_lossy(release_key_ocid(&key)).into_owned();
            let envelope =
                ReleaseEnvelope::decode(&value).ok_or_else(|| StoreError::Corrupt(format!("release of {ocid}")))?;
            let json = self.release_json(&envelope, &ocid)?;
            Ok((ocid, envelope.date.to_string(), json))
        })
    }

    /// Every ocid the store knows (from releases or linked records), in order, once each.
    pub fn ocids(&self) -> impl Iterator<Item = Result<String>> + '_ {
        let from_releases = self
            .db
            .scan_prefix(prefix(RELEASE))
            .keys()
            .map(|k| k.map(|k| String::from_utf8_lossy(release_key_ocid(&k)).into_owned()));
        let from_linked = self
            .db
            .scan_prefix(prefix(LINKED))
            .keys()
            .map(|k| k.map(|k| String::from_utf8_lossy(&k[2..]).into_owned()));
        let mut last: Option<String> = None;
        merge_sorted(from_releases, from_linked).filter_map(move |o| match o {
            Ok(ocid) if last.as_deref() == Some(ocid.as_str()) => None,
            Ok(ocid) => {
                last = Some(ocid.clone());
                Some(Ok(ocid))
            }
            Err(e) => Some(Err(StoreError::from(e))),
        })
    }

    /// The extensions declared by the packages the store holds (for packages openreg publishes).
    pub fn extensions(&self) -> Result<Vec<String>> {
        let mut seen = std::collections::BTreeSet::new();
        for entry in self.db.scan_prefix(prefix(PACKAGE)) {
            let (_, value) = entry?;
            let meta: Value = serde_json::from_slice(&value)?;
            if let Some(list) = meta["metadata"].get("extensions").and_then(Value::as_array) {
                seen.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
            }
        }
        Ok(seen.into_iter().collect())
    }

    /// Quarantine entries, by source and position.
    pub fn quarantine(&self) -> impl Iterator<Item = Result<QuarantineEntry>> + '_ {
        self.db.scan_prefix(prefix(QUARANTINE)).values().map(|v| Ok(serde_json::from_slice(&v?)?))
    }

    pub fn stats(&self) -> Result<Stats> {
        let mut stats = Stats::default();
        for entry in self.db.scan_prefix(prefix(RELEASE)).keys() {
            entry?;
            stats.releases += 1;
        }
        stats.ocids = self.ocids().count() as u64;
        // The envelopes alone: the compiled texts need not be unpacked to be counted.
        for entry in self.db.scan_prefix(prefix(COMPILED)).values() {
            let value = entry?;
            let envelope = CompiledEnvelope::decode(&value).ok_or_else(|| StoreError::Corrupt("compiled".into()))?;
            stats.records_compiled += 1;
            stats.records_from_publisher += envelope.from_publisher as u64;
            let date = envelope.date;
            if !date.is_empty() {
                if stats.earliest_date.as_deref().is_none_or(|d| date < d) {
                    stats.earliest_date = Some(date.to_string());
                }
                if stats.latest_date.as_deref().is_none_or(|d| date > d) {
                    stats.latest_date = Some(date.to_string());
                }
            }
        }
        stats.awaiting_compile = self.dirty_count();
        stats.records_not_compiled = stats.ocids.saturating_sub(stats.records_compiled + stats.awaiting_compile);
        stats.packages = self.db.scan_prefix(prefix(PACKAGE)).count() as u64;
        stats.quarantined = self.db.scan_prefix(prefix(QUARANTINE)).count() as u64;
        stats.last_ingest = self.checkpoint()?;
        (stats.statements, stats.relationship_statements) = self.statement_counts()?;
        stats.donations = self.db.scan_prefix(prefix(DONATION)).count() as u64;
        stats.mentions = self.mention_count()?;
        stats.mentions_pending = self.pending_mention_count()?;
        stats.links = self.link_counts()?;
        stats.identifier_groups = self.shared_identifier_count()?;
        // Each judgement is kept under both of its mentions.
        stats.judgements = self.db.scan_prefix(prefix(JUDGEMENT)).count() as u64 / 2;
        stats.flags = self.db.scan_prefix(prefix(FLAG)).count() as u64;
        stats.search_waiting = self.index_pending_count();
        stats.disk_bytes = self.db.size_on_disk()? + self.blobs.size() + self.bods_keys.size() + self.link_keys.size();
        Ok(stats)
    }
}

/// What compiling one ocid gives: its compiled-release envelope (none if it could not be compiled)
/// and its warnings (JSON), if any.
struct Outcome {
    compiled: Option<Vec<u8>>,
    warnings: Option<Vec<u8>>,
}

impl Outcome {
    /// Writes the outcome for `ocid`. `clear_warnings`: remove the warnings an earlier compile left,
    /// if there are none now.
    fn write(self, ocid: &str, clear_warnings: bool, writes: &mut sled::Batch) {
        match self.compiled {
            Some(envelope) => writes.insert(ocid_key(COMPILED, ocid), envelope),
            None => writes.remove(ocid_key(COMPILED, ocid)),
        }
        match self.warnings {
            Some(warnings) => writes.insert(ocid_key(WARNINGS, ocid), warnings),
            None if clear_warnings => writes.remove(ocid_key(WARNINGS, ocid)),
            None => {}
        }
    }
}

/// A release's stored text: first-seen order, container, warnings (JSON, or empty), JSON.
type StoredText = (u64, [u8; 8], String, Vec<u8>);

/// A release read back: first-seen order, container, the release, and its check's warnings.
type Stored = (u64, [u8; 8], Value, Vec<Value>);

/// Merges two sorted iterators.
fn merge_sorted<I, J, T: Ord, E>(a: I, b: J) -> impl Iterator<Item = std::result::Result<T, E>>
where
    I: Iterator<Item = std::result::Result<T, E>>,
    J: Iterator<Item = std::result::Result<T, E>>,
{
    let mut a = a.peekable();
    let mut b = b.peekable();
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(Ok(x)), Some(Ok(y))) => {
            if x <= y {
                a.next()
            } else {
                b.next()
            }
        }
        (Some(Err(_)), _) | (Some(_), None) => a.next(),
        (_, Some(_)) => b.next(),
        (None, None) => None,
    })
}
