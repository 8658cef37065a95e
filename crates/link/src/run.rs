//! A linking run: gather every mention, store those that are new or changed (with their blocking
//! keys), then compare each of those with the candidates its blocks give. Unchanged mentions are
//! not compared again; a crash leaves the rest marked, and the next run finishes them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use openreg_model::link::{Evidence, Judgement, Label, Link, Mention};
use openreg_store::{LinkWrites, Pending, Store, StoreError};
use serde::Serialize;

use crate::config::LinkConfig;
use crate::score::{score_pair, Prepared, Scored, Verdict};

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Usage(String),
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkSummary {
    pub mentions: u64,
    pub new_or_changed: u64,
    pub compared: u64,
    pub candidate_pairs: u64,
    /// Name links kept, by label (identifier links are not counted here; see `identifier_groups`).
    pub links: BTreeMap<String, u64>,
    /// Identifiers carried by more than one mention: each joins its mentions as one, confirmed.
    pub identifier_groups: u64,
    /// Blocking keys too common to use (shared by more mentions than `max_block`).
    pub blocks_too_common: u64,
    pub seconds: f64,
    /// Of which gathering the mentions and storing those new or changed (the rest is comparing).
    pub gathering_seconds: f64,
}

/// Where a run is, for progress bars.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    Gathering { mentions: u64 },
    Comparing { done: u64, total: u64 },
}

/// The hash of what a mention says, to know whether it changed since the last run.
fn content_hash(mention: &Mention) -> [u8; 16] {
    let json = serde_json::to_vec(mention).expect("a mention serialises");
    let mut hasher = blake3::Hasher::new();
    // A mention blocked under older keys counts as changed: it is stored and compared again.
    hasher.update(BLOCKING_SCHEME);
    hasher.update(&json);
    hasher.finalize().as_bytes()[..16].try_into().expect("16 bytes")
}

/// Which blocking keys stored mentions carry (see `Prepared::blocks`).
const BLOCKING_SCHEME: &[u8] = b"blocks-2: name, words, word pairs\n";

/// How many mentions are stored in one atomic write while gathering: sled spends log space and
/// time on every separate write, so they go thousands at a time.
const GATHER_CHUNK: usize = 4096;

/// How many mentions are compared before their links are written, in one atomic write.
pub const COMPARE_CHUNK: usize = 4096;

/// Mentions gathered for linking: those new or changed are stored a chunk at a time. The work
/// on each mention (its content hash, and the blocking keys of those new or changed) is done on
/// every core, a chunk at a time; what is new is decided one mention after another, in the order
/// given.
pub struct Gathering<'s> {
    store: &'s Store,
    threads: usize,
    /// Mentions given and not yet looked at.
    incoming: Vec<Mention>,
    /// New or changed mentions to store, with their content hashes.
    chunk: Vec<(Mention, [u8; 16])>,
    /// Where each mention of the chunk is, by id: a mention given twice replaces itself.
    at: HashMap<String, usize>,
    new_or_changed: u64,
}

impl<'s> Gathering<'s> {
    pub fn new(store: &'s Store) -> Gathering<'s> {
        Gathering::on_threads(store, default_threads())
    }

    /// [`Gathering::new`] with the work on `threads` threads (what is stored is the same).
    pub fn on_threads(store: &'s Store, threads: usize) -> Gathering<'s> {
        Gathering { store, threads, incoming: Vec::new(), chunk: Vec::new(), at: HashMap::new(), new_or_changed: 0 }
    }

    /// Takes one mention, to be stored if it is new or changed.
    pub fn add(&mut self, mention: Mention) -> Result<(), StoreError> {
        self.incoming.push(mention);
        if self.incoming.len() >= GATHER_CHUNK {
            self.look()?;
        }
        Ok(())
    }

    /// Stores what is held. Returns how many mentions given were new or changed (a mention
    /// changed twice counts twice).
    pub fn finish(mut self) -> Result<u64, StoreError> {
        self.look()?;
        self.write()?;
        Ok(self.new_or_changed)
    }

    /// Decides, for each mention given, whether it is new or changed.
    fn look(&mut self) -> Result<(), StoreError> {
        let incoming = std::mem::take(&mut self.incoming);
        let hashes = in_parallel(&incoming, self.threads, content_hash);
        for (mention, hash) in incoming.into_iter().zip(hashes) {
            if let Some(&i) = self.at.get(&mention.id) {
                if self.chunk[i].1 != hash {
                    self.chunk[i] = (mention, hash);
                    self.new_or_changed += 1;
                }
                continue;
            }
            if self.store.mention_hash(&mention.id)? == Some(hash) {
                continue;
            }
            self.new_or_changed += 1;
            self.at.insert(mention.id.clone(), self.chunk.len());
            self.chunk.push((mention, hash));
            if self.chunk.len() >= GATHER_CHUNK {
                self.write()?;
            }
        }
        Ok(())
    }

    fn write(&mut self) -> Result<(), StoreError> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.chunk);
        let blocks = in_parallel(&chunk, self.threads, |(mention, _)| Prepared::new(mention.clone()).blocks());
        let to_store: Vec<_> = chunk.into_iter().zip(blocks).map(|((m, hash), blocks)| (m, hash, blocks)).collect();
        self.store.put_mentions(&to_store)?;
        self.at.clear();
        Ok(())
    }
}

/// Runs linking over everything in the store.
pub fn run(store: &Store, config: &LinkConfig, progress: &mut dyn FnMut(Progress)) -> Result<LinkSummary, LinkError> {
    let started = Instant::now();
    let mut summary = LinkSummary::default();
    let mut gathering = Gathering::new(store);
    crate::mentions::each_mention(store, &mut |mention| {
        summary.mentions += 1;
        gathering.add(mention)?;
        if summary.mentions % 10_000 == 0 {
            progress(Progress::Gathering { mentions: summary.mentions });
        }
        Ok(())
    })?;
    summary.new_or_changed = gathering.finish()?;
    store.flush()?;
    summary.gathering_seconds = started.elapsed().as_secs_f64();
    compare_pending(store, config, &mut summary, progress)?;
    summary.identifier_groups = store.shared_identifier_count()?;
    if summary.new_or_changed > 0 {
        store.bump_generation("links")?;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Compares every mention marked new or changed with its candidates, and writes its links.
pub fn compare_pending(
    store: &Store,
    config: &LinkConfig,
    summary: &mut LinkSummary,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), LinkError> {
    compare_pending_in_chunks(store, config, summary, progress, COMPARE_CHUNK)
}

/// [`compare_pending`], writing the links of `chunk` mentions at a time. The links found are the
/// same whatever the chunk: reads see the chunk's own writes before they are stored.
pub fn compare_pending_in_chunks(
    store: &Store,
    config: &LinkConfig,
    summary: &mut LinkSummary,
    progress: &mut dyn FnMut(Progress),
    chunk: usize,
) -> Result<(), LinkError> {
    compare_pending_on_threads(store, config, summary, progress, chunk, default_threads())
}

/// How many threads compare: one per core (the links are the same whatever the number; a caller
/// wanting another passes it to [`compare_pending_on_threads`], as the tests do).
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// [`compare_pending_in_chunks`] on `threads` threads. A chunk is compared in two steps: first,
/// on every thread, each mention's candidates are found and each pair is scored (reads only:
/// blocks and mentions do not change while comparing); then, one mention after another in the
/// order they wait in (by name, then id: see `openreg_store::Pending`), what the pairs give is
/// settled against the writes held so far (links made earlier, namesakes found earlier) and
/// written. The links are the same whatever the threads.
pub fn compare_pending_on_threads(
    store: &Store,
    config: &LinkConfig,
    summary: &mut LinkSummary,
    progress: &mut dyn FnMut(Progress),
    chunk: usize,
    threads: usize,
) -> Result<(), LinkError> {
    let total = store.pending_mention_count()?;
    let mut comparing = Comparing {
        store,
        config,
        threads,
        prepared: HashMap::new(),
        prepared_before: HashMap::new(),
        too_common: HashMap::new(),
    };
    let mut writes = store.link_writes()?;
    let mut pending = Vec::with_capacity(chunk);
    let mut done = 0;
    let mut last: Option<Pending> = None;
    loop {
        // Read the markers a chunk at a time, on from the last chunk's (they are removed when the
        // chunk's links are written, and no marker is added while comparing).
        pending.clear();
        for marker in store.pending_after(last.as_ref()).take(chunk.max(1)) {
            pending.push(marker?);
        }
        if pending.is_empty() {
            break;
        }
        last = pending.last().cloned();
        let ids: Vec<String> = pending.iter().map(|p| p.id.clone()).collect();
        let found = comparing.find(&ids)?;
        for (marker, found) in pending.iter().zip(found) {
            if let Some(found) = found {
                comparing.settle(&mut writes, &marker.id, found, summary)?;
            }
            writes.mention_compared(marker);
            done += 1;
            if done % 1000 == 0 {
                progress(Progress::Comparing { done, total });
            }
        }
        writes.commit()?;
        if comparing.prepared.len() > PREPARED_KEPT {
            // The older generation goes; the newer is kept while it is still being met.
            comparing.prepared_before = std::mem::take(&mut comparing.prepared);
        }
    }
    store.flush()?;
    Ok(())
}

/// How many prepared mentions a generation of the cache holds (see `Comparing::prepared`).
const PREPARED_KEPT: usize = 200_000;

/// How many members of an exact-name block a mention is compared with: enough to join it to the
/// others (links are followed transitively), without linking every pair of a large group.
const EXACT_BLOCK_SAMPLE: usize = 16;

/// What comparing keeps from chunk to chunk.
struct Comparing<'s> {
    store: &'s Store,
    config: &'s LinkConfig,
    threads: usize,
    /// Mentions with their name work done, by id (`None`: no such mention), in two generations
    /// of at most [`PREPARED_KEPT`]: those met since the newer began, and those met in the one
    /// before (moved to the newer when met again). Loading and preparing a candidate cost as much
    /// as scoring it, and a common name is met again and again.
    prepared: HashMap<String, Option<Prepared>>,
    prepared_before: HashMap<String, Option<Prepared>>,
    /// Blocking keys known to have more members than a limit, with the largest such limit: a
    /// common word is met by thousands of mentions, and reading its block to its limit each time
    /// cost more than all the scoring.
    too_common: HashMap<String, usize>,
}

/// A pending mention's candidates from its blocks, each scored; found before any of the chunk's
/// links are written.
struct Found {
    /// Candidates in id order, with their pair (`None`: the candidate is not stored).
    pairs: BTreeMap<String, Option<Pair>>,
    too_common: u64,
    /// The mention's judgements, by the other mention's id.
    judgements: HashMap<String, Judgement>,
}

/// A pending mention's candidates from its blocks, before they are scored.
struct Blocked {
    candidates: BTreeSet<String>,
    /// How many of its blocks were too common to use.
    too_common: u64,
    judgements: Vec<Judgement>,
    /// Blocking keys found too common on the way, with the limit they passed.
    newly_too_common: Vec<(String, usize)>,
}

/// A pending mention and one candidate, compared.
struct Pair {
    /// They share an identifier: already one (confirmed), no name link is needed.
    shares_identifier: bool,
    /// Scored in a fixed order (the lower id first), so that a pair gets the same result
    /// whichever side changed.
    scored: Scored,
    /// Ruled out by an identifier or birth date though of one kind and one name: the name is
    /// known to be shared by different people.
    namesake: bool,
}

impl Comparing<'_> {
    /// Prepares the mentions of `ids` not yet prepared, on every thread.
    fn load<'i>(&mut self, ids: impl IntoIterator<Item = &'i String>) -> Result<(), StoreError> {
        let mut missing: Vec<&String> = Vec::new();
        for id in ids {
            if self.prepared.contains_key(id) {
                continue;
            }
            match self.prepared_before.remove(id) {
                Some(prepared) => {
                    self.prepared.insert(id.clone(), prepared);
                }
                None => missing.push(id),
            }
        }
        missing.sort();
        missing.dedup();
        let store = self.store;
        let loaded = in_parallel(&missing, self.threads, |id| -> Result<_, StoreError> {
            Ok(store.mention(id)?.map(|(m, _)| Prepared::new(m)))
        });
        for (id, loaded) in missing.into_iter().zip(loaded) {
            self.prepared.insert(id.clone(), loaded?);
        }
        Ok(())
    }

    /// Each pending mention's candidates, scored (`None`: the mention is not stored).
    fn find(&mut self, ids: &[String]) -> Result<Vec<Option<Found>>, StoreError> {
        self.load(ids)?;
        let this = &*self;
        let blocked = in_parallel(ids, self.threads, |id| match this.prepared.get(id).and_then(Option::as_ref) {
            Some(me) => this.candidates(id, me).map(Some),
            None => Ok(None),
        });
        let mut blocked = blocked.into_iter().collect::<Result<Vec<_>, _>>()?;
        for blocked in blocked.iter_mut().flatten() {
            for (key, limit) in blocked.newly_too_common.drain(..) {
                let known = self.too_common.entry(key).or_default();
                *known = (*known).max(limit);
            }
        }
        self.load(blocked.iter().flatten().flat_map(|b| &b.candidates))?;
        let this = &*self;
        let work: Vec<(&String, Option<Blocked>)> = ids.iter().zip(blocked).collect();
        let found = in_parallel(&work, self.threads, |(id, blocked)| {
            let blocked = blocked.as_ref()?;
            let me = this.prepared.get(*id).and_then(Option::as_ref).expect("prepared above");
            let pairs = blocked.candidates.iter().map(|other| (other.clone(), this.pair(me, other))).collect();
            let judgements = blocked
                .judgements
                .iter()
                .map(|j| (if j.a == **id { j.b.clone() } else { j.a.clone() }, j.clone()))
                .collect();
            Some(Found { pairs, too_common: blocked.too_common, judgements })
        });
        Ok(found)
    }

    /// A mention's candidates from its blocks.
    fn candidates(&self, id: &str, me: &Prepared) -> Result<Blocked, StoreError> {
        let config = self.config;
        let mut candidates = BTreeSet::new();
        let (mut too_common, mut newly) = (0, Vec::new());
        let blocks = me.blocks();
        // A single word of a longer name blocks only while rare: the name's word pairs find the rest.
        let paired = blocks.iter().any(|b| b.starts_with('+'));
        for block in blocks {
            // (members read at most, members taken; None: never too common, an exact name is
            // sampled). A word pair shared by many is mostly one name written alike (a family
            // already joined through the exact-name block, or namesakes): a sample of it, as for
            // exact names, keeps a large group from being linked pair by pair.
            let (limit, take) = match block.as_bytes()[0] {
                b'=' => (None, EXACT_BLOCK_SAMPLE),
                b'+' => (Some(config.max_block), config.max_word_block),
                _ if paired => (Some(config.max_word_block), usize::MAX),
                _ => (Some(config.max_block), usize::MAX),
            };
            let members = match limit {
                // The sample is the first members but this one: reading one more is enough.
                None => self.store.block(&block, take.min(config.max_block))?,
                Some(limit) => {
                    if self.too_common.get(&block).is_some_and(|&known| known >= limit) {
                        too_common += 1;
                        continue;
                    }
                    let members = self.store.block(&block, limit)?;
                    if members.len() > limit {
                        too_common += 1;
                        newly.push((block, limit));
                        continue;
                    }
                    members
                }
            };
            candidates.extend(members.into_iter().filter(|m| m != id).take(take));
        }
        Ok(Blocked { candidates, too_common, judgements: self.store.judgements_of(id)?, newly_too_common: newly })
    }

    /// Compares a mention with a candidate (`None`: the candidate is not stored).
    fn pair(&self, me: &Prepared, other: &str) -> Option<Pair> {
        let them = self.prepared.get(other)?.as_ref()?;
        let shares_identifier = me.mention.identifiers.iter().any(|i| them.mention.identifiers.contains(i));
        let (a, b) = if me.mention.id.as_str() < other { (me, them) } else { (them, me) };
        let scored = score_pair(a, b, self.config);
        // Whether the pair is vetoed does not depend on the order; whether the names are the
        // same is asked as the mention sees it.
        let namesake =
            !shares_identifier && scored.vetoed() && me.mention.kind == them.mention.kind && same_name(me, them);
        Some(Pair { shares_identifier, scored, namesake })
    }

    /// Settles a mention's links against the writes held so far, and holds them.
    fn settle(
        &mut self,
        writes: &mut LinkWrites,
        id: &str,
        mut found: Found,
        summary: &mut LinkSummary,
    ) -> Result<(), LinkError> {
        summary.compared += 1;
        summary.blocks_too_common += found.too_common;
        // Those it is linked to now are compared again too: a changed name may undo a link.
        let extra: Vec<String> = writes.linked(id)?.into_iter().filter(|o| !found.pairs.contains_key(o)).collect();
        if !extra.is_empty() {
            self.load(&extra)?;
            let me = self.prepared.get(id).and_then(Option::as_ref).expect("prepared while finding");
            for other in extra {
                let pair = self.pair(me, &other);
                found.pairs.insert(other, pair);
            }
        }
        // First, whether this name is known to belong to different people: a candidate with the
        // same name that an identifier or birth date rules out.
        let mut namesakes = writes.has_namesakes(id)?;
        for (other, pair) in &found.pairs {
            if pair.as_ref().is_some_and(|p| p.namesake) {
                namesakes = true;
                writes.set_namesakes(other)?;
            }
        }
        if namesakes {
            writes.set_namesakes(id)?;
        }
        let mut links = Vec::new();
        for (other, pair) in found.pairs {
            if let Some(j) = found.judgements.get(&other) {
                links.extend(judged_link(j, id, &other));
                continue;
            }
            let Some(pair) = pair else { continue };
            if pair.shares_identifier {
                continue;
            }
            summary.candidate_pairs += 1;
            let namesakes = namesakes || writes.has_namesakes(&other)?;
            if let Verdict::Link { label, score, evidence } = pair.scored.verdict(self.config, namesakes) {
                *summary.links.entry(label.as_str().to_string()).or_default() += 1;
                let (a, b) = if id < other.as_str() { (id.to_string(), other) } else { (other, id.to_string()) };
                links.push(Link { a, b, label, score, evidence });
            }
        }
        // Judgements about mentions outside the blocks still hold.
        for (other, j) in &found.judgements {
            if !links.iter().any(|l| l.a == *other || l.b == *other) {
                links.extend(judged_link(j, id, other));
            }
        }
        writes.replace_links(id, &links)?;
        Ok(())
    }
}

/// Runs `work` on every item, on up to `threads` threads taking a few items at a time, and
/// returns the results in the items' order.
pub(crate) fn in_parallel<T: Sync, R: Send>(items: &[T], threads: usize, work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if threads <= 1 || items.len() < 2 {
        return items.iter().map(work).collect();
    }
    const TAKE: usize = 16;
    let next = AtomicUsize::new(0);
    let parts: Vec<Vec<(usize, R)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.min(items.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let start = next.fetch_add(TAKE, Ordering::Relaxed);
                        if start >= items.len() {
                            return out;
                        }
                        for (i, item) in items.iter().enumerate().skip(start).take(TAKE) {
                            out.push((i, work(item)));
                        }
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut results: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (i, r) in parts.into_iter().flatten() {
        results[i] = Some(r);
    }
    results.into_iter().map(|r| r.expect("every item is worked on")).collect()
}

/// Whether two mentions carry the same name (in any script or spelling).
fn same_name(a: &Prepared, b: &Prepared) -> bool {
    a.skeletons.iter().any(|x| b.skeletons.iter().any(|y| x == y || crate::score::words_similarity(x, y, true) >= 0.9))
}

/// The link a person's judgement makes: confirmed when they said the same, none when not.
fn judged_link(judgement: &Judgement, id: &str, other: &str) -> Option<Link> {
    if !judgement.same {
        return None;
    }
    let (a, b) = if id < other { (id, other) } else { (other, id) };
    Some(Link {
        a: a.to_string(),
        b: b.to_string(),
        label: Label::Confirmed,
        score: 1.0,
        evidence: vec![Evidence {
            field: "judgement".into(),
            agrees: true,
            detail: format!(
                "confirmed by a person on {}{}",
                judgement.at,
                judgement.note.as_ref().map(|n| format!(": {n}")).unwrap_or_default()
            ),
        }],
    })
}

/// Records a person's judgement about two mentions and applies it at once.
pub fn judge(store: &Store, a: &str, b: &str, same: bool, note: Option<String>) -> Result<Judgement, LinkError> {
    for id in [a, b] {
        if store.mention(id)?.is_none() {
            return Err(LinkError::Usage(format!(
                "no mention {id:?}: run `openreg link` first, and use ids as `openreg links` shows them"
            )));
        }
    }
    if a == b {
        return Err(LinkError::Usage("a mention is always itself".into()));
    }
    let judgement =
        Judgement { a: a.to_string(), b: b.to_string(), same, at: openreg_store::time::now_rfc3339(), note };
    store.put_judgement(&judgement)?;
    store.bump_generation("links")?;
    match judged_link(&judgement, a, b) {
        Some(link) => store.put_link(&link)?,
        None => store.remove_link(a, b)?,
    }
    store.flush()?;
    Ok(judgement)
}
