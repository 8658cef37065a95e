//! Linking thresholds and weights: configuration, not constants. `openreg link --config FILE`
//! reads a TOML file with any of these keys; the rest keep their defaults.
//!
//! ```toml
//! probable = 0.90          # a name link at or above this score is labelled probable
//! possible = 0.75          # at or above this, possible; below, no link is kept
//! country_mismatch = 0.30  # taken off when both sides name a country and they differ
//! legal_form_mismatch = 0.10
//! single_word_cap = 0.80   # a person named by one word can be at most this sure
//! person_name_only_cap = 0.85  # when different people (or organisations) with a name are known
//!                              # (mentions with it carry different identifiers or birth dates), a
//!                              # match on that name alone is at most this sure; so is a person's
//!                              # name with a given name on one side only
//! max_block = 400          # blocking keys shared by more mentions than this are too common to use
//! max_word_block = 64      # a single word of a longer name blocks only while this rare: the
//!                          # name's word pairs find the rest, so candidates stay few as data grows
//! ```

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LinkConfig {
    pub probable: f64,
    pub possible: f64,
    pub country_mismatch: f64,
    pub legal_form_mismatch: f64,
    pub single_word_cap: f64,
    pub person_name_only_cap: f64,
    pub max_block: usize,
    pub max_word_block: usize,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            probable: 0.90,
            possible: 0.75,
            country_mismatch: 0.30,
            legal_form_mismatch: 0.10,
            single_word_cap: 0.80,
            person_name_only_cap: 0.85,
            max_block: 400,
            max_word_block: 64,
        }
    }
}

impl LinkConfig {
    pub fn from_toml(text: &str) -> Result<LinkConfig, String> {
        let config: LinkConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        if !(0.0..=1.0).contains(&config.possible) || config.possible > config.probable || config.probable > 1.0 {
            return Err(format!(
                "thresholds must satisfy 0 <= possible <= probable <= 1 (possible {}, probable {})",
                config.possible, config.probable
            ));
        }
        Ok(config)
    }
}
