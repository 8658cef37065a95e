//! How fast the reader alone goes: `cargo run --release -p openreg-ingest --example read_speed FILE`.
use std::time::Instant;

use openreg_ingest::{open, read_ocds, ByteCounter, Encoding, Input, Item};

fn main() {
    let path = std::env::args().nth(1).expect("a file");
    let input = Input::File(path.into());
    let started = Instant::now();
    let mut opened = open(&input, Encoding::Auto, ByteCounter::default()).unwrap();
    let mut releases = 0u64;
    let mut bytes = 0usize;
    read_ocds::<_, ()>(&mut opened.reader, &mut |item| {
        if let Item::Release { json, .. } = item {
            releases += 1;
            bytes += json.len();
        }
        Ok(())
    })
    .unwrap();
    let secs = started.elapsed().as_secs_f64();
    println!("{releases} releases in {secs:.2} s ({:.0}/s); {bytes} bytes of release JSON", releases as f64 / secs);
}
