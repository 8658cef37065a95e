//! Opening inputs: files, directories (recursively, in name order) and standard input; gzip is
//! recognised by its magic bytes, whatever the file is called.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

use crate::encoding::{Encoding, Utf8Reader};

/// One input to read: a file, or standard input (`-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Stdin,
}

impl Input {
    /// How the quarantine and messages name this input.
    pub fn name(&self) -> String {
        match self {
            Input::File(path) => path.display().to_string(),
            Input::Stdin => "-".to_string(),
        }
    }

    /// Size on disk, where known (for progress).
    pub fn size(&self) -> Option<u64> {
        match self {
            Input::File(path) => std::fs::metadata(path).ok().map(|m| m.len()),
            Input::Stdin => None,
        }
    }
}

/// Expands paths: `-` is standard input, directories are walked for files (hidden ones skipped).
pub fn expand(paths: &[PathBuf]) -> io::Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if path.is_dir() {
            walk(path, &mut inputs)?;
        } else if path.exists() {
            inputs.push(Input::File(path.clone()));
        } else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: no such file or directory", path.display()),
            ));
        }
    }
    Ok(inputs)
}

fn walk(dir: &Path, inputs: &mut Vec<Input>) -> io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for entry in entries {
        let hidden = entry.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if entry.is_dir() {
            walk(&entry, inputs)?;
        } else if entry.is_file() && !is_documentation(&entry) {
            inputs.push(Input::File(entry));
        }
    }
    Ok(())
}

/// Notes that sit beside data in a folder (README.md, SOURCES.md) are not data.
fn is_documentation(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("md" | "txt" | "rst" | "html"))
}

/// Counts bytes as they are read, for progress bars.
#[derive(Debug, Clone, Default)]
pub struct ByteCounter(Arc<AtomicU64>);

impl ByteCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

struct Counted<R> {
    inner: R,
    counter: ByteCounter,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.0.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An opened input, decompressed and decoded to UTF-8.
pub struct Opened {
    pub reader: Utf8Reader<Box<dyn Read + Send>>,
    pub gzip: bool,
}

/// Opens an input; `counter` counts the bytes as stored (compressed, where gzip).
pub fn open(input: &Input, encoding: Encoding, counter: ByteCounter) -> io::Result<Opened> {
    let raw: Box<dyn Read + Send> = match input {
        Input::File(path) => Box::new(File::open(path)?),
        Input::Stdin => Box::new(io::stdin()),
    };
    let mut buffered = BufReader::with_capacity(256 * 1024, Counted { inner: raw, counter });
    let head = buffered.fill_buf()?;
    let gzip = head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b;
    let decoded: Box<dyn Read + Send> = if gzip { Box::new(MultiGzDecoder::new(buffered)) } else { Box::new(buffered) };
    Ok(Opened { reader: Utf8Reader::new(decoded, encoding), gzip })
}
