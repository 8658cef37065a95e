//! Donations in the store: each kept as read (with its raw row), findable by id and by the donor's
//! canonical identifier.

use openreg_model::donation::Donation;

use crate::keys::*;
use crate::{Added, Batch, Result, Store, StoreError};

impl Store {
    /// Adds a donation unless one with the same id is already held (re-ingests are idempotent).
    pub fn add_donation(&self, batch: &mut Batch, donation: &Donation) -> Result<Added> {
        let key = ocid_key(DONATION, &donation.id);
        if batch.keys.contains(&key) || self.db.contains_key(&key)? {
            batch.releases_duplicate += 1;
            return Ok(Added::Duplicate);
        }
        let json = serde_json::to_vec(donation)?;
        batch.bytes += json.len();
        // The body goes to the blob file (synced before the batch commits) and sled keeps where
        // it is: a sled tree of donation bodies grew the ingest's memory with every donation.
        let (at, len) = self.blobs.append(&json)?;
        let mut place = vec![BLOB_PLACE];
        place.extend_from_slice(&at.to_be_bytes());
        place.extend_from_slice(&len.to_be_bytes());
        batch.batch.insert(key.clone(), place);
        if let Some(identifier) = &donation.donor.identifier {
            batch.batch.insert(pair_key(DONOR_IDENTIFIER, &identifier.key(), donation.id.as_bytes()), &[][..]);
        }
        batch.batch.insert(ocid_key(INDEX_PENDING, &format!("donation/{}", donation.id)), &[][..]);
        batch.keys.insert(key);
        batch.releases_new += 1;
        Ok(Added::New)
    }

    /// One donation by its id.
    pub fn donation(&self, id: &str) -> Result<Option<Donation>> {
        match self.db.get(ocid_key(DONATION, id))? {
            Some(bytes) => Ok(Some(self.decode_donation(&bytes, id)?)),
            None => Ok(None),
        }
    }

    /// Every donation, in id order, one at a time.
    pub fn donations(&self) -> impl Iterator<Item = Result<Donation>> + '_ {
        let prefix = prefix(DONATION);
        self.db.scan_prefix(prefix).map(move |entry| {
            let (key, bytes) = entry?;
            self.decode_donation(&bytes, &String::from_utf8_lossy(&key[prefix.len()..]))
        })
    }

    /// Donations whose donor carries `identifier` (a canonical key such as `GEO-TAXID-01008012345`).
    pub fn donations_by_identifier(&self, identifier: &str) -> Result<Vec<Donation>> {
        let prefix = pair_prefix(DONOR_IDENTIFIER, identifier);
        let mut out = Vec::new();
        for entry in self.db.scan_prefix(&prefix) {
            let (key, _) = entry?;
            let id = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
            out.extend(self.donation(&id)?);
        }
        Ok(out)
    }
}

/// The first byte of a donation's sled value when the body is in the blob file: then the body's
/// place (8 bytes) and length (4), big-endian. Stores written before hold the JSON itself.
const BLOB_PLACE: u8 = 1;

impl Store {
    fn decode_donation(&self, value: &[u8], id: &str) -> Result<Donation> {
        let body = match value {
            [BLOB_PLACE, place @ ..] if place.len() == 12 => {
                let at = u64::from_be_bytes(place[..8].try_into().expect("8 bytes"));
                let len = u32::from_be_bytes(place[8..].try_into().expect("4 bytes"));
                std::borrow::Cow::Owned(self.blobs.read(at, len)?)
            }
            _ => std::borrow::Cow::Borrowed(value),
        };
        serde_json::from_slice(&body).map_err(|e| StoreError::Corrupt(format!("donation {id}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use openreg_model::donation::{DonationType, Donor, DonorKind, Recipient};
    use openreg_model::identifier::Identifier;

    use super::*;

    fn donation(id: &str, identifier: Option<Identifier>) -> Donation {
        Donation {
            id: id.into(),
            source: "test.csv".into(),
            line: 2,
            source_row_id: None,
            profile: "generic".into(),
            donor: Donor {
                name: "Nino Beridze".into(),
                kind: DonorKind::Person,
                identifier,
                identifier_as_written: None,
                country: Some("GE".into()),
                address: None,
                postcode: None,
            },
            party: Recipient { name: "Party A".into(), id: None },
            amount: "1000".into(),
            currency: "GEL".into(),
            date: Some("2024-03-01".into()),
            donation_type: DonationType::Money,
            type_as_written: None,
            memo: false,
            raw: Default::default(),
        }
    }

    #[test]
    fn donations_are_kept_once_and_found_by_donor_identifier() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let person = Identifier::new("GEO-TAXID", "01008012345");
        let mut batch = store.batch();
        assert_eq!(store.add_donation(&mut batch, &donation("g:1", person.clone())).unwrap(), Added::New);
        assert_eq!(store.add_donation(&mut batch, &donation("g:1", person.clone())).unwrap(), Added::Duplicate);
        assert_eq!(store.add_donation(&mut batch, &donation("g:2", None)).unwrap(), Added::New);
        store.commit(batch, &Default::default()).unwrap();
        let mut batch = store.batch();
        assert_eq!(store.add_donation(&mut batch, &donation("g:2", None)).unwrap(), Added::Duplicate);
        assert_eq!(store.donations().count(), 2);
        let found = store.donations_by_identifier("GEO-TAXID-01008012345").unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0], donation("g:1", person));
        assert!(store.donation("g:3").unwrap().is_none());
    }

    #[test]
    fn bodies_are_read_from_the_blob_file_and_from_sled_as_older_stores_kept_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let mut batch = store.batch();
        store.add_donation(&mut batch, &donation("g:1", None)).unwrap();
        store.commit(batch, &Default::default()).unwrap();
        let value = store.db.get(ocid_key(DONATION, "g:1")).unwrap().unwrap();
        assert_eq!((value[0], value.len()), (BLOB_PLACE, 13), "sled keeps the body's place");
        // As an older openreg kept it: the JSON in sled.
        store.db.insert(ocid_key(DONATION, "g:0"), serde_json::to_vec(&donation("g:0", None)).unwrap()).unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.donation("g:0").unwrap(), Some(donation("g:0", None)));
        assert_eq!(store.donation("g:1").unwrap(), Some(donation("g:1", None)));
        let all: Vec<String> = store.donations().map(|d| d.unwrap().id).collect();
        assert_eq!(all, ["g:0", "g:1"]);
    }
}
