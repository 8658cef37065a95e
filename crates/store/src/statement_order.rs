//! The order BODS statements are exported in, kept in an append-only file beside sled rather than
//! as a sled key per statement.
//!
//! Why not sled: sled 0.34 keeps in memory, for every page of its tree, a page-table entry and the
//! place of each of the page's fragments on disk, whatever its cache capacity; and a leaf page
//! holds at most 16 keys. So its memory grows with the number of keys (measured ~40 bytes a key
//! once a store is open), and keys written in sequence order (as these were) leave every leaf
//! half full. A key per statement for the export order alone was a third of the BODS keys.
//!
//! Each entry is the statement's group (0 entities and persons, 1 relationships), the length of
//! its statement key (2 bytes, little-endian) and the key. BODS asks that a statement come after
//! those it refers to: the export reads the file once per group.
//!
//! Crash safety: as in blobs.rs, entries are appended while a batch fills and the file is synced
//! before the batch commits; the batch records where its last entry ends (`statement_order_end`
//! in the store's metadata), in the same atomic write. Opening the store cuts the file back to
//! that point: entries of a batch that never committed are dropped, and a re-ingest writes them
//! again with their statements.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use crate::append_file::AppendFile;

pub struct StatementOrder {
    file: AppendFile,
}

impl StatementOrder {
    /// Opens the file in `dir`, cut back to `committed` bytes: what the last committed batch
    /// recorded. A file shorter than that has lost entries the store relies on.
    pub fn open(dir: &Path, committed: u64) -> io::Result<StatementOrder> {
        Ok(StatementOrder { file: AppendFile::open(&dir.join("statements.order"), Some(committed))? })
    }

    /// Appends a statement's place; returns where the file ends after it.
    pub fn append(&self, relationship: bool, statement_key: &[u8]) -> io::Result<u64> {
        let len = u16::try_from(statement_key.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "statement key longer than 64 KiB"))?;
        let (_, end) = self.file.append_with(|out| {
            out.push(relationship as u8);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(statement_key);
        })?;
        Ok(end)
    }

    /// Makes every append so far durable.
    pub fn sync(&self) -> io::Result<()> {
        self.file.sync()
    }

    /// The statement keys of one group, in the order they were appended, up to `end` (the
    /// committed end: entries after it belong to batches not committed yet).
    pub fn keys(&self, relationship: bool, end: u64) -> io::Result<impl Iterator<Item = io::Result<Vec<u8>>>> {
        // Entries held in memory are written first, so that one reader sees them all.
        self.file.written_through(end)?;
        let mut reader = BufReader::with_capacity(1 << 16, File::open(self.file.path())?.take(end));
        let group = relationship as u8;
        Ok(std::iter::from_fn(move || loop {
            let mut head = [0u8; 3];
            match reader.read_exact(&mut head) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return None,
                Err(e) => return Some(Err(e)),
            }
            let mut key = vec![0u8; u16::from_le_bytes([head[1], head[2]]) as usize];
            if let Err(e) = reader.read_exact(&mut key) {
                return Some(Err(e));
            }
            if head[0] == group {
                return Some(Ok(key));
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(order: &StatementOrder, relationship: bool, end: u64) -> Vec<Vec<u8>> {
        order.keys(relationship, end).unwrap().collect::<io::Result<_>>().unwrap()
    }

    #[test]
    fn groups_read_back_in_append_order() {
        let dir = tempfile::tempdir().unwrap();
        let order = StatementOrder::open(dir.path(), 0).unwrap();
        order.append(true, b"r1").unwrap();
        order.append(false, b"e1").unwrap();
        let end = order.append(false, b"entity-2").unwrap();
        assert_eq!(end, 3 * 3 + 2 + 2 + 8);
        assert_eq!(read(&order, false, end), [b"e1".to_vec(), b"entity-2".to_vec()]);
        assert_eq!(read(&order, true, end), [b"r1".to_vec()]);
        // Only what lies before `end` is read.
        assert_eq!(read(&order, false, 5), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn reopening_drops_what_was_not_committed() {
        let dir = tempfile::tempdir().unwrap();
        let order = StatementOrder::open(dir.path(), 0).unwrap();
        let committed = order.append(false, b"kept").unwrap();
        order.append(false, b"lost").unwrap();
        order.sync().unwrap();
        drop(order);
        let order = StatementOrder::open(dir.path(), committed).unwrap();
        let end = order.append(false, b"again").unwrap();
        assert_eq!(read(&order, false, end), [b"kept".to_vec(), b"again".to_vec()]);
        drop(order);
        assert!(StatementOrder::open(dir.path(), end + 1).is_err(), "a file shorter than committed is an error");
    }
}
