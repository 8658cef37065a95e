//! Red flags: procurement indicators on compiled releases (as Cardinal computes them), ownership
//! indicators on BODS and links, and political-finance indicators on donations and links. Each
//! flag carries its evidence and its certainty (that of the weakest link it rests on).

pub mod commitments;
pub mod conflicts;
pub mod control;
pub mod explain;
pub mod finding;
pub mod process;
pub mod procurement;
pub mod run;

pub use finding::{Finding, Subject};
pub use run::{run, FlagSettings, FlagsSummary};
