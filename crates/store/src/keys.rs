//! The layout of the store: one sled tree, every key starting with a one-byte prefix and a zero byte,
//! so that one atomic batch can touch releases, records, markers and metadata together.
//!
//! | prefix | key after prefix | value |
//! |---|---|---|
//! | `r` | ocid, 0, content hash (16 bytes) | release envelope |
//! | `c` | ocid | compiled-release envelope |
//! | `w` | ocid | JSON array of merge warnings |
//! | `l` | ocid | a record's linked releases and the publisher's compiled release (JSON) |
//! | `d` | ocid | nothing: the ocid has new releases and awaits compiling |
//! | `p` | container key (8 bytes) | package metadata (JSON) |
//! | `q` | source hash (8), offset (8), reason hash (4) | quarantine entry (JSON) |
//! | `m` | name | store metadata |

pub const RELEASE: u8 = b'r';
pub const COMPILED: u8 = b'c';
pub const WARNINGS: u8 = b'w';
pub const LINKED: u8 = b'l';
pub const DIRTY: u8 = b'd';
pub const PACKAGE: u8 = b'p';
pub const QUARANTINE: u8 = b'q';
pub const META: u8 = b'm';
/// Beneficial-ownership statements: record id, 0, content hash → sequence and packed statement.
/// This and the four BODS prefixes after it are kept in the sorted runs (sorted_runs.rs), not in
/// sled; stores written before them have them in sled, and are still read.
pub const STATEMENT: u8 = b'S';
/// Statement ids that later 0.2/0.3 statements replace.
pub const REPLACED: u8 = b'X';
/// Relationship index: subject record, 0, relationship record.
pub const OWNED_VIA: u8 = b'O';
/// Reverse relationship index: interested-party record, 0, relationship record.
pub const HOLDS_VIA: u8 = b'H';
/// Identifier index: canonical identifier, 0, record id.
pub const IDENTIFIER: u8 = b'I';
/// Statements in export order, as stores written before statement_order.rs kept it (read, no longer
/// written): group (0 entities and persons, 1 relationships), sequence (8 bytes, big-endian) → the
/// statement's key.
pub const STATEMENT_ORDER: u8 = b'B';
/// The metadata entry (under `m`) that says where the statement order file's committed entries end.
pub const STATEMENT_ORDER_END: &str = "statement_order_end";
/// The metadata entry that says where the BODS keys' log ends (generation and end, 8 bytes each,
/// big-endian) after the last committed batch: see sorted_runs.rs.
pub const BODS_LOG: &str = "bods_log";
/// The metadata entry that says where the link keys' log ends, as [`BODS_LOG`] does for the BODS
/// keys. The linking prefixes below (mentions to namesakes) are kept in those runs, not in sled;
/// a store that has them in sled (written before) has them moved on opening.
pub const LINK_LOG: &str = "link_log";
/// Donations: donation id → where the donation (JSON) is in the blob file (stores written before
/// hold the JSON itself).
pub const DONATION: u8 = b'G';
/// Donor identifier index: canonical identifier, 0, donation id.
pub const DONOR_IDENTIFIER: u8 = b'Y';
/// Linking: mention id → content hash (16 bytes) and the mention (JSON).
pub const MENTION: u8 = b'M';
/// The index keys a mention wrote, so that a changed mention can take them back.
pub const MENTION_KEYS: u8 = b'W';
/// Blocking index: blocking key, 0, mention id.
pub const BLOCK: u8 = b'K';
/// Mention identifier index: canonical identifier, 0, mention id.
pub const MENTION_IDENTIFIER: u8 = b'N';
/// Links: mention, 0, other mention → the link (binary; JSON in older stores), kept in full under
/// one end and as a reference under the other.
pub const LINK: u8 = b'L';
/// Mentions new or changed since they were last compared: mention id → nothing.
pub const LINK_PENDING: u8 = b'V';
/// Mentions whose name is known to be shared by different people: mention id → nothing.
pub const NAMESAKES: u8 = b'A';
/// Search documents to (re)index: document id (`contract/OCID`, `donation/ID`, `mention/ID`) →
/// nothing. Written in the same batch as the data they reflect, removed once the index has
/// committed them: a crash in between leaves them, and the index catches up.
pub const INDEX_PENDING: u8 = b'x';
/// Flags: flag id → the flag (JSON).
pub const FLAG: u8 = b'F';
/// Flags by process: ocid, 0, flag id.
pub const FLAG_BY_OCID: u8 = b'f';
/// Flags by entity: entity id, 0, flag id.
pub const FLAG_BY_ENTITY: u8 = b'e';
/// Buyer-control periods: buyer identifier, 0, start date, 0, party → the period (JSON).
pub const CONTROL: u8 = b'C';
/// Judgements: mention, 0, other mention → a person's decision (JSON), under both ends.
pub const JUDGEMENT: u8 = b'J';

pub fn prefix(kind: u8) -> [u8; 2] {
    [kind, 0]
}

pub fn ocid_key(kind: u8, ocid: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(2 + ocid.len());
    key.extend_from_slice(&prefix(kind));
    key.extend_from_slice(ocid.as_bytes());
    key
}

/// All releases of one ocid sit under this prefix (the zero byte keeps `ocds-1` apart from `ocds-10`).
pub fn release_prefix(ocid: &str) -> Vec<u8> {
    let mut key = ocid_key(RELEASE, ocid);
    key.push(0);
    key
}

pub fn release_key(ocid: &str, hash: &[u8; 16]) -> Vec<u8> {
    let mut key = release_prefix(ocid);
    key.extend_from_slice(hash);
    key
}

/// The ocid of a release key.
pub fn release_key_ocid(key: &[u8]) -> &[u8] {
    &key[2..key.len() - 17]
}

/// `kind`, 0, `a`, 0, `b`: an index entry whose key is the whole fact.
pub fn pair_key(kind: u8, a: &str, b: &[u8]) -> Vec<u8> {
    let mut key = ocid_key(kind, a);
    key.push(0);
    key.extend_from_slice(b);
    key
}

/// Everything under `kind`, 0, `a`, 0.
pub fn pair_prefix(kind: u8, a: &str) -> Vec<u8> {
    pair_key(kind, a, b"")
}

pub fn meta_key(name: &str) -> Vec<u8> {
    ocid_key(META, name)
}

pub fn hash64(parts: &[&[u8]]) -> [u8; 8] {
    let mut hasher = blake3::Hasher::new();
    for part in parts {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    let mut out = [0u8; 8];
    out.copy_from_slice(&hasher.finalize().as_bytes()[..8]);
    out
}

/// How a stored JSON text is encoded. Release JSON compresses well and sled's cost grows with the
/// bytes it moves: LZ4 halved the store's size and made ingest faster (1.36 s → 1.18 s on the
/// 30 MB bench corpus). `RAW` is read for stores written without compression.
const RAW: u8 = 0;
const LZ4: u8 = 1;
/// The text lives in the blob file; 8 bytes of offset and 4 of length follow.
const BLOB: u8 = 2;

/// Packs JSON text as it is stored (LZ4), after what `out` holds.
pub fn pack_json(json: &[u8], out: &mut Vec<u8>) {
    out.push(LZ4);
    out.extend_from_slice(&lz4_flex::compress_prepend_size(json));
}

/// The packed text of a value whose body lives in the blob file: where it is.
pub fn pack_blob_pointer(at: u64, len: u32, out: &mut Vec<u8>) {
    out.push(BLOB);
    out.extend_from_slice(&at.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
}

/// Packs JSON text as it is stored (LZ4), for writing to the blob file.
pub fn packed_json(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len() / 3 + 8);
    pack_json(json, &mut out);
    out
}

/// Unpacks what [`packed_json`] wrote.
pub fn unpacked_json(bytes: &[u8]) -> Option<Vec<u8>> {
    unpack_json(bytes)
}

fn unpack_json(bytes: &[u8]) -> Option<Vec<u8>> {
    match bytes.split_first()? {
        (&RAW, rest) => Some(rest.to_vec()),
        (&LZ4, rest) => lz4_flex::decompress_size_prepended(rest).ok(),
        _ => None,
    }
}

/// A stored release: first-seen order, its container, its date, warnings, and the release JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseEnvelope<'a> {
    pub seq: u64,
    pub container: [u8; 8],
    pub date: &'a str,
    pub warnings: &'a str,
    /// The JSON text, packed (see [`ReleaseEnvelope::json`]).
    packed: &'a [u8],
}

impl<'a> ReleaseEnvelope<'a> {
    pub fn encode(seq: u64, container: [u8; 8], date: &str, warnings: &str, json: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(24 + date.len() + warnings.len() + json.len() / 3);
        out.extend_from_slice(&seq.to_be_bytes());
        out.extend_from_slice(&container);
        out.extend_from_slice(&(date.len() as u16).to_be_bytes());
        out.extend_from_slice(date.as_bytes());
        out.extend_from_slice(&(warnings.len() as u32).to_be_bytes());
        out.extend_from_slice(warnings.as_bytes());
        pack_json(json, &mut out);
        out
    }

    pub fn decode(bytes: &'a [u8]) -> Option<ReleaseEnvelope<'a>> {
        let seq = u64::from_be_bytes(bytes.get(0..8)?.try_into().ok()?);
        let container: [u8; 8] = bytes.get(8..16)?.try_into().ok()?;
        let date_len = u16::from_be_bytes(bytes.get(16..18)?.try_into().ok()?) as usize;
        let date = std::str::from_utf8(bytes.get(18..18 + date_len)?).ok()?;
        let mut at = 18 + date_len;
        let warnings_len = u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        at += 4;
        let warnings = std::str::from_utf8(bytes.get(at..at + warnings_len)?).ok()?;
        at += warnings_len;
        Some(ReleaseEnvelope { seq, container, date, warnings, packed: bytes.get(at..)? })
    }

    /// The release's JSON text, exactly as stored (`None` when it lives in the blob file: see
    /// [`ReleaseEnvelope::blob`]).
    pub fn json(&self) -> Option<Vec<u8>> {
        unpack_json(self.packed)
    }

    /// Where the text is in the blob file, when it is there.
    pub fn blob(&self) -> Option<(u64, u32)> {
        match self.packed.split_first()? {
            (&BLOB, rest) if rest.len() == 12 => {
                Some((u64::from_be_bytes(rest[..8].try_into().ok()?), u32::from_be_bytes(rest[8..].try_into().ok()?)))
            }
            _ => None,
        }
    }

    /// An envelope whose text lives in the blob file.
    pub fn encode_pointer(seq: u64, container: [u8; 8], date: &str, warnings: &str, at: u64, len: u32) -> Vec<u8> {
        let mut out = ReleaseEnvelope::encode(seq, container, date, warnings, b"");
        // `encode` packed an empty text last; replace it by the pointer.
        let empty = packed_json(b"").len();
        out.truncate(out.len() - empty);
        pack_blob_pointer(at, len, &mut out);
        out
    }
}

/// A stored compiled release: its date, whether the publisher compiled it, and the JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledEnvelope<'a> {
    pub date: &'a str,
    pub from_publisher: bool,
    packed: &'a [u8],
}

impl<'a> CompiledEnvelope<'a> {
    pub fn encode(date: &str, from_publisher: bool, json: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(3 + date.len() + json.len() / 3);
        out.extend_from_slice(&(date.len() as u16).to_be_bytes());
        out.extend_from_slice(date.as_bytes());
        out.push(from_publisher as u8);
        pack_json(json, &mut out);
        out
    }

    pub fn decode(bytes: &'a [u8]) -> Option<CompiledEnvelope<'a>> {
        let date_len = u16::from_be_bytes(bytes.get(0..2)?.try_into().ok()?) as usize;
        let date = std::str::from_utf8(bytes.get(2..2 + date_len)?).ok()?;
        let from_publisher = *bytes.get(2 + date_len)? == 1;
        Some(CompiledEnvelope { date, from_publisher, packed: bytes.get(3 + date_len..)? })
    }

    pub fn json(&self) -> Option<Vec<u8>> {
        unpack_json(self.packed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_round_trip() {
        let bytes = ReleaseEnvelope::encode(7, [1; 8], "2024-01-01", "[]", b"{\"a\":1}");
        let r = ReleaseEnvelope::decode(&bytes).unwrap();
        assert_eq!((r.seq, r.container, r.date, r.warnings), (7, [1; 8], "2024-01-01", "[]"));
        assert_eq!(r.json().unwrap(), b"{\"a\":1}");
        let bytes = CompiledEnvelope::encode("", true, b"{}");
        let c = CompiledEnvelope::decode(&bytes).unwrap();
        assert!(c.from_publisher);
        assert_eq!(c.json().unwrap(), b"{}");
    }

    #[test]
    fn release_keys_keep_ocids_apart() {
        let a = release_key("ocds-1", &[0; 16]);
        assert!(a.starts_with(&release_prefix("ocds-1")));
        assert!(!a.starts_with(&release_prefix("ocds-10")));
        assert_eq!(release_key_ocid(&a), b"ocds-1");
    }
}
