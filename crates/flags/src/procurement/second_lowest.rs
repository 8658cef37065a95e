//! The comparison R024 and R058 share (Cardinal's `SecondLowestBidRatio`): in a process with one
//! active award to one supplier, the winner's lowest valid bid against the lowest valid bid of
//! anyone else, as `(second - winning) / winning`.

use std::collections::BTreeMap;

use serde_json::{json, Map, Number, Value};

use super::release::{complete_awards_and_bids, valid_single_tenderer_bids};
use super::{Context, TendererEvidence};
use crate::finding::{Finding, Subject};

/// One process's comparison: the figures a reader needs to check it.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub winner: String,
    pub winning_number: Number,
    pub second: String,
    pub second_number: Number,
    pub currency: String,
    /// `(second - winning) / winning`.
    pub difference: f64,
}

/// The comparisons of every process that has one, by ocid (a later line with the same ocid
/// replaces an earlier one, as in Cardinal).
#[derive(Debug, Default)]
pub struct SecondLowest {
    pub comparisons: BTreeMap<String, Comparison>,
}

impl SecondLowest {
    pub fn fold(&mut self, release: &Map<String, Value>, ocid: &str, ctx: &mut Context) {
        if !ctx.compares_prices(release) {
            return;
        }
        let Some((awards, details)) = complete_awards_and_bids(release) else {
            return;
        };
        // With one active award, all bids are assumed to compete for all items (cancelled and
        // unsuccessful awards are earlier attempts); several active awards would need lots.
        if awards.len() != 1 {
            return;
        }
        let Some(Value::Array(suppliers)) = awards[0].get("suppliers") else {
            return;
        };
        // Only the simple case of one supplier, whose id must match the bid's single tenderer.
        if suppliers.len() != 1 {
            return;
        }
        let Some(Value::String(supplier)) = suppliers[0].get("id") else {
            return;
        };

        let mut winner: Option<(&str, f64, &Number, &str)> = None;
        let mut second: Option<(&str, f64, &Number)> = None;
        for (tenderer, money) in valid_single_tenderer_bids(details) {
            if !ctx.is_main_currency(money.currency) {
                continue;
            }
            if tenderer == supplier {
                // If the winner submitted several bids, the lowest is the winning bid.
                if winner.is_none_or(|(_, amount, _, _)| money.amount < amount) {
                    winner = Some((tenderer, money.amount, money.number, money.currency));
                }
            } else if second.is_none_or(|(_, amount, _)| money.amount < amount) {
                second = Some((tenderer, money.amount, money.number));
            }
        }

        let (Some((winner, winning, winning_number, currency)), Some((second, other, second_number))) =
            (winner, second)
        else {
            return;
        };
        // If a lower bid lost, the award criteria are not price only, as the indicators assume.
        if other < winning {
            return;
        }
        let difference = (other - winning) / winning;
        // A winning bid of zero gives an infinite (or undefined) difference, which Cardinal would
        // let into its quartiles; openreg leaves such processes out.
        if !difference.is_finite() {
            return;
        }
        self.comparisons.insert(
            ocid.to_owned(),
            Comparison {
                winner: winner.to_owned(),
                winning_number: winning_number.clone(),
                second: second.to_owned(),
                second_number: second_number.clone(),
                currency: currency.to_owned(),
                difference,
            },
        );
    }
}

impl Comparison {
    pub fn figures(&self) -> Value {
        json!({
            "winner": self.winner,
            "winningBidAmount": Value::Number(self.winning_number.clone()),
            "secondLowestBidder": self.second,
            "secondLowestBidAmount": Value::Number(self.second_number.clone()),
            "currency": self.currency,
            "difference": self.difference,
        })
    }
}

/// The OCID findings for the flagged processes, and one Tenderer finding (value 0.0, as Cardinal)
/// per flagged tenderer in `roles` ("winner" and/or "second-lowest bidder").
pub fn findings(
    code: &str,
    flagged: Vec<(&String, &Comparison)>,
    thresholds: &Value,
    second_too: bool,
    out: &mut Vec<Finding>,
) {
    let mut tenderers = TendererEvidence::default();
    for (ocid, comparison) in flagged {
        out.push(super::finding(
            code,
            Subject::Ocid(ocid.clone()),
            comparison.difference,
            vec![ocid.clone()],
            comparison.figures(),
            thresholds.clone(),
        ));
        let mut process = comparison.figures();
        process["ocid"] = json!(ocid);
        process["role"] = json!("winner");
        tenderers.add(&comparison.winner, ocid, process.clone());
        if second_too {
            process["role"] = json!("second-lowest bidder");
            tenderers.add(&comparison.second, ocid, process);
        }
    }
    tenderers.push_findings(code, 0.0, thresholds, out);
}
