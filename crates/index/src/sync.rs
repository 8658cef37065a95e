//! Keeping the index in step with the store. The store queues a marker for every document whose
//! data changed (`contract/OCID`, `donation/ID`, `mention/ID`) in the same atomic batch as the
//! data; [`catch_up`] turns the markers into documents, commits the index (recording how much it
//! has applied) and only then removes the markers. A crash anywhere in between leaves the markers,
//! and the next catch-up — at the end of every ingest and link run, and at the start of every
//! search — does the work again. Re-indexing a document replaces it, so doing it twice is harmless.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::time::Instant;

use openreg_model::link::{Label, Mention};
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
/// Mentions remembered as placed in an organisation or person document during one catch-up (16
/// bytes each, about 70 MB at most; past it the memory is cleared, and a later batch may rebuild an
/// entity again). A world of 1M parties, 1M persons and 500k donations has 3.3M mentions: clearing
/// turns on a lookup and a delete per mention for the rest of the catch-up.
const COVERED_MAX: usize = 4_000_000;

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
    let mut placing = Placing::new(index)?;
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
        entities(store, index, &mentions, &mut placing)?;
        placing.bound_memory();
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

/// Mentions placed in a document built during this catch-up, as they are now: a set of 128-bit
/// hashes of their ids rather than the ids, which take five times the memory. Two of a world's
/// millions of ids share a hash with a chance of about 1e-26.
#[derive(Default)]
struct Covered(HashSet<u128>);

impl Covered {
    fn key(id: &str) -> u128 {
        let hash = blake3::hash(id.as_bytes());
        u128::from_le_bytes(hash.as_bytes()[..16].try_into().expect("16 bytes"))
    }

    fn contains(&self, id: &str) -> bool {
        self.0.contains(&Covered::key(id))
    }

    /// Whether `id` was not covered yet.
    fn insert(&mut self, id: &str) -> bool {
        self.0.insert(Covered::key(id))
    }
}

/// Where the organisation and person documents of one catch-up stand.
struct Placing {
    /// Mentions placed in a document built during this catch-up, as they are now.
    covered: Covered,
    /// Whether a mention not covered may sit in a document in the index: true when the index held
    /// organisations or persons when the catch-up began, or once `covered` has been forgotten.
    /// Until then (a first link, a rebuild) there is nothing to look up or delete per mention.
    old_documents: bool,
    /// Threads that read the store and build documents.
    threads: usize,
}

impl Placing {
    fn new(index: &SearchIndex) -> Result<Placing> {
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        Ok(Placing { covered: Covered::default(), old_documents: index.has_entities()?, threads })
    }

    /// Forgets `covered` when it grows past [`COVERED_MAX`].
    fn bound_memory(&mut self) {
        if self.covered.0.len() > COVERED_MAX {
            self.covered.0.clear();
            self.old_documents = true;
        }
    }
}

/// What the store says about a mention that a rebuild may reach.
struct Node {
    mention: Option<Mention>,
    /// Mentions joined to it by a confirmed link.
    confirmed: Vec<String>,
}

fn read_node(store: &Store, id: &str) -> Result<Node> {
    let Some((mention, _)) = store.mention(id)? else { return Ok(Node { mention: None, confirmed: Vec::new() }) };
    let confirmed = store.linked_as(id, Label::Confirmed)?;
    Ok(Node { mention: Some(mention), confirmed })
}

/// The store's answers for a round of rebuilds, read on every core before the rebuilds (which must
/// run in order, one at a time) need them: reading is most of a rebuild's cost.
#[derive(Default)]
struct ReadAhead {
    nodes: HashMap<String, Node>,
    /// Identifier → the mentions carrying it.
    groups: HashMap<String, Vec<String>>,
}

impl ReadAhead {
    /// Reads `starts` and everything reachable from them through identifiers and confirmed links,
    /// except covered mentions (which a rebuild never reaches again).
    fn read(store: &Store, starts: &[String], covered: &Covered, threads: usize) -> Result<ReadAhead> {
        let mut ahead = ReadAhead::default();
        // Every mention asked for, so that none is read twice.
        let mut asked: HashSet<String> = HashSet::new();
        let mut asked_identifiers: HashSet<String> = HashSet::new();
        let mut frontier: Vec<String> =
            starts.iter().filter(|id| !covered.contains(id) && asked.insert(id.to_string())).cloned().collect();
        while !frontier.is_empty() {
            let nodes = parallel_map(&frontier, threads, |id| read_node(store, id))?;
            let mut identifiers: Vec<String> = Vec::new();
            let mut confirmed: Vec<String> = Vec::new();
            for (id, node) in frontier.drain(..).zip(nodes) {
                for identifier in node.mention.iter().flat_map(|m| &m.identifiers) {
                    if asked_identifiers.insert(identifier.clone()) {
                        identifiers.push(identifier.clone());
                    }
                }
                confirmed.extend(node.confirmed.iter().cloned());
                ahead.nodes.insert(id, node);
            }
            let groups = parallel_map(&identifiers, threads, |i| Ok(store.mentions_with_identifier(i)?))?;
            for other in groups.iter().flatten().chain(&confirmed) {
                if !covered.contains(other) && asked.insert(other.clone()) {
                    frontier.push(other.clone());
                }
            }
            ahead.groups.extend(identifiers.into_iter().zip(groups));
        }
        Ok(ahead)
    }
}

/// `f` over `items`, in order, on up to `threads` threads.
fn parallel_map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> Result<R> + Sync) -> Result<Vec<R>> {
    // Below this a thread costs more than it saves.
    const MIN_PER_THREAD: usize = 32;
    let threads = threads.min(items.len() / MIN_PER_THREAD).max(1);
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Result<Vec<R>>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for worker in workers {
            out.extend(worker.join().expect("a catch-up thread panicked")?);
        }
        Ok(out)
    })
}

/// Rebuilds the organisation and person documents that the changed `mentions` belong to: each
/// mention with everything joined to it by a shared identifier (unless a person said the two are
/// not the same) or by a confirmed link, as one document. Documents that held a changed mention
/// are taken apart, and their other mentions placed again (a link undone splits an entity).
fn entities(store: &Store, index: &mut SearchIndex, mentions: &[String], placing: &mut Placing) -> Result<()> {
    let mut ahead = ReadAhead::read(store, mentions, &placing.covered, placing.threads)?;
    let covered = &mut placing.covered;
    // Deletes go to the writer before this round's documents: a mention is reached once a round,
    // so no delete of this round is meant for a document of this round.
    let mut deletes: Vec<String> = Vec::new();
    let mut components: Vec<Vec<Mention>> = Vec::new();
    // A mention covered already was placed, as it is now, in a document built during this
    // catch-up: deleting its document again would lose that document's other mentions.
    let mut affected: VecDeque<String> = mentions.iter().filter(|m| !covered.contains(m)).cloned().collect();
    while let Some(start) = affected.pop_front() {
        if !covered.insert(&start) {
            continue;
        }
        let mut component = Vec::new();
        let mut queue = VecDeque::from([start]);
        let mut identifiers_seen: HashSet<String> = HashSet::new();
        while let Some(id) = queue.pop_front() {
            if placing.old_documents {
                // The documents that held this mention go; their other mentions are placed again,
                // wherever they belong now.
                affected.extend(index.members_with(&id)?);
                deletes.push(id.clone());
            }
            let node = match ahead.nodes.remove(&id) {
                Some(node) => node,
                None => read_node(store, &id)?,
            };
            let Some(mention) = node.mention else { continue };
            for identifier in &mention.identifiers {
                // Each identifier's group is read once, however many of its members are reached.
                if !identifiers_seen.insert(identifier.clone()) {
                    continue;
                }
                if !ahead.groups.contains_key(identifier) {
                    ahead.groups.insert(identifier.clone(), store.mentions_with_identifier(identifier)?);
                }
                for other in &ahead.groups[identifier] {
                    if covered.contains(other) || store.judgement(&id, other)?.is_some_and(|j| !j.same) {
                        continue;
                    }
                    covered.insert(other);
                    queue.push_back(other.clone());
                }
            }
            for other in node.confirmed {
                if covered.insert(&other) {
                    queue.push_back(other);
                }
            }
            component.push(mention);
        }
        components.push(component);
    }
    for id in &deletes {
        index.delete_member(id)?;
    }
    // Building a document (names folded, transliterated, fingerprinted) is pure work: on every core.
    let fields = *index.fields();
    let docs = parallel_map(&components, placing.threads, |component| {
        let mut builder = EntityBuilder::default();
        for mention in component {
            builder.add(mention);
        }
        Ok(builder.build().map(|doc| doc.to_tantivy(&fields)))
    })?;
    for doc in docs.into_iter().flatten() {
        index.add_prepared(doc)?;
    }
    Ok(())
}
