//! A linking run: gather every mention, store those that are new or changed (with their blocking
//! keys), then compare each of those with the candidates its blocks give. Unchanged mentions are
//! not compared again; a crash leaves the rest marked, and the next run finishes them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use openreg_model::link::{Evidence, Judgement, Label, Link, Mention};
use openreg_store::{LinkWrites, Store, StoreError};
use serde::Serialize;

use crate::config::LinkConfig;
use crate::score::{score, Prepared, Verdict};

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

/// A mention ready to store: with its content hash and blocking keys.
type ToStore = (Mention, [u8; 16], Vec<String>);

/// Mentions gathered for linking: those new or changed are stored a chunk at a time.
pub struct Gathering<'s> {
    store: &'s Store,
    chunk: Vec<ToStore>,
    /// Where each mention of the chunk is, by id: a mention given twice replaces itself.
    at: HashMap<String, usize>,
}

impl<'s> Gathering<'s> {
    pub fn new(store: &'s Store) -> Gathering<'s> {
        Gathering { store, chunk: Vec::new(), at: HashMap::new() }
    }

    /// Takes one mention, to be stored if it is new or changed. Returns whether it was.
    pub fn add(&mut self, mention: Mention) -> Result<bool, StoreError> {
        let hash = content_hash(&mention);
        if let Some(&i) = self.at.get(&mention.id) {
            if self.chunk[i].1 == hash {
                return Ok(false);
            }
            let blocks = Prepared::new(mention.clone()).blocks();
            self.chunk[i] = (mention, hash, blocks);
            return Ok(true);
        }
        if self.store.mention_hash(&mention.id)? == Some(hash) {
            return Ok(false);
        }
        let blocks = Prepared::new(mention.clone()).blocks();
        self.at.insert(mention.id.clone(), self.chunk.len());
        self.chunk.push((mention, hash, blocks));
        if self.chunk.len() >= GATHER_CHUNK {
            self.write()?;
        }
        Ok(true)
    }

    /// Stores what is held. Durable with the next [`Store::flush`].
    pub fn finish(mut self) -> Result<(), StoreError> {
        self.write()
    }

    fn write(&mut self) -> Result<(), StoreError> {
        if !self.chunk.is_empty() {
            self.store.put_mentions(&self.chunk)?;
            self.chunk.clear();
            self.at.clear();
        }
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
        if gathering.add(mention)? {
            summary.new_or_changed += 1;
        }
        if summary.mentions % 10_000 == 0 {
            progress(Progress::Gathering { mentions: summary.mentions });
        }
        Ok(())
    })?;
    gathering.finish()?;
    store.flush()?;
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
    let total = store.pending_mention_count();
    // Prepared candidates are reused across comparisons; the cache is bounded.
    let mut cache: HashMap<String, Option<Prepared>> = HashMap::new();
    let mut writes = store.link_writes();
    let mut pending = Vec::with_capacity(chunk);
    let mut done = 0;
    loop {
        // Read the markers a chunk at a time: they are removed when the chunk's links are written.
        pending.clear();
        for id in store.pending_mentions().take(chunk.max(1)) {
            pending.push(id?);
        }
        if pending.is_empty() {
            break;
        }
        for id in &pending {
            compare_one(store, &mut writes, config, id, &mut cache, summary)?;
            writes.mention_compared(id);
            done += 1;
            if done % 1000 == 0 {
                progress(Progress::Comparing { done, total });
            }
        }
        writes.commit()?;
        if cache.len() > 200_000 {
            cache.clear();
        }
    }
    store.flush()?;
    Ok(())
}

fn prepared<'c>(
    store: &Store,
    id: &str,
    cache: &'c mut HashMap<String, Option<Prepared>>,
) -> Result<Option<&'c Prepared>, StoreError> {
    if !cache.contains_key(id) {
        let loaded = store.mention(id)?.map(|(m, _)| Prepared::new(m));
        cache.insert(id.to_string(), loaded);
    }
    Ok(cache.get(id).and_then(Option::as_ref))
}

/// How many members of an exact-name block a mention is compared with: enough to join it to the
/// others (links are followed transitively), without linking every pair of a large group.
const EXACT_BLOCK_SAMPLE: usize = 16;

fn compare_one(
    store: &Store,
    writes: &mut LinkWrites,
    config: &LinkConfig,
    id: &str,
    cache: &mut HashMap<String, Option<Prepared>>,
    summary: &mut LinkSummary,
) -> Result<(), LinkError> {
    let Some(me) = prepared(store, id, cache)?.cloned() else { return Ok(()) };
    summary.compared += 1;
    // Those it is linked to now are compared again too: a changed name may undo a link.
    let mut candidates: BTreeSet<String> =
        writes.links_of(id)?.into_iter().map(|l| if l.a == id { l.b } else { l.a }).collect();
    let blocks = me.blocks();
    // A single word of a longer name blocks only while rare: the name's word pairs find the rest.
    let paired = blocks.iter().any(|b| b.starts_with('+'));
    for block in blocks {
        // (members read at most, members taken; None: never too common, an exact name is sampled).
        // A word pair shared by many is mostly one name written alike (a family already joined
        // through the exact-name block, or namesakes): a sample of it, as for exact names, keeps
        // a large group from being linked pair by pair.
        let (limit, take) = match block.as_bytes()[0] {
            b'=' => (None, EXACT_BLOCK_SAMPLE),
            b'+' => (Some(config.max_block), config.max_word_block),
            _ if paired => (Some(config.max_word_block), usize::MAX),
            _ => (Some(config.max_block), usize::MAX),
        };
        let members = store.block(&block, limit.unwrap_or(config.max_block))?;
        if limit.is_some_and(|limit| members.len() > limit) {
            summary.blocks_too_common += 1;
            continue;
        }
        candidates.extend(members.into_iter().filter(|m| m != id).take(take));
    }
    // First, whether this name is known to belong to different people: a candidate with the same
    // name that an identifier or birth date rules out.
    let mut namesakes = writes.has_namesakes(id)?;
    let mut scored = Vec::new();
    for other in &candidates {
        let Some(them) = prepared(store, other, cache)? else { continue };
        if me.mention.identifiers.iter().any(|i| them.mention.identifiers.contains(i)) {
            continue;
        }
        let verdict = score(&me, them, config, false);
        if let Verdict::NoLink { evidence, .. } = &verdict {
            let vetoed = evidence.iter().any(|e| !e.agrees && matches!(e.field.as_str(), "identifier" | "birth_date"));
            if vetoed && me.mention.kind == them.mention.kind && same_name(&me, them) {
                namesakes = true;
                writes.set_namesakes(other)?;
            }
        }
        scored.push(other.clone());
    }
    if namesakes {
        writes.set_namesakes(id)?;
    }
    let mut links = Vec::new();
    for other in candidates {
        let judgement = store.judgement(id, &other)?;
        if let Some(j) = &judgement {
            links.extend(judged_link(j, id, &other));
            continue;
        }
        let Some(them) = prepared(store, &other, cache)? else { continue };
        // Mentions sharing an identifier are already one (confirmed); no name link is needed.
        if me.mention.identifiers.iter().any(|i| them.mention.identifiers.contains(i)) {
            continue;
        }
        summary.candidate_pairs += 1;
        let namesakes = namesakes || writes.has_namesakes(&other)?;
        // Score in a fixed order so that a pair gets the same result whichever side changed.
        let (a, b) = if id < other.as_str() { (&me, them) } else { (them, &me) };
        if let Verdict::Link { label, score, evidence } = score(a, b, config, namesakes) {
            *summary.links.entry(label.as_str().to_string()).or_default() += 1;
            links.push(Link { a: a.mention.id.clone(), b: b.mention.id.clone(), label, score, evidence });
        }
    }
    // Judgements about mentions outside the blocks still hold.
    for j in store.judgements_of(id)? {
        let other = if j.a == id { &j.b } else { &j.a };
        if !links.iter().any(|l| l.a == *other || l.b == *other) {
            links.extend(judged_link(&j, id, other));
        }
    }
    writes.replace_links(id, &links)?;
    Ok(())
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
