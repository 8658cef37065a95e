//! The OCDS ingest: read every input, check each release, store the good ones in atomic batches,
//! quarantine the rest, and compile the records that changed.

use std::sync::mpsc::{Receiver, SyncSender};
use std::time::Instant;

use openreg_model::{check_release_json, Merger, ReleaseCheck, ReleaseHead};
use openreg_store::{
    hash64, time::now_rfc3339, Added, Batch, Checkpoint, CompileSummary, PackageVersion, QuarantineEntry, Store,
    StoreError, IN_FLIGHT,
};
use serde::Serialize;

use crate::encoding::{Detected, Encoding};
use crate::read::{read_ocds, ContainerKind, Item, RAW_LIMIT};
use crate::scan::Position;
use crate::source::{open, ByteCounter, Input};

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How to ingest.
pub struct IngestOptions {
    pub encoding: Encoding,
    /// Merge rules from a publisher's schema, instead of those of each package's OCDS version.
    pub rules: Option<Merger>,
    /// A batch is committed (atomically, durably) once it holds this many bytes of releases.
    pub batch_bytes: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions { encoding: Encoding::Auto, rules: None, batch_bytes: 8 << 20 }
    }
}

/// Where an ingest is, for progress bars.
#[derive(Debug, Clone)]
pub struct Progress {
    pub source: String,
    pub bytes_read: u64,
    pub bytes_total: Option<u64>,
    pub releases: u64,
    pub compiling: Option<u64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceSummary {
    pub source: String,
    pub encoding: String,
    pub gzip: bool,
    pub bytes: u64,
    pub releases_read: u64,
    pub quarantined: u64,
    /// Why the source could not be read at all.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub sources: Vec<SourceSummary>,
    pub releases_read: u64,
    pub releases_stored: u64,
    pub releases_duplicate: u64,
    pub linked_records: u64,
    pub packages: u64,
    pub quarantined: u64,
    pub release_warnings: u64,
    pub compile: CompileSummary,
    pub batches: u64,
    pub bytes_read: u64,
    pub seconds: f64,
    /// Of `seconds`, the time spent compiling records after reading: those of ocids that had
    /// releases stored before (an ocid new to the store compiles with its batch, while reading goes on).
    pub compile_seconds: f64,
}

impl IngestSummary {
    /// 0 when everything was stored; 2 when some input was quarantined; 1 when nothing could be read.
    pub fn exit_code(&self) -> i32 {
        let nothing_read = self.releases_read == 0 && self.linked_records == 0;
        let unreadable = self.sources.iter().all(|s| s.error.is_some());
        if unreadable || (nothing_read && (self.quarantined > 0 || self.sources.iter().any(|s| s.error.is_some()))) {
            1
        } else if self.quarantined > 0 || self.sources.iter().any(|s| s.error.is_some()) {
            2
        } else {
            0
        }
    }
}

struct Run<'a> {
    store: &'a Store,
    options: &'a IngestOptions,
    batch: Batch,
    checkpoint: Checkpoint,
    summary: IngestSummary,
    /// The threads that compile and commit batches while the next one fills, when there are some.
    committer: Option<Committer>,
}

/// The near end of the threads that compile and commit batches, in the order they are handed over.
/// Each batch handed over is answered once, when it is applied (or has failed). No more than
/// [`IN_FLIGHT`] batches are unanswered at a time: the store's [`Store::batch_after`] relies on it.
struct Committer {
    jobs: SyncSender<(Batch, Checkpoint)>,
    done: Receiver<Result<CompileSummary, StoreError>>,
    in_flight: usize,
}

impl Run<'_> {
    fn commit(&mut self) -> Result<(), StoreError> {
        self.summary.releases_duplicate += std::mem::take(&mut self.batch.releases_duplicate);
        if self.batch.is_empty() {
            return Ok(());
        }
        self.summary.releases_stored += self.batch.releases_new;
        self.checkpoint.batches += 1;
        self.checkpoint.releases_new += self.batch.releases_new;
        self.checkpoint.releases_duplicate = self.summary.releases_duplicate;
        self.checkpoint.quarantined = self.summary.quarantined;
        if let Some(committer) = &self.committer {
            if committer.in_flight >= IN_FLIGHT {
                self.wait_for_commit()?;
            }
            let next = self.store.batch_after(&mut self.batch);
            let batch = std::mem::replace(&mut self.batch, next);
            let committer = self.committer.as_mut().expect("checked above");
            committer.in_flight += 1;
            if committer.jobs.send((batch, self.checkpoint.clone())).is_err() {
                // The committing threads stopped on an error, which waits in `done`.
                return self.wait_for_all();
            }
        } else {
            let batch = std::mem::replace(&mut self.batch, self.store.batch());
            let compiled = self.store.commit_compiling(batch, &self.checkpoint, self.options.rules.as_ref())?;
            self.add_compiled(&compiled);
        }
        self.summary.batches += 1;
        Ok(())
    }

    /// Waits until the oldest batch handed over (if any) is applied.
    fn wait_for_commit(&mut self) -> Result<(), StoreError> {
        let Some(committer) = self.committer.as_mut().filter(|c| c.in_flight > 0) else { return Ok(()) };
        committer.in_flight -= 1;
        // A thread that stopped on an error drops its sender: that answers the batches after it.
        let compiled = committer.done.recv().unwrap_or(Ok(CompileSummary::default()))?;
        self.add_compiled(&compiled);
        Ok(())
    }

    /// Waits until every batch handed over is applied; the first error, if any, is the answer.
    fn wait_for_all(&mut self) -> Result<(), StoreError> {
        let mut result = Ok(());
        while self.committer.as_ref().is_some_and(|c| c.in_flight > 0) {
            if let Err(e) = self.wait_for_commit() {
                result = result.and(Err(e));
            }
        }
        result
    }

    /// Commits what is left (unless storing failed) and stops committing on other threads.
    fn finish_committer(&mut self, failed: bool) -> Result<(), StoreError> {
        let result = if failed { self.wait_for_all() } else { self.commit().and(self.wait_for_all()) };
        self.committer = None;
        if self.batch.is_empty() {
            // Everything handed over is applied: nothing is pending any more.
            self.batch = self.store.batch();
        }
        result
    }

    fn add_compiled(&mut self, compiled: &CompileSummary) {
        let total = &mut self.summary.compile;
        total.records_compiled += compiled.records_compiled;
        total.records_from_publisher += compiled.records_from_publisher;
        total.records_not_compiled += compiled.records_not_compiled;
        total.warnings += compiled.warnings;
    }

    fn quarantine(
        &mut self,
        source: &str,
        at: Position,
        pointer: String,
        reason: String,
        raw: String,
    ) -> Result<(), StoreError> {
        let entry = QuarantineEntry {
            source: source.to_string(),
            offset: at.offset,
            line: at.line,
            pointer,
            reason,
            raw,
            recorded_at: now_rfc3339(),
        };
        self.store.add_quarantine(&mut self.batch, &entry)?;
        self.summary.quarantined += 1;
        Ok(())
    }

    fn item(&mut self, source: &str, prepared: Prepared, per_source: &mut SourceSummary) -> Result<(), StoreError> {
        let Prepared { item, check } = prepared;
        match item {
            Item::Release { json, at, pointer, container, package_1_0, .. } => {
                per_source.releases_read += 1;
                self.summary.releases_read += 1;
                let (check, head) = check.unwrap_or_else(|| check_release_json(&json));
                if !check.is_storable() {
                    per_source.quarantined += 1;
                    let reason = match check.problems.as_slice() {
                        [only] => only.reason.clone(),
                        many => {
                            many.iter().map(|p| format!("{}: {}", p.pointer, p.reason)).collect::<Vec<_>>().join("; ")
                        }
                    };
                    let pointer = format!("{pointer}{}", check.problems[0].pointer);
                    let mut raw = String::from_utf8_lossy(&json).into_owned();
                    raw.truncate(floor_char_boundary(&raw, RAW_LIMIT));
                    return self.quarantine(source, at, pointer, reason, raw);
                }
                self.summary.release_warnings += check.warnings.len() as u64;
                let version = match package_1_0 {
                    Some(true) => PackageVersion::Ocds1_0,
                    Some(false) => PackageVersion::Ocds1_1,
                    None => PackageVersion::Unknown,
                };
                let container = container.map(|c| container_key(source, c));
                let ocid = head.ocid.as_deref().unwrap_or_default();
                let date = head.date.as_deref().unwrap_or_default();
                if self.store.add_release_json(
                    &mut self.batch,
                    ocid,
                    date,
                    json,
                    container,
                    version,
                    &check.warnings,
                )? == Added::New
                    && self.batch.bytes >= self.options.batch_bytes
                {
                    self.commit()?;
                }
            }
            Item::LinkedRecord { ocid, linked_releases, compiled_release, .. } => {
                self.summary.linked_records += 1;
                self.store.add_linked_record(&mut self.batch, &ocid, &linked_releases, compiled_release.as_ref())?;
            }
            Item::ContainerEnd { container, kind, metadata } => {
                self.summary.packages += 1;
                let kind = match kind {
                    ContainerKind::ReleasePackage => "release-package",
                    ContainerKind::RecordPackage => "record-package",
                    ContainerKind::Record => "record",
                };
                self.store.add_package(&mut self.batch, container_key(source, container), source, kind, &metadata)?;
            }
            Item::Bad(bad) => {
                per_source.quarantined += 1;
                self.quarantine(source, bad.at, bad.pointer, bad.reason, bad.raw)?;
            }
        }
        Ok(())
    }
}

/// Items travel between the reading and the storing thread in chunks of this many.
const CHUNK: usize = 256;
/// How many chunks may wait between the threads: enough to smooth the two out, few enough that
/// memory stays small (8 × 256 releases of a few KB).
const CHANNEL_CHUNKS: usize = 8;

/// An item read, with a release's check already done on the reading thread.
struct Prepared {
    item: Item,
    check: Option<(ReleaseCheck, ReleaseHead)>,
}

/// A package's key: the same package in the same file gets the same key on every ingest.
fn container_key(source: &str, ordinal: u64) -> [u8; 8] {
    hash64(&[source.as_bytes(), &ordinal.to_be_bytes()])
}

fn floor_char_boundary(s: &str, at: usize) -> usize {
    if at >= s.len() {
        return s.len();
    }
    (0..=at).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0)
}

/// Ingests OCDS inputs into the store. Bad input is quarantined and never stops the rest.
pub fn ingest_ocds(
    store: &Store,
    inputs: &[Input],
    options: &IngestOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<IngestSummary, IngestError> {
    let started = Instant::now();
    let mut run = Run {
        store,
        options,
        batch: store.batch(),
        checkpoint: Checkpoint {
            started_at: now_rfc3339(),
            sources: inputs.iter().map(Input::name).collect(),
            ..Checkpoint::default()
        },
        summary: IngestSummary::default(),
        committer: None,
    };
    for input in inputs {
        let source = input.name();
        let mut per_source = SourceSummary { source: source.clone(), ..SourceSummary::default() };
        let counter = ByteCounter::default();
        let total = input.size();
        let opened = match open(input, options.encoding, counter.clone()) {
            Ok(opened) => opened,
            Err(e) => {
                per_source.error = Some(format!("could not open: {e}"));
                run.summary.sources.push(per_source);
                continue;
            }
        };
        per_source.gzip = opened.gzip;
        let mut last_report = 0u64;
        let mut failure: Option<StoreError> = None;
        // Four threads: one reads and checks releases, one gathers them into batches, one compiles
        // each batch's new ocids, and one applies each batch, so that parsing, compiling and writing
        // overlap: a batch fills while the one before is compiled and the one before that applied.
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Prepared>>(CHANNEL_CHUNKS);
        let (jobs, batches) = std::sync::mpsc::sync_channel::<(Batch, Checkpoint)>(0);
        let (compiled_sender, compiled) = std::sync::mpsc::sync_channel(0);
        let (done_sender, done) = std::sync::mpsc::channel();
        run.committer = Some(Committer { jobs, done, in_flight: 0 });
        let rules = options.rules.as_ref();
        let detected = std::thread::scope(|scope| {
            let failed_sender = done_sender.clone();
            scope.spawn(move || {
                for (mut batch, checkpoint) in batches {
                    match store.compile_batch(&mut batch, rules) {
                        Ok(summary) => {
                            if compiled_sender.send((batch, checkpoint, summary)).is_err() {
                                break;
                            }
                        }
                        Err(e) => {
                            let _ = failed_sender.send(Err(e));
                            break;
                        }
                    }
                }
            });
            scope.spawn(move || {
                for (batch, checkpoint, summary) in compiled {
                    let result = store.commit(batch, &checkpoint).map(|()| summary);
                    let failed = result.is_err();
                    if done_sender.send(result).is_err() || failed {
                        break;
                    }
                }
            });
            let reader = scope.spawn(move || {
                let mut reader = opened.reader;
                let mut chunk = Vec::with_capacity(CHUNK);
                let _ = read_ocds(&mut reader, &mut |mut item| {
                    let check = match &mut item {
                        Item::Release { json, checked, .. } => {
                            Some(checked.take().unwrap_or_else(|| check_release_json(json)))
                        }
                        _ => None,
                    };
                    chunk.push(Prepared { item, check });
                    if chunk.len() >= CHUNK {
                        sender.send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK))).map_err(|_| ())?;
                    }
                    Ok::<(), ()>(())
                });
                if !chunk.is_empty() {
                    let _ = sender.send(chunk);
                }
                reader.detected()
            });
            'chunks: for chunk in receiver.iter() {
                for prepared in chunk {
                    if let Err(e) = run.item(&source, prepared, &mut per_source) {
                        failure = Some(e);
                        break 'chunks;
                    }
                }
                let read = run.summary.releases_read;
                if read >= last_report + 1000 {
                    last_report = read;
                    progress(&Progress {
                        source: source.clone(),
                        bytes_read: counter.get(),
                        bytes_total: total,
                        releases: read,
                        compiling: None,
                    });
                }
            }
            // Stops the reader if storing failed.
            drop(receiver);
            if let Err(e) = run.finish_committer(failure.is_some()) {
                failure.get_or_insert(e);
            }
            reader.join().expect("the reader thread does not panic")
        });
        per_source.encoding = match detected {
            Detected::Ascii | Detected::Utf8 => "utf-8",
            Detected::Windows1252 => "windows-1252",
            Detected::Latin1 => "iso-8859-1",
            Detected::Mixed => "utf-8 then windows-1252",
        }
        .to_string();
        per_source.bytes = counter.get();
        run.summary.bytes_read += per_source.bytes;
        if let Some(e) = failure {
            return Err(e.into());
        }
        run.summary.sources.push(per_source);
        run.commit()?;
        compile(&mut run, &source, progress)?;
    }
    run.commit()?;
    compile(&mut run, "", progress)?;
    run.checkpoint.finished = true;
    run.checkpoint.quarantined = run.summary.quarantined;
    store.commit(store.batch(), &run.checkpoint)?;
    run.summary.seconds = started.elapsed().as_secs_f64();
    Ok(run.summary)
}

fn compile(run: &mut Run<'_>, source: &str, progress: &mut dyn FnMut(&Progress)) -> Result<(), StoreError> {
    let started = Instant::now();
    let mut done = 0u64;
    let releases = run.summary.releases_read;
    let result = run.store.compile_pending(run.options.rules.as_ref(), &mut |n| {
        done += n;
        progress(&Progress {
            source: source.to_string(),
            bytes_read: 0,
            bytes_total: None,
            releases,
            compiling: Some(done),
        });
    })?;
    let total = &mut run.summary.compile;
    total.records_compiled += result.records_compiled;
    total.records_from_publisher += result.records_from_publisher;
    total.records_not_compiled += result.records_not_compiled;
    total.warnings += result.warnings;
    run.summary.compile_seconds += started.elapsed().as_secs_f64();
    Ok(())
}
