//! Large values kept beside sled, in an append-only file: sled's memory grows with the number of
//! pages it manages (its issue #1036; measured ~80 MB per million BODS statements whose bodies
//! lived in it), so bodies go here and sled keeps only a 12-byte pointer.
//!
//! Crash safety: a body is appended before the sled batch that points at it, and the file is
//! synced before that batch is committed, so a committed pointer always finds its body. Bodies
//! appended by a batch that never committed are garbage nobody points at.
//!
//! Appends are buffered (see append_file.rs).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::append_file::AppendFile;

pub struct Blobs {
    file: AppendFile,
    reader: File,
}

impl Blobs {
    pub fn open(dir: &Path) -> io::Result<Blobs> {
        let file = AppendFile::open(&dir.join("blobs.log"), None)?;
        let reader = File::open(file.path())?;
        Ok(Blobs { file, reader })
    }

    /// Appends `bytes`, returning where they are.
    pub fn append(&self, bytes: &[u8]) -> io::Result<(u64, u32)> {
        self.append_with(|out| out.extend_from_slice(bytes))
    }

    /// Appends what `write` adds to the vector it is given, returning where it is.
    pub fn append_with(&self, write: impl FnOnce(&mut Vec<u8>)) -> io::Result<(u64, u32)> {
        let (at, end) = self.file.append_with(write)?;
        Ok((at, (end - at) as u32))
    }

    /// Makes every append so far durable.
    pub fn sync(&self) -> io::Result<()> {
        self.file.sync()
    }

    /// How many bytes have been appended, in the file or waiting to be written.
    pub fn size(&self) -> u64 {
        self.file.size()
    }

    pub fn read(&self, at: u64, len: u32) -> io::Result<Vec<u8>> {
        self.file.written_through(at + len as u64)?;
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
