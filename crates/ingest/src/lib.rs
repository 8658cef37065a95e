//! Reading the inputs publishers produce, as streams: format detection, decompression, character
//! encodings, and the OCDS shapes (packages, records, releases, JSON Lines, concatenated JSON),
//! BODS statements, and donation lists (CSV or JSON, through profiles and mappings).
//! Nothing here holds more than one release, record or line in memory at a time.

pub mod bods;
pub mod donations;
pub mod encoding;
pub mod mapping;
pub mod pipeline;
pub mod read;
pub mod scan;
pub mod source;
pub mod values;

pub use bods::{ingest_bods, BodsSummary};
pub use donations::{ingest_donations, DonationOptions, DonationSummary};
pub use encoding::{Detected, Encoding, Utf8Reader};
pub use mapping::{Mapping, MappingError};
pub use pipeline::{ingest_ocds, IngestError, IngestOptions, IngestSummary, Progress, SourceSummary};
pub use read::{read_ocds, Bad, ContainerKind, Item, RAW_LIMIT};
pub use scan::Position;
pub use source::{expand, open, ByteCounter, Input, Opened};
pub use values::{read_objects, ValueItem};
