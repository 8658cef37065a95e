//! `gen-ocds`: a deterministic, streaming generator of a synthetic OCDS 1.1 corpus for benchmarks.
//!
//! ```text
//! gen-ocds --ocids N [--releases-per-ocid K] [--format package|jsonl] --out FILE|-
//!          [--seed S] [--target-bytes B] [--interleave L] [--window W]
//! ```
//!
//! Every contracting process (ocid `ocds-b5fd17-bench-{n}`) gets between 1 and 2K-1 releases (K on
//! average) that walk through planning → tender → tenderUpdate → award → awardUpdate → contract →
//! contractAmendment, with increasing dates. Later releases repeat and update what earlier ones said
//! (status changes, new documents, new awards, amendments), either as full snapshots (the Prozorro
//! style) or as deltas that only carry what changed (merge by `id` does the rest), chosen per ocid.
//! Parties come from deterministic per-country pools (so the same supplier wins many tenders) with
//! names in Cyrillic, Georgian and Latin script.
//!
//! Memory is constant: only the processes that are still publishing are held (a handful; never more
//! than `--window`, default 256). Releases are merged into the file by a min-heap on a virtual
//! position: ocid n's first release sits at position n, and each later one about `--interleave`
//! ocids further on (default 2; 0 = all releases of an ocid adjacent), so one ocid's releases are
//! interleaved with a few others', as in a dump ordered by process start. The dates themselves are
//! realistic (days to months apart within an ocid, a new ocid every ~15 minutes), so the file is *not*
//! globally sorted by `date`. The content of each ocid does not depend on `--interleave`/`--window`,
//! and the output depends only on the arguments: each process draws from its own SplitMix64 stream
//! derived from `--seed` and `n`.
//!
//! With `--target-bytes B`, new ocids keep being opened until B bytes have been written (then the open
//! ones are finished, so the file ends slightly above B); `--ocids` is then an optional upper bound.
//!
//! On success a one-line JSON summary (`ocids`, `releases`, `bytes`, `seconds`, ...) goes to stdout.

use serde_json::{json, Map, Value};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

const OCID_PREFIX: &str = "ocds-b5fd17-bench-";
/// 2021-01-01T00:00:00Z.
const BASE_TS: i64 = 1_609_459_200;
/// Average gap between the first releases of consecutive ocids.
const OCID_STEP: i64 = 900;
const DAY: i64 = 86_400;
const BUYER_POOL: u64 = 600;
/// Virtual positions per ocid (see the module docs).
const POS_SHIFT: u32 = 20;
const COMPANY_POOL: u64 = 4_000;
const BID_EXTENSION: &str =
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json";

// ---------------------------------------------------------------------------------------------------
// PRNG

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
    /// Skewed towards 0: a few buyers and suppliers take most of the work, as in real data.
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

/// Publisher-local time with a fixed offset per process, so that string order and instant order
/// agree within an ocid (tools sort an ocid's releases by the `date` string).
#[derive(Clone, Copy)]
struct Clock {
    offset_min: i32,
    micros: bool,
}

impl Clock {
    fn fmt(&self, ts: i64, salt: u64) -> String {
        let local = ts + self.offset_min as i64 * 60;
        let (y, mo, d) = civil_from_days(local.div_euclid(DAY));
        let s = local.rem_euclid(DAY);
        let mut out = format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
        if self.micros {
            out.push_str(&format!(".{:06}", salt % 1_000_000));
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
    /// A date at local midnight, as publishers write period bounds.
    fn day(&self, ts: i64) -> String {
        let local = ts + self.offset_min as i64 * 60;
        let midnight = local.div_euclid(DAY) * DAY - self.offset_min as i64 * 60;
        Clock { micros: false, ..*self }.fmt(midnight, 0)
    }
}

// ---------------------------------------------------------------------------------------------------
// Vocabulary

#[derive(Clone, Copy, PartialEq, Eq)]
enum Country {
    Ua,
    Ge,
}

struct Cpv {
    id: &'static str,
    en: &'static str,
    uk: &'static str,
    ka: &'static str,
    /// 0 = piece, 1 = litre, 2 = kilogram, 3 = service, 4 = month, 5 = kWh, 6 = tonne, 7 = package
    unit: usize,
    /// unit price range, whole currency units
    price: (i64, i64),
    qty: (i64, i64),
    category: &'static str,
}

#[allow(clippy::too_many_arguments)]
const fn cpv(
    id: &'static str,
    en: &'static str,
    uk: &'static str,
    ka: &'static str,
    unit: usize,
    price: (i64, i64),
    qty: (i64, i64),
    category: &'static str,
) -> Cpv {
    Cpv { id, en, uk, ka, unit, price, qty, category }
}

#[rustfmt::skip]
const CPVS: &[Cpv] = &[
    cpv("09134200-9", "Diesel fuel", "Дизельне паливо", "დიზელის საწვავი", 1, (30, 60), (500, 40_000), "goods"),
    cpv("09132000-3", "Petrol", "Бензин", "ბენზინი", 1, (35, 65), (500, 30_000), "goods"),
    cpv("33600000-6", "Pharmaceutical products", "Фармацевтична продукція", "ფარმაცევტული პროდუქცია", 7, (40, 4_000), (10, 5_000), "goods"),
    cpv("33140000-3", "Medical consumables", "Медичні матеріали", "სამედიცინო სახარჯი მასალები", 0, (2, 900), (50, 20_000), "goods"),
    cpv("30192000-1", "Office supplies", "Офісне приладдя", "საოფისე ნივთები", 0, (5, 400), (10, 2_000), "goods"),
    cpv("30213000-5", "Personal computers", "Персональні комп'ютери", "პერსონალური კომპიუტერები", 0, (12_000, 45_000), (1, 120), "goods"),
    cpv("15511000-3", "Milk", "Молоко", "რძე", 1, (25, 45), (200, 20_000), "goods"),
    cpv("03221000-6", "Vegetables", "Овочі", "ბოსტნეული", 2, (8, 60), (100, 15_000), "goods"),
    cpv("15811000-6", "Bread products", "Хлібобулочні вироби", "პური და პურპროდუქტები", 2, (20, 70), (100, 10_000), "goods"),
    cpv("39830000-9", "Cleaning products", "Засоби для чищення", "საწმენდი საშუალებები", 0, (15, 300), (20, 3_000), "goods"),
    cpv("34110000-1", "Passenger cars", "Легкові автомобілі", "მსუბუქი ავტომობილები", 0, (450_000, 1_600_000), (1, 6), "goods"),
    cpv("44110000-4", "Construction materials", "Конструкційні матеріали", "სამშენებლო მასალები", 6, (2_000, 30_000), (1, 400), "goods"),
    cpv("33696500-0", "Laboratory reagents", "Лабораторні реактиви", "ლაბორატორიული რეაგენტები", 7, (200, 12_000), (1, 600), "goods"),
    cpv("18100000-0", "Occupational clothing", "Робочий одяг", "სამუშაო ტანსაცმელი", 0, (150, 2_500), (10, 800), "goods"),
    cpv("22110000-4", "Printed books", "Друковані книги", "ნაბეჭდი წიგნები", 0, (80, 900), (20, 5_000), "goods"),
    cpv("09310000-5", "Electricity", "Електрична енергія", "ელექტროენერგია", 5, (3, 9), (10_000, 2_000_000), "goods"),
    cpv("45233140-2", "Roadworks", "Дорожні роботи", "გზის სამუშაოები", 3, (400_000, 25_000_000), (1, 1), "works"),
    cpv("45453000-7", "Overhaul and refurbishment work", "Капітальний ремонт і реставрація", "კაპიტალური შეკეთება და რეაბილიტაცია", 3, (150_000, 9_000_000), (1, 1), "works"),
    cpv("45310000-3", "Electrical installation work", "Електромонтажні роботи", "ელექტროსამონტაჟო სამუშაოები", 3, (60_000, 3_000_000), (1, 1), "works"),
    cpv("72260000-5", "Software-related services", "Послуги, пов'язані з програмним забезпеченням", "პროგრამულ უზრუნველყოფასთან დაკავშირებული მომსახურება", 3, (20_000, 2_500_000), (1, 1), "services"),
    cpv("79710000-4", "Security services", "Охоронні послуги", "დაცვის მომსახურება", 4, (8_000, 120_000), (1, 12), "services"),
    cpv("90910000-9", "Cleaning services", "Послуги з прибирання", "დასუფთავების მომსახურება", 4, (5_000, 90_000), (1, 12), "services"),
    cpv("50110000-9", "Repair and maintenance services of motor vehicles", "Послуги з ремонту і технічного обслуговування мототранспортних засобів", "ავტოსატრანსპორტო საშუალებების შეკეთება და ტექნიკური მომსახურება", 3, (10_000, 600_000), (1, 1), "services"),
    cpv("71320000-7", "Engineering design services", "Послуги з інженерного проектування", "საინჟინრო პროექტირების მომსახურება", 3, (30_000, 1_800_000), (1, 1), "services"),
];
/// (uk, ka, en) unit names, indexed by `Cpv::unit`.
#[rustfmt::skip]
const UNITS: &[(&str, &str, &str)] = &[
    ("штука", "ცალი", "piece"),
    ("літр", "ლიტრი", "litre"),
    ("кілограм", "კილოგრამი", "kilogram"),
    ("послуга", "მომსახურება", "service"),
    ("місяць", "თვე", "month"),
    ("кіловат-година", "კილოვატსაათი", "kilowatt hour"),
    ("тонна", "ტონა", "tonne"),
    ("упаковка", "შეფუთვა", "package"),
];
const UNIT_CODES: &[&str] = &["H87", "LTR", "KGM", "E48", "MON", "KWH", "TNE", "XPK"];
/// (nominative, genitive, adjective (fem.), region)
#[rustfmt::skip]
const UA_CITIES: &[(&str, &str, &str, &str)] = &[
    ("Київ", "Києва", "Київська", "м. Київ"),
    ("Львів", "Львова", "Львівська", "Львівська обл."),
    ("Полтава", "Полтави", "Полтавська", "Полтавська обл."),
    ("Харків", "Харкова", "Харківська", "Харківська обл."),
    ("Одеса", "Одеси", "Одеська", "Одеська обл."),
    ("Дніпро", "Дніпра", "Дніпровська", "Дніпропетровська обл."),
    ("Вінниця", "Вінниці", "Вінницька", "Вінницька обл."),
    ("Житомир", "Житомира", "Житомирська", "Житомирська обл."),
    ("Чернігів", "Чернігова", "Чернігівська", "Чернігівська обл."),
    ("Ужгород", "Ужгорода", "Ужгородська", "Закарпатська обл."),
    ("Лохвиця", "Лохвиці", "Лохвицька", "Полтавська обл."),
    ("Біла Церква", "Білої Церкви", "Білоцерківська", "Київська обл."),
];
/// (nominative, genitive, region)
#[rustfmt::skip]
const GE_CITIES: &[(&str, &str, &str)] = &[
    ("თბილისი", "თბილისის", "თბილისი"),
    ("ბათუმი", "ბათუმის", "აჭარა"),
    ("ქუთაისი", "ქუთაისის", "იმერეთი"),
    ("რუსთავი", "რუსთავის", "ქვემო ქართლი"),
    ("ზუგდიდი", "ზუგდიდის", "სამეგრელო-ზემო სვანეთი"),
    ("გორი", "გორის", "შიდა ქართლი"),
    ("თელავი", "თელავის", "კახეთი"),
    ("ფოთი", "ფოთის", "სამეგრელო-ზემო სვანეთი"),
    ("მცხეთა", "მცხეთის", "მცხეთა-მთიანეთი"),
];
#[rustfmt::skip]
const UA_STREETS: &[&str] = &[
    "вул. Шевченка", "просп. Перемоги", "вул. Миколаївська", "вул. Соборна", "вул. Грушевського",
    "бул. Лесі Українки", "вул. Незалежності", "вул. Садова",
];
#[rustfmt::skip]
const GE_STREETS: &[&str] = &[
    "რუსთაველის გამზ.", "ჭავჭავაძის ქ.", "აღმაშენებლის გამზ.", "წერეთლის ქ.", "გორგასლის ქ.",
    "ვაჟა-ფშაველას გამზ.", "ყაზბეგის ქ.",
];
#[rustfmt::skip]
const UA_PEOPLE: &[&str] = &[
    "Боднар Катерина Анатоліївна", "Коваленко Олена Петрівна", "Шевченко Андрій Іванович",
    "Бондаренко Ірина Василівна", "Ткаченко Сергій Миколайович", "Кравченко Наталія Олегівна",
    "Мельник Василь Степанович", "Поліщук Олександр Юрійович", "Савчук Тетяна Володимирівна",
];
#[rustfmt::skip]
const GE_PEOPLE: &[&str] = &[
    "ნინო ბერიძე", "გიორგი მაისურაძე", "თამარ კაპანაძე", "დავით გელაშვილი", "მარიამ ლომიძე", "ლევან ჯანელიძე",
    "ეკატერინე ხარაიშვილი", "ირაკლი წიკლაური",
];
#[rustfmt::skip]
const LATIN_PEOPLE: &[&str] = &[
    "John Smith", "Anna Müller", "Levan Beridze", "Olena Kovalenko", "Marco Rossi", "Katarzyna Nowak",
    "Giorgi Kapanadze", "Procurement Team",
];
#[rustfmt::skip]
const UA_STEMS: &[&str] = &[
    "Енерго", "Агро", "Мед", "Фарм", "Техно", "Укр", "Дніпро", "Галич", "Поділля", "Будівельна компанія ",
    "Полтава", "Світло",
];
#[rustfmt::skip]
const UA_SUFFIXES: &[&str] = &[
    "сервіс", "постач", "інвест", "трейд", "буд", "-Плюс", " Груп", "альянс", "ресурс", "торг",
];
#[rustfmt::skip]
const GE_STEMS: &[&str] = &[
    "იბერია", "კოლხეთი", "კავკასია", "ენერგო", "ფარმა", "ტექნო", "ჯეო", "ქართული", "მშენებელი", "ალიანსი",
];
#[rustfmt::skip]
const GE_SUFFIXES: &[&str] = &[
    " ჯგუფი", " პლუსი", " სერვისი", " ტრეიდი", " ინვესტი", " კონსტრაქშენი", " 2000", " დეველოპმენტი",
];
#[rustfmt::skip]
const LATIN_STEMS: &[&str] = &[
    "Baltic", "Nordic", "Alpha", "Euro", "Danube", "Caucasus", "Black Sea", "Medline", "BudTech", "Geo",
    "Silk Road", "Trans",
];
#[rustfmt::skip]
const LATIN_SUFFIXES: &[&str] = &[
    " Supply", " Medical Systems", " Build Group", " Pharm Trade", " Logistics", " Energy", " Solutions",
    " Engineering", " Distribution",
];
const LATIN_FORMS: &[&str] = &["LLC", "Ltd", "GmbH", "S.A.", "OÜ", "SRL", "JSC"];
const EMAIL_DOMAINS_UA: &[&str] = &["ukr.net", "gmail.com", "i.ua", "meta.ua", "example.com.ua"];
const EMAIL_DOMAINS_GE: &[&str] = &["mail.ge", "gmail.com", "gov.ge", "example.ge"];
#[rustfmt::skip]
const TENDER_DOCS: &[&str] = &[
    "tenderNotice", "biddingDocuments", "technicalSpecifications", "evaluationCriteria",
    "eligibilityCriteria",
];
#[rustfmt::skip]
const UA_DOC_TITLES: &[&str] = &[
    "Тендерна документація.pdf", "Технічні вимоги.docx", "Проєкт договору.pdf", "Оголошення.pdf", "sign.p7s",
    "Протокол розгляду.pdf", "Кошторис.xlsx",
];
#[rustfmt::skip]
const GE_DOC_TITLES: &[&str] = &[
    "სატენდერო დოკუმენტაცია.pdf", "ტექნიკური სპეციფიკაცია.pdf", "ხელშეკრულების პროექტი.pdf", "ოქმი.pdf",
    "sign.p7s", "ხარჯთაღრიცხვა.xlsx",
];
#[rustfmt::skip]
const EN_DOC_TITLES: &[&str] = &[
    "Tender documentation.pdf", "Technical specification.pdf", "Draft contract.pdf", "Evaluation report.pdf",
    "Bill of quantities.xlsx",
];

// ---------------------------------------------------------------------------------------------------
// Parties

fn money(cents: i64, currency: &str) -> Value {
    let amount = if cents % 100 == 0 { json!(cents / 100) } else { json!(cents as f64 / 100.0) };
    json!({ "amount": amount, "currency": currency })
}

fn org_ref(party: &Value) -> Value {
    json!({ "id": party["id"], "name": party["name"] })
}

fn address(rng: &mut Rng, c: Country) -> Value {
    match c {
        Country::Ua => {
            let (city, _, _, region) = *rng.pick(UA_CITIES);
            json!({
                "streetAddress": format!("{}, {}", rng.pick(UA_STREETS), rng.range(1, 180)),
                "locality": city,
                "region": region,
                "postalCode": format!("{:05}", rng.range(1000, 99_999)),
                "countryName": "Україна",
            })
        }
        Country::Ge => {
            let (city, _, region) = *rng.pick(GE_CITIES);
            json!({
                "streetAddress": format!("{} {}", rng.pick(GE_STREETS), rng.range(1, 120)),
                "locality": city,
                "region": region,
                "postalCode": format!("{:04}", rng.range(100, 6_000)),
                "countryName": "საქართველო",
            })
        }
    }
}

fn contact(rng: &mut Rng, c: Country, latin: bool) -> Value {
    let name = if latin {
        *rng.pick(LATIN_PEOPLE)
    } else if c == Country::Ua {
        *rng.pick(UA_PEOPLE)
    } else {
        *rng.pick(GE_PEOPLE)
    };
    let (domains, phone) = match c {
        Country::Ua => (EMAIL_DOMAINS_UA, format!("+380{}", rng.digits(9))),
        Country::Ge => (EMAIL_DOMAINS_GE, format!("+995{}", rng.digits(9))),
    };
    let mut cp = json!({
        "name": name,
        "email": format!("tender{}@{}", rng.digits(4), rng.pick(domains)),
        "telephone": phone,
    });
    if rng.chance(0.1) {
        cp["faxNumber"] = json!(format!("+{}", rng.digits(12)));
    }
    cp
}

fn identifier(rng: &mut Rng, c: Country) -> (&'static str, String) {
    match c {
        Country::Ua => ("UA-EDR", format!("{}", rng.range(10_000_000, 44_999_999))),
        Country::Ge => ("GE-NAPR", format!("{}", rng.range(200_000_000, 445_999_999))),
    }
}

/// A supplier from the deterministic pool: the same `(country, k)` always yields the same company.
fn company(seed: u64, c: Country, k: u64) -> Value {
    let mut rng = Rng::derive(seed, 1 + c as u64, k);
    let (scheme, id) = identifier(&mut rng, c);
    let latin = rng.chance(if c == Country::Ua { 0.3 } else { 0.35 });
    let (name, legal) = if latin {
        let base = format!("{}{}", rng.pick(LATIN_STEMS), rng.pick(LATIN_SUFFIXES));
        let form = rng.pick(LATIN_FORMS);
        (format!("{base} {form}"), format!("{base} {form}"))
    } else if c == Country::Ua {
        if rng.chance(0.12) {
            let person = *rng.pick(UA_PEOPLE);
            (format!("ФОП {person}"), format!("ФІЗИЧНА ОСОБА-ПІДПРИЄМЕЦЬ {}", person.to_uppercase()))
        } else {
            let base = format!("{}{}", rng.pick(UA_STEMS), rng.pick(UA_SUFFIXES));
            match rng.below(3) {
                0 => (format!("ПП \"{base}\""), format!("ПРИВАТНЕ ПІДПРИЄМСТВО \"{}\"", base.to_uppercase())),
                1 => {
                    (format!("ПрАТ \"{base}\""), format!("ПРИВАТНЕ АКЦІОНЕРНЕ ТОВАРИСТВО \"{}\"", base.to_uppercase()))
                }
                _ => (
                    format!("ТОВ \"{base}\""),
                    format!("ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ \"{}\"", base.to_uppercase()),
                ),
            }
        }
    } else {
        let base = format!("{}{}", rng.pick(GE_STEMS), rng.pick(GE_SUFFIXES));
        if rng.chance(0.15) {
            (format!("ი/მ {}", rng.pick(GE_PEOPLE)), format!("ინდივიდუალური მეწარმე {}", rng.pick(GE_PEOPLE)))
        } else if rng.chance(0.2) {
            (format!("სს \"{base}\""), format!("სააქციო საზოგადოება \"{base}\""))
        } else {
            (format!("შპს \"{base}\""), format!("შეზღუდული პასუხისმგებლობის საზოგადოება \"{base}\""))
        }
    };
    let latin_contact = latin && rng.chance(0.7);
    let mut identifier = json!({ "scheme": scheme, "id": id });
    if rng.chance(0.5) {
        identifier["legalName"] = json!(legal);
    }
    let mut party = json!({ "id": format!("{scheme}-{id}"), "name": name, "identifier": identifier });
    if rng.chance(0.8) {
        party["address"] = address(&mut rng, c);
    }
    if rng.chance(0.7) {
        party["contactPoint"] = contact(&mut rng, c, latin_contact);
    }
    party["roles"] = json!(["tenderer"]);
    party
}

/// A buyer from the deterministic pool.
fn buyer(seed: u64, c: Country, k: u64) -> Value {
    let mut rng = Rng::derive(seed, 10 + c as u64, k);
    let (scheme, id) = identifier(&mut rng, c);
    let name = match c {
        Country::Ua => {
            let (nom, gen, adj, _) = *rng.pick(UA_CITIES);
            match rng.below(7) {
                0 => format!("Управління освіти {gen} міської ради"),
                1 => format!("КНП \"{adj} міська лікарня №{}\"", rng.range(1, 18)),
                2 => format!("Департамент житлово-комунального господарства {gen} міської ради"),
                3 => format!("Виконавчий комітет {gen} міської ради"),
                4 => format!("КП \"{nom}теплоенерго\""),
                5 => "Державне агентство автомобільних доріг України".to_string(),
                _ => format!("{adj} загальноосвітня школа І-ІІІ ступенів №{}", rng.range(1, 40)),
            }
        }
        Country::Ge => {
            let (_, gen, _) = *rng.pick(GE_CITIES);
            match rng.below(6) {
                0 => format!("{gen} მუნიციპალიტეტის მერია"),
                1 => format!("{gen} მუნიციპალიტეტის საკრებულო"),
                2 => format!("ა(ა)იპ {gen} კეთილმოწყობის სამსახური"),
                3 => format!("სსიპ {gen} №{} საჯარო სკოლა", rng.range(1, 60)),
                4 => "სსიპ საქართველოს საავტომობილო გზების დეპარტამენტი".to_string(),
                _ => "საქართველოს შინაგან საქმეთა სამინისტრო".to_string(),
            }
        }
    };
    json!({
        "id": format!("{scheme}-{id}"),
        "name": name,
        "identifier": { "scheme": scheme, "id": id, "legalName": name },
        "address": address(&mut rng, c),
        "contactPoint": contact(&mut rng, c, false),
        "roles": ["buyer", "procuringEntity"],
    })
}

// ---------------------------------------------------------------------------------------------------
// Contracting processes

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stage {
    Planning,
    Tender,
    TenderUpdate,
    Award,
    AwardUpdate,
    Contract,
    ContractAmendment,
    /// A direct award published once: tender, award and contract in one release.
    Direct,
}

impl Stage {
    fn tags(self) -> Value {
        match self {
            Stage::Planning => json!(["planning"]),
            Stage::Tender => json!(["tender"]),
            Stage::TenderUpdate => json!(["tenderUpdate"]),
            Stage::Award => json!(["award"]),
            Stage::AwardUpdate => json!(["awardUpdate"]),
            Stage::Contract => json!(["contract"]),
            Stage::ContractAmendment => json!(["contractAmendment"]),
            Stage::Direct => json!(["tender", "award", "contract"]),
        }
    }
}

fn plan_stages(rng: &mut Rng, k: u64) -> Vec<Stage> {
    use Stage::*;
    match k {
        0 | 1 => vec![if rng.chance(0.5) { Tender } else { Direct }],
        2 => {
            if rng.chance(0.6) {
                vec![Tender, Award]
            } else {
                vec![Planning, Tender]
            }
        }
        3 => vec![Tender, Award, Contract],
        _ => {
            let (mut tu, mut au, mut ca) = (0, 0, 0);
            for _ in 4..k {
                match rng.below(10) {
                    0..=2 => tu += 1,
                    3..=4 => au += 1,
                    _ => ca += 1,
                }
            }
            let mut v = vec![Planning, Tender];
            v.extend(std::iter::repeat_n(TenderUpdate, tu));
            v.push(Award);
            v.extend(std::iter::repeat_n(AwardUpdate, au));
            v.push(Contract);
            v.extend(std::iter::repeat_n(ContractAmendment, ca));
            v
        }
    }
}

fn plan_dates(rng: &mut Rng, start: i64, stages: &[Stage]) -> Vec<i64> {
    use Stage::*;
    let mut t = start;
    let mut out = Vec::with_capacity(stages.len());
    for (i, &s) in stages.iter().enumerate() {
        if i > 0 {
            let days = match (stages[i - 1], s) {
                (Planning, _) => rng.range(7, 60),
                (_, TenderUpdate) => rng.range(1, 6),
                (_, Award) => rng.range(15, 35),
                (_, AwardUpdate) => rng.range(1, 7),
                (_, Contract) => rng.range(3, 15),
                (_, ContractAmendment) => rng.range(20, 150),
                _ => rng.range(1, 30),
            };
            t += days * DAY + rng.range(60, DAY - 1);
        }
        out.push(t);
    }
    out
}

struct Process {
    seed: u64,
    rng: Rng,
    country: Country,
    clock: Clock,
    /// Full snapshots in every release (Prozorro style) or deltas only.
    snapshot: bool,
    /// Uses the bid extension.
    bids_ext: bool,
    /// Hex ids (Prozorro style) or ids derived from the ocid.
    hex_ids: bool,
    lang: &'static str,
    currency: &'static str,
    cpv: &'static Cpv,
    ocid: String,
    stages: Vec<Stage>,
    dates: Vec<i64>,
    /// Virtual positions of the releases in the output (see the module docs).
    slots: Vec<u64>,
    next: usize,
    buyer: Value,
    bidders: Vec<Value>,
    bidders_public: bool,
    winner: usize,
    planning: Option<Value>,
    tender: Option<Value>,
    bids: Vec<Value>,
    awards: Vec<Value>,
    contracts: Vec<Value>,
    /// Serial for non-hex ids.
    serial: u32,
}

impl Process {
    fn new(seed: u64, n: u64, rpo: u64, interleave: u64) -> Self {
        let mut rng = Rng::derive(seed, 0, n);
        let country = if rng.chance(0.6) { Country::Ua } else { Country::Ge };
        let k = rng.range(1, (2 * rpo.max(1) - 1) as i64) as u64;
        let stages = plan_stages(&mut rng, k);
        let start = BASE_TS + n as i64 * OCID_STEP + rng.range(0, 4 * OCID_STEP);
        let dates = plan_dates(&mut rng, start, &stages);
        let mut pos_rng = Rng::derive(seed, 3, n);
        let mut pos = n << POS_SHIFT;
        let slots = (0..stages.len())
            .map(|i| {
                if i > 0 {
                    pos += if interleave == 0 { 1 } else { 1 + pos_rng.below((2 * interleave) << POS_SHIFT) };
                }
                pos
            })
            .collect();
        let clock = match country {
            Country::Ua => Clock { offset_min: if rng.chance(0.5) { 120 } else { 180 }, micros: true },
            Country::Ge => Clock { offset_min: if rng.chance(0.7) { 240 } else { 0 }, micros: false },
        };
        let lang = match country {
            Country::Ua => "uk",
            Country::Ge if rng.chance(0.8) => "ka",
            Country::Ge => "en",
        };
        let currency = match country {
            Country::Ua => "UAH",
            Country::Ge if rng.chance(0.9) => "GEL",
            Country::Ge => *rng.pick(&["USD", "EUR"]),
        };
        let buyer = buyer(seed, country, rng.skewed(BUYER_POOL));
        Process {
            seed,
            country,
            clock,
            snapshot: rng.chance(if country == Country::Ua { 0.5 } else { 0.2 }),
            bids_ext: rng.chance(0.4),
            hex_ids: country == Country::Ua,
            lang,
            currency,
            cpv: rng.pick(CPVS),
            ocid: format!("{OCID_PREFIX}{n}"),
            stages,
            dates,
            slots,
            next: 0,
            buyer,
            bidders: Vec::new(),
            bidders_public: false,
            winner: 0,
            planning: None,
            tender: None,
            bids: Vec::new(),
            awards: Vec::new(),
            contracts: Vec::new(),
            serial: 0,
            rng,
        }
    }

    fn next_slot(&self) -> Option<u64> {
        self.slots.get(self.next).copied()
    }

    fn id(&mut self, kind: &str) -> String {
        if self.hex_ids {
            self.rng.hex32()
        } else {
            self.serial += 1;
            format!("{}-{kind}-{}", self.ocid, self.serial)
        }
    }

    fn date(&mut self, ts: i64) -> String {
        let salt = self.rng.next_u64();
        self.clock.fmt(ts, salt)
    }

    fn text(&self, uk: &str, ka: &str, en: &str) -> String {
        match self.lang {
            "uk" => uk.to_string(),
            "ka" => ka.to_string(),
            _ => en.to_string(),
        }
    }

    fn cpv_desc(&self) -> String {
        self.text(self.cpv.uk, self.cpv.ka, self.cpv.en)
    }

    fn stage_date(&self, stage: Stage) -> Option<i64> {
        self.stages.iter().position(|&s| s == stage).map(|i| self.dates[i])
    }

    fn has_later(&self, stage: Stage) -> bool {
        self.stages[self.next + 1..].contains(&stage)
    }

    fn document(&mut self, ts: i64, doc_type: &str) -> Value {
        let titles = match self.lang {
            "uk" => UA_DOC_TITLES,
            "ka" => GE_DOC_TITLES,
            _ => EN_DOC_TITLES,
        };
        let title = *self.rng.pick(titles);
        let key = self.rng.hex32();
        let sig = format!("{:016x}{:08x}", self.rng.next_u64(), self.rng.next_u64() as u32);
        let url = match self.country {
            Country::Ua => format!(
                "https://public-docs.bench.example.org/get/{key}?KeyID={}&Signature={sig}%253D%253D",
                self.rng.digits(8)
            ),
            Country::Ge => format!(
                "https://tenders.bench.example.ge/public/library/files.php?mode=app&file={}&code={key}",
                self.rng.digits(7)
            ),
        };
        let lag = self.rng.range(0, 3600);
        let published = self.date(ts - lag);
        let format = if title.ends_with(".p7s") {
            "application/pkcs7-signature"
        } else if title.ends_with(".xlsx") {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        } else if title.ends_with(".docx") {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        } else {
            "application/pdf"
        };
        json!({
            "id": self.rng.hex32(),
            "documentType": doc_type,
            "title": title,
            "url": url,
            "datePublished": published,
            "format": format,
            "language": self.lang,
        })
    }

    fn item(&mut self, i: usize, start: i64) -> Value {
        let cpv = self.cpv;
        let (uk_unit, ka_unit, en_unit) = UNITS[cpv.unit];
        let qty = self.rng.range(cpv.qty.0, cpv.qty.1);
        let price = self.rng.range(cpv.price.0 * 100, cpv.price.1 * 100);
        let variant = format!(
            "{}{}-{}",
            char::from(b'A' + self.rng.below(26) as u8),
            char::from(b'A' + self.rng.below(26) as u8),
            self.rng.range(10, 9999)
        );
        let id = if self.hex_ids { self.rng.hex32() } else { (i + 1).to_string() };
        let mut item = json!({
            "id": id,
            "description": format!("{}, {variant}", self.cpv_desc()),
            "classification": {
                "scheme": "CPV",
                "id": cpv.id,
                "description": self.text(cpv.uk, cpv.ka, cpv.en),
            },
            "quantity": qty,
            "unit": {
                "scheme": "UNCEFACT",
                "id": UNIT_CODES[cpv.unit],
                "name": self.text(uk_unit, ka_unit, en_unit),
                "value": money(price, self.currency),
            },
        });
        if self.rng.chance(0.2) {
            let end = start + self.rng.range(60, 300) * DAY;
            item["deliveryDate"] = json!({ "startDate": self.clock.day(start), "endDate": self.clock.day(end) });
            item["deliveryAddress"] = address(&mut self.rng, self.country);
        }
        item
    }

    fn item_total(item: &Value) -> i64 {
        let qty = item["quantity"].as_i64().unwrap_or(1);
        let price = &item["unit"]["value"]["amount"];
        let cents =
            price.as_i64().map(|a| a * 100).unwrap_or_else(|| (price.as_f64().unwrap_or(0.0) * 100.0).round() as i64);
        qty * cents
    }

    fn init_tender(&mut self, ts: i64, status: &str, method: &str) {
        let n_items =
            if self.cpv.category == "goods" { 1 + self.rng.skewed(8) as usize } else { 1 + self.rng.below(2) as usize };
        let items: Vec<Value> = (0..n_items).map(|i| self.item(i, ts)).collect();
        let total: i64 = items.iter().map(Self::item_total).sum();
        let id = if self.hex_ids {
            self.rng.hex32()
        } else {
            format!("{}{}", if method == "open" { "SPA" } else { "NAT" }, self.rng.digits(9))
        };
        let desc = self.cpv_desc();
        let city = match self.country {
            Country::Ua => self.rng.pick(UA_CITIES).0,
            Country::Ge => self.rng.pick(GE_CITIES).0,
        };
        let title = match self.lang {
            "uk" => format!("{desc} (ДК 021:2015: {})", self.cpv.id),
            "ka" => format!("{desc} (CPV {})", self.cpv.id),
            _ => format!("{} (CPV {})", self.cpv.en, self.cpv.id),
        };
        let description = match self.lang {
            "uk" => format!("Закупівля: {desc}. Місце поставки: {city}."),
            "ka" => format!("შესყიდვის ობიექტი: {desc}. მიწოდების ადგილი: {city}."),
            _ => format!(
                "Procurement of {} for the needs of {}. Place of delivery: {city}.",
                self.cpv.en.to_lowercase(),
                self.buyer["name"].as_str().unwrap_or("")
            ),
        };
        let details = match (self.country, method) {
            (Country::Ua, "open") => "Відкриті торги",
            (Country::Ua, "selective") => "Переговорна процедура",
            (Country::Ua, _) => "Звіт про договір про закупівлю",
            (Country::Ge, "open") => "ელექტრონული ტენდერი (SPA)",
            (Country::Ge, "selective") => "კონსოლიდირებული ტენდერი (CON)",
            (Country::Ge, _) => "გამარტივებული შესყიდვა (DAP)",
        };
        self.tender = Some(json!({
            "id": id,
            "title": title,
            "description": description,
            "status": status,
            "procuringEntity": org_ref(&self.buyer),
            "items": items,
            "value": money(total, self.currency),
            "procurementMethod": method,
            "procurementMethodDetails": details,
            "mainProcurementCategory": self.cpv.category,
        }));
    }

    fn tender_mut(&mut self) -> &mut Value {
        self.tender.as_mut().expect("tender initialised")
    }

    // --- stages -----------------------------------------------------------------------------------

    fn planning(&mut self, ts: i64) -> Map<String, Value> {
        let method = if self.rng.chance(0.85) { "open" } else { "selective" };
        self.init_tender(ts, "planned", method);
        let total = Self::value_cents(&self.tender.as_ref().unwrap()["value"]);
        let budget = total + total * self.rng.range(0, 15) / 100;
        let year = civil_from_days((ts + 200 * DAY) / DAY).0;
        let rationale = self.text(
            &format!("Річний план закупівель на {year} рік"),
            &format!("{year} წლის სახელმწიფო შესყიდვების წლიური გეგმა"),
            &format!("Annual procurement plan {year}"),
        );
        self.planning = Some(json!({
            "rationale": rationale,
            "budget": {
                "id": format!("{}", self.rng.range(1_000, 99_999)),
                "description": self.text("Загальний фонд місцевого бюджету", "ადგილობრივი ბიუჯეტი", "Local budget"),
                "amount": money(budget, self.currency),
                "projectID": format!("KEKV-{}", self.rng.range(2000, 3999)),
            },
        }));
        let t = self.tender.as_ref().unwrap();
        let mut d = Map::new();
        d.insert("parties".into(), json!([self.buyer]));
        d.insert("buyer".into(), org_ref(&self.buyer));
        d.insert("planning".into(), self.planning.clone().unwrap());
        d.insert(
            "tender".into(),
            json!({ "id": t["id"], "title": t["title"], "status": "planned", "items": t["items"], "value": t["value"],
                    "mainProcurementCategory": t["mainProcurementCategory"] }),
        );
        d
    }

    fn tender(&mut self, ts: i64) -> Map<String, Value> {
        if self.tender.is_none() {
            let method = if self.rng.chance(0.8) { "open" } else { "selective" };
            self.init_tender(ts, "active", method);
        }
        // The tender period ends a few days before the first award (or three weeks out).
        let tp_end = match self.stage_date(Stage::Award) {
            Some(a) => a - self.rng.range(1, 4) * DAY - self.rng.range(0, DAY / 2),
            None => ts + 21 * DAY,
        };
        let n_docs = if self.rng.chance(0.15) { 3 } else { self.rng.range(1, 2) as usize };
        let docs: Vec<Value> = (0..n_docs).map(|i| self.document(ts, TENDER_DOCS[i])).collect();
        let start = self.date(ts);
        let end = self.date(tp_end);
        let enq_end = self.date(tp_end - 3 * DAY);
        let t = self.tender_mut();
        t["status"] = json!("active");
        t["tenderPeriod"] = json!({ "startDate": start, "endDate": end });
        t["enquiryPeriod"] = json!({ "startDate": start, "endDate": enq_end });
        t["documents"] = json!(docs);
        let mut d = Map::new();
        d.insert("parties".into(), json!([self.buyer]));
        d.insert("buyer".into(), org_ref(&self.buyer));
        d.insert("tender".into(), self.tender.clone().unwrap());
        d
    }

    fn value_cents(v: &Value) -> i64 {
        let a = &v["amount"];
        a.as_i64().map(|a| a * 100).unwrap_or_else(|| (a.as_f64().unwrap_or(0.0) * 100.0).round() as i64)
    }

    fn tender_update(&mut self, ts: i64) -> Map<String, Value> {
        let doc_type = if self.rng.chance(0.6) { "clarifications" } else { "biddingDocuments" };
        let doc = self.document(ts, doc_type);
        let amendment = json!({
            "id": self.id("amendment"),
            "date": self.date(ts),
            "rationale": self.text("Внесення змін до тендерної документації", "სატენდერო დოკუმენტაციაში ცვლილებების შეტანა", "Changes to the tender documents"),
        });
        // Change the quantity of one item and recompute the estimate.
        let qty_range = self.cpv.qty;
        let new_qty = self.rng.range(qty_range.0, qty_range.1);
        let n_items = self.tender.as_ref().unwrap()["items"].as_array().unwrap().len();
        let which = self.rng.below(n_items as u64) as usize;
        let currency = self.currency;
        let t = self.tender_mut();
        let items = t["items"].as_array_mut().unwrap();
        items[which]["quantity"] = json!(new_qty);
        let changed_item = items[which].clone();
        let total: i64 = items.iter().map(Self::item_total).sum();
        t["value"] = money(total, currency);
        t["documents"].as_array_mut().unwrap().push(doc.clone());
        if t.get("amendments").is_none() {
            t["amendments"] = json!([]);
        }
        t["amendments"].as_array_mut().unwrap().push(amendment.clone());
        let tender_delta = json!({ "id": t["id"], "status": t["status"], "items": [changed_item], "value": t["value"],
                                   "documents": [doc], "amendments": [amendment] });
        let mut d = Map::new();
        d.insert("buyer".into(), org_ref(&self.buyer));
        d.insert("tender".into(), tender_delta);
        d
    }

    fn pick_bidders(&mut self, n: usize) {
        let mut ks: Vec<(Country, u64)> = Vec::with_capacity(n);
        while ks.len() < n {
            let c = if self.rng.chance(0.05) {
                if self.country == Country::Ua {
                    Country::Ge
                } else {
                    Country::Ua
                }
            } else {
                self.country
            };
            let k = self.rng.skewed(COMPANY_POOL);
            if !ks.contains(&(c, k)) {
                ks.push((c, k));
            }
        }
        self.bidders = ks.into_iter().map(|(c, k)| company(self.seed, c, k)).collect();
    }

    fn new_award(&mut self, ts: i64, bidder: usize, status: &str) -> Value {
        let t = self.tender.as_ref().unwrap();
        let tender_value = Self::value_cents(&t["value"]);
        // Publishers repeat the items in the award only sometimes.
        let items = if self.rng.chance(0.35) { Some(t["items"].clone()) } else { None };
        let cents = tender_value * self.rng.range(82, 99) / 100;
        let id = self.id("award");
        let date = self.date(ts);
        let doc_type = if self.rng.chance(0.5) { "awardNotice" } else { "evaluationReports" };
        let doc = self.document(ts, doc_type);
        let mut a = json!({
            "id": id,
            "status": status,
            "date": date,
            "value": money(cents, self.currency),
            "suppliers": [org_ref(&self.bidders[bidder])],
        });
        if let Some(items) = items {
            a["items"] = items;
        }
        a["documents"] = json!([doc]);
        a
    }

    fn set_roles(&mut self, i: usize, supplier: bool) {
        self.bidders[i]["roles"] = if supplier { json!(["tenderer", "supplier"]) } else { json!(["tenderer"]) };
    }

    fn award(&mut self, ts: i64) -> Map<String, Value> {
        let n = self.rng.range(2, 5) as usize;
        self.pick_bidders(n);
        self.bidders_public = true;
        let tp_end = self.tender.as_ref().unwrap()["tenderPeriod"]["endDate"].clone();
        let tp_start_ts = self.stage_date(Stage::Tender).unwrap_or(ts - 20 * DAY);
        let tender_value = Self::value_cents(&self.tender.as_ref().unwrap()["value"]);
        let mut changed_awards = Vec::new();
        let mut disqualified = None;
        if n >= 3 && self.rng.chance(0.25) {
            let a = self.new_award(ts - DAY, 0, "unsuccessful");
            self.awards.push(a.clone());
            changed_awards.push(a);
            disqualified = Some(0);
            self.winner = 1;
        } else {
            self.winner = 0;
        }
        let status = if self.has_later(Stage::AwardUpdate) { "pending" } else { "active" };
        let a = self.new_award(ts, self.winner, status);
        self.awards.push(a.clone());
        changed_awards.push(a);
        self.set_roles(self.winner, true);
        if self.bids_ext {
            let span = (ts - tp_start_ts).max(DAY);
            self.bids = (0..n)
                .map(|i| {
                    let bid_ts = tp_start_ts + self.rng.range(0, span * 3 / 4);
                    json!({
                        "id": self.rng.hex32(),
                        "date": self.date(bid_ts),
                        "status": if Some(i) == disqualified { "disqualified" } else { "valid" },
                        "tenderers": [org_ref(&self.bidders[i])],
                        "value": money(tender_value * self.rng.range(80, 100) / 100, self.currency),
                    })
                })
                .collect();
        }
        let award_date = self.date(ts);
        let tenderers: Vec<Value> = self.bidders.iter().map(org_ref).collect();
        let t = self.tender_mut();
        t["numberOfTenderers"] = json!(n);
        t["tenderers"] = json!(tenderers);
        t["awardPeriod"] = json!({ "startDate": tp_end, "endDate": award_date });
        let tender_delta = json!({ "id": t["id"], "status": t["status"], "numberOfTenderers": n,
                                   "tenderers": t["tenderers"], "awardPeriod": t["awardPeriod"] });
        let mut d = Map::new();
        d.insert("parties".into(), json!(self.bidders));
        d.insert("buyer".into(), org_ref(&self.buyer));
        d.insert("tender".into(), tender_delta);
        if self.bids_ext {
            d.insert("bids".into(), json!({ "details": self.bids }));
        }
        d.insert("awards".into(), json!(changed_awards));
        d
    }

    fn award_update(&mut self, ts: i64) -> Map<String, Value> {
        let mut changed = Vec::new();
        let mut parties = Vec::new();
        let date = self.date(ts);
        if let Some(a) = self.awards.iter_mut().find(|a| a["status"] == "pending") {
            a["status"] = json!("active");
            a["date"] = json!(date);
            changed.push(json!({ "id": a["id"], "status": "active", "date": date }));
        } else if self.winner + 1 < self.bidders.len() && self.rng.chance(0.5) {
            // The winner is disqualified after a complaint; the next bidder wins.
            let last = self.awards.len() - 1;
            self.awards[last]["status"] = json!("cancelled");
            changed.push(json!({ "id": self.awards[last]["id"], "status": "cancelled" }));
            self.set_roles(self.winner, false);
            parties.push(self.bidders[self.winner].clone());
            self.winner += 1;
            let a = self.new_award(ts, self.winner, "active");
            self.awards.push(a.clone());
            changed.push(a);
            self.set_roles(self.winner, true);
            parties.push(self.bidders[self.winner].clone());
        } else {
            let doc = self.document(ts, "evaluationReports");
            let last = self.awards.len() - 1;
            self.awards[last]["documents"].as_array_mut().unwrap().push(doc.clone());
            changed.push(json!({ "id": self.awards[last]["id"], "documents": [doc] }));
        }
        let mut d = Map::new();
        if !parties.is_empty() {
            d.insert("parties".into(), json!(parties));
        }
        d.insert("buyer".into(), org_ref(&self.buyer));
        d.insert("awards".into(), json!(changed));
        d
    }

    fn contract(&mut self, ts: i64) -> Map<String, Value> {
        let award = self.awards.iter().rev().find(|a| a["status"] == "active").cloned().unwrap_or_else(|| {
            let a = self.new_award(ts, self.winner, "active");
            self.awards.push(a.clone());
            a
        });
        let end = ts + self.rng.range(90, 365) * DAY;
        let lag = self.rng.range(0, 2) * DAY;
        let signed = self.date(ts - lag);
        let doc = self.document(ts, "contractSigned");
        let mut contract = json!({
            "id": self.id("contract"),
            "awardID": award["id"],
            "title": self.tender.as_ref().unwrap()["title"],
            "status": "active",
            "value": award["value"],
            "period": { "startDate": self.clock.day(ts), "endDate": self.clock.day(end) },
            "dateSigned": signed,
        });
        if award.get("items").is_some() {
            contract["items"] = award["items"].clone();
        }
        contract["documents"] = json!([doc]);
        self.contracts.push(contract.clone());
        let t = self.tender_mut();
        t["status"] = json!("complete");
        let tender_delta = json!({ "id": t["id"], "status": "complete" });
        let mut d = Map::new();
        d.insert("buyer".into(), org_ref(&self.buyer));
        d.insert("tender".into(), tender_delta);
        d.insert("contracts".into(), json!([contract]));
        d
    }

    fn contract_amendment(&mut self, ts: i64) -> Map<String, Value> {
        let last_stage = self.next + 1 == self.stages.len();
        let terminate = last_stage && self.rng.chance(0.2);
        let pct = self.rng.range(-10, 10);
        let extend = self.rng.range(30, 90) * DAY;
        let amendment = json!({
            "id": self.id("amendment"),
            "date": self.date(ts),
            "rationale": self.text(
                "Зміна ціни за одиницю товару у зв'язку з коливанням ціни на ринку",
                "ხელშეკრულების ღირებულების ცვლილება",
                "Price change due to market fluctuation"),
            "description": self.text(
                "Додаткова угода до договору",
                "ხელშეკრულების შეთანხმება",
                "Supplementary agreement"),
        });
        let doc = self.document(ts, "contractAnnexe");
        let currency = self.currency;
        let clock = self.clock;
        let c = self.contracts.last_mut().expect("contract stage precedes amendments");
        let cents = Self::value_cents(&c["value"]);
        c["value"] = money(cents + cents * pct / 100, currency);
        let end_ts = ts + extend;
        c["period"]["endDate"] = json!(clock.day(end_ts));
        if c.get("amendments").is_none() {
            c["amendments"] = json!([]);
        }
        c["amendments"].as_array_mut().unwrap().push(amendment.clone());
        c["documents"].as_array_mut().unwrap().push(doc.clone());
        if terminate {
            c["status"] = json!("terminated");
        }
        let mut delta = json!({ "id": c["id"], "awardID": c["awardID"], "value": c["value"], "period": { "endDate": c["period"]["endDate"] },
                                "amendments": [amendment], "documents": [doc] });
        if terminate {
            delta["status"] = json!("terminated");
        }
        let mut d = Map::new();
        d.insert("buyer".into(), org_ref(&self.buyer));
        d.insert("contracts".into(), json!([delta]));
        d
    }

    fn direct(&mut self, ts: i64) -> Map<String, Value> {
        self.init_tender(ts, "complete", "limited");
        self.pick_bidders(1);
        self.bidders_public = true;
        self.winner = 0;
        let a = self.new_award(ts, 0, "active");
        self.awards.push(a);
        self.set_roles(0, true);
        let t = self.tender_mut();
        t["numberOfTenderers"] = json!(1);
        self.contract(ts);
        Map::new() // always rendered as a snapshot
    }

    /// The next release of this process, or None when it has published everything.
    fn release(&mut self) -> Option<Value> {
        let stage = *self.stages.get(self.next)?;
        let ts = self.dates[self.next];
        let delta = match stage {
            Stage::Planning => self.planning(ts),
            Stage::Tender => self.tender(ts),
            Stage::TenderUpdate => self.tender_update(ts),
            Stage::Award => self.award(ts),
            Stage::AwardUpdate => self.award_update(ts),
            Stage::Contract => self.contract(ts),
            Stage::ContractAmendment => self.contract_amendment(ts),
            Stage::Direct => self.direct(ts),
        };
        let mut r = Map::new();
        r.insert("ocid".into(), json!(self.ocid));
        let id = if self.hex_ids {
            self.rng.hex32()
        } else {
            format!("{}-{:02}-{}", self.ocid, self.next + 1, stage_slug(stage))
        };
        r.insert("id".into(), json!(id));
        r.insert("date".into(), json!(self.date(ts)));
        r.insert("tag".into(), stage.tags());
        r.insert("initiationType".into(), json!("tender"));
        r.insert("language".into(), json!(self.lang));
        if self.snapshot || stage == Stage::Direct {
            let mut parties = vec![self.buyer.clone()];
            if self.bidders_public {
                parties.extend(self.bidders.iter().cloned());
            }
            r.insert("parties".into(), json!(parties));
            r.insert("buyer".into(), org_ref(&self.buyer));
            if let Some(p) = &self.planning {
                r.insert("planning".into(), p.clone());
            }
            if let Some(t) = &self.tender {
                r.insert("tender".into(), t.clone());
            }
            if !self.bids.is_empty() {
                r.insert("bids".into(), json!({ "details": self.bids }));
            }
            if !self.awards.is_empty() {
                r.insert("awards".into(), json!(self.awards));
            }
            if !self.contracts.is_empty() {
                r.insert("contracts".into(), json!(self.contracts));
            }
        } else {
            // Every release carries `parties`, even a delta that changes none: tools that guess the
            // version of a bare release (ocdskit) take one without `parties` for OCDS 1.0.
            // Such a delta names the buyer only briefly; merging on `id` keeps the rest.
            if !delta.contains_key("parties") {
                let b = &self.buyer;
                r.insert("parties".into(), json!([{ "id": b["id"], "name": b["name"], "roles": b["roles"] }]));
            }
            r.extend(delta);
        }
        self.next += 1;
        Some(Value::Object(r))
    }
}

fn stage_slug(s: Stage) -> &'static str {
    match s {
        Stage::Planning => "planning",
        Stage::Tender => "tender",
        Stage::TenderUpdate => "tenderUpdate",
        Stage::Award => "award",
        Stage::AwardUpdate => "awardUpdate",
        Stage::Contract => "contract",
        Stage::ContractAmendment => "contractAmendment",
        Stage::Direct => "direct",
    }
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

#[derive(PartialEq, Eq, Clone, Copy)]
enum Format {
    Package,
    Jsonl,
}

struct Args {
    ocids: Option<u64>,
    rpo: u64,
    format: Format,
    out: String,
    seed: u64,
    target_bytes: Option<u64>,
    window: usize,
    interleave: u64,
}

const USAGE: &str = "usage: gen-ocds --ocids N [--releases-per-ocid K] [--format package|jsonl] --out FILE|- \
[--seed S] [--target-bytes B] [--interleave L] [--window W]

  --ocids N              number of contracting processes (upper bound when --target-bytes is given)
  --releases-per-ocid K  average releases per ocid; each ocid gets 1..2K-1 (default 4)
  --format F             package (one streamed release package, default) or jsonl (one release per line)
  --out FILE             output file, or - for stdout
  --seed S               PRNG seed (default 1); same arguments, same bytes
  --target-bytes B       keep opening ocids until B bytes are written
  --interleave L         mean distance, in ocids, between two releases of one ocid (default 2; 0 = adjacent)
  --window W             at most W ocids open at once (default 256)";

fn parse_num(flag: &str, v: Option<String>) -> Result<u64, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
    let clean: String = v.chars().filter(|c| *c != '_').collect();
    clean.parse::<u64>().map_err(|_| format!("{flag}: not a non-negative integer: {v}"))
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        ocids: None,
        rpo: 4,
        format: Format::Package,
        out: String::new(),
        seed: 1,
        target_bytes: None,
        window: 256,
        interleave: 2,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (flag, None),
        };
        let mut val = || inline.clone().or_else(|| it.next());
        match flag.as_str() {
            "--ocids" => a.ocids = Some(parse_num("--ocids", val())?),
            "--releases-per-ocid" => a.rpo = parse_num("--releases-per-ocid", val())?.max(1),
            "--format" => {
                a.format = match val().as_deref() {
                    Some("package") => Format::Package,
                    Some("jsonl") => Format::Jsonl,
                    other => return Err(format!("--format: expected package or jsonl, got {other:?}")),
                }
            }
            "--out" | "-o" => a.out = val().ok_or("--out needs a value")?,
            "--seed" => a.seed = parse_num("--seed", val())?,
            "--target-bytes" => a.target_bytes = Some(parse_num("--target-bytes", val())?),
            "--window" => a.window = parse_num("--window", val())?.max(1) as usize,
            "--interleave" => a.interleave = parse_num("--interleave", val())?.min(1 << 20),
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
    if a.ocids.is_none() && a.target_bytes.is_none() {
        return Err("one of --ocids or --target-bytes is required".into());
    }
    Ok(a)
}

fn run(args: &Args) -> io::Result<(u64, u64, u64)> {
    let sink: Box<dyn Write> =
        if args.out == "-" { Box::new(io::stdout().lock()) } else { Box::new(File::create(&args.out)?) };
    let mut w = Counting { inner: BufWriter::with_capacity(1 << 20, sink), bytes: 0 };
    if args.format == Format::Package {
        let published = Clock { offset_min: 0, micros: false }.fmt(BASE_TS + 1_200 * DAY, 0);
        write!(
            w,
            "{{\"uri\":\"https://bench.example.org/ocds/release-package-seed-{}.json\",\"publisher\":{{\"name\":\"openreg bench (synthetic data)\",\"scheme\":\"XI-BENCH\",\"uid\":\"b5fd17\"}},\"publishedDate\":\"{published}\",\"version\":\"1.1\",\"license\":\"https://creativecommons.org/publicdomain/zero/1.0/\",\"publicationPolicy\":\"https://bench.example.org/publication-policy\",\"extensions\":[\"{BID_EXTENSION}\"],\"releases\":[",
            args.seed
        )?;
    }
    let max_ocids = args.ocids.unwrap_or(u64::MAX);
    let mut slots: Vec<Option<Process>> = Vec::with_capacity(args.window);
    let mut free: Vec<usize> = Vec::new();
    let mut heap: BinaryHeap<Reverse<(u64, u64, usize)>> = BinaryHeap::new();
    let mut opened = 0u64;
    let mut releases = 0u64;
    let mut line = Vec::with_capacity(64 * 1024);
    loop {
        // Open the next process once the merge reaches its first release (and the budget allows).
        while heap.len() < args.window
            && opened < max_ocids
            && args.target_bytes.is_none_or(|b| w.bytes < b)
            && heap.peek().is_none_or(|Reverse((min, _, _))| opened << POS_SHIFT <= *min)
        {
            let p = Process::new(args.seed, opened, args.rpo, args.interleave);
            let d = p.next_slot().expect("at least one release");
            let slot = match free.pop() {
                Some(s) => {
                    slots[s] = Some(p);
                    s
                }
                None => {
                    slots.push(Some(p));
                    slots.len() - 1
                }
            };
            heap.push(Reverse((d, opened, slot)));
            opened += 1;
        }
        let Some(Reverse((_, n, slot))) = heap.pop() else {
            break;
        };
        let p = slots[slot].as_mut().unwrap();
        let rel = p.release().expect("scheduled release exists");
        line.clear();
        serde_json::to_writer(&mut line, &rel)?;
        match args.format {
            Format::Package => {
                w.write_all(if releases == 0 { b"\n" } else { b",\n" })?;
                w.write_all(&line)?;
            }
            Format::Jsonl => {
                w.write_all(&line)?;
                w.write_all(b"\n")?;
            }
        }
        releases += 1;
        match p.next_slot() {
            Some(d) => heap.push(Reverse((d, n, slot))),
            None => {
                slots[slot] = None;
                free.push(slot);
            }
        }
    }
    if args.format == Format::Package {
        w.write_all(b"\n]}\n")?;
    }
    w.flush()?;
    Ok((opened, releases, w.bytes))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gen-ocds: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let t0 = Instant::now();
    match run(&args) {
        Ok((ocids, releases, bytes)) => {
            let secs = t0.elapsed().as_secs_f64();
            let summary = json!({
                "ocids": ocids,
                "releases": releases,
                "bytes": bytes,
                "seconds": (secs * 1000.0).round() / 1000.0,
                "format": if args.format == Format::Package { "package" } else { "jsonl" },
                "seed": args.seed,
                "avg_release_bytes": bytes.checked_div(releases).unwrap_or(0),
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
            eprintln!("gen-ocds: {}: {e}", args.out);
            ExitCode::FAILURE
        }
    }
}
