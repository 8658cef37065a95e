//! An append-only file beside sled, written through a buffer: what the blob file and the
//! statement order file share.
//!
//! Appends gather in memory and go to the file a megabyte at a time (and at every sync): an
//! ingest appends hundreds of thousands of small pieces, one write call each otherwise. Whoever
//! keeps a place in the file in sled syncs the file before the sled batch that holds the place
//! commits, so a committed place is always in the file.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

pub struct AppendFile {
    appender: Mutex<Appender>,
    /// Another handle on the file, to sync it without holding up appends.
    syncer: File,
    path: PathBuf,
}

struct Appender {
    file: File,
    /// How many bytes the file holds.
    written: u64,
    /// Appended bytes not written yet; they follow `written` in the file.
    pending: Vec<u8>,
}

/// How many appended bytes are held before they are written.
const WRITE_FROM: usize = 1 << 20;

impl Appender {
    fn write_pending(&mut self) -> io::Result<()> {
        self.file.write_all(&self.pending)?;
        self.written += self.pending.len() as u64;
        self.pending.clear();
        Ok(())
    }
}

impl AppendFile {
    /// Opens (or creates) the file at `path`. With `keep`, the file is cut back to that many
    /// bytes (what the store last committed); a file shorter than that has lost bytes the store
    /// relies on, and is an error.
    pub fn open(path: &Path, keep: Option<u64>) -> io::Result<AppendFile> {
        let file = OpenOptions::new().create(true).append(true).read(true).open(path)?;
        let mut written = file.metadata()?.len();
        if let Some(keep) = keep {
            if written < keep {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("{} holds {written} bytes, but the store committed {keep}", path.display()),
                ));
            }
            if written > keep {
                file.set_len(keep)?;
                file.sync_data()?;
                written = keep;
            }
        }
        let syncer = file.try_clone()?;
        Ok(AppendFile {
            appender: Mutex::new(Appender { file, written, pending: Vec::new() }),
            syncer,
            path: path.to_path_buf(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Appender> {
        self.appender.lock().expect("an append file's lock is never poisoned")
    }

    /// Appends what `write` adds to the vector it is given; returns where that starts and where
    /// the file then ends.
    pub fn append_with(&self, write: impl FnOnce(&mut Vec<u8>)) -> io::Result<(u64, u64)> {
        let mut appender = self.lock();
        let at = appender.written + appender.pending.len() as u64;
        write(&mut appender.pending);
        let end = appender.written + appender.pending.len() as u64;
        if appender.pending.len() >= WRITE_FROM {
            appender.write_pending()?;
        }
        Ok((at, end))
    }

    /// Makes every append so far durable.
    pub fn sync(&self) -> io::Result<()> {
        self.lock().write_pending()?;
        self.syncer.sync_data()
    }

    /// Makes sure the file itself (not only the buffer) holds everything before `end`, for reading.
    pub fn written_through(&self, end: u64) -> io::Result<()> {
        let mut appender = self.lock();
        if end > appender.written {
            appender.write_pending()?;
        }
        Ok(())
    }

    /// How many bytes have been appended, in the file or waiting to be written.
    pub fn size(&self) -> u64 {
        let appender = self.lock();
        appender.written + appender.pending.len() as u64
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_are_placed_and_cut_back_to_what_was_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let file = AppendFile::open(&path, None).unwrap();
        assert_eq!(file.append_with(|v| v.extend_from_slice(b"abc")).unwrap(), (0, 3));
        assert_eq!(file.append_with(|v| v.extend_from_slice(b"de")).unwrap(), (3, 5));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "held in memory until a sync");
        file.sync().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"abcde");
        drop(file);
        let file = AppendFile::open(&path, Some(3)).unwrap();
        assert_eq!(file.size(), 3);
        assert_eq!(std::fs::read(&path).unwrap(), b"abc");
        drop(file);
        assert!(AppendFile::open(&path, Some(4)).is_err());
    }
}
