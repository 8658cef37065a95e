//! An insert-only ordered key set kept beside sled, in sorted files ("runs"), for the BODS keys:
//! statements, the replaced-statement marks and the owner, holding and identifier indexes.
//!
//! Why not sled: sled 0.34 keeps in memory, for every page of its tree, a page-table entry and the
//! places of the page's fragments, whatever its cache capacity, and a leaf holds at most 16 keys;
//! so its memory grows with the number of keys (about 46 MB per million BODS statements, at ~2.2
//! keys each, after their bodies and export order had already left it). Here memory is a sparse
//! index (the first key of every 8 KiB block) and a Bloom filter (10 bits a key) per run, plus a
//! bounded table of the newest entries: under 5 MB per million statements.
//!
//! How it works, as a log-structured merge tree without deletes (BODS keys are never removed):
//! - a commit appends its entries to a log file and syncs it *before* the sled batch that records
//!   where the log ends (`(generation, end)` in the store's metadata) commits; opening cuts the log
//!   back to that point, so entries of a batch that never committed are dropped, as with the blob
//!   and statement-order files;
//! - committed entries sit in memory (the table) until it holds [`Limits::table_bytes`], then are
//!   written as a sorted run; the manifest (replaced atomically by a rename) lists the runs and the
//!   log generation that follows them, and the old log is removed;
//! - when the newest run is at least half the size of the one before it, the two are merged into
//!   one, so a store of N entries keeps about log2(N / table) runs and a lookup reads few files;
//! - a point lookup asks each run's Bloom filter first, so a key that is new (the common case when
//!   an ingest checks for duplicates) costs no read at all.
//!
//! Files that the manifest does not list (a run written by a flush or merge that a crash cut short)
//! are removed on opening.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::ops::Bound;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use crate::append_file::AppendFile;

/// When the table is written out, and how runs are laid out.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of keys and values held in memory before they are written as a run.
    pub table_bytes: usize,
    /// Bytes per block of a run: what one lookup reads.
    pub block_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { table_bytes: 16 << 20, block_bytes: 8 << 10 }
    }
}

const MANIFEST: &str = "manifest";
const RUN_MAGIC: &[u8; 8] = b"orgrun01";
const BLOOM_BITS_PER_KEY: u64 = 10;
const BLOOM_HASHES: u32 = 7;

pub struct SortedRuns {
    dir: PathBuf,
    limits: Limits,
    state: RwLock<State>,
    writer: Mutex<Writer>,
}

/// What readers see: committed entries not yet in a run, and the runs, oldest first.
struct State {
    table: BTreeMap<Vec<u8>, Vec<u8>>,
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
        let mut table = BTreeMap::new();
        let mut table_bytes = 0;
        read_log(log.path(), keep, |key, value| {
            table_bytes += key.len() + value.len();
            table.insert(key, value);
        })?;
        let runs = manifest
            .runs
            .iter()
            .map(|id| Run::open(&dir.join(run_name(*id))).map(Arc::new))
            .collect::<io::Result<_>>()?;
        let next_run = manifest.runs.iter().max().map_or(0, |id| id + 1);
        Ok(SortedRuns {
            dir: dir.to_path_buf(),
            limits,
            state: RwLock::new(State { table, table_bytes, runs }),
            writer: Mutex::new(Writer { log, generation: manifest.generation, next_run }),
        })
    }

    /// Appends a batch's entries to the log and makes them durable; returns the `(generation,
    /// end)` the batch's sled write must record. Readers see the entries only after [`applied`].
    ///
    /// [`applied`]: SortedRuns::applied
    pub fn log(&self, entries: &[(Vec<u8>, Vec<u8>)]) -> io::Result<(u64, u64)> {
        let writer = self.writer.lock().expect("the runs' writer lock is never poisoned");
        let mut end = writer.log.size();
        for (key, value) in entries {
            (_, end) = writer.log.append_with(|out| write_entry(out, key, value))?;
        }
        writer.log.sync()?;
        Ok((writer.generation, end))
    }

    /// The batch holding `entries` has committed: readers see them now. Writes the table out as a
    /// run once it is full, and merges runs as they grow.
    pub fn applied(&self, entries: Vec<(Vec<u8>, Vec<u8>)>) -> io::Result<()> {
        let mut writer = self.writer.lock().expect("the runs' writer lock is never poisoned");
        let full = {
            let mut state = self.write_state();
            for (key, value) in entries {
                state.table_bytes += key.len() + value.len();
                state.table.insert(key, value);
            }
            state.table_bytes >= self.limits.table_bytes
        };
        if full {
            self.flush(&mut writer)?;
        }
        Ok(())
    }

    /// Writes the table as a run, starts a new log generation, then merges runs of similar size.
    fn flush(&self, writer: &mut Writer) -> io::Result<()> {
        let id = writer.next_run;
        let run = {
            let state = self.read_state();
            let entries = state.table.iter().map(|(k, v)| Ok((k.clone(), v.clone())));
            write_run(&self.dir.join(run_name(id)), state.table.len() as u64, entries, self.limits)?
        };
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
            state.table.clear();
            state.table_bytes = 0;
        }
        fs::remove_file(old_log.path())?;
        self.merge(writer)
    }

    /// Merges the two newest runs while the newest is at least half the size of the one before.
    fn merge(&self, writer: &mut Writer) -> io::Result<()> {
        loop {
            let (older, newer) = {
                let state = self.read_state();
                let n = state.runs.len();
                if n < 2 || state.runs[n - 1].data_bytes * 2 < state.runs[n - 2].data_bytes {
                    return Ok(());
                }
                (state.runs[n - 2].clone(), state.runs[n - 1].clone())
            };
            let id = writer.next_run;
            let merged = MergeRuns { older: older.entries()?.peekable(), newer: newer.entries()?.peekable() };
            let run = write_run(&self.dir.join(run_name(id)), older.entries + newer.entries, merged, self.limits)?;
            let mut runs: Vec<u64> = self.read_state().runs.iter().map(|r| r.id).collect();
            runs.truncate(runs.len() - 2);
            runs.push(id);
            Manifest { generation: writer.generation, runs }.write(&self.dir)?;
            writer.next_run = id + 1;
            {
                let mut state = self.write_state();
                let n = state.runs.len();
                state.runs.truncate(n - 2);
                state.runs.push(Arc::new(run));
            }
            // Readers holding the old runs keep their open files; the names can go.
            fs::remove_file(&older.path)?;
            fs::remove_file(&newer.path)?;
        }
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &[u8]) -> io::Result<Option<Vec<u8>>> {
        let runs = {
            let state = self.read_state();
            if let Some(value) = state.table.get(key) {
                return Ok(Some(value.clone()));
            }
            state.runs.clone()
        };
        for run in runs.iter().rev() {
            if let Some(value) = run.get(key)? {
                return Ok(Some(value));
            }
        }
        Ok(None)
    }

    /// The entries whose keys start with `prefix`, in key order, at most `limit` of them.
    pub fn scan_prefix(&self, prefix: &[u8], limit: usize) -> io::Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut found = BTreeMap::new();
        let runs = {
            let state = self.read_state();
            let range = state.table.range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded));
            for (key, value) in range.take_while(|(k, _)| k.starts_with(prefix)).take(limit) {
                found.insert(key.clone(), value.clone());
            }
            state.runs.clone()
        };
        for run in runs.iter().rev() {
            run.scan_prefix(prefix, limit, &mut |key, value| {
                found.entry(key).or_insert(value);
            })?;
        }
        Ok(found.into_iter().take(limit).collect())
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

/// Key length (2 bytes), value length (4 bytes), both little-endian, then the key and the value:
/// the layout of a log entry and of an entry in a run's block.
fn write_entry(out: &mut Vec<u8>, key: &[u8], value: &[u8]) {
    let key_len = u16::try_from(key.len()).expect("keys are checked to be under 64 KiB");
    out.extend_from_slice(&key_len.to_le_bytes());
    out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    out.extend_from_slice(key);
    out.extend_from_slice(value);
}

/// Keys longer than this cannot be stored (a record id of 64 KiB is not a record id).
pub const MAX_KEY: usize = u16::MAX as usize;

/// Reads entries from `bytes`, one at a time: `(key, value, rest)`.
fn read_entry(bytes: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let key_len = u16::from_le_bytes(bytes.get(0..2)?.try_into().ok()?) as usize;
    let value_len = u32::from_le_bytes(bytes.get(2..6)?.try_into().ok()?) as usize;
    let key = bytes.get(6..6 + key_len)?;
    let value = bytes.get(6 + key_len..6 + key_len + value_len)?;
    Some((key, value, &bytes[6 + key_len + value_len..]))
}

fn corrupt(path: &Path, what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("{}: {what}", path.display()))
}

/// Reads the log's first `end` bytes, entry by entry.
fn read_log(path: &Path, end: u64, mut each: impl FnMut(Vec<u8>, Vec<u8>)) -> io::Result<()> {
    for entry in read_entries(path, end)? {
        let (key, value) = entry?;
        each(key, value);
    }
    Ok(())
}

/// The entries in the first `end` bytes of a file (a log, or a run's blocks), read sequentially.
fn read_entries(path: &Path, end: u64) -> io::Result<impl Iterator<Item = io::Result<(Vec<u8>, Vec<u8>)>>> {
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
        let mut value = vec![0u8; u32::from_le_bytes(head[2..6].try_into().expect("4 bytes")) as usize];
        if reader.read_exact(&mut key).and_then(|_| reader.read_exact(&mut value)).is_err() {
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
            let (key, place, after) = read_entry(rest).ok_or_else(|| corrupt(path, "its block index is cut short"))?;
            let at = u64::from_le_bytes(
                place.get(0..8).and_then(|b| b.try_into().ok()).ok_or_else(|| corrupt(path, "bad block place"))?,
            );
            let len = u32::from_le_bytes(
                place.get(8..12).and_then(|b| b.try_into().ok()).ok_or_else(|| corrupt(path, "bad block place"))?,
            );
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

    fn get(&self, key: &[u8]) -> io::Result<Option<Vec<u8>>> {
        if !self.bloom.may_contain(key) {
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
                std::cmp::Ordering::Equal => return Ok(Some(v.to_vec())),
                std::cmp::Ordering::Greater => break,
            }
        }
        Ok(None)
    }

    fn scan_prefix(&self, prefix: &[u8], limit: usize, each: &mut dyn FnMut(Vec<u8>, Vec<u8>)) -> io::Result<()> {
        let start = self.blocks.partition_point(|(first, _, _)| first.as_ref() < prefix).saturating_sub(1);
        let mut taken = 0;
        for i in start..self.blocks.len() {
            let block = self.block(i)?;
            let mut rest = &block[..];
            while let Some((k, v, after)) = read_entry(rest) {
                rest = after;
                if k < prefix {
                    continue;
                }
                if !k.starts_with(prefix) || taken == limit {
                    return Ok(());
                }
                each(k.to_vec(), v.to_vec());
                taken += 1;
            }
        }
        Ok(())
    }

    /// Every entry in order, read sequentially.
    fn entries(&self) -> io::Result<impl Iterator<Item = io::Result<(Vec<u8>, Vec<u8>)>>> {
        read_entries(&self.path, self.data_bytes)
    }
}

fn run_id(path: &Path) -> Option<u64> {
    path.file_name()?.to_str()?.strip_prefix("run.")?.parse().ok()
}

/// Writes `entries` (sorted, unique keys; at most `count` of them) as a run at `path`, synced.
fn write_run(
    path: &Path,
    count: u64,
    entries: impl Iterator<Item = io::Result<(Vec<u8>, Vec<u8>)>>,
    limits: Limits,
) -> io::Result<Run> {
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
            write_entry(index, first, &place);
            out.write_all(block)?;
            *at += block.len() as u64;
            block.clear();
            io::Result::Ok(())
        };
    let mut first = Vec::new();
    for entry in entries {
        let (key, value) = entry?;
        if block.is_empty() {
            first = key.clone();
        }
        bloom.insert(&key);
        write_entry(&mut block, &key, &value);
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

/// Two sorted runs as one sorted sequence; a key in both is taken from the newer.
struct MergeRuns<A: Iterator, B: Iterator> {
    older: std::iter::Peekable<A>,
    newer: std::iter::Peekable<B>,
}

type Entry = io::Result<(Vec<u8>, Vec<u8>)>;

impl<A: Iterator<Item = Entry>, B: Iterator<Item = Entry>> Iterator for MergeRuns<A, B> {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        let order = match (self.older.peek(), self.newer.peek()) {
            (None, None) => return None,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(Err(_)), _) => std::cmp::Ordering::Less,
            (_, Some(Err(_))) => std::cmp::Ordering::Greater,
            (Some(Ok((a, _))), Some(Ok((b, _)))) => a.cmp(b),
        };
        match order {
            std::cmp::Ordering::Less => self.older.next(),
            std::cmp::Ordering::Greater => self.newer.next(),
            std::cmp::Ordering::Equal => {
                self.older.next();
                self.newer.next()
            }
        }
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

    /// The bit positions of a key: double hashing from one 128-bit hash.
    fn positions(&self, key: &[u8]) -> impl Iterator<Item = usize> {
        let hash = blake3::hash(key);
        let bytes = hash.as_bytes();
        let a = u64::from_le_bytes(bytes[0..8].try_into().expect("8 bytes"));
        let b = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes")) | 1;
        let n = self.bits.len() as u64 * 8;
        (0..BLOOM_HASHES as u64).map(move |i| (a.wrapping_add(i.wrapping_mul(b)) % n) as usize)
    }

    fn insert(&mut self, key: &[u8]) {
        let positions: Vec<usize> = self.positions(key).collect();
        for p in positions {
            self.bits[p / 8] |= 1 << (p % 8);
        }
    }

    fn may_contain(&self, key: &[u8]) -> bool {
        self.positions(key).all(|p| self.bits[p / 8] & (1 << (p % 8)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Limits {
        Limits { table_bytes: 200, block_bytes: 64 }
    }

    fn entry(i: u32) -> (Vec<u8>, Vec<u8>) {
        (format!("k{i:05}").into_bytes(), format!("v{i}").into_bytes())
    }

    /// Logs and applies a batch, as the store's commit does; returns what the store would record.
    fn commit(runs: &SortedRuns, entries: Vec<(Vec<u8>, Vec<u8>)>) -> (u64, u64) {
        let committed = runs.log(&entries).unwrap();
        runs.applied(entries).unwrap();
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
        runs.log(&[entry(999)]).unwrap();
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
    fn the_bloom_filter_never_misses_a_key() {
        let mut bloom = Bloom::with_keys(1000);
        for i in 0..1000u32 {
            bloom.insert(&i.to_le_bytes());
        }
        assert!((0..1000u32).all(|i| bloom.may_contain(&i.to_le_bytes())));
        let false_positives = (1000..11000u32).filter(|i| bloom.may_contain(&i.to_le_bytes())).count();
        assert!(false_positives < 300, "about 1% expected at 10 bits a key: {false_positives} in 10,000");
    }
}
