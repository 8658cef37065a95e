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
        batch.batch.insert(key.clone(), json);
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
            Some(bytes) => Ok(Some(decode(&bytes, id)?)),
            None => Ok(None),
        }
    }

    /// Every donation, in id order, one at a time.
    pub fn donations(&self) -> impl Iterator<Item = Result<Donation>> + '_ {
        let prefix = prefix(DONATION);
        self.db.scan_prefix(prefix).map(move |entry| {
            let (key, bytes) = entry?;
            decode(&bytes, &String::from_utf8_lossy(&key[prefix.len()..]))
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

fn decode(bytes: &[u8], id: &str) -> Result<Donation> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("donation {id}: {e}")))
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
}
