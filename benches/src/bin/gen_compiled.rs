//! `gen-compiled`: a deterministic, streaming generator of OCDS compiled releases (JSON Lines, one
//! contracting process a line), the input of the procurement red-flag bench (`benches/flags.sh`).
//!
//! ```text
//! gen-compiled [--releases N] [--seed S] --out FILE|-
//! ```
//!
//! Each line is what Cardinal's `indicators` command and `openreg_flags::procurement::run` read: a
//! compiled release with `buyer`, `tender` (`procurementMethod`, `procurementMethodDetails`,
//! `mainProcurementCategory`, `procuringEntity`, `tenderPeriod`, `numberOfTenderers`, items,
//! documents), `bids.details` (tenderers, `value`, `status`: valid, disqualified, pending,
//! withdrawn, invited), `awards` (suppliers, value, `status`), `contracts` (value, amendments) and
//! `parties`, about 4 KB a line (Cardinal's own bench sample, real data, has a median of 4.5 KB).
//!
//! The distributions are chosen so that every indicator fires on some share of the processes,
//! as in real data, and so that the Tukey fences are meaningful (a fence that falls below zero
//! flags nothing):
//! - methods: open 62%, selective 10%, limited 10%, direct 18%; 2% of tenders cancelled (skipped by
//!   every indicator), 2% unsuccessful, 5% still being evaluated (pending bids and awards);
//! - R003: tender periods of 20-45 days (open), with 10-15% shorter than 15 days;
//! - R018: about a fifth of open and selective tenders have a single bidder;
//! - R024/R058: the second-lowest valid bid is `winning × (1 + d)`, `d` log-normal around 10%, plus
//!   2.5% of processes with `d` under 1.2% (low outliers) and 1.2% with `d` of 50-300% (high);
//! - R028: 1.5% of processes with three bids or more repeat a price across two tenderers;
//! - R035/R036/R038: bids are disqualified at 8%, at 45% by 5% of buyers and by 4% of tenderers,
//!   and a disqualified bid is below the winning one 55% of the time;
//! - R055: direct awards cluster on three favourite suppliers per buyer, 12% of them just below
//!   50,000 (the threshold `benches/flags.sh` configures) and 8% above;
//! - R069: 12% of contracts are amended, two thirds of those raise the value (a tenth record the
//!   former value in OCDS 1.0 `amendment.changes`).
//!
//! Processes are written in order (ocid `ocds-b5fd17-flags-{n:07}`, a new one every ~2.6 minutes from
//! 2020-01-01, so 1,000,000 span five years) and each draws from its own SplitMix64 stream derived
//! from `--seed` and `n`: memory is constant and the same arguments give the same bytes. Buyers
//! (3,000), procurement agencies (200) and companies (60,000) come from pools whose traits are
//! derived from the seed and their index, so the same organisations recur across the file.
//!
//! On success a one-line JSON summary (`releases`, `bytes`, `seconds`, `avg_release_bytes`) goes to
//! stdout (to stderr when the data goes to stdout).

use serde_json::{json, Map, Value};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

const OCID_PREFIX: &str = "ocds-b5fd17-flags-";
/// 2020-01-01T00:00:00Z.
const BASE_TS: i64 = 1_577_836_800;
/// Seconds between the starts of consecutive processes (1,000,000 processes: ~5 years).
const STEP: i64 = 157;
const DAY: i64 = 86_400;
const BUYERS: u64 = 3_000;
const AGENCIES: u64 = 200;
const COMPANIES: u64 = 60_000;
const MAIN_CURRENCY: &str = "USD";
const OTHER_CURRENCY: &str = "EUR";
/// The competitive threshold `benches/flags.sh` gives R055.
const DIRECT_THRESHOLD: f64 = 50_000.0;

const STREAM_PROCESS: u64 = 1;
const STREAM_BUYER: u64 = 2;
const STREAM_AGENCY: u64 = 3;
const STREAM_COMPANY: u64 = 4;

// ---------------------------------------------------------------------------------------------------
// PRNG

/// SplitMix64, as gen-ocds: tiny, fast and identical on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut r = Rng(seed ^ 0x6a09_e667_f3bc_c908);
        r.next_u64();
        r
    }
    fn derive(seed: u64, stream: u64, n: u64) -> Self {
        let mut r = Rng(seed);
        let a = r.next_u64();
        Rng::new(a ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    /// Skewed towards 0: a few buyers and companies take most of the work, as in real data.
    fn skewed(&mut self, n: u64) -> u64 {
        let m = self.below(n) + 1;
        self.below(m)
    }
    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u = 1.0 - self.unit();
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + self.below(10) as u8)).collect()
    }
}

/// Money as publishers write it: cents, and whole amounts without a fraction.
fn amount(x: f64) -> Value {
    let cents = (x * 100.0).round();
    if cents % 100.0 == 0.0 {
        json!((cents / 100.0) as u64)
    } else {
        json!(cents / 100.0)
    }
}

/// The number a reader gets back from [`amount`].
fn rounded(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

// ---------------------------------------------------------------------------------------------------
// Dates

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    // Howard Hinnant's algorithm.
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A publisher's local time, with a fixed offset per process.
#[derive(Clone, Copy)]
struct Clock {
    offset_min: i64,
    fraction: bool,
}

impl Clock {
    fn fmt(&self, ts: i64) -> String {
        let local = ts + self.offset_min * 60;
        let (y, mo, d) = civil_from_days(local.div_euclid(DAY));
        let s = local.rem_euclid(DAY);
        let mut out = format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
        if self.fraction {
            out.push_str(&format!(".{:03}", ts.rem_euclid(997)));
        }
        if self.offset_min == 0 {
            out.push('Z');
        } else {
            let o = self.offset_min.abs();
            let sign = if self.offset_min < 0 { '-' } else { '+' };
            out.push_str(&format!("{sign}{:02}:{:02}", o / 60, o % 60));
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------------
// Organisations

const SURNAMES: &[&str] = &[
    "Kovalenko",
    "Shevchenko",
    "Bondarenko",
    "Tkachenko",
    "Kravchenko",
    "Oliynyk",
    "Melnyk",
    "Petrenko",
    "García",
    "Rodríguez",
    "Martínez",
    "Pérez",
    "Gómez",
    "Díaz",
    "Fernández",
    "Beridze",
    "Kapanadze",
    "Gelashvili",
    "Müller",
    "Novák",
    "Kowalski",
    "Nowak",
    "Horváth",
    "Popescu",
    "Ionescu",
    "Silva",
    "Santos",
    "Costa",
    "Rossi",
    "Bianchi",
];
const TRADES: &[&str] = &[
    "Trade",
    "Build",
    "Med",
    "Agro",
    "Tech",
    "Logistics",
    "Energy",
    "Consulting",
    "Print",
    "Food",
    "Pharma",
    "Transport",
    "Security",
    "Clean",
    "Road",
    "Water",
    "Data",
    "Office",
    "Steel",
    "Fuel",
];
const FORMS: &[&str] = &["LLC", "Ltd", "SRL", "S.A.", "JSC", "GmbH", "sp. z o.o.", "& Sons", "Group", "Holding"];
const CITIES: &[&str] = &[
    "Kyiv",
    "Lviv",
    "Odesa",
    "Kharkiv",
    "Dnipro",
    "Tbilisi",
    "Batumi",
    "Kutaisi",
    "Santo Domingo",
    "Santiago",
    "La Romana",
    "San Pedro",
    "Chișinău",
    "Bălți",
    "Skopje",
    "Bitola",
    "Tirana",
    "Durrës",
    "Medellín",
    "Bogotá",
    "Cali",
    "Quito",
    "Guayaquil",
    "Asunción",
    "Montevideo",
    "Lima",
    "Cusco",
    "Arequipa",
    "Ciudad de Panamá",
    "Colón",
];
const REGIONS: &[&str] = &["North", "South", "East", "West", "Central", "Capital", "Coastal", "Highlands"];
const BUYER_KINDS: &[&str] = &[
    "City Council of",
    "Regional Hospital of",
    "Water Utility of",
    "Road Agency of",
    "Police Department of",
    "University of",
    "Social Services of",
    "School District of",
    "Public Transport of",
    "Court Administration of",
];
const MINISTRIES: &[&str] = &[
    "Ministry of Health",
    "Ministry of Education",
    "Ministry of Defence",
    "Ministry of Infrastructure",
    "Ministry of Agriculture",
    "Ministry of Finance",
    "Ministry of the Interior",
    "Ministry of Energy",
];
const STREETS: &[&str] =
    &["Main St", "Avenida Independencia", "Shevchenka St", "Rustaveli Ave", "Calle 10", "Park Lane"];

struct Org {
    id: String,
    name: String,
    scheme: &'static str,
    local_id: String,
    street: String,
    city: &'static str,
    region: &'static str,
    postal: String,
    phone: String,
    scale: Option<&'static str>,
}

impl Org {
    fn party(&self, roles: &[&str]) -> Value {
        let mut party = json!({
            "id": self.id,
            "name": self.name,
            "identifier": {"scheme": self.scheme, "id": self.local_id, "legalName": self.name},
            "address": {
                "streetAddress": self.street,
                "locality": self.city,
                "region": self.region,
                "postalCode": self.postal,
                "countryName": "Republic of Benchland",
            },
            "contactPoint": {"name": "Procurement office", "email": format!("info@{}.example.org", self.local_id), "telephone": self.phone},
            "roles": roles,
        });
        if let Some(scale) = self.scale {
            party["details"] = json!({ "scale": scale });
        }
        party
    }

    fn reference(&self) -> Value {
        json!({"id": self.id, "name": self.name})
    }
}

/// A buyer and what makes it a buyer the indicators notice.
struct Buyer {
    org: Org,
    /// Disqualifies bids at 45% instead of 8% (R038's Buyer and ProcuringEntity outliers).
    strict: bool,
    /// Companies that get most of its direct awards (R055).
    favourites: [u64; 3],
}

fn address(r: &mut Rng) -> (String, &'static str, &'static str, String, String) {
    let street = format!("{} {}", r.pick(STREETS), r.range(1, 250));
    (street, *r.pick(CITIES), *r.pick(REGIONS), r.digits(5), format!("+1-555-{}", r.digits(7)))
}

fn buyer(seed: u64, b: u64) -> Buyer {
    let mut r = Rng::derive(seed, STREAM_BUYER, b);
    let (street, city, region, postal, phone) = address(&mut r);
    let name = if b < MINISTRIES.len() as u64 {
        MINISTRIES[b as usize].to_owned()
    } else {
        format!("{} {city} No. {}", r.pick(BUYER_KINDS), b)
    };
    let local_id = format!("2{b:07}");
    let org = Org {
        id: format!("XB-EDR-{local_id}"),
        name,
        scheme: "XB-EDR",
        local_id,
        street,
        city,
        region,
        postal,
        phone,
        scale: None,
    };
    let strict = r.chance(0.05);
    let favourites = [r.skewed(COMPANIES), r.skewed(COMPANIES), r.below(COMPANIES)];
    Buyer { org, strict, favourites }
}

fn agency(seed: u64, a: u64) -> Org {
    let mut r = Rng::derive(seed, STREAM_AGENCY, a);
    let (street, city, region, postal, phone) = address(&mut r);
    let local_id = format!("3{a:07}");
    Org {
        id: format!("XB-EDR-{local_id}"),
        name: format!("Central Procurement Agency of {city} ({a})"),
        scheme: "XB-EDR",
        local_id,
        street,
        city,
        region,
        postal,
        phone,
        scale: None,
    }
}

/// A company and whether its bids tend to be disqualified (R038's Tenderer outliers).
fn company(seed: u64, c: u64) -> (Org, bool) {
    let mut r = Rng::derive(seed, STREAM_COMPANY, c);
    let (street, city, region, postal, phone) = address(&mut r);
    let local_id = format!("1{c:07}");
    let name = format!("{} {} {} {}", r.pick(SURNAMES), r.pick(TRADES), r.pick(FORMS), c % 97);
    let scale = *r.pick(&["micro", "sme", "sme", "large"]);
    let flaky = r.chance(0.04);
    let org = Org {
        id: format!("XB-EDR-{local_id}"),
        name,
        scheme: "XB-EDR",
        local_id,
        street,
        city,
        region,
        postal,
        phone,
        scale: Some(scale),
    };
    (org, flaky)
}

// ---------------------------------------------------------------------------------------------------
// Processes

const CPV: &[(&str, &str, &str)] = &[
    ("33600000-6", "Pharmaceutical products", "goods"),
    ("09130000-9", "Petroleum and distillates", "goods"),
    ("30190000-7", "Various office equipment and supplies", "goods"),
    ("15800000-6", "Miscellaneous food products", "goods"),
    ("33140000-3", "Medical consumables", "goods"),
    ("34110000-1", "Passenger cars", "goods"),
    ("45233140-2", "Roadworks", "works"),
    ("45453000-7", "Overhaul and refurbishment work", "works"),
    ("45210000-2", "Building construction work", "works"),
    ("90910000-9", "Cleaning services", "services"),
    ("79710000-4", "Security services", "services"),
    ("72260000-5", "Software-related services", "services"),
    ("50110000-9", "Repair and maintenance services of motor vehicles", "services"),
    ("71320000-7", "Engineering design services", "services"),
];
const UNITS: &[(&str, &str)] = &[("H87", "piece"), ("KGM", "kilogram"), ("LTR", "litre"), ("E48", "service unit")];
const RATIONALES: &[&str] = &[
    "Additional works not foreseen in the original contract",
    "Price adjustment for inflation",
    "Extension of the contract period",
    "Change in quantities",
    "Reduction of scope",
];

#[derive(Clone, Copy, PartialEq)]
enum Method {
    Open,
    Selective,
    Limited,
    Direct,
}

#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Cancelled,
    Unsuccessful,
    Evaluating,
    Complete,
}

struct Bid {
    tenderers: Vec<u64>,
    status: &'static str,
    amount: Option<f64>,
    currency: &'static str,
}

fn process(seed: u64, n: u64) -> Value {
    let mut r = Rng::derive(seed, STREAM_PROCESS, n);
    let ocid = format!("{OCID_PREFIX}{n:07}");
    let start = BASE_TS + n as i64 * STEP + r.range(0, STEP - 1);
    let clock = Clock { offset_min: *r.pick(&[0, 0, 120, 180, -240, 60]), fraction: r.chance(0.3) };

    let buyer_index = r.skewed(BUYERS);
    let buyer = buyer(seed, buyer_index);
    let agency = r.chance(0.25).then(|| agency(seed, r.skewed(AGENCIES)));
    let procuring = agency.as_ref().unwrap_or(&buyer.org);

    let method = match r.below(100) {
        0..=61 => Method::Open,
        62..=71 => Method::Selective,
        72..=81 => Method::Limited,
        _ => Method::Direct,
    };
    let (method_code, details) = match method {
        Method::Open => ("open", *r.pick(&["Open tender", "Open tender", "Below threshold", "Reverse auction"])),
        Method::Selective => ("selective", "Restricted procedure"),
        Method::Limited => ("limited", "Negotiated procedure"),
        Method::Direct => ("direct", "Direct award"),
    };
    let stage = match r.below(100) {
        0..=1 => Stage::Cancelled,
        2..=3 => Stage::Unsuccessful,
        4..=8 => Stage::Evaluating,
        _ => Stage::Complete,
    };
    let currency = if r.chance(0.005) { OTHER_CURRENCY } else { MAIN_CURRENCY };
    let (cpv, cpv_description, category) = *r.pick(CPV);

    // Tender period (R003).
    let days = match method {
        Method::Open if r.chance(0.10) => r.range(2, 14),
        Method::Open => r.range(15, 45),
        Method::Selective if r.chance(0.15) => r.range(3, 14),
        Method::Selective => r.range(15, 30),
        Method::Limited => r.range(5, 20),
        Method::Direct => r.range(1, 5),
    };
    let tender_start = start;
    // Random seconds: a period of "15 days" may be 14 whole days and some hours.
    let tender_end = tender_start + days * DAY + r.range(-6 * 3600, 6 * 3600);
    let mut last = tender_end;

    // Bids (R018, R024, R028, R035, R036, R038, R058).
    let estimate = (150_000f64.ln() + 1.3 * r.normal()).exp().clamp(2_000.0, 50_000_000.0);
    let mut bids: Vec<Bid> = Vec::new();
    let mut winner: Option<usize> = None;
    let mut second_winner: Option<usize> = None;
    let has_bids;
    let mut invited = 0;
    match method {
        Method::Direct => {
            let supplier = if r.chance(0.35) { *r.pick(&buyer.favourites) } else { r.skewed(COMPANIES) };
            let value = match r.below(100) {
                0..=11 => r.uniform(DIRECT_THRESHOLD * 0.9, DIRECT_THRESHOLD - 0.01),
                12..=19 => r.uniform(DIRECT_THRESHOLD, DIRECT_THRESHOLD * 2.4),
                _ => r.uniform(1_000.0, DIRECT_THRESHOLD * 0.9),
            };
            has_bids = r.chance(0.4);
            bids.push(Bid { tenderers: vec![supplier], status: "valid", amount: Some(rounded(value)), currency });
            winner = Some(0);
        }
        _ => {
            has_bids = !r.chance(0.05);
            let k = match method {
                Method::Limited => [1, 1, 2, 2, 3][r.below(5) as usize],
                _ => match r.below(100) {
                    0..=21 => 1,
                    22..=41 => 2,
                    42..=58 => 3,
                    59..=70 => 4,
                    _ => r.range(5, 12) as usize,
                },
            };
            let mut chosen: Vec<u64> = Vec::with_capacity(k);
            while chosen.len() < k {
                let c = r.skewed(COMPANIES);
                if !chosen.contains(&c) {
                    chosen.push(c);
                }
            }
            for &c in &chosen {
                let (_, flaky) = company(seed, c);
                let base = if buyer.strict { 0.45 } else { 0.08 };
                let p_disqualified: f64 = base + if flaky { 0.5 } else { 0.0 };
                let status = if stage == Stage::Evaluating && r.chance(0.8) {
                    "pending"
                } else if r.chance(0.02) {
                    "withdrawn"
                } else if r.chance(p_disqualified.min(0.9)) {
                    "disqualified"
                } else {
                    "valid"
                };
                let mut tenderers = vec![c];
                if r.chance(0.02) {
                    let partner = r.skewed(COMPANIES);
                    if partner != c {
                        tenderers.push(partner);
                    }
                }
                let currency = if r.chance(0.002) { OTHER_CURRENCY } else { currency };
                bids.push(Bid { tenderers, status, amount: None, currency });
            }
            if stage == Stage::Complete && !bids.iter().any(|b| b.status == "valid") {
                // A complete tender has a valid bid: make the first submitted one valid.
                let i = bids.iter().position(|b| b.status != "withdrawn").unwrap_or(0);
                bids[i].status = "valid";
            }
            if stage == Stage::Unsuccessful {
                for bid in bids.iter_mut().filter(|b| b.status == "valid") {
                    bid.status = "disqualified";
                }
            }

            // Prices: the valid bids ascend from the winning price; the second-lowest is d above it.
            let lowest = estimate * r.uniform(0.72, 0.99);
            let d = match r.below(1000) {
                0..=24 => r.uniform(0.0005, 0.012),
                25..=36 => r.uniform(0.5, 3.0),
                _ => 0.10 * (0.25 * r.normal()).exp(),
            };
            let mut price = lowest;
            let mut valid_order: Vec<usize> = Vec::new();
            for (i, bid) in bids.iter_mut().enumerate() {
                if r.chance(0.02) {
                    continue; // a bid published without its value
                }
                bid.amount = Some(rounded(match bid.status {
                    "valid" | "pending" => {
                        valid_order.push(i);
                        let this = price;
                        price *= if valid_order.len() == 1 { 1.0 + d } else { 1.0 + r.uniform(0.01, 0.25) };
                        this
                    }
                    "disqualified" if r.chance(0.55) => lowest * r.uniform(0.55, 0.97),
                    _ => lowest * r.uniform(1.0, 1.6),
                }));
            }
            let valid: Vec<usize> = valid_order.iter().copied().filter(|&i| bids[i].status == "valid").collect();
            if let Some(&first) = valid.first() {
                // Price-only award to the lowest valid bid, or (8%) to the next one on quality.
                winner = Some(if valid.len() > 1 && r.chance(0.08) { valid[1] } else { first });
                if valid.len() > 2 && r.chance(0.03) {
                    second_winner = valid.iter().copied().find(|&i| Some(i) != winner);
                }
            }
            // R028: two tenderers offer the same price.
            let priced: Vec<usize> = (0..bids.len()).filter(|&i| bids[i].amount.is_some()).collect();
            if priced.len() >= 3 && r.chance(0.015) {
                let others: Vec<usize> = priced.iter().copied().filter(|&i| Some(i) != winner).collect();
                let a = others[r.below(others.len() as u64) as usize];
                let b = others[(others.iter().position(|&i| i == a).unwrap() + 1) % others.len()];
                bids[b].amount = bids[a].amount;
                bids[b].currency = bids[a].currency;
            }
            if method == Method::Selective && r.chance(0.3) {
                invited = r.range(1, 2) as usize;
            }
        }
    }

    // Awards and contracts (R055, R069).
    let mut awards: Vec<Value> = Vec::new();
    let mut contracts: Vec<Value> = Vec::new();
    let mut suppliers: Vec<u64> = Vec::new();
    let award_status = match stage {
        Stage::Complete if r.chance(0.01) => Some("pending"),
        Stage::Complete => Some("active"),
        Stage::Evaluating if r.chance(0.5) => Some("pending"),
        _ => None,
    };
    if let (Some(status), Some(w)) = (award_status, winner) {
        // A first award to a lower bidder that was then disqualified, as in real data.
        if method != Method::Direct && r.chance(0.05) {
            if let Some(loser) = bids.iter().position(|b| b.status == "disqualified") {
                let date = tender_end + r.range(DAY, 5 * DAY);
                awards.push(json!({
                    "id": format!("{ocid}-award-0"),
                    "status": "unsuccessful",
                    "date": clock.fmt(date),
                    "suppliers": bids[loser].tenderers.iter().map(|&c| company(seed, c).0.reference()).collect::<Vec<_>>(),
                }));
            }
        }
        for (lot, &bid_index) in std::iter::once(&w).chain(second_winner.iter()).enumerate() {
            let bid = &bids[bid_index];
            let Some(value) = bid.amount else { continue };
            let award_date = tender_end + r.range(3 * DAY, 30 * DAY);
            last = last.max(award_date);
            let award_id = format!("{ocid}-award-{}", lot + 1);
            suppliers.extend(&bid.tenderers);
            awards.push(json!({
                "id": award_id,
                "status": status,
                "date": clock.fmt(award_date),
                "value": {"amount": amount(value), "currency": bid.currency},
                "suppliers": bid.tenderers.iter().map(|&c| company(seed, c).0.reference()).collect::<Vec<_>>(),
            }));
            if status != "active" {
                continue;
            }
            let signed = award_date + r.range(DAY, 15 * DAY);
            last = last.max(signed);
            let mut contract = json!({
                "id": format!("{ocid}-contract-{}", lot + 1),
                "awardID": award_id,
                "title": format!("Contract for {cpv_description}"),
                "status": *r.pick(&["active", "active", "active", "terminated", "terminated"]),
                "dateSigned": clock.fmt(signed),
                "period": {"startDate": clock.fmt(signed + DAY), "endDate": clock.fmt(signed + r.range(30, 720) * DAY)},
            });
            if r.chance(0.02) {
                contract["status"] = json!("cancelled");
            }
            let mut current = value;
            if r.chance(0.12) {
                let change = match r.below(100) {
                    0..=3 => r.uniform(0.5, 2.0),
                    4..=64 => r.uniform(0.01, 0.5),
                    65..=84 => -r.uniform(0.01, 0.3),
                    _ => 0.0,
                };
                current = rounded(value * (1.0 + change));
                let count = r.range(1, 3);
                let mut list = Vec::new();
                for i in 0..count {
                    let date = signed + (i + 1) * r.range(20, 120) * DAY;
                    last = last.max(date);
                    list.push(json!({
                        "id": format!("{ocid}-amendment-{}", i + 1),
                        "date": clock.fmt(date),
                        "rationale": *r.pick(RATIONALES),
                        "description": "Amendment agreed by both parties",
                    }));
                }
                if r.chance(0.1) {
                    // OCDS 1.0: one amendment with the former value among its changes.
                    let mut amendment = list.swap_remove(0);
                    amendment["changes"] = json!([{"property": "value", "former_value": {"amount": amount(value), "currency": bid.currency}}]);
                    contract["amendment"] = amendment;
                } else {
                    contract["amendments"] = json!(list);
                }
            }
            if !r.chance(0.02) {
                contract["value"] = json!({"amount": amount(current), "currency": bid.currency});
            }
            contracts.push(contract);
        }
    } else if stage == Stage::Unsuccessful && r.chance(0.5) {
        awards.push(
            json!({"id": format!("{ocid}-award-1"), "status": "unsuccessful", "date": clock.fmt(tender_end + 7 * DAY)}),
        );
    }

    // The tender.
    let tender_status = match stage {
        Stage::Cancelled => "cancelled",
        Stage::Unsuccessful => "unsuccessful",
        Stage::Evaluating => "active",
        Stage::Complete => "complete",
    };
    let items: Vec<Value> = (0..r.range(1, 4))
        .map(|i| {
            let (unit_code, unit_name) = *r.pick(UNITS);
            json!({
                "id": format!("{}", i + 1),
                "description": format!("{cpv_description}, lot item {}", i + 1),
                "classification": {"scheme": "CPV", "id": cpv, "description": cpv_description},
                "quantity": r.range(1, 5_000),
                "unit": {"scheme": "UNCEFACT", "id": unit_code, "name": unit_name},
            })
        })
        .collect();
    let documents: Vec<Value> = (0..r.range(1, 3))
        .map(|i| {
            json!({
                "id": format!("{ocid}-doc-{}", i + 1),
                "documentType": *r.pick(&["tenderNotice", "biddingDocuments", "technicalSpecifications", "evaluationReports"]),
                "title": format!("Document {} of {ocid}", i + 1),
                "url": format!("https://bench.example.org/documents/{n}/{}.pdf", i + 1),
                "datePublished": clock.fmt(tender_start),
                "format": "application/pdf",
                "language": "en",
            })
        })
        .collect();
    let title = format!("{cpv_description} for {}", buyer.org.name);
    let mut tender = Map::new();
    tender.insert("id".into(), json!(format!("{ocid}-tender")));
    tender.insert("title".into(), json!(title));
    tender.insert("description".into(), json!(format!("Procurement of {} ({cpv})", cpv_description.to_lowercase())));
    tender.insert("status".into(), json!(tender_status));
    tender.insert("procuringEntity".into(), procuring.reference());
    tender.insert("items".into(), json!(items));
    tender.insert("value".into(), json!({"amount": amount(estimate), "currency": currency}));
    tender.insert("procurementMethod".into(), json!(method_code));
    tender.insert("procurementMethodDetails".into(), json!(details));
    tender.insert("mainProcurementCategory".into(), json!(category));
    if method != Method::Direct || r.chance(0.3) {
        let end = if r.chance(0.005) {
            // A date without a time: not RFC 3339, skipped by R003 (as by Cardinal).
            clock.fmt(tender_end)[..10].to_owned()
        } else {
            clock.fmt(tender_end)
        };
        tender.insert("tenderPeriod".into(), json!({"startDate": clock.fmt(tender_start), "endDate": end}));
    }
    let submitted: Vec<&Bid> = bids.iter().filter(|b| b.status != "withdrawn").collect();
    let mut distinct: Vec<u64> = submitted.iter().flat_map(|b| b.tenderers.iter().copied()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if !r.chance(0.05) && (has_bids || method == Method::Direct) {
        tender.insert("numberOfTenderers".into(), json!(distinct.len()));
    }
    if has_bids {
        let tenderers: Vec<Value> = distinct.iter().map(|&c| company(seed, c).0.reference()).collect();
        tender.insert("tenderers".into(), json!(tenderers));
    }
    tender.insert("documents".into(), json!(documents));

    // The release.
    let mut release = Map::new();
    release.insert("ocid".into(), json!(ocid));
    release.insert("id".into(), json!(format!("{ocid}-{last}")));
    release.insert("date".into(), json!(clock.fmt(last)));
    release.insert("tag".into(), json!(["compiled"]));
    release.insert("initiationType".into(), json!("tender"));

    let mut parties = Vec::new();
    let mut buyer_roles = vec!["buyer"];
    if agency.is_none() {
        buyer_roles.push("procuringEntity");
    }
    parties.push(buyer.org.party(&buyer_roles));
    if let Some(agency) = &agency {
        parties.push(agency.party(&["procuringEntity"]));
    }
    let mut companies: Vec<u64> = bids.iter().flat_map(|b| b.tenderers.iter().copied()).collect();
    companies.sort_unstable();
    companies.dedup();
    for &c in &companies {
        let (org, _) = company(seed, c);
        let roles: &[&str] = match (has_bids, suppliers.contains(&c)) {
            (true, true) => &["tenderer", "supplier"],
            (true, false) => &["tenderer"],
            (false, true) => &["supplier"],
            (false, false) => continue,
        };
        parties.push(org.party(roles));
    }
    release.insert("parties".into(), json!(parties));
    release.insert("buyer".into(), buyer.org.reference());
    if r.chance(0.7) {
        release.insert(
            "planning".into(),
            json!({"budget": {"amount": {"amount": amount(estimate * 1.05), "currency": currency}, "description": format!("Budget line {}", r.digits(6))}}),
        );
    }
    release.insert("tender".into(), Value::Object(tender));
    if has_bids {
        let mut details: Vec<Value> = bids
            .iter()
            .enumerate()
            .map(|(i, bid)| {
                let mut detail = json!({
                    "id": format!("{ocid}-bid-{}", i + 1),
                    "date": clock.fmt(tender_start + (i as i64 + 1) * 3600),
                    "status": bid.status,
                    "tenderers": bid.tenderers.iter().map(|&c| company(seed, c).0.reference()).collect::<Vec<_>>(),
                });
                if let Some(value) = bid.amount {
                    detail["value"] = json!({"amount": amount(value), "currency": bid.currency});
                }
                detail
            })
            .collect();
        for i in 0..invited {
            let c = r.skewed(COMPANIES);
            details.push(json!({"id": format!("{ocid}-invited-{}", i + 1), "status": "invited", "tenderers": [company(seed, c).0.reference()]}));
        }
        release.insert("bids".into(), json!({ "details": details }));
    }
    if !awards.is_empty() {
        release.insert("awards".into(), json!(awards));
    }
    if !contracts.is_empty() {
        release.insert("contracts".into(), json!(contracts));
    }
    Value::Object(release)
}

// ---------------------------------------------------------------------------------------------------
// Command line

const USAGE: &str = "usage: gen-compiled [--releases N] [--seed S] --out FILE|-

  --releases N   compiled releases (contracting processes) to write (default 1000000)
  --seed S       PRNG seed (default 1); same arguments, same bytes
  --out FILE     output JSON Lines file, or - for stdout";

struct Args {
    releases: u64,
    seed: u64,
    out: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { releases: 1_000_000, seed: 1, out: String::new() };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (flag, None),
        };
        let mut value = || inline.clone().or_else(|| it.next()).ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--releases" => {
                args.releases = value()?.replace('_', "").parse().map_err(|e| format!("--releases: {e}"))?
            }
            "--seed" => args.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--out" | "-o" => args.out = value()?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.out.is_empty() {
        return Err("--out is required".into());
    }
    Ok(args)
}

fn run(args: &Args) -> io::Result<u64> {
    let sink: Box<dyn Write> =
        if args.out == "-" { Box::new(io::stdout().lock()) } else { Box::new(File::create(&args.out)?) };
    let mut out = BufWriter::with_capacity(1 << 20, sink);
    let mut line = Vec::with_capacity(64 * 1024);
    let mut bytes = 0u64;
    for n in 0..args.releases {
        line.clear();
        serde_json::to_writer(&mut line, &process(args.seed, n))?;
        line.push(b'\n');
        out.write_all(&line)?;
        bytes += line.len() as u64;
    }
    out.flush()?;
    Ok(bytes)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("gen-compiled: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let t0 = Instant::now();
    match run(&args) {
        Ok(bytes) => {
            let secs = t0.elapsed().as_secs_f64();
            let summary = json!({
                "releases": args.releases,
                "bytes": bytes,
                "seconds": (secs * 1000.0).round() / 1000.0,
                "seed": args.seed,
                "avg_release_bytes": bytes.checked_div(args.releases).unwrap_or(0),
            });
            if args.out == "-" {
                eprintln!("{summary}");
            } else {
                println!("{summary}");
            }
            ExitCode::SUCCESS
        }
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen-compiled: {}: {e}", args.out);
            ExitCode::FAILURE
        }
    }
}
