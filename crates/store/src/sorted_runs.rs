//! An ordered key-value store kept beside sled, in sorted files ("runs"): for the BODS keys
//! (statements, the replaced-statement marks and the owner, holding and identifier indexes) and,
//! in a second instance, for linking's keys (mentions, blocking keys, links).
//!
//! Why not sled: sled 0.34 keeps in memory, for every page of its tree, a page-table entry and the
//! places of the page's fragments, whatever its cache capacity, and a leaf holds at most 16 keys;
//! so its memory grows with the number of keys (about 46 MB per million BODS statements, at ~2.2
//! keys each, after their bodies and export order had already left it), and on a store many times
//! its cache every read and write pays for pages read back and rewritten (linking 3.3 million
//! mentions wrote 27 GB of sled at 39% done). Here memory is a sparse index (the first key of every
//! block) and a Bloom filter (10 bits a key) per run, plus a bounded table of the newest entries;
//! and reads go through the operating system's page cache.
//!
//! How it works, as a log-structured merge tree:
//! - a commit appends its writes to a log file and syncs it *before* the sled batch that records
//!   where the log ends (`(generation, end)` in the store's metadata) commits; opening cuts the log
//!   back to that point, so writes of a batch that never committed are dropped, as with the blob
//!   and statement-order files;
//! - committed writes sit in memory (the table) until it holds [`Limits::table_bytes`], then are
//!   written as a sorted run; the manifest (replaced atomically by a rename) lists the runs and the
//!   log generation that follows them, and the old log is removed;
//! - a removal is written as a tombstone, which hides the key in older runs until a merge into
//!   the oldest run drops both;
//! - runs are sorted into size tiers (a factor of [`Limits::fan_in`] apart): when the newest
//!   `fan_in` runs are of one tier they are merged into one, so each entry is rewritten about
//!   log_fan_in(N / table) times and a store keeps at most `fan_in - 1` runs a tier;
//! - a point lookup asks each run's Bloom filter first, so a key that is new (the common case when
//!   an ingest checks for duplicates) costs no read at all. The filter may record a prefix of each
//!   key instead ([`Limits::bloom_key`]), so that [`SortedRuns::scan_group`] skips the runs without
//!   a group (a blocking key's members, a mention's links) as a lookup does.
//!
//! Files that the manifest does not list (a run written by a flush or merge that a crash cut short)
//! are removed on opening.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write as _};
use std::ops::Bound;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use crate::append_file::AppendFile;

/// A write: a key and its new value, or `None` to remove the key.
pub type Write = (Vec<u8>, Option<Vec<u8>>);

/// When the table is written out, how runs are laid out and when they are merged.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of keys and values held in memory before they are written as a run.
    pub table_bytes: usize,
    /// Bytes per block of a run: what one lookup reads.
    pub block_bytes: usize,
    /// How many runs of one size tier are merged into one (at least 2).
    pub fan_in: usize,
    /// The part of each key that a run's Bloom filter records: the whole key, or a prefix that
    /// [`SortedRuns::scan_group`] is asked for.
    pub bloom_key: fn(&[u8]) -> &[u8],
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { table_bytes: 16 << 20, block_bytes: 8 << 10, fan_in: 2, bloom_key: whole_key }
    }
}

/// The Bloom key of stores whose filters record whole keys.
pub fn whole_key(key: &[u8]) -> &[u8] {
    key
}

const MANIFEST: &str = "manifest";
const RUN_MAGIC: &[u8; 8] = b"orgrun01";
const BLOOM_BITS_PER_KEY: u64 = 10;
const BLOOM_HASHES: u32 = 7;
/// The value length that marks a tombstone (a removed key) in logs and runs.
const TOMBSTONE: u32 = u32::MAX;

pub struct SortedRuns {
    dir: PathBuf,
    limits: Limits,
    state: RwLock<State>,
    writer: Mutex<Writer>,
}

type Table = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// What readers see: committed writes not yet in a run, and the runs, oldest first. The table is
/// shared with a flush under way, which writes it out without holding the lock.
struct State {
    table: Arc<Table>,
    table_bytes: usize,
    runs: Vec<Arc<Run>>,
}

/// What only a committing thread touches.
struct Writer {
    log: AppendFile,
    generation: u64,
    next_run: u64,
}

impl SortedRuns {
    /// Opens (or creates) the runs in `dir`. `committed` is the `(generation, end)` of the log that
    /// the store's last committed batch recorded (`None` for a store that never recorded one).
    pub fn open(dir: &Path, committed: Option<(u64, u64)>, limits: Limits) -> io::Result<SortedRuns> {
        assert!(limits.fan_in >= 2, "runs are merged two or more at a time");
        fs::create_dir_all(dir)?;
        let manifest = Manifest::read(dir)?;
        // Remove what the manifest does not list: runs a crash cut short, logs already in runs.
        for entry in fs::read_dir(dir)? {
            let name = entry?.file_name();
            let Some(name) = name.to_str() else { continue };
            let listed = name == MANIFEST
                || name == log_name(manifest.generation)
                || manifest.runs.iter().any(|id| name == run_name(*id));
            if !listed {
                fs::remove_file(dir.join(name))?;
            }
        }
        let (committed_generation, committed_end) = committed.unwrap_or((0, 0));
        let keep = if committed_generation == manifest.generation {
            committed_end
        } else if committed_generation < manifest.generation {
            // Everything the store committed is in runs; the current log holds nothing committed.
            0
        } else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: the store committed log generation {committed_generation}, but the manifest is at {}",
                    dir.display(),
                    manifest.generation
                ),
            ));
        };
        let log = AppendFile::open(&dir.join(log_name(manifest.generation)), Some(keep))?;
        let mut table = Table::new();
        let mut table_bytes = 0;
        for entry in read_entries(log.path(), keep)? {
            let (key, value) = entry?;
            table_bytes += entry_bytes(&key, &value);
            table.insert(key, value);
        }
        let runs = manifest
            .runs
            .iter()
            .map(|id| Run::open(&dir.join(run_name(*id))).map(Arc::new))
            .collect::<io::Result<_>>()?;
        let next_run = manifest.runs.iter().max().map_or(0, |id| id + 1);
        Ok(SortedRuns {
            dir: dir.to_path_buf(),
            limits,
            state: RwLock::new(State { table: Arc::new(table), table_bytes, runs }),
            writer: Mutex::new(Writer { log, generation: manifest.generation, next_run }),
        })
    }

    /// Appends a batch's writes to the log and makes them durable; returns the `(generation,
    /// end)` the batch's sled write must record. Readers see the writes only after [`applied`].
    ///
    /// [`applied`]: SortedRuns::applied
    pub fn log(&self, writes: &[Write]) -> io::Result<(u64, u64)> {
        let writer = self.writer.lock().expect("the runs' writer lock is never poisoned");
        let mut end = writer.log.size();
        for (key, value) in writes {
            (_, end) = writer.log.append_with(|out| write_entry(out, key, value.as_deref()))?;
        }
        writer.log.sync()?;
        Ok((writer.generation, end))
    }

    /// The batch holding `writes` has committed: readers see them now. Writes the table out as a
    /// run once it is full, and merges runs as they grow; before a run is written, `durable` must
    /// make the store's committed batches durable (a run outlives the log that the store's
    /// recorded end points into).
    pub fn applied(&self, writes: Vec<Write>, durable: &dyn Fn() -> io::Result<()>) -> io::Result<()> {
        let mut writer = self.writer.lock().expect("the runs' writer lock is never poisoned");
        let full = {
            let mut state = self.write_state();
            let mut added = 0;
            // Only a flush holds the table, and flushes happen under the writer's lock, as here.
            let table = Arc::make_mut(&mut state.table);
            for (key, value) in writes {
                added += entry_bytes(&key, &value);
                table.insert(key, value);
            }
            state.table_bytes += added;
            state.table_bytes >= self.limits.table_bytes
        };
        if full {
            durable()?;
            self.flush(&mut writer)?;
        }
        Ok(())
    }

    /// Writes the table as a run, starts a new log generation, then merges runs of one tier.
    fn flush(&self, writer: &mut Writer) -> io::Result<()> {
        let id = writer.next_run;
        let (table, oldest) = {
            let state = self.read_state();
            (state.table.clone(), state.runs.is_empty())
        };
        // With no older run, a tombstone hides nothing.
        let entries = table.iter().filter(|(_, v)| !oldest || v.is_some()).map(|(k, v)| Ok((k.clone(), v.clone())));
        let run = write_run(&self.dir.join(run_name(id)), table.len() as u64, entries, self.limits)?;
        // Let go of the table before merging: held through a merge, it was 7 MB of peak RSS at
        // 2M BODS statements.
        drop(table);
        let mut runs: Vec<u64> = self.read_state().runs.iter().map(|r| r.id).collect();
        runs.push(id);
        let generation = writer.generation + 1;
        // The new log exists (empty) before the manifest names it.
        let log = AppendFile::open(&self.dir.join(log_name(generation)), Some(0))?;
        Manifest { generation, runs }.write(&self.dir)?;
        let old_log = std::mem::replace(&mut writer.log, log);
        writer.generation = generation;
        writer.next_run = id + 1;
        {
            let mut state = self.write_state();
            state.runs.push(Arc::new(run));
            state.table = Arc::new(Table::new());
            state.table_bytes = 0;
        }
        fs::remove_file(old_log.path())?;
        self.merge(writer)
    }

    /// A run's size tier: how many times `fan_in` tables it holds, as a power of `fan_in`.
    fn tier(&self, run: &Run) -> u32 {
        let fan_in = self.limits.fan_in as u64;
        let mut tables = run.data_bytes / self.limits.table_bytes.max(1) as u64;
        let mut tier = 0;
        while tables >= fan_in {
            tables /= fan_in;
            tier += 1;
        }
        tier
    }

    /// Merges the newest `fan_in` runs into one while they are of one tier.
    fn merge(&self, writer: &mut Writer) -> io::Result<()> {
        let fan_in = self.limits.fan_in;
        loop {
            let (merging, oldest) = {
                let state = self.read_state();
                let n = state.runs.len();
                if n < fan_in {
                    return Ok(());
                }
                let newest = &state.runs[n - fan_in..];
                let tier = self.tier(&newest[0]);
                if newest.iter().any(|r| self.tier(r) != tier) {
                    return Ok(());
                }
                (newest.to_vec(), n == fan_in)
            };
            let id = writer.next_run;
            let sources =
                merging.iter().rev().map(|run| Ok(Source::new(Box::new(run.entries()?)))).collect::<io::Result<_>>()?;
            let count = merging.iter().map(|r| r.entries).sum();
            // Merged into the oldest run, a tombstone has nothing left to hide.
            let merged =
                Merged { sources }.filter(|entry| !oldest || entry.as_ref().map_or(true, |(_, v)| v.is_some()));
            let run = write_run(&self.dir.join(run_name(id)), count, merged, self.limits)?;
            let mut runs: Vec<u64> = self.read_state().runs.iter().map(|r| r.id).collect();
            runs.truncate(runs.len() - fan_in);
            runs.push(id);
            Manifest { generation: writer.generation, runs }.write(&self.dir)?;
            writer.next_run = id + 1;
            {
                let mut state = self.write_state();
                let n = state.runs.len();
                state.runs.truncate(n - fan_in);
                state.runs.push(Arc::new(run));
            }
            // Readers holding the old runs keep their open files; the names can go.
            for run in &merging {
                fs::remove_file(&run.path)?;
            }
        }
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &[u8]) -> io::Result<Option<Vec<u8>>> {
        let runs = {
            let state = self.read_state();
            if let Some(value) = state.table.get(key) {
                return Ok(value.clone());
            }
            state.runs.clone()
        };
        let hash = KeyHash::of((self.limits.bloom_key)(key));
        for run in runs.iter().rev() {
            if let Some(value) = run.get(key, hash)? {
                return Ok(value);
            }
        }
        Ok(None)
    }

    /// The entries whose keys start with `prefix`, in key order, at most `limit` of them.
    pub fn scan_prefix(&self, prefix: &[u8], limit: usize) -> io::Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.scan(prefix, None, limit, false)
    }

    /// [`SortedRuns::scan_prefix`] for a prefix that is the Bloom key of every key under it (see
    /// [`Limits::bloom_key`]): runs whose filter does not know it are not read.
    pub fn scan_group(&self, group: &[u8], limit: usize) -> io::Result<Vec<(Vec<u8>, Vec<u8>)>> {
        debug_assert_eq!((self.limits.bloom_key)(group), group, "a group is its own Bloom key");
        self.scan(group, None, limit, true)
    }

    /// Every entry whose key starts with `prefix`, in key order, read a page at a time (so that no
    /// scan holds the table or the runs while the caller works; writes made meanwhile may or may
    /// not be seen).
    pub fn iter_prefix<'r>(&'r self, prefix: &[u8]) -> impl Iterator<Item = io::Result<(Vec<u8>, Vec<u8>)>> + 'r {
        self.iter_prefix_after(prefix, None)
    }

    /// [`SortedRuns::iter_prefix`] from the first key after `after` on: a caller that removes
    /// what it has read goes on from there, rather than past the tombstones it left.
    pub fn iter_prefix_after<'r>(
        &'r self,
        prefix: &[u8],
        after: Option<Vec<u8>>,
    ) -> impl Iterator<Item = io::Result<(Vec<u8>, Vec<u8>)>> + 'r {
        const PAGE: usize = 1024;
        let prefix = prefix.to_vec();
        let mut page = std::collections::VecDeque::new();
        let mut after = after;
        let mut ended = false;
        std::iter::from_fn(move || {
            if page.is_empty() && !ended {
                match self.scan(&prefix, after.as_deref(), PAGE, false) {
                    Ok(found) => {
                        ended = found.len() < PAGE;
                        after = found.last().map(|(k, _)| k.clone());
                        page.extend(found);
                    }
                    Err(e) => {
                        ended = true;
                        return Some(Err(e));
                    }
                }
            }
            page.pop_front().map(Ok)
        })
    }

    /// The live entries under `prefix` (after `after`, if given), newest version of each key.
    fn scan(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
        group: bool,
    ) -> io::Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let from = match after {
            Some(after) if after >= prefix => Bound::Excluded(after),
            _ => Bound::Included(prefix),
        };
        // The table's part is copied under the lock, up to `limit` live entries (with the
        // tombstones among them): the merge gives `limit` entries before it needs a key past
        // them. Holding the table instead would make a commit meanwhile copy all of it.
        let (in_table, runs) = {
            let state = self.read_state();
            let mut in_table = Vec::new();
            let mut live = 0;
            for (key, value) in state.table.range::<[u8], _>((from, Bound::Unbounded)) {
                if live >= limit || !key.starts_with(prefix) {
                    break;
                }
                live += usize::from(value.is_some());
                in_table.push(Ok((key.clone(), value.clone())));
            }
            (in_table, state.runs.clone())
        };
        let mut sources: Vec<Source<'_>> = vec![Source::new(Box::new(in_table.into_iter()))];
        let group_hash = group.then(|| KeyHash::of(prefix));
        for run in runs.iter().rev() {
            if group_hash.is_some_and(|hash| !run.bloom.may_contain(hash)) {
                continue;
            }
            sources.push(Source::new(Box::new(RunScan::new(run, prefix, from))));
        }
        let mut found = Vec::new();
        for entry in (Merged { sources }) {
            if found.len() >= limit {
                break;
            }
            if let (key, Some(value)) = entry? {
                found.push((key, value));
            }
        }
        Ok(found)
    }

    /// Bytes on disk.
    pub fn size(&self) -> u64 {
        let state = self.read_state();
        let log = self.writer.lock().map(|w| w.log.size()).unwrap_or(0);
        state.runs.iter().map(|r| r.file_bytes).sum::<u64>() + log
    }

    fn read_state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().expect("the runs' state lock is never poisoned")
    }

    fn write_state(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().expect("the runs' state lock is never poisoned")
    }
}

fn log_name(generation: u64) -> String {
    format!("log.{generation}")
}

fn run_name(id: u64) -> String {
    format!("run.{id}")
}

/// What an entry counts for against the table's limit.
fn entry_bytes(key: &[u8], value: &Option<Vec<u8>>) -> usize {
    key.len() + value.as_ref().map_or(0, Vec::len)
}

/// Key length (2 bytes), value length (4 bytes; [`TOMBSTONE`] for a removed key), both
/// little-endian, then the key and the value: the layout of a log entry and of an entry in a
/// run's block.
fn write_entry(out: &mut Vec<u8>, key: &[u8], value: Option<&[u8]>) {
    let key_len = u16::try_from(key.len()).expect("keys are checked to be under 64 KiB");
    out.extend_from_slice(&key_len.to_le_bytes());
    let value_len = value.map_or(TOMBSTONE, |v| u32::try_from(v.len()).expect("values are under 4 GiB"));
    out.extend_from_slice(&value_len.to_le_bytes());
    out.extend_from_slice(key);
    out.extend_from_slice(value.unwrap_or_default());
}

/// Keys longer than this cannot be stored (a record id of 64 KiB is not a record id).
pub const MAX_KEY: usize = u16::MAX as usize;

/// A value as read: `None` for a tombstone.
type Value<'b> = Option<&'b [u8]>;

/// Reads entries from `bytes`, one at a time: `(key, value, rest)`.
fn read_entry(bytes: &[u8]) -> Option<(&[u8], Value<'_>, &[u8])> {
    let key_len = u16::from_le_bytes(bytes.get(0..2)?.try_into().ok()?) as usize;
    let value_len = u32::from_le_bytes(bytes.get(2..6)?.try_into().ok()?);
    let key = bytes.get(6..6 + key_len)?;
    if value_len == TOMBSTONE {
        return Some((key, None, &bytes[6 + key_len..]));
    }
    let end = 6 + key_len + value_len as usize;
    Some((key, Some(bytes.get(6 + key_len..end)?), &bytes[end..]))
}

fn corrupt(path: &Path, what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{}: {what}", path.display()))
}

/// An entry as stored, its value `None` for a tombstone.
type Entry = io::Result<(Vec<u8>, Option<Vec<u8>>)>;

/// The entries in the first `end` bytes of a file (a log, or a run's blocks), read sequentially.
fn read_entries(path: &Path, end: u64) -> io::Result<impl Iterator<Item = Entry>> {
    let mut reader = BufReader::with_capacity(1 << 16, File::open(path)?.take(end));
    let path = path.to_path_buf();
    Ok(std::iter::from_fn(move || {
        let mut head = [0u8; 6];
        match reader.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return None,
            Err(e) => return Some(Err(e)),
        }
        let mut key = vec![0u8; u16::from_le_bytes([head[0], head[1]]) as usize];
        let value_len = u32::from_le_bytes(head[2..6].try_into().expect("4 bytes"));
        let mut value = (value_len != TOMBSTONE).then(|| vec![0u8; value_len as usize]);
        let read = reader.read_exact(&mut key).and_then(|_| match &mut value {
            Some(value) => reader.read_exact(value),
            None => Ok(()),
        });
        if read.is_err() {
            return Some(Err(corrupt(&path, "an entry is cut short before its end")));
        }
        Some(Ok((key, value)))
    }))
}

/// The list of runs (oldest first) and the log generation that follows them.
#[derive(Debug, Default, PartialEq)]
struct Manifest {
    generation: u64,
    runs: Vec<u64>,
}

impl Manifest {
    fn read(dir: &Path) -> io::Result<Manifest> {
        let text = match fs::read_to_string(dir.join(MANIFEST)) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Manifest::default()),
            Err(e) => return Err(e),
        };
        let mut manifest = Manifest::default();
        for line in text.lines() {
            let bad = || corrupt(&dir.join(MANIFEST), &format!("cannot read the line {line:?}"));
            match line.split_once(' ') {
                Some(("generation", n)) => manifest.generation = n.parse().map_err(|_| bad())?,
                Some(("run", n)) => manifest.runs.push(n.parse().map_err(|_| bad())?),
                _ => return Err(bad()),
            }
        }
        Ok(manifest)
    }

    /// Replaces the manifest atomically: written aside, synced, renamed over, directory synced.
    fn write(&self, dir: &Path) -> io::Result<()> {
        let mut text = format!("generation {}\n", self.generation);
        for id in &self.runs {
            text.push_str(&format!("run {id}\n"));
        }
        let aside = dir.join("manifest.new");
        let mut file = File::create(&aside)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&aside, dir.join(MANIFEST))?;
        File::open(dir)?.sync_all()
    }
}

/// A sorted, immutable file of entries: blocks of entries, then the blocks' first keys and places,
/// then the Bloom filter, then a footer.
struct Run {
    id: u64,
    path: PathBuf,
    file: File,
    /// For each block: its first key, where it starts and how long it is.
    blocks: Vec<(Box<[u8]>, u64, u32)>,
    bloom: Bloom,
    entries: u64,
    data_bytes: u64,
    file_bytes: u64,
}

/// Footer: where the block index starts, where the Bloom filter starts, how many entries, magic.
const FOOTER: usize = 8 * 3 + 8;

impl Run {
    fn open(path: &Path) -> io::Result<Run> {
        let file = File::open(path)?;
        let file_bytes = file.metadata()?.len();
        if file_bytes < FOOTER as u64 {
            return Err(corrupt(path, "too short to be a run"));
        }
        let mut footer = [0u8; FOOTER];
        file.read_exact_at(&mut footer, file_bytes - FOOTER as u64)?;
        if &footer[24..32] != RUN_MAGIC {
            return Err(corrupt(path, "not a run file"));
        }
        let word = |i: usize| u64::from_le_bytes(footer[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        let (index_at, bloom_at, entries) = (word(0), word(1), word(2));
        if index_at > bloom_at || bloom_at > file_bytes - FOOTER as u64 {
            return Err(corrupt(path, "its footer points outside it"));
        }
        let mut index = vec![0u8; (bloom_at - index_at) as usize];
        file.read_exact_at(&mut index, index_at)?;
        let mut blocks = Vec::new();
        let mut rest = &index[..];
        while !rest.is_empty() {
            let bad_place = || corrupt(path, "bad block place");
            let (key, place, after) = read_entry(rest).ok_or_else(|| corrupt(path, "its block index is cut short"))?;
            let place = place.ok_or_else(bad_place)?;
            let at = u64::from_le_bytes(place.get(0..8).and_then(|b| b.try_into().ok()).ok_or_else(bad_place)?);
            let len = u32::from_le_bytes(place.get(8..12).and_then(|b| b.try_into().ok()).ok_or_else(bad_place)?);
            blocks.push((key.into(), at, len));
            rest = after;
        }
        let mut bloom = vec![0u8; (file_bytes - FOOTER as u64 - bloom_at) as usize];
        file.read_exact_at(&mut bloom, bloom_at)?;
        Ok(Run {
            id: run_id(path).ok_or_else(|| corrupt(path, "not named as a run"))?,
            path: path.to_path_buf(),
            file,
            blocks,
            bloom: Bloom::from_bytes(bloom).ok_or_else(|| corrupt(path, "bad Bloom filter"))?,
            entries,
            data_bytes: index_at,
            file_bytes,
        })
    }

    fn block(&self, i: usize) -> io::Result<Vec<u8>> {
        let (_, at, len) = &self.blocks[i];
        let mut bytes = vec![0u8; *len as usize];
        self.file.read_exact_at(&mut bytes, *at)?;
        Ok(bytes)
    }

    /// The entry under `key` (`Some(None)`: a tombstone), if this run has one.
    fn get(&self, key: &[u8], hash: KeyHash) -> io::Result<Option<Option<Vec<u8>>>> {
        if !self.bloom.may_contain(hash) {
            return Ok(None);
        }
        let i = self.blocks.partition_point(|(first, _, _)| first.as_ref() <= key);
        if i == 0 {
            return Ok(None);
        }
        let block = self.block(i - 1)?;
        let mut rest = &block[..];
        while let Some((k, v, after)) = read_entry(rest) {
            match k.cmp(key) {
                std::cmp::Ordering::Less => rest = after,
                std::cmp::Ordering::Equal => return Ok(Some(v.map(<[u8]>::to_vec))),
                std::cmp::Ordering::Greater => break,
            }
        }
        Ok(None)
    }

    /// Every entry in order, read sequentially.
    fn entries(&self) -> io::Result<impl Iterator<Item = Entry>> {
        read_entries(&self.path, self.data_bytes)
    }
}

/// A run's entries under a prefix from a lower bound on, in key order, a block at a time.
struct RunScan<'r> {
    run: &'r Run,
    prefix: &'r [u8],
    from: Bound<&'r [u8]>,
    next_block: usize,
    block: Vec<u8>,
    at: usize,
    ended: bool,
}

impl<'r> RunScan<'r> {
    fn new(run: &'r Run, prefix: &'r [u8], from: Bound<&'r [u8]>) -> RunScan<'r> {
        let (Bound::Included(start) | Bound::Excluded(start)) = from else { unreachable!("scans start somewhere") };
        let next_block = run.blocks.partition_point(|(first, _, _)| first.as_ref() < start).saturating_sub(1);
        RunScan { run, prefix, from, next_block, block: Vec::new(), at: 0, ended: false }
    }
}

impl Iterator for RunScan<'_> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        while !self.ended {
            if self.at >= self.block.len() {
                if self.next_block >= self.run.blocks.len() {
                    self.ended = true;
                    return None;
                }
                match self.run.block(self.next_block) {
                    Ok(block) => self.block = block,
                    Err(e) => {
                        self.ended = true;
                        return Some(Err(e));
                    }
                }
                self.next_block += 1;
                self.at = 0;
            }
            let Some((key, value, rest)) = read_entry(&self.block[self.at..]) else {
                self.ended = true;
                return Some(Err(corrupt(&self.run.path, "a block is cut short")));
            };
            self.at = self.block.len() - rest.len();
            let before = match self.from {
                Bound::Included(start) => key < start,
                Bound::Excluded(start) => key <= start,
                Bound::Unbounded => false,
            };
            if before {
                continue;
            }
            if !key.starts_with(self.prefix) {
                self.ended = true;
                return None;
            }
            return Some(Ok((key.to_vec(), value.map(<[u8]>::to_vec))));
        }
        None
    }
}

fn run_id(path: &Path) -> Option<u64> {
    path.file_name()?.to_str()?.strip_prefix("run.")?.parse().ok()
}

/// Writes `entries` (sorted, unique keys; at most `count` of them) as a run at `path`, synced.
fn write_run(path: &Path, count: u64, entries: impl Iterator<Item = Entry>, limits: Limits) -> io::Result<Run> {
    let mut out = BufWriter::with_capacity(1 << 16, File::create(path)?);
    let mut bloom = Bloom::with_keys(count);
    let mut index = Vec::new();
    let mut block = Vec::with_capacity(limits.block_bytes + 1024);
    let mut at = 0u64;
    let mut written = 0u64;
    let end_block =
        |block: &mut Vec<u8>, index: &mut Vec<u8>, first: &[u8], at: &mut u64, out: &mut BufWriter<File>| {
            let mut place = Vec::with_capacity(12);
            place.extend_from_slice(&at.to_le_bytes());
            place.extend_from_slice(&(block.len() as u32).to_le_bytes());
            write_entry(index, first, Some(&place));
            out.write_all(block)?;
            *at += block.len() as u64;
            block.clear();
            io::Result::Ok(())
        };
    let mut first = Vec::new();
    let mut last_bloom_key: Option<Vec<u8>> = None;
    for entry in entries {
        let (key, value) = entry?;
        if block.is_empty() {
            first = key.clone();
        }
        // Keys of one group are neighbours: their shared Bloom key is hashed once.
        let bloom_key = (limits.bloom_key)(&key);
        if last_bloom_key.as_deref() != Some(bloom_key) {
            bloom.insert(bloom_key);
            last_bloom_key = Some(bloom_key.to_vec());
        }
        write_entry(&mut block, &key, value.as_deref());
        written += 1;
        if block.len() >= limits.block_bytes {
            end_block(&mut block, &mut index, &first, &mut at, &mut out)?;
        }
    }
    if !block.is_empty() {
        end_block(&mut block, &mut index, &first, &mut at, &mut out)?;
    }
    let index_at = at;
    out.write_all(&index)?;
    let bloom_at = index_at + index.len() as u64;
    let bloom_bytes = bloom.to_bytes();
    out.write_all(&bloom_bytes)?;
    out.write_all(&index_at.to_le_bytes())?;
    out.write_all(&bloom_at.to_le_bytes())?;
    out.write_all(&written.to_le_bytes())?;
    out.write_all(RUN_MAGIC)?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    drop(file);
    Run::open(path)
}

/// One sorted source of entries, with its next entry read ahead.
struct Source<'s> {
    entries: Box<dyn Iterator<Item = Entry> + 's>,
    head: Option<Entry>,
}

impl<'s> Source<'s> {
    fn new(mut entries: Box<dyn Iterator<Item = Entry> + 's>) -> Source<'s> {
        let head = entries.next();
        Source { entries, head }
    }

    fn advance(&mut self) -> Option<Entry> {
        std::mem::replace(&mut self.head, self.entries.next())
    }
}

/// Sorted sources (newest first) as one sorted sequence: a key in several is taken from the
/// newest, tombstones included (the caller decides whether they still matter).
struct Merged<'s> {
    sources: Vec<Source<'s>>,
}

impl Iterator for Merged<'_> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        // The newest source holding the smallest key (an error comes out first).
        let mut least: Option<usize> = None;
        for (i, source) in self.sources.iter().enumerate() {
            match (&source.head, least.map(|l| &self.sources[l].head)) {
                (None, _) => {}
                (Some(Err(_)), _) => return self.sources[i].advance(),
                (Some(Ok(_)), None) => least = Some(i),
                (Some(Ok((key, _))), Some(Some(Ok((best, _))))) => {
                    if key < best {
                        least = Some(i);
                    }
                }
                (Some(Ok(_)), Some(_)) => unreachable!("the least head is an entry"),
            }
        }
        let least = least?;
        let entry = self.sources[least].advance();
        if let Some(Ok((key, _))) = &entry {
            // Older versions of the key are hidden.
            for source in &mut self.sources[least + 1..] {
                while matches!(&source.head, Some(Ok((k, _))) if k == key) {
                    source.advance();
                }
            }
        }
        entry
    }
}

/// A Bloom filter over keys, with hashes that stay the same across processes (blake3).
struct Bloom {
    bits: Vec<u8>,
}

impl Bloom {
    fn with_keys(count: u64) -> Bloom {
        let bits = (count.max(1) * BLOOM_BITS_PER_KEY).div_ceil(8);
        Bloom { bits: vec![0; bits as usize] }
    }

    fn from_bytes(bits: Vec<u8>) -> Option<Bloom> {
        (!bits.is_empty()).then_some(Bloom { bits })
    }

    fn to_bytes(&self) -> Vec<u8> {
        self.bits.clone()
    }

    /// The bit positions of a key's hash: double hashing from one 128-bit hash.
    fn positions(&self, hash: KeyHash) -> impl Iterator<Item = usize> {
        let n = self.bits.len() as u64 * 8;
        (0..BLOOM_HASHES as u64).map(move |i| (hash.0.wrapping_add(i.wrapping_mul(hash.1)) % n) as usize)
    }

    fn insert(&mut self, key: &[u8]) {
        let positions: Vec<usize> = self.positions(KeyHash::of(key)).collect();
        for p in positions {
            self.bits[p / 8] |= 1 << (p % 8);
        }
    }

    fn may_contain(&self, hash: KeyHash) -> bool {
        self.positions(hash).all(|p| self.bits[p / 8] & (1 << (p % 8)) != 0)
    }
}

/// A key's hash for the Bloom filters, computed once per lookup whatever the number of runs
/// asked (hashing it again for each run cost a twentieth of linking).
#[derive(Debug, Clone, Copy)]
struct KeyHash(u64, u64);

impl KeyHash {
    fn of(key: &[u8]) -> KeyHash {
        let hash = blake3::hash(key);
        let bytes = hash.as_bytes();
        let a = u64::from_le_bytes(bytes[0..8].try_into().expect("8 bytes"));
        let b = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes")) | 1;
        KeyHash(a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Limits {
        Limits { table_bytes: 200, block_bytes: 64, ..Limits::default() }
    }

    fn entry(i: u32) -> (Vec<u8>, Vec<u8>) {
        (format!("k{i:05}").into_bytes(), format!("v{i}").into_bytes())
    }

    /// Logs and applies a batch, as the store's commit does; returns what the store would record.
    fn commit(runs: &SortedRuns, entries: Vec<(Vec<u8>, Vec<u8>)>) -> (u64, u64) {
        write(runs, entries.into_iter().map(|(k, v)| (k, Some(v))).collect())
    }

    fn write(runs: &SortedRuns, writes: Vec<Write>) -> (u64, u64) {
        let committed = runs.log(&writes).unwrap();
        runs.applied(writes, &|| Ok(())).unwrap();
        committed
    }

    #[test]
    fn lookups_and_prefix_scans_see_the_table_and_every_run() {
        let dir = tempfile::tempdir().unwrap();
        let runs = SortedRuns::open(dir.path(), None, tiny()).unwrap();
        // Out of order across batches, so that runs overlap.
        for batch in 0..20u32 {
            commit(&runs, (0..10).map(|i| entry(i * 20 + batch)).collect());
        }
        let state = runs.read_state();
        assert!(!state.runs.is_empty() && state.runs.len() < 8, "runs were written and merged: {}", state.runs.len());
        drop(state);
        for i in 0..200 {
            assert_eq!(runs.get(&entry(i).0).unwrap(), Some(entry(i).1), "k{i}");
        }
        assert_eq!(runs.get(b"k00200").unwrap(), None);
        assert_eq!(runs.get(b"a").unwrap(), None);
        let found = runs.scan_prefix(b"k001", usize::MAX).unwrap();
        assert_eq!(found, (100..200).map(entry).collect::<Vec<_>>());
        assert_eq!(runs.scan_prefix(b"k0019", 3).unwrap(), (190..193).map(entry).collect::<Vec<_>>());
        assert_eq!(runs.scan_prefix(b"x", usize::MAX).unwrap(), vec![]);
    }

    #[test]
    fn reopening_keeps_what_was_committed_and_drops_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let runs = SortedRuns::open(dir.path(), None, tiny()).unwrap();
        let mut committed = (0, 0);
        for batch in 0..7u32 {
            committed = commit(&runs, (0..5).map(|i| entry(batch * 5 + i)).collect());
        }
        // Logged, but the sled batch recording it never committed.
        let (key, value) = entry(999);
        runs.log(&[(key, Some(value))]).unwrap();
        drop(runs);
        let runs = SortedRuns::open(dir.path(), Some(committed), tiny()).unwrap();
        for i in 0..35 {
            assert_eq!(runs.get(&entry(i).0).unwrap(), Some(entry(i).1));
        }
        assert_eq!(runs.get(&entry(999).0).unwrap(), None);
        // Later commits go on from there.
        let committed = commit(&runs, vec![entry(500)]);
        drop(runs);
        let runs = SortedRuns::open(dir.path(), Some(committed), tiny()).unwrap();
        assert_eq!(runs.get(&entry(500).0).unwrap(), Some(entry(500).1));
        assert_eq!(runs.scan_prefix(b"k", usize::MAX).unwrap().len(), 36);
    }

    #[test]
    fn a_store_that_committed_before_the_last_flush_reads_the_flushed_runs() {
        let dir = tempfile::tempdir().unwrap();
        let runs = SortedRuns::open(dir.path(), None, tiny()).unwrap();
        commit(&runs, (0..3).map(entry).collect());
        // This batch fills the table: once it has committed (recording generation 0), the table
        // is written as a run and the log starts generation 1, before any commit records it.
        let committed = commit(&runs, (3..40).map(entry).collect());
        assert_eq!(committed.0, 0);
        assert_eq!(runs.writer.lock().unwrap().generation, 1, "a flush starts a new log generation");
        drop(runs);
        let runs = SortedRuns::open(dir.path(), Some(committed), tiny()).unwrap();
        assert_eq!(runs.scan_prefix(b"k", usize::MAX).unwrap().len(), 40);
        assert_eq!(commit(&runs, vec![entry(40)]).0, 1, "the next commit records the new generation");
        drop(runs);
        // A store that recorded a generation the manifest has not reached lost files.
        assert!(SortedRuns::open(dir.path(), Some((2, 0)), tiny()).is_err());
    }

    #[test]
    fn files_a_crash_left_unlisted_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let runs = SortedRuns::open(dir.path(), None, tiny()).unwrap();
        let committed = commit(&runs, (0..40).map(entry).collect());
        assert!(dir.path().join("run.0").exists() && !dir.path().join("log.0").exists(), "the table was flushed");
        drop(runs);
        fs::write(dir.path().join("run.77"), b"half a run").unwrap();
        fs::write(dir.path().join("log.0"), b"an old log").unwrap();
        let runs = SortedRuns::open(dir.path(), Some(committed), tiny()).unwrap();
        assert!(!dir.path().join("run.77").exists() && !dir.path().join("log.0").exists());
        assert_eq!(runs.scan_prefix(b"k", usize::MAX).unwrap().len(), 40);
    }

    #[test]
    fn removals_hide_older_values_until_merged_away() {
        let dir = tempfile::tempdir().unwrap();
        let limits = Limits { fan_in: 3, ..tiny() };
        let runs = SortedRuns::open(dir.path(), None, limits).unwrap();
        commit(&runs, (0..100).map(entry).collect());
        // Remove every third key, a few at a time, so that tombstones land in several runs; and
        // write some back.
        for chunk in (0..100).step_by(3).collect::<Vec<u32>>().chunks(4) {
            write(&runs, chunk.iter().map(|&i| (entry(i).0, None)).collect());
        }
        write(&runs, vec![(entry(30).0, Some(b"again".to_vec()))]);
        let live = |i: u32| !i.is_multiple_of(3) || i == 30;
        let value = |i: u32| if i == 30 { b"again".to_vec() } else { entry(i).1 };
        let check = |runs: &SortedRuns| {
            for i in 0..100 {
                assert_eq!(runs.get(&entry(i).0).unwrap(), live(i).then(|| value(i)), "k{i}");
            }
            let scanned: Vec<_> = runs.scan_prefix(b"k", usize::MAX).unwrap();
            let expected: Vec<_> = (0..100).filter(|&i| live(i)).map(|i| (entry(i).0, value(i))).collect();
            assert_eq!(scanned, expected);
            // A limit counts live entries only, however many tombstones come first.
            assert_eq!(runs.scan_prefix(b"k0000", 2).unwrap(), expected[..2]);
            let paged: Vec<_> = runs.iter_prefix(b"k").map(Result::unwrap).collect();
            assert_eq!(paged, expected);
        };
        check(&runs);
        let before = runs.read_state().runs.len();
        assert!(before >= 2, "several runs: {before}");
        // Fill the table until everything has merged into few runs: tombstones merged into the
        // oldest run are gone, and the answers are the same.
        for round in 0..40u32 {
            commit(&runs, (0..10).map(|i| (format!("z{round:03}{i}").into_bytes(), vec![b'.'; 20])).collect());
        }
        check(&runs);
        let state = runs.read_state();
        assert!(state.runs.len() < 2 * limits.fan_in + 2, "tiers keep runs few: {}", state.runs.len());
        let oldest = &state.runs[0];
        let tombstones = oldest.entries().unwrap().filter(|e| e.as_ref().unwrap().1.is_none()).count();
        assert_eq!(tombstones, 0, "the oldest run holds no tombstones");
    }

    #[test]
    fn a_limited_scan_looks_past_removals_held_in_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let runs = SortedRuns::open(dir.path(), None, tiny()).unwrap();
        commit(&runs, (0..100).map(entry).collect());
        write(&runs, (0..6).map(|i| (entry(i).0, None)).collect());
        assert!(runs.read_state().table.values().all(Option::is_none), "the removals wait in the table");
        assert_eq!(runs.scan_prefix(b"k", 3).unwrap(), (6..9).map(entry).collect::<Vec<_>>());
        write(&runs, vec![(b"k00007x".to_vec(), Some(b"new".to_vec()))]);
        let keys: Vec<Vec<u8>> = runs.scan_prefix(b"k", 3).unwrap().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, [entry(6).0, entry(7).0, b"k00007x".to_vec()]);
    }

    #[test]
    fn a_group_scan_skips_runs_without_the_group_and_finds_it_in_the_others() {
        fn group(key: &[u8]) -> &[u8] {
            match key.iter().position(|&b| b == b'/') {
                Some(at) => &key[..=at],
                None => key,
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let runs = SortedRuns::open(dir.path(), None, Limits { bloom_key: group, ..tiny() }).unwrap();
        for g in 0..30u32 {
            commit(&runs, (0..4).map(|i| (format!("g{g:02}/{i}").into_bytes(), vec![b'x'; 8])).collect());
        }
        write(&runs, vec![(b"g07/2".to_vec(), None)]);
        assert!(runs.read_state().runs.len() >= 2);
        let keys = |g: &str| -> Vec<String> {
            runs.scan_group(g.as_bytes(), usize::MAX)
                .unwrap()
                .into_iter()
                .map(|(k, _)| String::from_utf8(k).unwrap())
                .collect()
        };
        assert_eq!(keys("g03/"), ["g03/0", "g03/1", "g03/2", "g03/3"]);
        assert_eq!(keys("g07/"), ["g07/0", "g07/1", "g07/3"]);
        assert!(keys("g99/").is_empty());
        assert_eq!(runs.get(b"g29/3").unwrap(), Some(vec![b'x'; 8]));
        assert_eq!(runs.get(b"g07/2").unwrap(), None);
    }

    #[test]
    fn the_bloom_filter_never_misses_a_key() {
        let mut bloom = Bloom::with_keys(1000);
        for i in 0..1000u32 {
            bloom.insert(&i.to_le_bytes());
        }
        assert!((0..1000u32).all(|i| bloom.may_contain(KeyHash::of(&i.to_le_bytes()))));
        let false_positives = (1000..11000u32).filter(|i| bloom.may_contain(KeyHash::of(&i.to_le_bytes()))).count();
        assert!(false_positives < 300, "about 1% expected at 10 bits a key: {false_positives} in 10,000");
    }
}
