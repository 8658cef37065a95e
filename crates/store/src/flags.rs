//! Flags in the store, findable by process and by entity, and the buyer-control periods that the
//! political-finance flags read.

use std::collections::BTreeSet;

use openreg_model::flag::{ControlPeriod, Flag};

use crate::keys::*;
use crate::{Result, Store, StoreError};

/// What replacing the stored flags changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct FlagChanges {
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub removed: u64,
}

impl Store {
    /// Replaces every stored flag by `flags` (a flags run's whole result): flags whose id and
    /// content are the same stay as they are; others are written; those no longer found go.
    pub fn replace_flags(&self, flags: &[Flag]) -> Result<FlagChanges> {
        let mut changes = FlagChanges::default();
        let mut keep = BTreeSet::new();
        let mut batch = sled::Batch::default();
        for flag in flags {
            keep.insert(flag.id.clone());
            let value = serde_json::to_vec(flag)?;
            match self.db.get(ocid_key(FLAG, &flag.id))? {
                Some(old) if old.as_ref() == value.as_slice() => {
                    changes.unchanged += 1;
                    continue;
                }
                Some(old) => {
                    changes.changed += 1;
                    let old: Flag = decode(&old)?;
                    remove_indexes(&mut batch, &old);
                }
                None => changes.new += 1,
            }
            batch.insert(ocid_key(FLAG, &flag.id), value);
            if let Some(ocid) = &flag.ocid {
                batch.insert(pair_key(FLAG_BY_OCID, ocid, flag.id.as_bytes()), &[][..]);
            }
            for entity in &flag.entities {
                batch.insert(pair_key(FLAG_BY_ENTITY, &entity.id, flag.id.as_bytes()), &[][..]);
            }
        }
        for entry in self.db.scan_prefix(prefix(FLAG)) {
            let (key, value) = entry?;
            let id = String::from_utf8_lossy(&key[2..]).into_owned();
            if !keep.contains(&id) {
                changes.removed += 1;
                batch.remove(key);
                remove_indexes(&mut batch, &decode(&value)?);
            }
        }
        self.db.apply_batch(batch)?;
        self.db.flush()?;
        Ok(changes)
    }

    pub fn flag(&self, id: &str) -> Result<Option<Flag>> {
        self.db.get(ocid_key(FLAG, id))?.map(|v| decode(&v)).transpose()
    }

    /// Every flag, in id order.
    pub fn flags(&self) -> impl Iterator<Item = Result<Flag>> + '_ {
        self.db.scan_prefix(prefix(FLAG)).values().map(|v| decode(&v?))
    }

    /// Flags about one contracting process.
    pub fn flags_of_ocid(&self, ocid: &str) -> Result<Vec<Flag>> {
        self.flags_by(FLAG_BY_OCID, ocid)
    }

    /// Flags naming an organisation or person (by the id the flag gives it).
    pub fn flags_of_entity(&self, id: &str) -> Result<Vec<Flag>> {
        self.flags_by(FLAG_BY_ENTITY, id)
    }

    fn flags_by(&self, kind: u8, key: &str) -> Result<Vec<Flag>> {
        let prefix = pair_prefix(kind, key);
        let mut out = Vec::new();
        for k in self.db.scan_prefix(&prefix).keys() {
            let k = k?;
            if let Some(flag) = self.flag(&String::from_utf8_lossy(&k[prefix.len()..]))? {
                out.push(flag);
            }
        }
        Ok(out)
    }

    /// A fingerprint of everything flags read: it changes with every committed ingest batch, link
    /// run, judgement and control file, so a flags run can tell whether its results are stale.
    pub fn data_generation(&self) -> Result<String> {
        let mut hasher = blake3::Hasher::new();
        for name in ["seq", "checkpoint", "generation/links", "generation/control"] {
            hasher.update(name.as_bytes());
            if let Some(v) = self.db.get(meta_key(name))? {
                hasher.update(&v);
            }
        }
        Ok(hasher.finalize().to_hex()[..32].to_string())
    }

    /// Records that something flags read has changed outside an ingest (`links`, `control`).
    pub fn bump_generation(&self, what: &str) -> Result<()> {
        let key = meta_key(&format!("generation/{what}"));
        let n = self.db.get(&key)?.map(|v| u64::from_be_bytes(v.as_ref().try_into().unwrap_or([0; 8]))).unwrap_or(0);
        self.db.insert(key, &(n + 1).to_be_bytes()[..])?;
        self.db.flush()?;
        Ok(())
    }

    /// The data generation the stored flags were computed from.
    pub fn flags_generation(&self) -> Result<Option<String>> {
        Ok(self.db.get(meta_key("flags/generation"))?.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    pub fn set_flags_generation(&self, generation: &str) -> Result<()> {
        self.db.insert(meta_key("flags/generation"), generation.as_bytes())?;
        self.db.flush()?;
        Ok(())
    }

    /// Adds a control period (idempotent: the same buyer, party and start are one period).
    pub fn add_control(&self, period: &ControlPeriod) -> Result<bool> {
        let key = pair_key(CONTROL, &period.buyer, format!("{}\0{}", period.from, period.party).as_bytes());
        let new = !self.db.contains_key(&key)?;
        self.db.insert(key, serde_json::to_vec(period)?)?;
        Ok(new)
    }

    /// The control periods of a buyer (by canonical identifier).
    pub fn control_periods(&self, buyer: &str) -> Result<Vec<ControlPeriod>> {
        let mut out = Vec::new();
        for v in self.db.scan_prefix(pair_prefix(CONTROL, buyer)).values() {
            out.push(serde_json::from_slice(&v?).map_err(|e| StoreError::Corrupt(format!("control period: {e}")))?);
        }
        Ok(out)
    }
}

fn remove_indexes(batch: &mut sled::Batch, flag: &Flag) {
    if let Some(ocid) = &flag.ocid {
        batch.remove(pair_key(FLAG_BY_OCID, ocid, flag.id.as_bytes()));
    }
    for entity in &flag.entities {
        batch.remove(pair_key(FLAG_BY_ENTITY, &entity.id, flag.id.as_bytes()));
    }
}

fn decode(bytes: &[u8]) -> Result<Flag> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("flag: {e}")))
}
