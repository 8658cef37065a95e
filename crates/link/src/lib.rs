//! Linking: names across Latin, Cyrillic and Georgian scripts, and the resolution of contract
//! parties, beneficial owners and donors into linked entities — identifiers first, names only as
//! scored, explained, reviewable candidates.

pub mod config;
pub mod entity;
pub mod evaluate;
pub mod mentions;
pub mod names;
pub mod resolve;
pub mod run;
pub mod score;
pub mod translit;

pub use config::LinkConfig;
pub use names::{fingerprint, skeleton, Fingerprint};
pub use translit::latin;
