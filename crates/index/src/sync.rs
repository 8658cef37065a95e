//! Keeping the index in step with the store. The store queues a marker for every document whose
//! data changed (`contract/OCID`, `donation/ID`, `mention/ID`) in the same atomic batch as the
//! data; [`catch_up`] turns the markers into documents, commits the index (recording how much it
//! has applied) and only then removes the markers. A crash anywhere in between leaves the markers,
//! and the next catch-up — at the end of every ingest and link run, and at the start of every
//! search — does the work again. Re-indexing a document replaces it, so doing it twice is harmless.

use std::collections::{HashSet, VecDeque};
use std::path::Path;
use std::time::Instant;

use openreg_model::link::Label;
use openreg_store::Store;
use serde::Serialize;
use serde_json::Value;

use crate::document::{self, EntityBuilder};
use crate::{Opened, Result, SearchIndex};

/// Queue entries read at a time.
const BATCH: usize = 2_000;
/// Documents written between two commits (each commit makes the work so far safe from a crash).
/// What the index holds uncommitted grows by about 5 KB a document: committing every 50,000 took
/// a 50,000-contract catch-up to 415 MB peak RSS, every 10,000 to 183 MB, at the same speed.
const COMMIT_EVERY: u64 = 10_000;
/// Mentions remembered as placed in an organisation or person document during one catch-up (about
/// 20 MB at most; past it the memory is cleared, and a later batch may rebuild an entity again).
const COVERED_MAX: usize = 200_000;

/// What a catch-up did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CatchUp {
    /// Queue entries applied (documents added, replaced or removed).
    pub applied: u64,
    /// Contracts still waiting for their records to be compiled (an interrupted ingest; the next
    /// ingest compiles them, and they are indexed then).
    pub waiting: u64,
    /// Documents searchable now.
    pub documents: u64,
    pub seconds: f64,
}

/// Opens the index kept in `dir` for the store. A new or replaced index (a new schema, or an index
/// that was lost) is filled from the store by the next [`catch_up`].
pub fn open(store: &Store, dir: &Path) -> Result<SearchIndex> {
    let (mut index, opened) = SearchIndex::open(dir)?;
    if opened != Opened::Existing {
        // Queue everything first, then record the schema: a crash in between opens as replaced
        // again, and queues again.
        store.index_everything()?;
        index.commit(0)?;
    }
    Ok(index)
}

/// A test hook, as tantivy's failpoints: with `OPENREG_FAILPOINT=index-commit` the process stops
/// just before its first index commit and waits to be killed, so that a test can kill it between a
/// store write and an index commit.
fn failpoint() {
    if std::env::var("OPENREG_FAILPOINT").as_deref() == Ok("index-commit") {
        eprintln!("openreg: failpoint index-commit reached; waiting to be killed");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(60));
        }
    }
}

/// Applies the store's queue to the index. `progress` gets (entries done, entries queued).
pub fn catch_up(store: &Store, index: &mut SearchIndex, progress: &mut dyn FnMut(u64, u64)) -> Result<CatchUp> {
    let started = Instant::now();
    let total = store.index_pending_count();
    let mut summary = CatchUp::default();
    let mut after: Option<String> = None;
    let mut done: Vec<String> = Vec::new();
    let mut since_commit = 0u64;
    let mut covered: HashSet<String> = HashSet::new();
    let commit = |index: &mut SearchIndex, done: &mut Vec<String>| -> Result<()> {
        failpoint();
        index.commit(done.len() as u64)?;
        store.index_done(done)?;
        done.clear();
        Ok(())
    };
    loop {
        if total == 0 {
            break;
        }
        let ids = store.index_pending_after(after.as_deref(), BATCH)?;
        let Some(last) = ids.last() else { break };
        after = Some(last.clone());
        let mut mentions = Vec::new();
        let before = done.len();
        for id in ids {
            let (kind, key) = id.split_once('/').unwrap_or(("", id.as_str()));
            match kind {
                "contract" => {
                    if store.awaits_compiling(key)? {
                        summary.waiting += 1;
                        continue;
                    }
                    let release = store
                        .compiled_release(key)?
                        .and_then(|(_, _, json)| serde_json::from_slice::<Value>(&json).ok());
                    match release {
                        Some(release) => index.upsert(&document::contract(key, &release))?,
                        None => index.delete(&id)?,
                    }
                }
                "donation" => match store.donation(key)? {
                    Some(donation) => index.upsert(&document::donation(&donation))?,
                    None => index.delete(&id)?,
                },
                "mention" => mentions.push(key.to_string()),
                // A marker this version does not know: nothing to index.
                _ => {}
            }
            done.push(id);
            since_commit += 1;
        }
        entities(store, index, &mentions, &mut covered)?;
        if covered.len() > COVERED_MAX {
            covered.clear();
        }
        // `done` holds every id since the last commit; count only this round's.
        summary.applied += (done.len() - before) as u64;
        if since_commit >= COMMIT_EVERY {
            commit(index, &mut done)?;
            since_commit = 0;
        }
        progress(summary.applied + summary.waiting, total);
    }
    if !done.is_empty() {
        commit(index, &mut done)?;
    }
    index.finish()?;
    summary.documents = index.documents();
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Rebuilds the index from the store: every document queued again, the index emptied, then caught up.
pub fn reindex(store: &Store, index: &mut SearchIndex, progress: &mut dyn FnMut(u64, u64)) -> Result<CatchUp> {
    // The queue first: a crash after this point leaves everything queued.
    store.index_everything()?;
    index.delete_all()?;
    index.commit(0)?;
    let summary = catch_up(store, index, progress)?;
    index.optimize()?;
    index.finish()?;
    Ok(summary)
}

/// Rebuilds the organisation and person documents that the changed `mentions` belong to: each
/// mention with everything joined to it by a shared identifier (unless a person said the two are
/// not the same) or by a confirmed link, as one document. Documents that held a changed mention
/// are taken apart, and their other mentions placed again (a link undone splits an entity).
fn entities(store: &Store, index: &mut SearchIndex, mentions: &[String], covered: &mut HashSet<String>) -> Result<()> {
    // A mention covered already was placed, as it is now, in a document built during this
    // catch-up: deleting its document again would lose that document's other mentions.
    let mut affected: VecDeque<String> = mentions.iter().filter(|m| !covered.contains(*m)).cloned().collect();
    while let Some(start) = affected.pop_front() {
        if !covered.insert(start.clone()) {
            continue;
        }
        let mut builder = EntityBuilder::default();
        let mut queue = VecDeque::from([start]);
        let mut identifiers_seen: HashSet<String> = HashSet::new();
        while let Some(id) = queue.pop_front() {
            // The documents that held this mention go; their other mentions are placed again,
            // wherever they belong now.
            affected.extend(index.members_with(&id)?);
            index.delete_member(&id)?;
            let Some((mention, _)) = store.mention(&id)? else { continue };
            builder.add(&mention);
            for identifier in &mention.identifiers {
                // Each identifier's group is read once, however many of its members are reached.
                if !identifiers_seen.insert(identifier.clone()) {
                    continue;
                }
                for other in store.mentions_with_identifier(identifier)? {
                    if covered.contains(&other) || store.judgement(&id, &other)?.is_some_and(|j| !j.same) {
                        continue;
                    }
                    covered.insert(other.clone());
                    queue.push_back(other);
                }
            }
            for link in store.links_of(&id)? {
                if link.label != Label::Confirmed {
                    continue;
                }
                let other = if link.a == id { link.b } else { link.a };
                if covered.insert(other.clone()) {
                    queue.push_back(other);
                }
            }
        }
        if let Some(doc) = builder.build() {
            index.add_new(&doc)?;
        }
    }
    Ok(())
}
