//! `gen-bods`: a deterministic, streaming generator of a synthetic beneficial-ownership register in
//! BODS 0.4, as JSON Lines, for benchmarks.
//!
//! ```text
//! gen-bods [--statements N] --out FILE|- [--seed S]
//! ```
//!
//! The register is written one *declaration* (group) at a time: a subject company and the chain of
//! companies and people above it, as a register publishes a beneficial-ownership declaration.
//! Group `g` draws from its own SplitMix64 stream derived from `--seed` and `g`, so its content does
//! not depend on `--statements` (which only says where to stop).
//!
//! - Depth: the subject is owned through a chain of 1 entity layer (56% of groups), 2 (27%), 3, 4, 5,
//!   and a long tail from 6 to 15 layers (3%); most ownership chains are 1-2 relationships long.
//!   8% of groups are a bare company with no declared owners (a top entity).
//! - Around the chain: co-owning side companies (some anonymous entities), minority shareholders,
//!   a person who holds the subject both directly and through the chain (two paths, summed),
//!   people who own companies in several groups (shared persons, a few of them in hundreds of
//!   groups, like nominees), and corporate parents: the top company of an earlier group owning this
//!   group's top company. References only point back to earlier groups, so chains cannot grow
//!   without bound and no cycle appears by accident.
//! - Cycles: 2% of groups with two layers or more have circular ownership (the subject holds a
//!   stake in a company above it; with two layers, A owns B and B owns A).
//! - Shares: exact (mostly whole percent, some halves), ranges as registers publish them
//!   (`exclusiveMinimum` 25 / `maximum` 50, `exclusiveMinimum` 50 / `exclusiveMaximum` 75,
//!   `minimum` 75 / `maximum` 100, `minimum` 10 / `maximum` 25), and a few interests with no share.
//! - Undisclosed owners: `unknownPerson` and `anonymousPerson` persons with
//!   `unspecifiedPersonDetails`, `anonymousEntity` companies with `unspecifiedEntityDetails`, and
//!   relationships whose `interestedParty` is an unspecified record (`{"reason": ...}`).
//! - Indirect relationships: some groups also publish the summary relationship (subject ← person,
//!   `directOrIndirect: indirect`, `componentRecords`) after its `isComponent` links.
//! - Identifiers `GB-COH`, `UA-EDR`, `GE-NAPR` on companies (`UKR-TAXID`, `GEO-IDCARD` on some people);
//!   names in Latin, Cyrillic and Georgian script.
//! - History: some records get a later statement with the same `recordId` (`recordStatus` `updated`:
//!   a share sold down, a renamed company, a person who became politically exposed; `closed`: an
//!   interest that ended, with `endDate`, often followed by a new owner; a dissolved company). These
//!   come 1-2,000 groups later in the file, with a later `statementDate`.
//!
//! Record ids are `bench-entity-{group}-{index}`, `bench-person-{group}-{index}` and
//! `bench-rel-{group}-{index}` (the summary says how many groups there are and the largest index
//! used), so `owner-latency` can sample records uniformly without a list. Statement ids are 32 hex
//! digits. Every statement is valid against the BODS 0.4 schema.
//!
//! Memory is constant: a group is generated, written and forgotten; only the later statements that
//! are still due are held (a few hundred). Same arguments, same bytes. On success a one-line JSON
//! summary (`statements`, `groups`, `bytes`, `seconds`, counts by kind) goes to stdout.

use serde_json::{json, Value};
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

/// 2016-01-01, in days since 1970-01-01.
const BASE_DAY: i64 = 16_801;
/// Declarations per day of `statementDate`.
const GROUPS_PER_DAY: u64 = 144;
/// Later statements (updates, closures) come this many groups later at most.
const UPDATE_SPREAD: u64 = 2_000;

const STREAM_SHAPE: u64 = 1;
const STREAM_GROUP: u64 = 2;

pub fn entity_id(g: u64, i: usize) -> String {
    format!("bench-entity-{g}-{i}")
}
pub fn person_id(g: u64, i: usize) -> String {
    format!("bench-person-{g}-{i}")
}
pub fn relationship_id(g: u64, i: usize) -> String {
    format!("bench-rel-{g}-{i}")
}

// ---------------------------------------------------------------------------------------------------
// PRNG (as in gen-ocds)

/// SplitMix64: tiny, fast, good enough for synthetic data, identical on every platform.
#[derive(Clone)]
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
    fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64) < p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    /// Skewed towards 0.
    fn skewed(&mut self, n: u64) -> u64 {
        let m = self.below(n) + 1;
        self.below(m)
    }
    fn hex32(&mut self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + self.below(10) as u8)).collect()
    }
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

fn date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn group_day(g: u64) -> i64 {
    BASE_DAY + (g / GROUPS_PER_DAY) as i64
}

// ---------------------------------------------------------------------------------------------------
// Vocabulary

#[derive(Clone, Copy, PartialEq, Eq)]
enum Country {
    Gb,
    Ua,
    Ge,
}

impl Country {
    fn jurisdiction(self) -> Value {
        match self {
            Country::Gb => json!({"name": "United Kingdom", "code": "GB"}),
            Country::Ua => json!({"name": "Ukraine", "code": "UA"}),
            Country::Ge => json!({"name": "Georgia", "code": "GE"}),
        }
    }
}

#[rustfmt::skip]
const UA_FAMILY: &[(&str, &str)] = &[
    ("Коваленко", "Kovalenko"), ("Шевченко", "Shevchenko"), ("Бондаренко", "Bondarenko"), ("Ткаченко", "Tkachenko"),
    ("Кравченко", "Kravchenko"), ("Мельник", "Melnyk"), ("Поліщук", "Polishchuk"), ("Савчук", "Savchuk"),
    ("Боднар", "Bodnar"), ("Олійник", "Oliinyk"), ("Лисенко", "Lysenko"), ("Марченко", "Marchenko"),
    ("Руденко", "Rudenko"), ("Петренко", "Petrenko"), ("Гончаренко", "Honcharenko"), ("Мороз", "Moroz"),
    ("Павленко", "Pavlenko"), ("Клименко", "Klymenko"), ("Ярошенко", "Yaroshenko"), ("Дяченко", "Diachenko"),
];
#[rustfmt::skip]
const UA_GIVEN_M: &[(&str, &str)] = &[
    ("Андрій", "Andrii"), ("Сергій", "Serhii"), ("Василь", "Vasyl"), ("Олександр", "Oleksandr"), ("Дмитро", "Dmytro"),
    ("Іван", "Ivan"), ("Юрій", "Yurii"), ("Михайло", "Mykhailo"), ("Тарас", "Taras"), ("Богдан", "Bohdan"),
];
#[rustfmt::skip]
const UA_GIVEN_F: &[(&str, &str)] = &[
    ("Олена", "Olena"), ("Ірина", "Iryna"), ("Наталія", "Nataliia"), ("Тетяна", "Tetiana"), ("Катерина", "Kateryna"),
    ("Оксана", "Oksana"), ("Марія", "Mariia"), ("Юлія", "Yuliia"), ("Світлана", "Svitlana"), ("Галина", "Halyna"),
];
#[rustfmt::skip]
const UA_PATRONYMIC: &[(&str, &str)] = &[
    ("Іванович", "Іванівна"), ("Петрович", "Петрівна"), ("Миколайович", "Миколаївна"), ("Васильович", "Василівна"),
    ("Олегович", "Олегівна"), ("Степанович", "Степанівна"), ("Анатолійович", "Анатоліївна"), ("Юрійович", "Юріївна"),
];
#[rustfmt::skip]
const GE_GIVEN: &[(&str, &str)] = &[
    ("ნინო", "Nino"), ("გიორგი", "Giorgi"), ("თამარ", "Tamar"), ("დავით", "Davit"), ("მარიამ", "Mariam"),
    ("ლევან", "Levan"), ("ეკატერინე", "Ekaterine"), ("ირაკლი", "Irakli"), ("ნიკოლოზ", "Nikoloz"), ("ანა", "Ana"),
    ("ზურაბ", "Zurab"), ("ქეთევან", "Ketevan"),
];
#[rustfmt::skip]
const GE_FAMILY: &[(&str, &str)] = &[
    ("ბერიძე", "Beridze"), ("მაისურაძე", "Maisuradze"), ("კაპანაძე", "Kapanadze"), ("გელაშვილი", "Gelashvili"),
    ("ლომიძე", "Lomidze"), ("ჯანელიძე", "Janelidze"), ("ხარაიშვილი", "Kharaishvili"), ("წიკლაური", "Tsiklauri"),
    ("მამულაშვილი", "Mamulashvili"), ("ქავთარაძე", "Kavtaradze"), ("ნოზაძე", "Nozadze"), ("ცინცაძე", "Tsintsadze"),
];
#[rustfmt::skip]
const GB_GIVEN: &[&str] = &[
    "James", "Oliver", "Sarah", "Emma", "David", "Helen", "Thomas", "Amelia", "Robert", "Priya", "Fiona", "Hamish",
];
#[rustfmt::skip]
const GB_FAMILY: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Patel", "Walker", "Hughes", "Clarke",
    "O'Neill", "MacDonald", "Okafor",
];
#[rustfmt::skip]
const UA_STEMS: &[&str] = &[
    "ЕНЕРГО", "АГРО", "МЕД", "ФАРМ", "ТЕХНО", "УКР", "ДНІПРО", "ГАЛИЧ", "ПОДІЛЛЯ", "БУД", "ПОЛТАВА", "СВІТЛО",
    "КАРПАТ", "СЛОБОЖАНЩИНА",
];
#[rustfmt::skip]
const UA_SUFFIXES: &[&str] = &[
    "СЕРВІС", "ПОСТАЧ", "ІНВЕСТ", "ТРЕЙД", "БУД", "-ПЛЮС", " ГРУП", "АЛЬЯНС", "РЕСУРС", "ТОРГ", " ХОЛДИНГ",
];
/// (short, full) legal forms.
#[rustfmt::skip]
const UA_FORMS: &[(&str, &str)] = &[
    ("ТОВ", "ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ"), ("ПП", "ПРИВАТНЕ ПІДПРИЄМСТВО"),
    ("ПрАТ", "ПРИВАТНЕ АКЦІОНЕРНЕ ТОВАРИСТВО"), ("ТОВ", "ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ"),
];
#[rustfmt::skip]
const GE_STEMS: &[&str] = &[
    "იბერია", "კოლხეთი", "კავკასია", "ენერგო", "ფარმა", "ტექნო", "ჯეო", "ქართული", "მშენებელი", "ალიანსი",
];
#[rustfmt::skip]
const GE_SUFFIXES: &[&str] = &[
    " ჯგუფი", " პლუსი", " სერვისი", " ტრეიდი", " ინვესტი", " კონსტრაქშენი", " 2000", " დეველოპმენტი", " ჰოლდინგი",
];
const GE_FORMS: &[&str] = &["შპს", "შპს", "სს"];
#[rustfmt::skip]
const GB_STEMS: &[&str] = &[
    "Baltic", "Nordic", "Alpha", "Thames", "Danube", "Caucasus", "Black Sea", "Medline", "Pennine", "Highland",
    "Silk Road", "Trans", "Albion", "Severn",
];
#[rustfmt::skip]
const GB_SUFFIXES: &[&str] = &[
    " Supply", " Medical Systems", " Build Group", " Trading", " Logistics", " Energy", " Solutions", " Engineering",
    " Capital", " Holdings", " Investments", " Properties",
];
const GB_FORMS: &[&str] = &["LIMITED", "LTD", "LIMITED", "PLC", "LLP"];
#[rustfmt::skip]
const UA_CITIES: &[&str] = &[
    "м. Київ", "м. Львів", "м. Полтава", "м. Харків", "м. Одеса", "м. Дніпро", "м. Вінниця", "м. Житомир",
    "м. Ужгород", "м. Біла Церква",
];
#[rustfmt::skip]
const UA_STREETS: &[&str] = &[
    "вул. Шевченка", "просп. Перемоги", "вул. Миколаївська", "вул. Соборна", "вул. Грушевського",
    "бул. Лесі Українки", "вул. Незалежності", "вул. Садова",
];
const GE_CITIES: &[&str] = &["თბილისი", "ბათუმი", "ქუთაისი", "რუსთავი", "ზუგდიდი", "გორი", "თელავი"];
#[rustfmt::skip]
const GE_STREETS: &[&str] = &[
    "რუსთაველის გამზ.", "ჭავჭავაძის ქ.", "აღმაშენებლის გამზ.", "წერეთლის ქ.", "გორგასლის ქ.", "ყაზბეგის ქ.",
];
const GB_CITIES: &[&str] = &["London", "Manchester", "Birmingham", "Leeds", "Bristol", "Edinburgh", "Cardiff"];
#[rustfmt::skip]
const GB_STREETS: &[&str] = &[
    "High Street", "Station Road", "Church Lane", "Victoria Road", "King Street", "Market Place", "Mill Lane",
];
const UNSPECIFIED_PARTY: &[(&str, &str)] = &[
    ("interestedPartyHasNotProvidedInformation", "The registrable person has not yet been confirmed"),
    ("subjectUnableToConfirmOrIdentifyBeneficialOwner", "The company has not identified a beneficial owner"),
    ("noBeneficialOwners", "No individual holds more than 25%"),
    ("informationUnknownToPublisher", "Not stated in the register extract"),
];

// ---------------------------------------------------------------------------------------------------
// Records

fn address(rng: &mut Rng, c: Country, kind: &str) -> Value {
    match c {
        Country::Ua => json!({"type": kind, "address": format!("{}, {}, {}", rng.pick(UA_STREETS), rng.range(1, 180),
                rng.pick(UA_CITIES)), "postCode": format!("{:05}", rng.range(1000, 99_999)),
            "country": {"name": "Україна", "code": "UA"}}),
        Country::Ge => json!({"type": kind, "address": format!("{} {}, {}", rng.pick(GE_STREETS), rng.range(1, 120),
                rng.pick(GE_CITIES)), "postCode": format!("{:04}", rng.range(100, 6000)),
            "country": {"name": "საქართველო", "code": "GE"}}),
        Country::Gb => {
            let letters = b"ABDEFGHJLNPQRSTUWXYZ";
            let area = *rng.pick(&["EC", "M", "B", "LS", "BS", "EH", "CF"]);
            let postcode = format!(
                "{area}{} {}{}{}",
                rng.range(1, 20),
                rng.range(1, 9),
                *rng.pick(letters) as char,
                *rng.pick(letters) as char
            );
            json!({"type": kind, "address": format!("{} {}, {}", rng.range(1, 240), rng.pick(GB_STREETS),
                    rng.pick(GB_CITIES)), "postCode": postcode, "country": {"name": "United Kingdom", "code": "GB"}})
        }
    }
}

/// An official identifier, unique per (group, index): an affine bijection of a counter.
fn entity_identifier(c: Country, g: u64, i: usize) -> Value {
    let n = g * 32 + i as u64;
    match c {
        Country::Gb => {
            let v = (n.wrapping_mul(7_919_821) + 3_127_411) % 100_000_000;
            // Scottish companies: SC and six digits.
            let id = if v.is_multiple_of(20) { format!("SC{:06}", v / 100 % 1_000_000) } else { format!("{v:08}") };
            json!({"id": id, "scheme": "GB-COH", "schemeName": "Companies House"})
        }
        Country::Ua => {
            let v = (n.wrapping_mul(4_398_047) + 21_560_000) % 100_000_000;
            json!({"id": format!("{v:08}"), "scheme": "UA-EDR",
                "schemeName": "Єдиний державний реєстр юридичних осіб, фізичних осіб-підприємців та громадських формувань"})
        }
        Country::Ge => {
            let v = 200_000_000 + (n.wrapping_mul(6_700_417) + 5_000_000) % 250_000_000;
            json!({"id": format!("{v:09}"), "scheme": "GE-NAPR", "schemeName": "National Agency of Public Registry"})
        }
    }
}

fn entity_name(rng: &mut Rng, c: Country, holding: bool) -> String {
    match c {
        Country::Ua => {
            let (_, full) = rng.pick(UA_FORMS);
            let suffix = if holding && rng.chance(0.5) { " ХОЛДИНГ" } else { rng.pick(UA_SUFFIXES) };
            let mut name = format!("{full} \"{}{}", rng.pick(UA_STEMS), suffix);
            if rng.chance(0.3) {
                name.push_str(&format!("-{}", rng.range(1, 99)));
            }
            name.push('"');
            name
        }
        Country::Ge => {
            let form = rng.pick(GE_FORMS);
            let suffix = if holding && rng.chance(0.5) { " ჰოლდინგი" } else { rng.pick(GE_SUFFIXES) };
            let mut name = format!("{form} \"{}{}", rng.pick(GE_STEMS), suffix);
            if rng.chance(0.3) {
                name.push_str(&format!(" {}", rng.range(1, 99)));
            }
            name.push('"');
            name
        }
        Country::Gb => {
            let suffix = if holding && rng.chance(0.5) { " Holdings" } else { rng.pick(GB_SUFFIXES) };
            let mut name = format!("{}{}", rng.pick(GB_STEMS), suffix);
            if rng.chance(0.3) {
                name.push_str(&format!(" ({})", rng.range(1, 99)));
            }
            format!("{} {}", name.to_uppercase(), rng.pick(GB_FORMS))
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EntityKind {
    Registered,
    Anonymous,
    StateBody,
    Listed,
}

fn entity_details(rng: &mut Rng, c: Country, kind: EntityKind, g: u64, i: usize, today: i64) -> Value {
    if kind == EntityKind::Anonymous {
        return json!({
            "isComponent": false,
            "entityType": {"type": "anonymousEntity"},
            "unspecifiedEntityDetails": {"reason": "interestedPartyExemptFromDisclosure",
                "description": "Foreign holding company; details withheld by the declarant"},
        });
    }
    let holding = i > 0;
    let name = entity_name(rng, c, holding);
    let mut d = json!({"isComponent": false});
    d["entityType"] = match kind {
        EntityKind::StateBody => json!({"type": "stateBody", "subtype": "stateAgency"}),
        _ => json!({"type": "registeredEntity"}),
    };
    d["name"] = json!(name);
    d["jurisdiction"] = c.jurisdiction();
    // 2% of companies are published without an identifier (a foreign company the register names only).
    if rng.chance(0.98) {
        d["identifiers"] = json!([entity_identifier(c, g, i)]);
    }
    d["foundingDate"] = json!(date(today - rng.range(60, 30 * 365)));
    d["addresses"] = json!([address(rng, c, "registered")]);
    if kind == EntityKind::Listed {
        d["publicListing"] = json!({"hasPublicListing": true,
            "companyFilingsURLs": [format!("https://filings.example.org/{}", entity_id(g, i))]});
    }
    d
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PersonKind {
    Known,
    Anonymous,
    Unknown,
}

fn person_details(rng: &mut Rng, c: Country, kind: PersonKind, today: i64) -> Value {
    match kind {
        PersonKind::Anonymous => {
            return json!({"isComponent": false, "personType": "anonymousPerson",
                "unspecifiedPersonDetails": {"reason": "interestedPartyExemptFromDisclosure",
                    "description": "Protected under a confidentiality order"}});
        }
        PersonKind::Unknown => {
            return json!({"isComponent": false, "personType": "unknownPerson",
                "unspecifiedPersonDetails": {"reason": "subjectUnableToConfirmOrIdentifyBeneficialOwner",
                    "description": "The company has not been able to identify this person"}});
        }
        PersonKind::Known => {}
    }
    let female = rng.chance(0.45);
    let mut names = Vec::new();
    let (nationality, identifier) = match c {
        Country::Ua => {
            let (family, family_lat) = *rng.pick(UA_FAMILY);
            let (given, given_lat) = *rng.pick(if female { UA_GIVEN_F } else { UA_GIVEN_M });
            let (pm, pf) = *rng.pick(UA_PATRONYMIC);
            let patronymic = if female { pf } else { pm };
            names.push(json!({"type": "legal", "fullName": format!("{family} {given} {patronymic}"),
                "familyName": family, "givenName": given, "patronymicName": patronymic}));
            if rng.chance(0.4) {
                names.push(json!({"type": "transliteration", "fullName": format!("{given_lat} {family_lat}"),
                    "familyName": family_lat, "givenName": given_lat}));
            }
            let id = rng.chance(0.4).then(|| {
                json!({"id": rng.digits(10), "scheme": "UKR-TAXID",
                "schemeName": "Реєстраційний номер облікової картки платника податків"})
            });
            (json!({"name": "Ukraine", "code": "UA"}), id)
        }
        Country::Ge => {
            let (given, given_lat) = *rng.pick(GE_GIVEN);
            let (family, family_lat) = *rng.pick(GE_FAMILY);
            names.push(json!({"type": "legal", "fullName": format!("{given} {family}"),
                "familyName": family, "givenName": given}));
            if rng.chance(0.5) {
                names.push(json!({"type": "transliteration", "fullName": format!("{given_lat} {family_lat}"),
                    "familyName": family_lat, "givenName": given_lat}));
            }
            let id = rng
                .chance(0.4)
                .then(|| json!({"id": rng.digits(11), "scheme": "GEO-IDCARD", "schemeName": "Personal number"}));
            (json!({"name": "Georgia", "code": "GE"}), id)
        }
        Country::Gb => {
            let given = *rng.pick(GB_GIVEN);
            let family = *rng.pick(GB_FAMILY);
            names.push(json!({"type": "legal", "fullName": format!("{given} {family}"),
                "familyName": family, "givenName": given}));
            (json!({"name": "United Kingdom", "code": "GB"}), None)
        }
    };
    let mut d = json!({"isComponent": false, "personType": "knownPerson", "names": names});
    if let Some(id) = identifier {
        d["identifiers"] = json!([id]);
    }
    d["nationalities"] = json!([nationality]);
    let born = today - rng.range(22 * 365, 80 * 365);
    let birth = date(born);
    // Companies House publishes month and year only.
    d["birthDate"] = json!(if c == Country::Gb { birth[..7].to_string() } else { birth });
    d["addresses"] = json!([address(rng, c, if c == Country::Gb { "service" } else { "residence" })]);
    d["politicalExposure"] = if rng.chance(0.01) {
        json!({"status": "isPep", "details": [{"reason": "Member of a regional council",
            "jurisdiction": c.jurisdiction(), "startDate": date(today - rng.range(100, 3000))}]})
    } else {
        json!({"status": "isNotPep"})
    };
    d
}

/// How a share is published.
#[derive(Clone, Copy, Debug)]
enum ShareForm {
    Exact,
    Range,
    Missing,
}

fn number(v: f64) -> Value {
    if v.fract() == 0.0 {
        json!(v as i64)
    } else {
        json!(v)
    }
}

fn share_json(v: f64, form: ShareForm) -> Option<Value> {
    match form {
        ShareForm::Missing => None,
        ShareForm::Exact => Some(json!({"exact": number(v)})),
        ShareForm::Range => Some(if v < 10.0 {
            json!({"exact": number(v)})
        } else if v <= 25.0 {
            json!({"minimum": 10, "maximum": 25})
        } else if v <= 50.0 {
            json!({"exclusiveMinimum": 25, "maximum": 50})
        } else if v < 75.0 {
            json!({"exclusiveMinimum": 50, "exclusiveMaximum": 75})
        } else {
            json!({"minimum": 75, "maximum": 100})
        }),
    }
}

fn interests(rng: &mut Rng, v: f64, form: ShareForm, person: bool, start: &str) -> Vec<Value> {
    let mut out = Vec::new();
    match share_json(v, form) {
        Some(share) => {
            let mut i = json!({"type": "shareholding", "directOrIndirect": "direct"});
            i["beneficialOwnershipOrControl"] = json!(person && v > 25.0);
            i["share"] = share.clone();
            i["startDate"] = json!(start);
            out.push(i);
            if rng.chance(0.4) {
                out.push(json!({"type": "votingRights", "directOrIndirect": "direct",
                    "beneficialOwnershipOrControl": person && v > 25.0, "share": share, "startDate": start}));
            }
        }
        None => out.push(json!({"type": "otherInfluenceOrControl", "directOrIndirect": "direct",
            "beneficialOwnershipOrControl": person, "details": "Significant influence or control",
            "startDate": start})),
    }
    if person && rng.chance(0.1) {
        out.push(json!({"type": "appointmentOfBoard", "directOrIndirect": "direct",
            "beneficialOwnershipOrControl": person, "startDate": start}));
    }
    out
}

// ---------------------------------------------------------------------------------------------------
// Groups

/// What other groups need to know about group `g`, drawn from its own stream so any group can ask.
struct Shape {
    country: Country,
    /// Entities in the main chain: the subject (index 0) up to the top company (index layers-1);
    /// 0 for a bare company with no declared owners.
    layers: usize,
    /// Whether person 0 of this group is somebody else's (so it must not be borrowed in turn).
    borrows_person: bool,
}

fn shape(seed: u64, g: u64) -> Shape {
    let mut r = Rng::derive(seed, STREAM_SHAPE, g);
    let country = match r.below(100) {
        0..=44 => Country::Ua,
        45..=74 => Country::Gb,
        _ => Country::Ge,
    };
    let layers = if r.chance(0.08) {
        0
    } else {
        match r.below(10_000) {
            0..=5599 => 1,
            5600..=8299 => 2,
            8300..=9099 => 3,
            9100..=9499 => 4,
            9500..=9699 => 5,
            _ => 6 + r.skewed(10) as usize,
        }
    };
    let borrows_person = g > 0 && layers > 0 && r.chance(0.12);
    Shape { country, layers, borrows_person }
}

/// A person 0 of an earlier group that is the group's own (not borrowed).
fn shared_person(seed: u64, rng: &mut Rng, g: u64) -> String {
    for _ in 0..32 {
        // A few nominee-like people own companies in hundreds of groups.
        let h = if rng.chance(0.05) { rng.below(g.min(40)) } else { rng.below(g) };
        let s = shape(seed, h);
        if s.layers > 0 && !s.borrows_person {
            return person_id(h, 0);
        }
    }
    // Group 0 never borrows; fall back to the first group that has a person.
    (0..g)
        .find(|&h| {
            let s = shape(seed, h);
            s.layers > 0 && !s.borrows_person
        })
        .map(|h| person_id(h, 0))
        .expect("some earlier group has its own person 0")
}

#[derive(Clone)]
enum Party {
    /// An entity of this group, by index.
    Entity(usize),
    /// A person of this group, or somebody else's, by record id.
    Person(String),
    /// Another group's top company.
    Parent(String),
    Unspecified(&'static str, &'static str),
}

impl Party {
    fn is_person(&self) -> bool {
        matches!(self, Party::Person(_))
    }
}

struct Owner {
    party: Party,
    weight: f64,
    /// A fixed share (a cross-holding closing a cycle).
    fixed: Option<f64>,
    /// The owning relationship is a component of the summary relationship.
    component: bool,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    statements: u64,
    entities: u64,
    persons: u64,
    relationships: u64,
    new: u64,
    updated: u64,
    closed: u64,
    bare_groups: u64,
    cycles: u64,
    shared_persons: u64,
    corporate_parents: u64,
    diamonds: u64,
    unspecified_parties: u64,
    anonymous_persons: u64,
    unknown_persons: u64,
    anonymous_entities: u64,
    range_shares: u64,
    exact_shares: u64,
    no_share: u64,
    indirect_summaries: u64,
    layers: [u64; 16],
    max_entity_index: usize,
    max_person_index: usize,
    max_relationship_index: usize,
}

/// Statements due later (updates, closures), by group.
struct Pending {
    due: u64,
    seq: u64,
    statements: Vec<Value>,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    // Reversed: BinaryHeap is a max-heap and the earliest due comes first.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.due, other.seq).cmp(&(self.due, self.seq))
    }
}

struct Group<'a> {
    g: u64,
    rng: Rng,
    today: i64,
    subject: String,
    source: Value,
    counts: &'a mut Counts,
    out: Vec<Value>,
    later: Vec<Pending>,
    seq: &'a mut u64,
    persons: usize,
    relationships: usize,
}

impl Group<'_> {
    fn statement(&mut self, record_id: &str, kind: &str, status: &str, day: i64, details: Value) -> Value {
        let statement_id = self.rng.hex32();
        json!({
            "statementId": statement_id,
            "declarationSubject": self.subject,
            "statementDate": date(day),
            "publicationDetails": {
                "publicationDate": date(day),
                "bodsVersion": "0.4",
                "license": "https://creativecommons.org/publicdomain/zero/1.0/",
                "publisher": {"name": "openreg bench register (synthetic data)", "url": "https://bench.example.org/bods"},
            },
            "source": self.source,
            "recordId": record_id,
            "recordStatus": status,
            "recordType": kind,
            "recordDetails": details,
        })
    }

    /// A later statement of the same record: new id and date, new status, details changed by `edit`.
    fn later(&mut self, original: &Value, status: &str, day: i64, edit: impl FnOnce(&mut Value, &mut Rng)) -> Value {
        let mut s = original.clone();
        s["statementId"] = json!(self.rng.hex32());
        s["statementDate"] = json!(date(day));
        s["publicationDetails"]["publicationDate"] = json!(date(day));
        s["recordStatus"] = json!(status);
        edit(&mut s["recordDetails"], &mut self.rng);
        s
    }

    fn schedule(&mut self, due: u64, statements: Vec<Value>) {
        *self.seq += 1;
        self.later.push(Pending { due, seq: *self.seq, statements });
    }

    /// A new person of this group, first stated on `day`: its id and statement (not yet emitted).
    fn new_person(&mut self, c: Country, kind: PersonKind, day: i64) -> (String, Value) {
        let id = person_id(self.g, self.persons);
        self.counts.max_person_index = self.counts.max_person_index.max(self.persons);
        self.persons += 1;
        let details = person_details(&mut self.rng, c, kind, day);
        match kind {
            PersonKind::Anonymous => self.counts.anonymous_persons += 1,
            PersonKind::Unknown => self.counts.unknown_persons += 1,
            PersonKind::Known => {}
        }
        let s = self.statement(&id, "person", "new", day, details);
        self.counts.persons += 1;
        // 2% of people are updated later: they became politically exposed, or moved.
        if kind == PersonKind::Known && day == self.today && self.rng.chance(0.02) {
            let (due, day) = self.when(self.today);
            let later = self.later(&s, "updated", day, |d, rng| {
                if rng.chance(0.5) {
                    d["politicalExposure"] = json!({"status": "isPep", "details": [{"reason": "Appointed deputy minister",
                        "startDate": date(day)}]});
                } else if let Some(a) = d["addresses"].get_mut(0) {
                    let old = a["address"].as_str().unwrap_or_default().to_string();
                    a["address"] = json!(format!("{}, {}", rng.range(2, 99), old));
                }
            });
            self.schedule(due, vec![later]);
        }
        (id, s)
    }

    /// When a later statement comes: (due group, statement day), after `after`.
    fn when(&mut self, after: i64) -> (u64, i64) {
        let due = self.g + 1 + self.rng.below(UPDATE_SPREAD);
        let day = after.max(group_day(due)) + 1 + self.rng.range(0, 900);
        (due, day)
    }

    fn relationship(&mut self, subject: String, party: &Owner, party_id: Value, share: f64, c: Country) -> Value {
        let person = party.party.is_person();
        let form = if self.rng.chance(0.03) {
            ShareForm::Missing
        } else if self.rng.chance(if person { 0.25 } else { 0.08 }) {
            ShareForm::Range
        } else {
            ShareForm::Exact
        };
        match form {
            ShareForm::Missing => self.counts.no_share += 1,
            ShareForm::Range => self.counts.range_shares += 1,
            ShareForm::Exact => self.counts.exact_shares += 1,
        }
        let start = date(self.today - self.rng.range(1, 3650));
        let id = relationship_id(self.g, self.relationships);
        self.counts.max_relationship_index = self.counts.max_relationship_index.max(self.relationships);
        self.relationships += 1;
        let mut details = json!({"isComponent": party.component, "subject": subject, "interestedParty": party_id});
        details["interests"] = json!(interests(&mut self.rng, share, form, person, &start));
        let s = self.statement(&id, "relationship", "new", self.today, details);
        self.counts.relationships += 1;
        if !party.component && !matches!(form, ShareForm::Missing) {
            let roll = self.rng.below(1000);
            if roll < 60 {
                // Sold down: a smaller exact share.
                let (due, day) = self.when(self.today);
                let new = (share * (0.3 + 0.6 * self.rng.below(100) as f64 / 100.0)).round().max(1.0);
                let updated = self.later(&s, "updated", day, |d, _| {
                    for i in d["interests"].as_array_mut().into_iter().flatten() {
                        if i.get("share").is_some() {
                            i["share"] = json!({"exact": number(new)});
                        }
                    }
                });
                let mut statements = vec![updated];
                // A few are then closed too.
                if self.rng.chance(0.15) {
                    let day2 = day + 1 + self.rng.range(0, 400);
                    let closed = self.later(&statements[0], "closed", day2, |d, _| {
                        for i in d["interests"].as_array_mut().into_iter().flatten() {
                            i["endDate"] = json!(date(day2));
                        }
                    });
                    statements.push(closed);
                }
                self.schedule(due, statements);
            } else if roll < 85 {
                // Ended, and half the time somebody new takes the stake over.
                let (due, day) = self.when(self.today);
                let closed = self.later(&s, "closed", day, |d, _| {
                    for i in d["interests"].as_array_mut().into_iter().flatten() {
                        i["endDate"] = json!(date(day));
                    }
                });
                let mut statements = vec![closed];
                if self.rng.chance(0.5) {
                    let (heir, person) = self.new_person(c, PersonKind::Known, day);
                    let rid = relationship_id(self.g, self.relationships);
                    self.counts.max_relationship_index = self.counts.max_relationship_index.max(self.relationships);
                    self.relationships += 1;
                    let mut details = json!({"isComponent": false, "subject": s["recordDetails"]["subject"],
                        "interestedParty": heir});
                    details["interests"] = json!(interests(&mut self.rng, share, ShareForm::Exact, true, &date(day)));
                    let takeover = self.statement(&rid, "relationship", "new", day, details);
                    self.counts.relationships += 1;
                    statements.push(person);
                    statements.push(takeover);
                }
                self.schedule(due, statements);
            }
        }
        s
    }
}

/// Shares of `owners` of one entity: fixed ones as given, the rest split by weight over what is
/// left of `total`, in whole percent (some in halves), largest weights first for the remainder.
fn split(rng: &mut Rng, owners: &[Owner]) -> Vec<f64> {
    let total = if rng.chance(0.92) { 100.0 } else { rng.range(60, 99) as f64 };
    let fixed: f64 = owners.iter().filter_map(|o| o.fixed).sum();
    let unit = if rng.chance(0.1) { 0.5 } else { 1.0 };
    let units = ((total - fixed).max(owners.len() as f64) / unit).round() as i64;
    let free: Vec<usize> = (0..owners.len()).filter(|&i| owners[i].fixed.is_none()).collect();
    if free.is_empty() {
        return owners.iter().map(|o| o.fixed.unwrap_or(0.0)).collect();
    }
    let weights: f64 = free.iter().map(|&i| owners[i].weight).sum();
    let mut alloc: Vec<i64> =
        free.iter().map(|&i| ((units as f64 * owners[i].weight / weights).floor() as i64).max(1)).collect();
    let mut rest = units - alloc.iter().sum::<i64>();
    let mut k = 0;
    while rest > 0 {
        alloc[k % free.len()] += 1;
        rest -= 1;
        k += 1;
    }
    while rest < 0 {
        let largest = (0..alloc.len()).max_by_key(|&i| alloc[i]).expect("owners");
        alloc[largest] -= 1;
        rest += 1;
    }
    let mut shares: Vec<f64> = owners.iter().map(|o| o.fixed.unwrap_or(0.0)).collect();
    for (&i, a) in free.iter().zip(alloc) {
        shares[i] = a as f64 * unit;
    }
    shares
}

/// Generates group `g`: its statements now, and the later statements about its records.
fn group(seed: u64, g: u64, counts: &mut Counts, seq: &mut u64) -> (Vec<Value>, Vec<Pending>) {
    let sh = shape(seed, g);
    let mut rng = Rng::derive(seed, STREAM_GROUP, g);
    let today = group_day(g);
    let source = match sh.country {
        Country::Gb => {
            json!({"type": ["selfDeclaration"], "description": "Register of people with significant control"})
        }
        Country::Ua => {
            json!({"type": ["officialRegister"], "description": "Єдиний державний реєстр (кінцеві бенефіціарні власники)"})
        }
        Country::Ge => json!({"type": ["officialRegister"], "description": "საჯარო რეესტრის ეროვნული სააგენტო"}),
    };
    let mut gr = Group {
        g,
        rng: rng.clone(),
        today,
        subject: entity_id(g, 0),
        source,
        counts,
        out: Vec::new(),
        later: Vec::new(),
        seq,
        persons: 0,
        relationships: 0,
    };
    // Entities: the chain, then side companies.
    let layers = sh.layers;
    let mut countries = vec![sh.country];
    let mut kinds = vec![if layers == 0 {
        match rng.below(100) {
            0..=11 => EntityKind::StateBody,
            12..=29 => EntityKind::Listed,
            _ => EntityKind::Registered,
        }
    } else {
        EntityKind::Registered
    }];
    for i in 1..layers {
        let prev = countries[i - 1];
        countries.push(if rng.chance(0.75) {
            prev
        } else {
            *rng.pick(&[Country::Gb, Country::Gb, Country::Ua, Country::Ge])
        });
        kinds.push(EntityKind::Registered);
    }
    let mut owners: Vec<Vec<Owner>> = (0..layers.max(1)).map(|_| Vec::new()).collect();
    for (i, list) in owners.iter_mut().enumerate().take(layers.saturating_sub(1)) {
        list.push(Owner { party: Party::Entity(i + 1), weight: rng.range(3, 8) as f64, fixed: None, component: false });
    }
    if layers > 0 {
        gr.counts.layers[layers] += 1;
        let top = layers - 1;
        // Side co-owners of the chain's entities: another company (sometimes anonymous) or a person.
        for i in 0..top {
            if rng.chance(0.12) {
                let s = countries.len();
                countries.push(if rng.chance(0.6) { countries[i] } else { Country::Gb });
                kinds.push(if rng.chance(0.1) { EntityKind::Anonymous } else { EntityKind::Registered });
                owners.push(Vec::new());
                owners[i].push(Owner {
                    party: Party::Entity(s),
                    weight: rng.range(1, 3) as f64,
                    fixed: None,
                    component: false,
                });
            }
            if rng.chance(0.06) {
                owners[i].push(Owner {
                    party: Party::Person(String::new()), // filled in below
                    weight: 1.0,
                    fixed: None,
                    component: false,
                });
            }
        }
        // The top company's owners.
        let k = match rng.below(100) {
            0..=64 => 1,
            65..=92 => 2,
            93..=97 => 3,
            _ => 4,
        };
        for slot in 0..k {
            let party = if slot == 0 && sh.borrows_person {
                gr.counts.shared_persons += 1;
                Party::Person(shared_person(seed, &mut rng, g))
            } else {
                Party::Person(String::new())
            };
            owners[top].push(Owner { party, weight: rng.range(1, 6) as f64, fixed: None, component: false });
        }
        if rng.chance(0.03) {
            gr.counts.unspecified_parties += 1;
            let (reason, description) = *rng.pick(UNSPECIFIED_PARTY);
            let sole = rng.chance(0.5);
            if sole {
                owners[top].clear();
            }
            owners[top].push(Owner {
                party: Party::Unspecified(reason, description),
                weight: 2.0,
                fixed: None,
                component: false,
            });
        }
        if g > 0 && rng.chance(0.04) {
            // A corporate parent: the top company of an earlier group (a few groups' tops are
            // conglomerates that own hundreds).
            let h = if rng.chance(0.2) { rng.below(g.min(50)) } else { rng.below(g) };
            let hs = shape(seed, h);
            if hs.layers > 0 {
                gr.counts.corporate_parents += 1;
                owners[top].push(Owner {
                    party: Party::Parent(entity_id(h, hs.layers - 1)),
                    weight: 6.0,
                    fixed: None,
                    component: false,
                });
            }
        }
        // Somebody who owns the subject directly as well as through the chain.
        if layers >= 2 && rng.chance(0.08) {
            if let Some(Party::Person(_)) = owners[top].first().map(|o| &o.party) {
                gr.counts.diamonds += 1;
                owners[0].push(Owner { party: Party::Person("@0".into()), weight: 1.0, fixed: None, component: false });
            }
        }
        // Circular ownership: the subject holds a stake in a company above it.
        let cycle = layers >= 2 && rng.chance(0.02);
        if cycle {
            gr.counts.cycles += 1;
            let j = 1 + rng.below(layers as u64 - 1) as usize;
            let stake = rng.range(5, 30) as f64;
            owners[j].push(Owner { party: Party::Entity(0), weight: 0.0, fixed: Some(stake), component: false });
        }
        // Side companies are owned by a person (an anonymous one by nobody named).
        for s in layers..countries.len() {
            if kinds[s] != EntityKind::Anonymous {
                owners[s].push(Owner {
                    party: Party::Person(String::new()),
                    weight: 1.0,
                    fixed: None,
                    component: false,
                });
            }
        }
        // The summary relationship of an indirect interest, with its chain marked as components.
        let summary = layers >= 2
            && !cycle
            && rng.chance(0.05)
            && matches!(owners[top].first(), Some(Owner { party: Party::Person(_), .. }));
        if summary {
            for chain in owners.iter_mut().take(layers) {
                chain[0].component = true;
            }
        }
        gr.rng = rng;

        // Statements: entities, persons, then relationships (components before their summary).
        for i in 0..countries.len() {
            let id = entity_id(g, i);
            gr.counts.max_entity_index = gr.counts.max_entity_index.max(i);
            if kinds[i] == EntityKind::Anonymous {
                gr.counts.anonymous_entities += 1;
            }
            let details = entity_details(&mut gr.rng, countries[i], kinds[i], g, i, today);
            emit_entity(&mut gr, &id, details);
        }
        let mut person0 = None;
        for (i, list) in owners.iter_mut().enumerate() {
            let c = countries[i];
            for o in list.iter_mut() {
                if let Party::Person(id) = &mut o.party {
                    if id.is_empty() {
                        let kind = match gr.rng.below(1000) {
                            0..=24 => PersonKind::Anonymous,
                            25..=39 => PersonKind::Unknown,
                            _ => PersonKind::Known,
                        };
                        let (new, statement) = gr.new_person(c, kind, today);
                        gr.out.push(statement);
                        *id = new;
                    }
                    if i == top && person0.is_none() {
                        person0 = Some(id.clone());
                    }
                }
            }
        }
        let mut chain_relationships = Vec::new();
        let mut chain_shares = Vec::new();
        for i in 0..owners.len() {
            let list = std::mem::take(&mut owners[i]);
            let shares = split(&mut gr.rng, &list);
            for (o, share) in list.iter().zip(shares) {
                let party_id = match &o.party {
                    Party::Entity(e) => json!(entity_id(g, *e)),
                    Party::Person(p) if p == "@0" => json!(person0.clone().expect("diamond has a person")),
                    Party::Person(p) => json!(p),
                    Party::Parent(p) => json!(p),
                    Party::Unspecified(reason, description) => json!({"reason": reason, "description": description}),
                };
                let s = gr.relationship(entity_id(g, i), o, party_id, share, countries[i]);
                if o.component {
                    chain_relationships.push(s["recordId"].clone());
                    chain_shares.push(s["recordDetails"]["interests"][0]["share"]["exact"].as_f64());
                }
                gr.out.push(s);
            }
        }
        if summary {
            gr.counts.indirect_summaries += 1;
            let id = relationship_id(g, gr.relationships);
            gr.counts.max_relationship_index = gr.counts.max_relationship_index.max(gr.relationships);
            gr.relationships += 1;
            let mut interest = json!({"type": "shareholding", "directOrIndirect": "indirect",
                "beneficialOwnershipOrControl": true});
            if chain_shares.iter().all(Option::is_some) {
                let effective = chain_shares.iter().flatten().fold(100.0, |acc, s| acc * s / 100.0);
                interest["share"] = json!({"exact": number((effective * 100.0).round() / 100.0)});
            }
            interest["startDate"] = json!(date(today - 30));
            let details = json!({"isComponent": false, "componentRecords": chain_relationships,
                "subject": entity_id(g, 0), "interestedParty": person0.clone().expect("summary has a person"),
                "interests": [interest]});
            let s = gr.statement(&id, "relationship", "new", today, details);
            gr.counts.relationships += 1;
            gr.out.push(s);
        }
    } else {
        gr.counts.bare_groups += 1;
        gr.rng = rng;
        let details = entity_details(&mut gr.rng, countries[0], kinds[0], g, 0, today);
        emit_entity(&mut gr, &entity_id(g, 0), details);
    }
    (gr.out, gr.later)
}

fn emit_entity(gr: &mut Group, id: &str, details: Value) {
    let s = gr.statement(id, "entity", "new", gr.today, details);
    gr.counts.entities += 1;
    let anonymous = s["recordDetails"]["entityType"]["type"] == "anonymousEntity";
    if !anonymous {
        let roll = gr.rng.below(1000);
        if roll < 30 {
            // Renamed: the old name kept as an alternative.
            let (due, day) = gr.when(gr.today);
            let later = gr.later(&s, "updated", day, |d, rng| {
                let old = d["name"].clone();
                let c = match d["jurisdiction"]["code"].as_str() {
                    Some("UA") => Country::Ua,
                    Some("GE") => Country::Ge,
                    _ => Country::Gb,
                };
                d["name"] = json!(entity_name(rng, c, false));
                d["alternateNames"] = json!([old]);
            });
            gr.schedule(due, vec![later]);
        } else if roll < 35 {
            // Dissolved.
            let (due, day) = gr.when(gr.today);
            let later = gr.later(&s, "closed", day, |d, _| {
                d["dissolutionDate"] = json!(date(day));
            });
            gr.schedule(due, vec![later]);
        }
    }
    gr.out.push(s);
}

// ---------------------------------------------------------------------------------------------------
// Output

struct Counting<W: Write> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

struct Args {
    statements: u64,
    out: String,
    seed: u64,
}

const USAGE: &str = "usage: gen-bods [--statements N] --out FILE|- [--seed S]

  --statements N   stop opening declarations once about N statements are written (default 1000000;
                   the file ends a little above N, when the later statements still due are out)
  --out FILE       output file (JSON Lines), or - for stdout
  --seed S         PRNG seed (default 1); same arguments, same bytes";

fn parse_num(flag: &str, v: Option<String>) -> Result<u64, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
    let clean: String = v.chars().filter(|c| *c != '_').collect();
    clean.parse::<u64>().map_err(|_| format!("{flag}: not a non-negative integer: {v}"))
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args { statements: 1_000_000, out: String::new(), seed: 1 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (flag, None),
        };
        let mut val = || inline.clone().or_else(|| it.next());
        match flag.as_str() {
            "--statements" => a.statements = parse_num("--statements", val())?.max(1),
            "--out" | "-o" => a.out = val().ok_or("--out needs a value")?,
            "--seed" => a.seed = parse_num("--seed", val())?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.out.is_empty() {
        return Err("--out is required".into());
    }
    Ok(a)
}

fn write_statement(w: &mut impl Write, line: &mut Vec<u8>, s: &Value, counts: &mut Counts) -> io::Result<()> {
    line.clear();
    serde_json::to_writer(&mut *line, s)?;
    line.push(b'\n');
    w.write_all(line)?;
    counts.statements += 1;
    match s["recordStatus"].as_str() {
        Some("updated") => counts.updated += 1,
        Some("closed") => counts.closed += 1,
        _ => counts.new += 1,
    }
    Ok(())
}

fn run(args: &Args, counts: &mut Counts) -> io::Result<(u64, u64)> {
    let sink: Box<dyn Write> =
        if args.out == "-" { Box::new(io::stdout().lock()) } else { Box::new(File::create(&args.out)?) };
    let mut w = Counting { inner: BufWriter::with_capacity(1 << 20, sink), bytes: 0 };
    let mut heap: BinaryHeap<Pending> = BinaryHeap::new();
    let mut pending_statements = 0u64;
    let mut seq = 0u64;
    let mut line = Vec::with_capacity(16 * 1024);
    let mut g = 0u64;
    loop {
        while heap.peek().is_some_and(|p| p.due <= g) {
            let p = heap.pop().expect("peeked");
            pending_statements -= p.statements.len() as u64;
            for s in &p.statements {
                write_statement(&mut w, &mut line, s, counts)?;
            }
        }
        if counts.statements + pending_statements >= args.statements {
            break;
        }
        let (now, later) = group(args.seed, g, counts, &mut seq);
        for s in &now {
            write_statement(&mut w, &mut line, s, counts)?;
        }
        for p in later {
            pending_statements += p.statements.len() as u64;
            heap.push(p);
        }
        g += 1;
    }
    while let Some(p) = heap.pop() {
        for s in &p.statements {
            write_statement(&mut w, &mut line, s, counts)?;
        }
    }
    w.flush()?;
    Ok((g, w.bytes))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gen-bods: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let t0 = Instant::now();
    let mut c = Counts::default();
    match run(&args, &mut c) {
        Ok((groups, bytes)) => {
            let secs = t0.elapsed().as_secs_f64();
            let summary = json!({
                "statements": c.statements,
                "groups": groups,
                "bytes": bytes,
                "seconds": (secs * 1000.0).round() / 1000.0,
                "seed": args.seed,
                "entities": c.entities,
                "persons": c.persons,
                "relationships": c.relationships,
                "new": c.new,
                "updated": c.updated,
                "closed": c.closed,
                "bare_groups": c.bare_groups,
                "layers": c.layers[1..].iter().enumerate().map(|(i, n)| (format!("{}", i + 1), json!(n)))
                    .filter(|(_, n)| n != &json!(0)).collect::<serde_json::Map<_, _>>(),
                "cycles": c.cycles,
                "shared_persons": c.shared_persons,
                "corporate_parents": c.corporate_parents,
                "diamonds": c.diamonds,
                "unspecified_parties": c.unspecified_parties,
                "anonymous_persons": c.anonymous_persons,
                "unknown_persons": c.unknown_persons,
                "anonymous_entities": c.anonymous_entities,
                "exact_shares": c.exact_shares,
                "range_shares": c.range_shares,
                "no_share": c.no_share,
                "indirect_summaries": c.indirect_summaries,
                "entity_id_format": "bench-entity-{group}-{index}",
                "person_id_format": "bench-person-{group}-{index}",
                "max_entity_index": c.max_entity_index,
                "max_person_index": c.max_person_index,
                "avg_statement_bytes": bytes.checked_div(c.statements).unwrap_or(0),
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
            eprintln!("gen-bods: {}: {e}", args.out);
            ExitCode::FAILURE
        }
    }
}
