//! Large values kept beside sled, in an append-only file: sled's memory grows with the number of
//! pages it manages (its issue #1036; measured ~80 MB per million BODS statements whose bodies
//! lived in it), so bodies go here and sled keeps only a 12-byte pointer.
//!
//! Crash safety: a body is appended before the sled batch that points at it, and the file is
//! synced before that batch is committed, so a committed pointer always finds its body. Bodies
//! appended by a batch that never committed are garbage nobody points at.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Mutex;

pub struct Blobs {
    file: Mutex<(File, u64)>,
    reader: File,
}

impl Blobs {
    pub fn open(dir: &Path) -> io::Result<Blobs> {
        let path = dir.join("blobs.log");
        let file = OpenOptions::new().create(true).append(true).read(true).open(&path)?;
        let len = file.metadata()?.len();
        let reader = File::open(&path)?;
        Ok(Blobs { file: Mutex::new((file, len)), reader })
    }

    /// Appends `bytes`, returning where they are.
    pub fn append(&self, bytes: &[u8]) -> io::Result<(u64, u32)> {
        let mut guard = self.file.lock().expect("the blob file lock is never poisoned");
        let (file, len) = &mut *guard;
        let at = *len;
        file.write_all(bytes)?;
        *len += bytes.len() as u64;
        Ok((at, bytes.len() as u32))
    }

    /// Makes every append so far durable.
    pub fn sync(&self) -> io::Result<()> {
        let guard = self.file.lock().expect("the blob file lock is never poisoned");
        guard.0.sync_data()
    }

    pub fn read(&self, at: u64, len: u32) -> io::Result<Vec<u8>> {
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
    }
}
