//! Large values kept beside sled, in an append-only file: sled's memory grows with the number of
//! pages it manages (its issue #1036; measured ~80 MB per million BODS statements whose bodies
//! lived in it), so bodies go here and sled keeps only a 12-byte pointer.
//!
//! Crash safety: a body is appended before the sled batch that points at it, and the file is
//! synced before that batch is committed, so a committed pointer always finds its body. Bodies
//! appended by a batch that never committed are garbage nobody points at.
//!
//! Appends gather in memory and go to the file a megabyte at a time (and at every sync): an
//! ingest appends a few hundred thousand bodies of a few kilobytes, one write call each otherwise.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Mutex;

pub struct Blobs {
    appender: Mutex<Appender>,
    reader: File,
    /// Another handle on the file, to sync it without holding up appends.
    syncer: File,
}

struct Appender {
    file: File,
    /// How many bytes the file holds.
    written: u64,
    /// Appended bodies not written yet; they follow `written` in the file.
    pending: Vec<u8>,
}

/// How much appended text is held before it is written.
const WRITE_FROM: usize = 1 << 20;

impl Appender {
    fn write_pending(&mut self) -> io::Result<()> {
        self.file.write_all(&self.pending)?;
        self.written += self.pending.len() as u64;
        self.pending.clear();
        Ok(())
    }
}

impl Blobs {
    pub fn open(dir: &Path) -> io::Result<Blobs> {
        let path = dir.join("blobs.log");
        let file = OpenOptions::new().create(true).append(true).read(true).open(&path)?;
        let written = file.metadata()?.len();
        let syncer = file.try_clone()?;
        let reader = File::open(&path)?;
        Ok(Blobs { appender: Mutex::new(Appender { file, written, pending: Vec::new() }), reader, syncer })
    }

    /// Appends `bytes`, returning where they are.
    pub fn append(&self, bytes: &[u8]) -> io::Result<(u64, u32)> {
        self.append_with(|out| out.extend_from_slice(bytes))
    }

    /// Appends what `write` adds to the vector it is given, returning where it is.
    pub fn append_with(&self, write: impl FnOnce(&mut Vec<u8>)) -> io::Result<(u64, u32)> {
        let mut appender = self.appender.lock().expect("the blob file lock is never poisoned");
        let start = appender.pending.len();
        let at = appender.written + start as u64;
        write(&mut appender.pending);
        let len = (appender.pending.len() - start) as u32;
        if appender.pending.len() >= WRITE_FROM {
            appender.write_pending()?;
        }
        Ok((at, len))
    }

    /// Makes every append so far durable.
    pub fn sync(&self) -> io::Result<()> {
        self.appender.lock().expect("the blob file lock is never poisoned").write_pending()?;
        self.syncer.sync_data()
    }

    /// How many bytes have been appended, in the file or waiting to be written.
    pub fn size(&self) -> u64 {
        let appender = self.appender.lock().expect("the blob file lock is never poisoned");
        appender.written + appender.pending.len() as u64
    }

    pub fn read(&self, at: u64, len: u32) -> io::Result<Vec<u8>> {
        {
            let mut appender = self.appender.lock().expect("the blob file lock is never poisoned");
            if at + len as u64 > appender.written {
                appender.write_pending()?;
            }
        }
        let mut buf = vec![0; len as usize];
        self.reader.read_exact_at(&mut buf, at)?;
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::open(dir.path()).unwrap();
        let a = blobs.append(b"first").unwrap();
        let b = blobs.append(b"second").unwrap();
        blobs.sync().unwrap();
        assert_eq!(blobs.read(a.0, a.1).unwrap(), b"first");
        drop(blobs);
        let blobs = Blobs::open(dir.path()).unwrap();
        assert_eq!(blobs.read(b.0, b.1).unwrap(), b"second");
        let c = blobs.append(b"third").unwrap();
        assert_eq!(c.0, 11);
        // Read before any sync: what is held in memory is written first.
        assert_eq!(blobs.read(c.0, c.1).unwrap(), b"third");
    }

    #[test]
    fn appends_held_and_written_keep_their_places() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::open(dir.path()).unwrap();
        let body = vec![7u8; 300_000];
        let places: Vec<(u64, u32)> = (0..10).map(|_| blobs.append(&body).unwrap()).collect();
        let extra = blobs.append_with(|out| out.extend_from_slice(b"last")).unwrap();
        blobs.sync().unwrap();
        for (i, &(at, len)) in places.iter().enumerate() {
            assert_eq!((at, len), (i as u64 * 300_000, 300_000));
            assert_eq!(blobs.read(at, len).unwrap(), body);
        }
        assert_eq!(blobs.read(extra.0, extra.1).unwrap(), b"last");
        drop(blobs);
        assert_eq!(std::fs::metadata(dir.path().join("blobs.log")).unwrap().len(), 3_000_004);
    }
}
