//! End-to-end tests: the real `openreg` binary against the project's fixtures and, where present,
//! the real published data in ../shared/data.

mod bods_fixtures;
mod crash;
mod demo;
mod donations;
mod flags;
mod link;
mod ocds;
mod owners;
mod search;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

pub fn shared(rel: &str) -> Option<PathBuf> {
    let path = repo().join("../shared/data").join(rel);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: {} is missing (a fresh clone has no ../shared)", path.display());
        None
    }
}

/// Runs openreg with `--data-dir dir` from the repository root.
pub fn openreg(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_openreg"))
        .current_dir(repo())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("the openreg binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

pub fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}
