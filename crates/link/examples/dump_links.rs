//! Prints every link in a store, one JSON line each, in key order: two stores linked from the same
//! data can then be compared with `cmp`, to show that a change to how linking runs (threads,
//! caches, storage) changed no link.
//!
//!     cargo run --release -p openreg-link --example dump_links -- DATA_DIR > links.jsonl

use std::io::Write;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: dump_links DATA_DIR");
    let store = openreg_store::Store::open(std::path::Path::new(&dir)).expect("a store");
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for link in store.links() {
        writeln!(out, "{}", serde_json::to_string(&link.expect("a link")).expect("JSON")).expect("stdout");
    }
}
