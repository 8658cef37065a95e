//! `gen-world`: a seeded, streaming generator of a *linking world* with known truth: organisations
//! and persons, written as the real files openreg ingests, each real entity appearing in several
//! datasets under different spellings, plus a labelled JSON Lines file for `openreg link evaluate`.
//!
//! ```text
//! gen-world --orgs N --persons M --donations K --out DIR [--seed S] [--labelled-rate R]
//! gen-world --labelled-only N --out FILE.jsonl [--seed S]
//! ```
//!
//! Files written to DIR:
//!
//! - `ocds.jsonl`: OCDS 1.1 releases, one contracting process each (JSON Lines), whose parties are
//!   the buyer (a public body) and 1-4 suppliers and tenderers. Ukrainian parties carry `UA-EDR`
//!   mostly, Georgian `GE-NAPR` often, British `GB-COH` for about a quarter (as in the UK), in the
//!   spellings publishers use (`UA-EDR-…` repeated in the id, leading zeros dropped, `UA-EDRPOU`).
//!   Some suppliers are sole traders: `ФОП Коваленко Іван Петрович` with the person's 10-digit tax
//!   number under `UA-EDR`, `ი/მ გიორგი ბერიძე` with an 11-digit personal number under `GE-NAPR`.
//! - `bods.jsonl`: BODS 0.4 statements: an entity for about 45% of the companies, a person for
//!   about 85% of the persons (names, `birthDate`, nationality, `UKR-TAXID` / `GEO-IDCARD` for
//!   some), a relationship from each person to a company of their country, and for some Ukrainians
//!   and Georgians a second person record in the British register under a Latin spelling.
//! - `donations-ge-sao.csv` (Georgian headers, `--profile ge-sao`), `donations-uk-ec.csv`
//!   (`--profile uk-ec`), `donations-ua-generic.csv` (`--profile generic --country UA`): donors are
//!   persons (about 82%, some of them giving many times) and companies of the world.
//! - `labelled.jsonl`: the mentions of a sample of the world's entities (1 in `--labelled-rate`,
//!   default 500, sampled by *name family* so that namesakes and look-alikes come with their
//!   originals), as `openreg link evaluate` reads them: the fields openreg extracts from each file
//!   (`id, kind, name, other_names, identifiers, country, birth_date, postcode`) and `truth`
//!   (`o{index}` or `p{index}`). At most 6 mentions per entity.
//!
//! Names: Ukrainian (Cyrillic, with Russian forms), Georgian and English pools (a few hundred
//! given names and surnames each, plus a long tail of generated surnames and company brands).
//! Every mention is written in one of the spellings found in real data: the original script; the
//! national romanisation (KMU 2010 for Ukrainian, the 2002 system for Georgian, both through
//! openreg's own `openreg_link::latin`); a press spelling (Kolomoyskyy / Kolomoisky, Igor for
//! Ihor, Г as G, -iy/-y/-yy endings, Kazbegi for Qazbegi); the Russian form (Игорь Коломойский,
//! ООО «…», Georgian names in Cyrillic) and its romanisation; surname first or last; with or
//! without the patronymic; capitals; initials (rarely); a legal form in another language (ТОВ /
//! LLC / Ltd / TOV / ООО / შპს); one-edit typos.
//!
//! Hard negatives, planted: namesakes (the same name, a different person, another birth date and
//! tax number: every mention of a namesake carries one of them, so a careful linker can tell them
//! apart), the same company name registered in two countries (every mention carries its country),
//! same-country companies of the same name (every mention carries its registry number), and
//! look-alikes: siblings (same surname and patronymic, another given name), Kovalenko/Kovalchuk
//! (same family of surnames), "X" and "X Plus".
//!
//! Streaming: an entity is a pure function of `--seed` and its index, so datasets refer to
//! entities by index and memory stays flat whatever the size (only a window of 8,192 OCDS supplier
//! slots and the labelled sample's counters are held). Same arguments, same bytes.
//!
//! `--labelled-only N` writes just a labelled file of about N mentions: a small world (about N/3
//! organisations and N/3.5 persons) with every entity sampled and more hard negatives (6%
//! namesakes, 6% look-alikes, 4% cross-country twins instead of 2%, 3%, 1.5%). In that world,
//! names that collide by chance are treated as namesakes (their mentions carry identifiers or
//! birth dates), so that every pair the truth calls different can be told apart.
//!
//! On success a one-line JSON summary (counts per dataset, bytes, seconds) goes to stdout.

use openreg_link::latin;
use openreg_link::names::{fingerprint, skeleton};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

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
    fn below_usize(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
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
    /// An index into a pool of `n`, mildly skewed towards the front (common names are common).
    fn mild(&mut self, n: usize) -> usize {
        let a = self.below_usize(n);
        let b = self.below_usize(n);
        if self.chance(0.5) {
            a.min(b)
        } else {
            a
        }
    }
    /// Skewed towards 0: a few buyers take most of the work, as in real data.
    fn skewed(&mut self, n: u64) -> u64 {
        let m = self.below(n) + 1;
        self.below(m)
    }
    fn hex32(&mut self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }
    /// Picks from weighted choices.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total as u64) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// Streams: each kind of draw has its own, so adding draws to one never shifts another.
const S_PERSON_META: u64 = 1;
const S_PERSON: u64 = 2;
const S_ORG_META: u64 = 3;
const S_ORG: u64 = 4;
const S_RELEASE: u64 = 5;
const S_OWNER: u64 = 6;
const S_BODS_PERSON: u64 = 7;
const S_BODS_ENTITY: u64 = 8;
const S_DONATION: u64 = 9;

// ---------------------------------------------------------------------------------------------------
// Dates

/// 1970-01-01 + days → (year, month, day). Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
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

fn iso_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn dmy_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{d:02}/{m:02}/{y:04}")
}

/// 2019-01-01 in days since 1970-01-01.
const DAY_2019: i64 = 17_897;
/// 2021-01-01 00:00:00Z.
const TS_2021: i64 = 1_609_459_200;

// ---------------------------------------------------------------------------------------------------
// Vocabulary: people

/// Ukrainian men's given names and their Russian forms.
#[rustfmt::skip]
const UA_GIVEN_M: &[(&str, &str)] = &[
    ("Олександр", "Александр"), ("Андрій", "Андрей"), ("Сергій", "Сергей"), ("Олексій", "Алексей"),
    ("Дмитро", "Дмитрий"), ("Микола", "Николай"), ("Іван", "Иван"), ("Юрій", "Юрий"), ("Михайло", "Михаил"),
    ("Василь", "Василий"), ("Петро", "Пётр"), ("Павло", "Павел"), ("Григорій", "Григорий"), ("Ігор", "Игорь"),
    ("Віктор", "Виктор"), ("Володимир", "Владимир"), ("Олег", "Олег"), ("Тарас", "Тарас"), ("Богдан", "Богдан"),
    ("Євген", "Евгений"), ("Анатолій", "Анатолий"), ("Валерій", "Валерий"), ("Віталій", "Виталий"),
    ("Вадим", "Вадим"), ("Руслан", "Руслан"), ("Роман", "Роман"), ("Максим", "Максим"), ("Артем", "Артём"),
    ("Денис", "Денис"), ("Ярослав", "Ярослав"), ("Святослав", "Святослав"), ("Станіслав", "Станислав"),
    ("Владислав", "Владислав"), ("Костянтин", "Константин"), ("Леонід", "Леонид"), ("Степан", "Степан"),
    ("Федір", "Фёдор"), ("Семен", "Семён"), ("Борис", "Борис"), ("Геннадій", "Геннадий"), ("Аркадій", "Аркадий"),
    ("Валентин", "Валентин"), ("В'ячеслав", "Вячеслав"), ("Георгій", "Георгий"), ("Едуард", "Эдуард"),
    ("Ілля", "Илья"), ("Кирило", "Кирилл"), ("Лев", "Лев"), ("Матвій", "Матвей"), ("Назар", "Назар"),
    ("Микита", "Никита"), ("Остап", "Остап"), ("Орест", "Орест"), ("Панас", "Афанасий"), ("Родіон", "Родион"),
    ("Тимофій", "Тимофей"), ("Тимур", "Тимур"), ("Пилип", "Филипп"), ("Юліан", "Юлиан"), ("Ярема", "Ерёма"),
    ("Зіновій", "Зиновий"), ("Всеволод", "Всеволод"), ("Мирослав", "Мирослав"), ("Данило", "Даниил"),
    ("Єгор", "Егор"), ("Захар", "Захар"), ("Марко", "Марк"), ("Нестор", "Нестор"), ("Омелян", "Емельян"),
    ("Гліб", "Глеб"), ("Арсен", "Арсений"), ("Артур", "Артур"), ("Ростислав", "Ростислав"), ("Яків", "Яков"),
    ("Йосип", "Иосиф"), ("Лука", "Лука"), ("Олесь", "Олесь"), ("Антон", "Антон"), ("Веніамін", "Вениамин"),
    ("Герман", "Герман"), ("Кузьма", "Кузьма"), ("Мар'ян", "Марьян"), ("Савелій", "Савелий"),
    ("Трохим", "Трофим"), ("Харитон", "Харитон"), ("Юхим", "Ефим"), ("Прохор", "Прохор"), ("Адам", "Адам"),
    ("Альберт", "Альберт"), ("Сава", "Савва"), ("Устим", "Устин"), ("Любомир", "Любомир"), ("Зенон", "Зенон"),
];

/// Ukrainian women's given names and their Russian forms.
#[rustfmt::skip]
const UA_GIVEN_F: &[(&str, &str)] = &[
    ("Олена", "Елена"), ("Наталія", "Наталья"), ("Тетяна", "Татьяна"), ("Ганна", "Анна"), ("Катерина", "Екатерина"),
    ("Ольга", "Ольга"), ("Оксана", "Оксана"), ("Юлія", "Юлия"), ("Ірина", "Ирина"), ("Світлана", "Светлана"),
    ("Людмила", "Людмила"), ("Галина", "Галина"), ("Марія", "Мария"), ("Лариса", "Лариса"),
    ("Валентина", "Валентина"), ("Вікторія", "Виктория"), ("Анастасія", "Анастасия"), ("Дарина", "Дарья"),
    ("Софія", "София"), ("Надія", "Надежда"), ("Любов", "Любовь"), ("Віра", "Вера"), ("Тамара", "Тамара"),
    ("Зоя", "Зоя"), ("Інна", "Инна"), ("Алла", "Алла"), ("Жанна", "Жанна"), ("Яна", "Яна"),
    ("Христина", "Кристина"), ("Олександра", "Александра"), ("Богдана", "Богдана"), ("Мар'яна", "Марьяна"),
    ("Лілія", "Лилия"), ("Євгенія", "Евгения"), ("Ніна", "Нина"), ("Раїса", "Раиса"), ("Антоніна", "Антонина"),
    ("Лідія", "Лидия"), ("Аліна", "Алина"), ("Діана", "Диана"), ("Карина", "Карина"), ("Вероніка", "Вероника"),
    ("Поліна", "Полина"), ("Уляна", "Ульяна"), ("Соломія", "Соломия"), ("Злата", "Злата"), ("Зоряна", "Зоряна"),
    ("Ярослава", "Ярослава"), ("Мирослава", "Мирослава"), ("Леся", "Леся"), ("Маргарита", "Маргарита"),
    ("Валерія", "Валерия"), ("Ангеліна", "Ангелина"), ("Єлизавета", "Елизавета"), ("Стефанія", "Стефания"),
    ("Емілія", "Эмилия"), ("Таїсія", "Таисия"), ("Регіна", "Регина"), ("Руслана", "Руслана"), ("Марина", "Марина"),
    ("Олеся", "Олеся"), ("Роксолана", "Роксолана"), ("Василина", "Василиса"), ("Фаїна", "Фаина"),
    ("Ельвіра", "Эльвира"), ("Емма", "Эмма"), ("Євдокія", "Евдокия"), ("Нонна", "Нонна"), ("Жанета", "Жанетта"),
    ("Орися", "Орыся"), ("Ліна", "Лина"), ("Майя", "Майя"), ("Устина", "Устинья"), ("Килина", "Акулина"),
];

/// Ukrainian patronymics (man's, woman's) and their Russian forms.
#[rustfmt::skip]
const UA_PATRONYMICS: &[(&str, &str, &str, &str)] = &[
    ("Іванович", "Іванівна", "Иванович", "Ивановна"), ("Петрович", "Петрівна", "Петрович", "Петровна"),
    ("Миколайович", "Миколаївна", "Николаевич", "Николаевна"),
    ("Васильович", "Василівна", "Васильевич", "Васильевна"), ("Олегович", "Олегівна", "Олегович", "Олеговна"),
    ("Степанович", "Степанівна", "Степанович", "Степановна"),
    ("Анатолійович", "Анатоліївна", "Анатольевич", "Анатольевна"),
    ("Юрійович", "Юріївна", "Юрьевич", "Юрьевна"),
    ("Олександрович", "Олександрівна", "Александрович", "Александровна"),
    ("Андрійович", "Андріївна", "Андреевич", "Андреевна"), ("Сергійович", "Сергіївна", "Сергеевич", "Сергеевна"),
    ("Дмитрович", "Дмитрівна", "Дмитриевич", "Дмитриевна"),
    ("Михайлович", "Михайлівна", "Михайлович", "Михайловна"),
    ("Володимирович", "Володимирівна", "Владимирович", "Владимировна"),
    ("Вікторович", "Вікторівна", "Викторович", "Викторовна"),
    ("Григорович", "Григорівна", "Григорьевич", "Григорьевна"), ("Павлович", "Павлівна", "Павлович", "Павловна"),
    ("Леонідович", "Леонідівна", "Леонидович", "Леонидовна"),
    ("Валерійович", "Валеріївна", "Валерьевич", "Валерьевна"),
    ("Богданович", "Богданівна", "Богданович", "Богдановна"),
    ("Ярославович", "Ярославівна", "Ярославович", "Ярославовна"),
    ("Романович", "Романівна", "Романович", "Романовна"), ("Тарасович", "Тарасівна", "Тарасович", "Тарасовна"),
    ("Борисович", "Борисівна", "Борисович", "Борисовна"), ("Федорович", "Федорівна", "Фёдорович", "Фёдоровна"),
    ("Євгенович", "Євгенівна", "Евгеньевич", "Евгеньевна"), ("Ігорович", "Ігорівна", "Игоревич", "Игоревна"),
    ("Віталійович", "Віталіївна", "Витальевич", "Витальевна"),
    ("Валентинович", "Валентинівна", "Валентинович", "Валентиновна"),
    ("Геннадійович", "Геннадіївна", "Геннадьевич", "Геннадьевна"),
    ("Костянтинович", "Костянтинівна", "Константинович", "Константиновна"),
    ("Семенович", "Семенівна", "Семёнович", "Семёновна"), ("Йосипович", "Йосипівна", "Иосифович", "Иосифовна"),
    ("Ілліч", "Іллівна", "Ильич", "Ильинична"), ("Максимович", "Максимівна", "Максимович", "Максимовна"),
    ("Русланович", "Русланівна", "Русланович", "Руслановна"), ("Вадимович", "Вадимівна", "Вадимович", "Вадимовна"),
    ("Станіславович", "Станіславівна", "Станиславович", "Станиславовна"),
    ("Аркадійович", "Аркадіївна", "Аркадьевич", "Аркадьевна"),
    ("Георгійович", "Георгіївна", "Георгиевич", "Георгиевна"), ("Якович", "Яківна", "Яковлевич", "Яковлевна"),
    ("Данилович", "Данилівна", "Данилович", "Даниловна"), ("Кирилович", "Кирилівна", "Кириллович", "Кирилловна"),
    ("Захарович", "Захарівна", "Захарович", "Захаровна"), ("Антонович", "Антонівна", "Антонович", "Антоновна"),
    ("Назарович", "Назарівна", "Назарович", "Назаровна"), ("Остапович", "Остапівна", "Остапович", "Остаповна"),
    ("Панасович", "Панасівна", "Афанасьевич", "Афанасьевна"),
    ("Трохимович", "Трохимівна", "Трофимович", "Трофимовна"),
    ("Зіновійович", "Зіновіївна", "Зиновьевич", "Зиновьевна"),
];

/// Families of Ukrainian surnames from one root: look-alikes that are different names.
#[rustfmt::skip]
const UA_SURNAME_FAMILIES: &[&[&str]] = &[
    &["Коваленко", "Ковальчук", "Ковальський", "Ковалів", "Ковалишин", "Коваль", "Ковалевський"],
    &["Бондаренко", "Бондарчук", "Бондар", "Бондарук"], &["Ткаченко", "Ткачук", "Ткач", "Ткачишин"],
    &["Кравченко", "Кравчук", "Кравець", "Кравців"], &["Шевченко", "Шевчук", "Шевців"],
    &["Мельник", "Мельниченко", "Мельничук"], &["Петренко", "Петрук", "Петришин", "Петрів", "Петровський"],
    &["Іваненко", "Іванюк", "Іванишин", "Іванів", "Івасюк"], &["Павленко", "Павлюк", "Павлишин", "Павлів"],
    &["Марченко", "Маркович", "Марків", "Марчук"], &["Савченко", "Савчук", "Савицький"],
    &["Гончаренко", "Гончарук", "Гончар"], &["Руденко", "Рудь", "Рудницький"],
    &["Клименко", "Климчук", "Климович", "Климів"], &["Ярошенко", "Ярош", "Ярошук"], &["Лисенко", "Лисюк", "Лисак"],
    &["Сидоренко", "Сидорчук", "Сидорук"], &["Тимошенко", "Тимощук", "Тимошук"], &["Семененко", "Семенюк", "Семенів"],
    &["Литвиненко", "Литвин", "Литвинчук"], &["Мороз", "Морозенко", "Морозюк"],
    &["Олійник", "Олійниченко", "Олійничук"], &["Гриценко", "Грицюк", "Грицак", "Грицишин"],
    &["Мартиненко", "Мартинюк", "Мартинів", "Мартинович"], &["Бойко", "Бойченко", "Бойчук"],
    &["Кузьменко", "Кузьмич", "Кузьмук"], &["Гавриленко", "Гаврилюк", "Гаврилів", "Гаврилишин"],
    &["Остапенко", "Остапчук", "Остапович"], &["Прокопенко", "Прокопчук", "Прокопів"],
    &["Степаненко", "Степанюк", "Степанів"], &["Якименко", "Якимчук", "Якимів", "Якимович"],
    &["Демченко", "Демчук", "Демидів"], &["Дмитренко", "Дмитрук", "Дмитрів", "Дмитришин"],
    &["Карпенко", "Карпюк", "Карпів"], &["Захарченко", "Захарчук", "Захарів"], &["Тарасенко", "Тарасюк", "Тарасович"],
    &["Федоренко", "Федорчук", "Федорів", "Федорович"], &["Кириленко", "Кирилюк", "Кирилів"],
    &["Андрусенко", "Андрусишин", "Андрусів"], &["Лук'яненко", "Лук'янчук", "Лук'янець"],
    &["Юрченко", "Юрчук", "Юрків"], &["Антоненко", "Антонюк", "Антонів", "Антонович"],
    &["Михайленко", "Михайлюк", "Михайлів", "Михайлишин"], &["Мазур", "Мазуренко", "Мазурок", "Мазурик"],
    &["Білик", "Біленко", "Білий", "Білоус"], &["Чорновол", "Чорний", "Чорненко"], &["Зінченко", "Зінчук"],
    &["Козак", "Козаченко", "Козачук", "Козачишин"], &["Лях", "Ляшенко", "Ляшук"],
    &["Пономаренко", "Пономарчук", "Пономарьов"], &["Кушнір", "Кушніренко", "Кушнірук"],
    &["Шаповал", "Шаповаленко", "Шаповалюк"], &["Рибак", "Рибаченко", "Рибачук"],
    &["Головко", "Головченко", "Головчук", "Головатий"], &["Гнатюк", "Гнатенко", "Гнатишин"],
    &["Дорошенко", "Дорош", "Дорошук"], &["Коломойський", "Коломієць", "Коломієнко"],
];

/// Ukrainian surnames outside the families.
#[rustfmt::skip]
const UA_SURNAMES: &[&str] = &[
    "Поліщук", "Верещак", "Галушка", "Кобзар", "Сорока", "Ворона", "Горобець", "Вовк", "Заєць", "Лебідь",
    "Голуб", "Бугай", "Дзюба", "Гуцул", "Костенко", "Мирошниченко", "Нестеренко", "Осадчий", "Приходько",
    "Пилипенко", "Сірко", "Сердюк", "Скиба", "Собко", "Стасюк", "Тригуб", "Удовиченко", "Филипенко", "Харченко",
    "Цимбал", "Чумак", "Щербак", "Щербина", "Юхименко", "Яковенко", "Яремчук", "Баран", "Березовський",
    "Вакуленко", "Гайдай", "Гордієнко", "Данилюк", "Довженко", "Євтушенко", "Жук", "Задорожний", "Ігнатенко",
    "Йосипенко", "Кармелюк", "Лозинський", "Макаренко", "Назаренко", "Оліфіренко", "Панченко", "Романенко",
    "Середа", "Тищенко", "Устименко", "Фесенко", "Хоменко", "Цибуля", "Чайка", "Шульга", "Щур", "Гребенюк",
    "Вербицький", "Грабовський", "Дубовик", "Журавель", "Завгородній", "Ісаєнко", "Кривоніс", "Левченко",
    "Мамчур", "Нагорний", "Онищенко", "Очеретько", "Підгорний", "Ручко", "Самойленко", "Тесленко", "Федчишин",
    "Хмара", "Черненко", "Швець", "Ющенко", "Ясинський", "Гуменюк", "Дячук", "Загребельний", "Климко",
    "Лавренюк", "Матвієнко", "Никитюк", "Огороднік", "Процик", "Рудик", "Сахно", "Трохименко", "Фролов",
];

/// Endings of generated Ukrainian surnames.
const UA_SUFFIXES: &[&str] = &["енко", "чук", "юк", "ишин", "ський", "ович", "ів", "ак", "ець", "ко"];

/// Georgian given names (men's, women's).
#[rustfmt::skip]
const GE_GIVEN_M: &[&str] = &[
    "გიორგი", "დავით", "ლევან", "ირაკლი", "ნიკოლოზ", "ზურაბ", "ალექსანდრე", "ლაშა", "გიგა", "ბექა", "ლუკა",
    "საბა", "დიმიტრი", "ვახტანგ", "ილია", "თორნიკე", "ნიკა", "გურამ", "თემურ", "შოთა", "მამუკა", "ზვიად",
    "ბადრი", "კახა", "გოჩა", "ნოდარ", "რევაზ", "ტარიელ", "ავთანდილ", "ოთარ", "ჯემალ", "მერაბ", "ვლადიმერ",
    "სერგო", "ემზარ", "ამირან", "ბესიკ", "გელა", "გია", "დათო", "ელდარ", "ზაზა", "თამაზ", "კობა", "ლერი",
    "მიხეილ", "ნუგზარ", "პაატა", "რომან", "სოსო", "უჩა", "ფრიდონ", "შალვა", "ცოტნე", "ხვიჩა", "ჯაბა",
    "იოსებ", "ანზორ", "არჩილ", "ბაჩო", "გივი", "გოგი", "დემნა", "ვანო", "ვასილ", "თენგიზ", "იური",
    "კონსტანტინე", "ლადო", "მალხაზ", "ომარ", "პეტრე", "რეზო", "სანდრო", "სულხან", "ქართლოს", "ყარამან",
];
#[rustfmt::skip]
const GE_GIVEN_F: &[&str] = &[
    "ნინო", "თამარ", "მარიამ", "ანა", "ეკატერინე", "ქეთევან", "ნათია", "სალომე", "მაია", "ლია", "ნანა",
    "მანანა", "ირმა", "ხათუნა", "თეონა", "ელენე", "ნატო", "თინათინ", "ლელა", "მზია", "ციური", "ნესტან",
    "რუსუდან", "ეთერ", "ლალი", "ლიანა", "ნონა", "სოფიო", "ქეთი", "ხატია", "ინგა", "თეა", "ია", "ნუცა",
    "მაკა", "ელისო", "დარეჯან", "ზეინაბ", "ნაირა", "ნარგიზ", "ვერიკო", "ლამარა", "ციცინო", "ბელა", "გვანცა",
    "ელზა", "თეკლე", "ანანო", "ბარბარე", "მარიკა", "ნინი", "სოფო", "ქრისტინე", "შორენა", "ცირა", "ჟუჟუნა",
    "ლიკა", "მარინე", "ნათელა", "ეკა", "ირინე", "ლუიზა", "ფატი", "ყვარყვარე", "ჭიჭიკო",
];
/// Georgian surnames.
#[rustfmt::skip]
const GE_SURNAMES: &[&str] = &[
    "ბერიძე", "მაისურაძე", "კაპანაძე", "გელაშვილი", "ლომიძე", "ჯანელიძე", "ხარაიშვილი", "წიკლაური",
    "მამულაშვილი", "ქავთარაძე", "ნოზაძე", "ცინცაძე", "გიორგაძე", "ბოლქვაძე", "ჩხეიძე", "კვარაცხელია",
    "გოგოლაძე", "შენგელია", "ტაბატაძე", "ჭავჭავაძე", "წერეთელი", "დადიანი", "გამსახურდია", "ჟვანია",
    "ბურჯანაძე", "მარგველაშვილი", "ხიდაშელი", "კობახიძე", "ღარიბაშვილი", "ჯაფარიძე", "მელაძე", "სამხარაძე",
    "გოცირიძე", "ბაქრაძე", "ნადარეიშვილი", "კიკნაძე", "გაბუნია", "ჩიქოვანი", "ლორთქიფანიძე", "ქობალია",
    "ხუციშვილი", "მჭედლიშვილი", "ფხაკაძე", "აბაშიძე", "ინასარიძე", "კვიციანი", "ჯუღაშვილი", "ყაზბეგი",
    "ორბელიანი", "ამილახვარი", "ერისთავი", "ბარათაშვილი", "გურამიშვილი", "რუსთაველი", "ქიქოძე", "ჯავახიშვილი",
    "ახვლედიანი", "კაკაბაძე", "ფანცულაია", "ცქიტიშვილი", "ხაჩიძე", "მიქელაძე", "სულაბერიძე", "ნიჟარაძე",
    "ბექაური", "ჩოხელი", "ალავიძე", "ბუაძე", "გვარამია", "დვალი", "ელიავა", "ვაშაკიძე", "ზოიძე", "თოდუა",
    "იაშვილი", "კალანდაძე", "ლეჟავა", "მგალობლიშვილი", "ნაცვლიშვილი", "ოქრუაშვილი", "პაპავა", "რამიშვილი",
    "სიხარულიძე", "ტყეშელაშვილი", "ურუშაძე", "ფირცხალავა", "ქარჩავა", "ღლონტი", "ყიფიანი", "შარაშიძე",
    "ჩიტაძე", "ცაგარეიშვილი", "ძნელაძე", "წულაია", "ჭანტურია", "ხოშტარია", "ჯიქია", "მესხი", "ბერდზენიშვილი",
];
/// Roots and endings of generated Georgian surnames.
#[rustfmt::skip]
const GE_ROOTS: &[&str] = &[
    "ბერ", "კალან", "გოგოლ", "ტაბატ", "მელ", "სამხარ", "კიკნ", "ბაქრ", "ლომ", "ნოზ", "მაისურ", "კაპან", "ქავთარ",
    "ცინც", "გიორგ", "ბოლქვ", "ჯაფარ", "ალავ", "ვაშაკ", "ურუშ", "ძნელ", "ჩიტ", "შარაშ", "ხაჩ", "მიქელ", "ნიჟარ",
    "აბაშ", "ფხაკ", "გოცირ", "გელ", "მამულ", "ხარა", "ხუც", "მჭედლ", "ნაცვლ", "ოქრუა", "რამ", "ცაგარე", "ჯავახ",
    "ბარათ", "გურამ", "ნადარე", "ტყეშელ", "სიხარულ", "კობახ", "ღარიბ", "მარგველ", "ჯანელ", "მესხ", "ლორთქიფან",
];
const GE_SUFFIXES: &[&str] = &["იძე", "შვილი", "აძე", "ია", "ავა", "ანი", "ელი", "ური"];

/// English given names (men's, women's) and surnames.
#[rustfmt::skip]
const GB_GIVEN_M: &[&str] = &[
    "James", "Oliver", "David", "Thomas", "Robert", "Hamish", "William", "John", "Michael", "Richard", "Daniel",
    "Matthew", "Andrew", "Christopher", "Mark", "Paul", "Peter", "Stephen", "Simon", "Jonathan", "Benjamin",
    "Samuel", "Joseph", "Edward", "George", "Henry", "Charles", "Harry", "Jack", "Jacob", "Alexander", "Adam",
    "Luke", "Ryan", "Nathan", "Liam", "Callum", "Connor", "Ethan", "Lewis", "Owen", "Rhys", "Dylan", "Gareth",
    "Ian", "Graham", "Neil", "Alan", "Kevin", "Gary", "Martin", "Stuart", "Colin", "Keith", "Derek", "Malcolm",
    "Duncan", "Angus", "Fraser", "Euan", "Rory", "Declan", "Patrick", "Sean", "Aidan", "Rajesh", "Sanjay",
    "Imran", "Tariq", "Mohammed", "Ahmed", "Kwame", "Chinedu", "Tobias", "Hugo", "Rupert", "Giles", "Julian",
    "Nigel", "Trevor", "Barry", "Dennis", "Roger", "Clive", "Geoffrey", "Howard", "Philip", "Anthony", "Vincent",
];
#[rustfmt::skip]
const GB_GIVEN_F: &[&str] = &[
    "Sarah", "Emma", "Helen", "Amelia", "Priya", "Fiona", "Olivia", "Charlotte", "Sophie", "Emily", "Jessica",
    "Hannah", "Lucy", "Grace", "Chloe", "Rebecca", "Laura", "Rachel", "Katherine", "Elizabeth", "Victoria",
    "Alice", "Eleanor", "Harriet", "Isabel", "Georgina", "Philippa", "Rosalind", "Margaret", "Susan", "Jennifer",
    "Karen", "Julie", "Claire", "Nicola", "Joanne", "Michelle", "Amanda", "Deborah", "Tracey", "Gillian",
    "Morag", "Kirsty", "Ailsa", "Eilidh", "Siobhan", "Niamh", "Bethan", "Cerys", "Rhiannon", "Anjali", "Sunita",
    "Aisha", "Fatima", "Ngozi", "Abena", "Zara", "Imogen", "Poppy", "Daisy", "Freya", "Ruby", "Molly", "Megan",
    "Lauren", "Natalie", "Samantha", "Danielle", "Kelly", "Lisa", "Angela", "Pauline", "Sandra", "Janet", "Wendy",
];
#[rustfmt::skip]
const GB_SURNAMES: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Patel", "Walker", "Hughes", "Clarke",
    "O'Neill", "MacDonald", "Okafor", "Johnson", "Roberts", "Wright", "Thompson", "White", "Green", "Hall",
    "Wood", "Harris", "Martin", "Jackson", "Clark", "Lewis", "Edwards", "Turner", "Hill", "Moore", "Cooper",
    "Ward", "Morris", "King", "Watson", "Harrison", "Morgan", "Baker", "Young", "Allen", "Mitchell", "Anderson",
    "Bell", "Campbell", "Stewart", "Murray", "Robertson", "Scott", "Reid", "Ross", "Paterson", "Fraser",
    "Henderson", "Graham", "Kerr", "Hamilton", "Davies", "Thomas", "Price", "Phillips", "Powell", "Lloyd",
    "Owen", "Jenkins", "Griffiths", "Rees", "Morgan-Jones", "Kelly", "Murphy", "Byrne", "Doyle", "Quinn",
    "Gallagher", "Khan", "Ahmed", "Ali", "Hussain", "Singh", "Kaur", "Shah", "Sharma", "Mensah", "Adeyemi",
    "Nwosu", "Chen", "Wong", "Nguyen", "Kowalski", "Nowak", "Rossi", "Fernandes", "Barker", "Chapman", "Fletcher",
    "Gibson", "Hunt", "Knight", "Lawrence", "Marshall", "Mason", "Palmer", "Pearce", "Richardson", "Russell",
    "Shaw", "Simpson", "Stevens", "Webb", "Wells", "Wheeler", "Whitehead", "Atkinson", "Bennett", "Booth",
    "Bradley", "Butler", "Carter", "Cole", "Collins", "Cook", "Cox", "Crawford", "Dixon", "Ellis", "Ferguson",
    "Fisher", "Foster", "Gardner", "Gordon", "Grant", "Gray", "Hart", "Hayes", "Holmes", "Howard", "Hudson",
    "Hutchinson", "Johnston", "Kennedy", "Lamb", "Lane", "Lee", "Lowe", "Mills", "Newman", "Nicholson", "Parker",
    "Payne", "Pollard", "Porter", "Reynolds", "Rogers", "Rose", "Saunders", "Spencer", "Stone", "Sutton",
    "Tucker", "Walsh", "Warren", "Watts", "Wilkinson", "Woods", "Armitage", "Ashworth", "Bainbridge", "Blackwood",
    "Carrington", "Drummond", "Fairweather", "Galbraith", "Holloway", "Iverson", "Kilpatrick", "Longbottom",
    "McAllister", "Ogilvie", "Pemberton", "Ravenscroft", "Sinclair", "Thornton", "Urquhart", "Whitfield",
];
const GB_SUFFIXES: &[&str] = &["son", "ton", "ley", "well", "field", "wood", "by", "ham", "ford", "er", "man", "ridge"];

// ---------------------------------------------------------------------------------------------------
// Vocabulary: organisations

#[rustfmt::skip]
const UA_STEMS: &[&str] = &[
    "ЕНЕРГО", "АГРО", "МЕД", "ФАРМ", "ТЕХНО", "УКР", "ДНІПРО", "ГАЛИЧ", "ПОДІЛ", "БУД", "ПОЛТАВ", "СВІТЛО",
    "КАРПАТ", "СЛОБОЖАН", "ТЕПЛО", "ВОДО", "ГАЗО", "ЕЛЕКТРО", "АВТО", "ТРАНС", "ПРОМ", "ХІМ", "МЕТАЛ", "БІО",
    "ЕКО", "ІНТЕР", "ЗАХІД", "СХІД", "ДОН", "ПРИКАРПАТ", "ВОЛИНЬ", "КИЇВ", "ЛЬВІВ", "ОДЕС", "ХАРКІВ", "ЧЕРКАС",
    "СУМИ", "РІВНЕ", "ЖИТОМИР", "ВІННИЦЬ", "НАФТО", "ЛІС", "ЗЕРНО", "МОЛОКО", "ХЛІБО", "СТАЛЬ", "КАБЕЛЬ",
    "СКЛО", "ДЕРЕВО", "ПАПІР", "ТЕКСТИЛЬ", "ОФІС", "КОМП", "СОФТ", "ІНФО", "ТЕЛЕКОМ", "МЕДІА", "ОПТИМА", "ПРІМА",
    "НОВА", "ГОЛД", "СІТІ", "ЛАЙФ", "ВЕСТ", "ІСТ", "ЮНІ", "МАКС", "МЕГА", "СУПЕР",
];
#[rustfmt::skip]
const UA_SUFFIXES_ORG: &[&str] = &[
    "СЕРВІС", "ПОСТАЧ", "ІНВЕСТ", "ТРЕЙД", "БУД", "ПЛАСТ", "ТОРГ", "РЕСУРС", "ПРОЕКТ", "МОНТАЖ", "КОМПЛЕКТ",
    "ЛАЙН", "СИСТЕМ", "ТЕХ", "ПРОМ", "ЦЕНТР", "ГРУП", "ЛЮКС", "МАРКЕТ", "ЕКСПОРТ", "СТРОЙ", "ДІМ", "МАЙСТЕР",
    "ЛОГІСТИК", "МЕРЕЖА", "КОНТРАКТ", "АЛЬЯНС", "ОПТ", "ЗБУТ", "ПОСТАВКА", "ГАЗ", "ТРАНС", "АГРО", "ФАРМ",
];
#[rustfmt::skip]
const UA_SECOND: &[&str] = &[
    "ПЛЮС", "ГРУП", "ХОЛДИНГ", "2000", "21", "УКРАЇНА", "КИЇВ", "ЛЬВІВ", "ПОЛТАВА", "ЗАХІД", "СХІД", "ЦЕНТР",
    "НОВА", "ПРО", "ІНТЕРНЕШНЛ", "ЛТД", "СЕРВІС", "КОМПАНІ", "ПАРТНЕР", "ЯСЕНЬКИ", "ПІВДЕНЬ", "ПІВНІЧ",
];
#[rustfmt::skip]
const GE_STEMS: &[&str] = &[
    "იბერია", "კოლხეთი", "კავკასია", "ენერგო", "ფარმა", "ტექნო", "ჯეო", "ქართული", "მშენებელი", "ალიანსი",
    "ალაზანი", "მტკვარი", "რიონი", "ენგური", "არაგვი", "სვანეთი", "კახეთი", "იმერეთი", "გურია", "აჭარა",
    "მესხეთი", "ლაზიკა", "ოქროს", "ვარდი", "ლომი", "არწივი", "მზიური", "ნავთობი", "აგრო", "მედი", "ბათუმი",
    "თბილისი", "ქუთაისი", "ივერია", "საქართველო", "ახალი", "დიდი", "კარგი", "სანდო", "მთა",
];
#[rustfmt::skip]
const GE_SECOND: &[&str] = &[
    "ჯგუფი", "პლუსი", "სერვისი", "ტრეიდი", "ინვესტი", "კონსტრაქშენი", "2000", "დეველოპმენტი", "ჰოლდინგი",
    "ლოჯისტიკა", "ენერჯი", "მედი", "ფარმი", "ბილდინგი", "კომპანი", "სისტემსი", "ტექი", "ჰაუსი", "მარკეტი",
    "ექსპორტი", "გზამშენი", "მშენი", "სახლი", "ცენტრი",
];
#[rustfmt::skip]
const GB_STEMS: &[&str] = &[
    "Baltic", "Nordic", "Alpha", "Thames", "Danube", "Caucasus", "Black Sea", "Medline", "Pennine", "Highland",
    "Silk Road", "Trans", "Albion", "Severn", "Mercia", "Wessex", "Anglia", "Cambrian", "Clyde", "Tyne",
    "Humber", "Mersey", "Solent", "Cotswold", "Chiltern", "Pentland", "Grampian", "Orchard", "Oakwood",
    "Riverside", "Meridian", "Apex", "Summit", "Pinnacle", "Beacon", "Horizon", "Vanguard", "Sterling", "Crown",
    "Phoenix", "Atlas", "Zenith", "Vertex", "Nova", "Stellar", "Quantum", "Vector", "Kestrel", "Falcon", "Heron",
    "Osprey", "Merlin", "Harbour", "Keystone", "Cornerstone", "Bridgewater", "Greenfield", "Westbrook", "Ashford",
    "Brightwater", "Castlegate", "Elmfield", "Foxhill", "Hawthorn", "Ironbridge", "Kingsway", "Lakeside",
];
#[rustfmt::skip]
const GB_SECOND: &[&str] = &[
    "Supply", "Medical Systems", "Build Group", "Trading", "Logistics", "Energy", "Solutions", "Engineering",
    "Capital", "Holdings", "Investments", "Properties", "Consulting", "Services", "Construction", "Developments",
    "Technologies", "Healthcare", "Facilities Management", "Security", "Catering", "Cleaning Services",
    "Software", "Data", "Analytics", "Infrastructure", "Transport", "Recruitment", "Training", "Environmental",
];

const GB_QUALIFIERS: &[&str] = &[
    "UK",
    "Europe",
    "North",
    "South",
    "Midlands",
    "Scotland",
    "Wales",
    "2010",
    "2015",
    "2020",
    "Global",
    "Northern",
    "Southern",
    "Western",
    "Eastern",
    "Central",
    "Direct",
    "(Holdings)",
    "(UK)",
    "One",
];

/// Cities, as adjectives in the genitive ("of the … city council").
#[rustfmt::skip]
const UA_CITY_ADJ: &[&str] = &[
    "Полтавської", "Київської", "Львівської", "Харківської", "Одеської", "Вінницької", "Житомирської",
    "Черкаської", "Сумської", "Рівненської", "Тернопільської", "Луцької", "Ужгородської", "Чернігівської",
    "Херсонської", "Миколаївської", "Запорізької", "Дніпровської", "Кропивницької", "Хмельницької",
];
const UA_PUBLIC: &[&str] = &[
    "КНП «Міська лікарня №{n}» {c} міської ради",
    "Ліцей №{n} {c} міської ради",
    "Заклад дошкільної освіти №{n} {c} міської ради",
    "КП «Житлоексплуатація-{n}» {c} міської ради",
    "Управління освіти {c} міської ради {n}",
];
#[rustfmt::skip]
const GE_CITY_GEN: &[&str] = &[
    "თბილისის", "ბათუმის", "ქუთაისის", "რუსთავის", "ზუგდიდის", "გორის", "თელავის", "ფოთის", "სამტრედიის",
    "ხაშურის", "ზესტაფონის", "მარნეულის", "ახალციხის", "ოზურგეთის", "ამბროლაურის", "მცხეთის", "ბორჯომის",
];
const GE_PUBLIC: &[&str] = &[
    "სსიპ {c} №{n} საჯარო სკოლა",
    "{c} მუნიციპალიტეტის მერია {n}",
    "ა(ა)იპ {c} №{n} საბავშვო ბაღი",
    "{c} №{n} სამშობიარო სახლი",
];
#[rustfmt::skip]
const GB_CITIES: &[&str] = &[
    "Leeds", "Manchester", "Birmingham", "Bristol", "Sheffield", "Liverpool", "Newcastle", "Nottingham",
    "Leicester", "Coventry", "Bradford", "Cardiff", "Swansea", "Edinburgh", "Glasgow", "Aberdeen", "Dundee",
    "Belfast", "Norwich", "Exeter", "Plymouth", "York", "Hull", "Derby",
];
const GB_PUBLIC: &[&str] =
    &["{c} City Council {n}", "{s} Academy {c} {n}", "NHS {c} Integrated Care Board {n}", "{s} Primary School {c} {n}"];

const UA_PARTIES: &[&str] = &[
    "Партія «Ясеньківська громада»",
    "Партія «Нова Полтава»",
    "Партія «Рідний край»",
    "Партія «Громадянська сила»",
    "Партія «Зелена долина»",
    "Партія «Об'єднані громади»",
];
const GE_PARTIES: &[&str] =
    &["მთისძირის განვითარების პარტია", "ქართული ალიანსი", "მწვანე ველი", "თავისუფალი რეგიონები", "ახალი მთიანეთი"];
const GB_PARTIES: &[&str] =
    &["Albion Party", "Pennine Independents", "Coastal Alliance", "Green Valley Party", "United Counties Party"];

// ---------------------------------------------------------------------------------------------------
// Scripts: case, Russian forms, romanisations other than openreg's, typos

fn is_georgian(c: char) -> bool {
    ('\u{10A0}'..='\u{10FF}').contains(&c) || ('\u{1C90}'..='\u{1CBF}').contains(&c)
}

/// Capitalises each word (split at spaces and hyphens): `ЕНЕРГОСЕРВІС-ПЛЮС` → `Енергосервіс-Плюс`.
/// Georgian has no case and is left as it is (its upper case, Mtavruli, is used for headings).
fn title(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        if is_georgian(c) {
            out.push(c);
        } else if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = matches!(c, ' ' | '-' | '«' | '"' | '„');
    }
    out
}

/// `ТОВАРИСТВО З ОБМЕЖЕНОЮ …` → `Товариство з обмеженою …`.
fn sentence(text: &str) -> String {
    let lower = text.to_lowercase();
    let mut cs = lower.chars();
    cs.next().map(|c| c.to_uppercase().chain(cs).collect()).unwrap_or_default()
}

fn upper(text: &str) -> String {
    text.chars().map(|c| if is_georgian(c) { c.to_string() } else { c.to_uppercase().collect() }).collect()
}

/// Applies `f` to each word of `text` in lower case and restores the word's case: all capitals,
/// capitalised, or lower.
fn per_word(text: &str, mut f: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut word = String::new();
    let mut flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
        let all_upper = letters.len() > 1 && letters.iter().all(|c| c.is_uppercase());
        let capital = letters.first().is_some_and(|c| c.is_uppercase());
        let done = f(&word.to_lowercase());
        if all_upper {
            out.push_str(&done.to_uppercase());
        } else if capital {
            let mut cs = done.chars();
            if let Some(first) = cs.next() {
                out.extend(first.to_uppercase());
                out.push_str(cs.as_str());
            }
        } else {
            out.push_str(&done);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphabetic() || matches!(c, '\'' | '’' | 'ʼ') {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A Ukrainian word as Russian spells it (Лисенко → Лысенко, Ковальський → Ковальский, Кравців →
/// Кравцов, ЕНЕРГОСЕРВІС → ЭНЕРГОСЕРВИС). An approximation, as the press makes it.
fn uk_to_ru(text: &str) -> String {
    per_word(text, |w| {
        let (stem, ending) = [
            ("ський", "ский"),
            ("цький", "цкий"),
            ("зький", "зкий"),
            ("ська", "ская"),
            ("цька", "цкая"),
            ("ів", "ов"),
            ("їв", "ев"),
        ]
        .iter()
        .find(|(uk, _)| w.ends_with(uk) && w.chars().count() > uk.chars().count() + 1)
        .map(|(uk, ru)| (&w[..w.len() - uk.len()], *ru))
        .unwrap_or((w, ""));
        let chars: Vec<char> = stem.chars().collect();
        let mut out = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            match c {
                'и' if prev.is_some_and(|p| "гкхжчшщ".contains(p)) => out.push('и'),
                'и' => out.push('ы'),
                'і' | 'ї' => out.push('и'),
                'є' => out.push('е'),
                'ґ' => out.push('г'),
                'е' if i == 0 => out.push('э'),
                '\'' | '’' | 'ʼ' => out.push('ь'),
                _ => out.push(c),
            }
        }
        // "-ий" at the end of an adjective-like surname: Білий → Белый is beyond these rules.
        out.push_str(ending);
        out
    })
}

/// Georgian letters as Russian Cyrillic writes them (ბერიძე → Беридзе, ჯუღაშვილი → Джугашвили).
fn ge_to_cyr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        let s = match c {
            'ა' => "а",
            'ბ' => "б",
            'გ' => "г",
            'დ' => "д",
            'ე' => "е",
            'ვ' => "в",
            'ზ' => "з",
            'თ' => "т",
            'ი' => "и",
            'კ' => "к",
            'ლ' => "л",
            'მ' => "м",
            'ნ' => "н",
            'ო' => "о",
            'პ' => "п",
            'ჟ' => "ж",
            'რ' => "р",
            'ს' => "с",
            'ტ' => "т",
            'უ' => "у",
            'ფ' => "ф",
            'ქ' => "к",
            'ღ' => "г",
            'ყ' => "к",
            'შ' => "ш",
            'ჩ' => "ч",
            'ც' => "ц",
            'ძ' => "дз",
            'წ' => "ц",
            'ჭ' => "ч",
            'ხ' => "х",
            'ჯ' => "дж",
            'ჰ' => "х",
            _ => {
                out.push(c);
                start = !c.is_alphabetic();
                continue;
            }
        };
        if start {
            let mut cs = s.chars();
            if let Some(first) = cs.next() {
                out.extend(first.to_uppercase());
                out.push_str(cs.as_str());
            }
        } else {
            out.push_str(s);
        }
        start = false;
    }
    out
}

/// The spelling choices of one writer of Latin names from Cyrillic or Georgian, drawn once per
/// mention so that a name is spelled consistently.
#[derive(Clone, Copy)]
struct Dialect {
    /// Г as G (Igor, Grigoriy) instead of H (Ihor, Hryhorii).
    g_for_h: bool,
    /// И as I (Mikola) instead of Y (Mykola).
    i_for_y: bool,
    /// -ий: 0 yi (KMU), 1 yy, 2 y, 3 iy.
    end_yi: u8,
    /// Й as Y (Kolomoyskyy) instead of I.
    y_short: bool,
    /// Ю, Я, Є as yu, ya, ye everywhere instead of iu, ia, ie inside a word.
    iotated_y: bool,
    /// Ї as I instead of Yi.
    yi_i: bool,
    /// Х as H instead of Kh.
    kh_h: bool,
    /// Ь as an apostrophe.
    soft_apostrophe: bool,
    /// Georgian: ყ as K (Kazbegi), ღ as G (Jugashvili), ჯ as Dj.
    q_k: bool,
    gh_g: bool,
    j_dj: bool,
}

impl Dialect {
    fn draw(r: &mut Rng) -> Dialect {
        Dialect {
            g_for_h: r.chance(0.35),
            i_for_y: r.chance(0.15),
            end_yi: r.weighted(&[25, 30, 30, 15]) as u8,
            y_short: r.chance(0.6),
            iotated_y: r.chance(0.7),
            yi_i: r.chance(0.3),
            kh_h: r.chance(0.08),
            soft_apostrophe: r.chance(0.1),
            q_k: r.chance(0.5),
            gh_g: r.chance(0.5),
            j_dj: r.chance(0.1),
        }
    }
}

fn is_vowel_cyr(c: char) -> bool {
    "аеєиіїоуюяыэё'ьъ".contains(c)
}

/// Ukrainian in Latin letters the way the press and older passports write it (Kolomoyskyy,
/// Kolomoisky, Igor, Yuriy), not by the national system.
fn uk_press(text: &str, d: Dialect) -> String {
    per_word(text, |w| {
        let chars: Vec<char> = w.chars().filter(|c| !matches!(c, '\'' | '’' | 'ʼ')).collect();
        let n = chars.len();
        let mut out = String::new();
        let mut i = 0;
        while i < n {
            let c = chars[i];
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let initial = prev.is_none_or(is_vowel_cyr);
            // Endings -ий / -ій.
            if i + 2 == n && chars[i + 1] == 'й' && (c == 'и' || c == 'і') {
                out.push_str(match (c, d.end_yi) {
                    ('и', 0) => "yi",
                    ('и', 1) => "yy",
                    ('и', 2) => "y",
                    ('и', _) => "iy",
                    (_, 0) => "ii",
                    (_, 1) => "iy",
                    (_, 2) => "y",
                    _ => "i",
                });
                break;
            }
            let s: &str = match c {
                'а' => "a",
                'б' => "b",
                'в' => "v",
                'г' if d.g_for_h => "g",
                'г' => "h",
                'ґ' => "g",
                'д' => "d",
                'е' => "e",
                'є' if initial || d.iotated_y => "ye",
                'є' => "ie",
                'ж' => "zh",
                'з' => "z",
                'и' if d.i_for_y => "i",
                'и' => "y",
                'і' => "i",
                'ї' if d.yi_i => "i",
                'ї' => "yi",
                'й' if d.y_short => "y",
                'й' => "i",
                'к' => "k",
                'л' => "l",
                'м' => "m",
                'н' => "n",
                'о' => "o",
                'п' => "p",
                'р' => "r",
                'с' => "s",
                'т' => "t",
                'у' => "u",
                'ф' => "f",
                'х' if d.kh_h => "h",
                'х' => "kh",
                'ц' => "ts",
                'ч' => "ch",
                'ш' => "sh",
                'щ' => "shch",
                'ь' if d.soft_apostrophe => "'",
                'ь' => "",
                'ю' if initial || d.iotated_y => "yu",
                'ю' => "iu",
                'я' if initial || d.iotated_y => "ya",
                'я' => "ia",
                _ => {
                    out.push(c);
                    i += 1;
                    continue;
                }
            };
            out.push_str(s);
            i += 1;
        }
        out
    })
}

/// Russian Cyrillic in Latin letters as the press writes it (Игорь Коломойский → Igor Kolomoisky).
fn ru_latin(text: &str, d: Dialect) -> String {
    per_word(text, |w| {
        let chars: Vec<char> = w.chars().collect();
        let n = chars.len();
        let mut out = String::new();
        let mut i = 0;
        while i < n {
            let c = chars[i];
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let initial = prev.is_none_or(is_vowel_cyr);
            if i + 2 == n && chars[i + 1] == 'й' && (c == 'и' || c == 'ы') {
                out.push_str(match d.end_yi {
                    0 | 2 => "y",
                    1 => "iy",
                    _ => "ii",
                });
                break;
            }
            let s: &str = match c {
                'а' => "a",
                'б' => "b",
                'в' => "v",
                'г' => "g",
                'д' => "d",
                'е' if initial && i > 0 && d.iotated_y => "ye",
                'е' => "e",
                'ё' if d.iotated_y => "yo",
                'ё' => "e",
                'ж' => "zh",
                'з' => "z",
                'и' => "i",
                'й' if d.y_short => "y",
                'й' => "i",
                'к' => "k",
                'л' => "l",
                'м' => "m",
                'н' => "n",
                'о' => "o",
                'п' => "p",
                'р' => "r",
                'с' => "s",
                'т' => "t",
                'у' => "u",
                'ф' => "f",
                'х' if d.kh_h => "h",
                'х' => "kh",
                'ц' => "ts",
                'ч' => "ch",
                'ш' => "sh",
                'щ' => "shch",
                'ъ' => "",
                'ы' => "y",
                'ь' if d.soft_apostrophe => "'",
                'ь' => "",
                'э' => "e",
                'ю' if initial || d.iotated_y => "yu",
                'ю' => "iu",
                'я' if initial || d.iotated_y => "ya",
                'я' => "ia",
                _ => {
                    out.push(c);
                    i += 1;
                    continue;
                }
            };
            out.push_str(s);
            i += 1;
        }
        out
    })
}

/// Georgian in Latin letters as English-language writers do: the national system without the
/// apostrophes of the ejectives, and often k for q (Kazbegi), g for gh (Jugashvili).
fn ge_press(text: &str, d: Dialect) -> String {
    let mut s: String = latin(text).chars().filter(|c| *c != '\'').collect();
    if d.q_k {
        s = s.replace('q', "k");
    }
    if d.gh_g {
        s = s.replace("gh", "g");
    }
    if d.j_dj {
        s = s.replace('j', "dj");
    }
    title(&s)
}

/// The national romanisation through openreg's own `latin`, capitalised.
fn national(text: &str) -> String {
    let s: String = latin(text).chars().filter(|c| *c != '\'').collect();
    title(&s)
}

/// One edit in one word of at least 5 letters, never its first letter: a substitution by a letter
/// of the same script, a deletion, a doubling or a transposition.
fn typo(text: &str, r: &mut Rng) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let candidates: Vec<usize> = (0..words.len()).filter(|&i| words[i].chars().count() >= 5).collect();
    if candidates.is_empty() {
        return text.to_string();
    }
    let wi = *r.pick(&candidates);
    let mut chars: Vec<char> = words[wi].chars().collect();
    let at = 1 + r.below_usize(chars.len() - 1);
    if !chars[at].is_alphabetic() {
        return text.to_string();
    }
    match r.below(4) {
        0 => {
            let c = chars[at];
            let alphabet: &[char] = if is_georgian(c) {
                &['ა', 'ე', 'ი', 'ო', 'უ', 'ბ', 'დ', 'ლ', 'მ', 'ნ', 'რ', 'ს', 'ტ', 'ძ', 'შ', 'ვ']
            } else if ('\u{400}'..='\u{4FF}').contains(&c) {
                &['а', 'е', 'и', 'і', 'о', 'у', 'к', 'л', 'м', 'н', 'р', 'с', 'т', 'в', 'ч', 'ш']
            } else {
                &['a', 'e', 'i', 'o', 'u', 'y', 'k', 'l', 'm', 'n', 'r', 's', 't', 'v', 'h', 'z']
            };
            let mut x = *r.pick(alphabet);
            if x == c.to_lowercase().next().unwrap_or(c) {
                x = alphabet[(alphabet.iter().position(|a| *a == x).unwrap_or(0) + 1) % alphabet.len()];
            }
            chars[at] = if c.is_uppercase() { x.to_uppercase().next().unwrap_or(x) } else { x };
        }
        1 if chars.len() > 5 => {
            chars.remove(at);
        }
        2 => {
            let c = chars[at];
            chars.insert(at, c);
        }
        _ if at + 1 < chars.len() && chars[at + 1].is_alphabetic() => chars.swap(at, at + 1),
        _ => {
            let c = chars[at];
            chars.insert(at, c);
        }
    }
    let word: String = chars.into_iter().collect();
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    out[wi] = word;
    out.join(" ")
}

/// A generated word from syllables of a script: rare surnames and company brands.
fn syllables(r: &mut Rng, country: Country, n: usize, closed: bool) -> String {
    let (consonants, vowels, finals): (&[&str], &[&str], &[&str]) = match country {
        Country::Ua => (
            &["б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "ф", "х", "ц", "ч", "ш"],
            &["а", "е", "и", "і", "о", "у"],
            &["к", "с", "н", "р", "т", "л", "м"],
        ),
        Country::Ge => (
            &[
                "ბ", "გ", "დ", "ვ", "ზ", "თ", "კ", "ლ", "მ", "ნ", "პ", "რ", "ს", "ტ", "ფ", "ქ", "ღ", "ყ", "შ", "ჩ",
                "ც", "ძ", "წ", "ჭ", "ხ", "ჯ",
            ],
            &["ა", "ე", "ი", "ო", "უ"],
            &["რ", "ლ", "ნ", "მ", "ს"],
        ),
        Country::Gb => (
            &["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "br", "st", "tr", "gr"],
            &["a", "e", "i", "o", "u", "ai", "ea", "o"],
            &["n", "r", "s", "x", "l", "ck", "m"],
        ),
    };
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(r.pick::<&str>(consonants));
        s.push_str(r.pick::<&str>(vowels));
    }
    if closed {
        s.push_str(r.pick::<&str>(finals));
    }
    s
}

// ---------------------------------------------------------------------------------------------------
// The world

#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
enum Country {
    Ua,
    Ge,
    Gb,
}

impl Country {
    fn code(self) -> &'static str {
        match self {
            Country::Ua => "UA",
            Country::Ge => "GE",
            Country::Gb => "GB",
        }
    }
    fn name_en(self) -> &'static str {
        match self {
            Country::Ua => "Ukraine",
            Country::Ge => "Georgia",
            Country::Gb => "United Kingdom",
        }
    }
    /// The country's name as a publisher in `lang` writes it (names openreg reads).
    fn name_in(self, lang: Country) -> &'static str {
        match (self, lang) {
            (Country::Ua, Country::Ua) => "Україна",
            (Country::Ge, Country::Ge) => "საქართველო",
            (Country::Ge, Country::Ua) => "Грузія",
            (c, _) => c.name_en(),
        }
    }
    fn currency(self) -> &'static str {
        match self {
            Country::Ua => "UAH",
            Country::Ge => "GEL",
            Country::Gb => "GBP",
        }
    }
}

fn draw_country(r: &mut Rng) -> Country {
    match r.weighted(&[45, 25, 30]) {
        0 => Country::Ua,
        1 => Country::Ge,
        _ => Country::Gb,
    }
}

/// How an entity came to be named as it is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Relation {
    Original,
    /// The same name as an earlier entity of the same country, and a different entity.
    Namesake(u64),
    /// A name like an earlier entity's (a sibling, another surname of one family, "X Plus").
    LookAlike(u64),
    /// A company with the name of an earlier one of another country.
    Twin(u64),
}

/// A surname: one of a family (Kovalenko, Kovalchuk), a surname of the list, or a generated one
/// (root and ending).
#[derive(Clone, PartialEq, Eq, Debug)]
enum Surname {
    Family(usize, usize),
    Listed(usize),
    Made(String, usize),
}

#[derive(Clone, Debug)]
struct Person {
    idx: u64,
    /// The name family: the original whose name this one copies or imitates, or itself.
    root: u64,
    country: Country,
    female: bool,
    given: usize,
    /// Father's name, for the Ukrainian patronymic.
    father: usize,
    surname: Surname,
    /// A middle name (British), by index into the given names of the person's sex.
    middle: Option<usize>,
    /// Days since 1970-01-01.
    born: i64,
    /// Every mention carries a tax number or a birth date (namesakes).
    distinct: bool,
}

/// What every dataset needs to know about a person without building the name.
#[derive(Clone, Copy)]
struct PersonMeta {
    country: Country,
    sole_trader: bool,
    in_bods: bool,
    gb_record: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Form {
    Llc,
    Private,
    Jsc,
    Llp,
    /// Public bodies: the form is part of the name.
    None,
}

#[derive(Clone, Debug)]
struct Org {
    idx: u64,
    root: u64,
    country: Country,
    public: bool,
    /// The name without its legal form, in the country's script: upper-case Cyrillic for Ukraine
    /// (or Latin, for a Ukrainian company with an English name), Georgian, title-case English.
    core: String,
    form: Form,
    /// Every mention carries the registry number (same-country namesakes) or the country (twins).
    distinct: bool,
    postcode: String,
}

#[derive(Clone, Copy)]
struct OrgMeta {
    country: Country,
    public: bool,
    in_bods: bool,
    ocds_k: u32,
}

/// Rates of planted hard negatives and the sizes of the world.
struct World {
    seed: u64,
    orgs: u64,
    persons: u64,
    namesake_rate: f64,
    lookalike_rate: f64,
    twin_rate: f64,
    /// `--labelled-only`: every entity built once, with chance collisions marked distinct.
    persons_cache: Option<Vec<Person>>,
    orgs_cache: Option<Vec<Org>>,
}

/// Every 25th organisation is a public body (a buyer).
const PUBLIC_EVERY: u64 = 25;

impl World {
    fn person_meta(&self, p: u64) -> PersonMeta {
        let mut r = Rng::derive(self.seed, S_PERSON_META, p);
        let country = draw_country(&mut r);
        let sole_trader = country != Country::Gb && r.chance(0.06);
        let in_bods = r.chance(0.85);
        let gb_record = country != Country::Gb && r.chance(0.08);
        PersonMeta { country, sole_trader, in_bods, gb_record }
    }

    fn org_meta(&self, o: u64) -> OrgMeta {
        let mut r = Rng::derive(self.seed, S_ORG_META, o);
        let country = draw_country(&mut r);
        let public = o.is_multiple_of(PUBLIC_EVERY);
        let in_bods = !public && r.chance(0.55);
        let ocds_k = if public {
            0
        } else {
            match r.weighted(&[45, 38, 9, 8]) {
                0 => 0,
                1 => 1,
                2 => 2,
                _ => 3 + r.below(4) as u32,
            }
        };
        OrgMeta { country, public, in_bods, ocds_k }
    }

    fn person(&self, p: u64) -> Person {
        match &self.persons_cache {
            Some(cache) if (p as usize) < cache.len() => cache[p as usize].clone(),
            _ => self.make_person(p),
        }
    }

    fn org(&self, o: u64) -> Org {
        match &self.orgs_cache {
            Some(cache) if (o as usize) < cache.len() => cache[o as usize].clone(),
            _ => self.make_org(o),
        }
    }

    /// An earlier entity near `i` (names are copied from the neighbourhood), or None for the first.
    fn earlier(r: &mut Rng, i: u64) -> Option<u64> {
        (i > 0).then(|| i - 1 - r.below(i.min(5_000)))
    }

    /// One entity in 16 has a name others share (namesakes and twins copy only these), and so
    /// carries what tells it apart (an identifier, a birth date, its country) in every mention.
    fn shared_name(&self, person: bool, i: u64) -> bool {
        mix(self.seed ^ mix(i.wrapping_mul(2) + person as u64) ^ 0x5a4e).is_multiple_of(16)
    }

    /// The nearest entity at or before `from` whose name may be shared and that `fits`.
    fn shared_before(&self, person: bool, from: u64, fits: impl Fn(u64) -> bool) -> Option<u64> {
        (0..=from.min(400)).map(|k| from - k).find(|&q| self.shared_name(person, q) && fits(q))
    }

    fn make_person(&self, p: u64) -> Person {
        let meta = self.person_meta(p);
        let mut r = Rng::derive(self.seed, S_PERSON, p);
        let roll = r.next_u64() as f64 / u64::MAX as f64;
        let target = Self::earlier(&mut r, p);
        let mut relation = match target {
            Some(q) if roll < self.namesake_rate => self
                .shared_before(true, q, |q| self.person_meta(q).country == meta.country)
                .map_or(Relation::Original, Relation::Namesake),
            Some(q) if roll < self.namesake_rate + self.lookalike_rate => Relation::LookAlike(q),
            _ => Relation::Original,
        };
        // Copies come from a person of the same country; no luck, an original.
        let base = match relation {
            Relation::Namesake(q) | Relation::LookAlike(q) => {
                let b = self.person(q);
                if b.country == meta.country {
                    Some(b)
                } else {
                    relation = Relation::Original;
                    None
                }
            }
            _ => None,
        };
        let female = r.chance(0.45);
        let pool_len = |country: Country, female: bool| match (country, female) {
            (Country::Ua, false) => UA_GIVEN_M.len(),
            (Country::Ua, true) => UA_GIVEN_F.len(),
            (Country::Ge, false) => GE_GIVEN_M.len(),
            (Country::Ge, true) => GE_GIVEN_F.len(),
            (Country::Gb, false) => GB_GIVEN_M.len(),
            (Country::Gb, true) => GB_GIVEN_F.len(),
        };
        let given = r.mild(pool_len(meta.country, female));
        let father = r.mild(UA_PATRONYMICS.len());
        let surname = match meta.country {
            Country::Ua => match r.weighted(&[45, 25, 30]) {
                0 => {
                    let f = r.mild(UA_SURNAME_FAMILIES.len());
                    Surname::Family(f, r.below_usize(UA_SURNAME_FAMILIES[f].len()))
                }
                1 => Surname::Listed(r.mild(UA_SURNAMES.len())),
                _ => {
                    let root = title(&syllables(&mut r, Country::Ua, 2, true));
                    Surname::Made(root, r.below_usize(UA_SUFFIXES.len()))
                }
            },
            Country::Ge => match r.weighted(&[35, 40, 25]) {
                0 => Surname::Listed(r.mild(GE_SURNAMES.len())),
                1 => Surname::Made(r.pick(GE_ROOTS).to_string(), r.below_usize(GE_SUFFIXES.len())),
                _ => Surname::Made(syllables(&mut r, Country::Ge, 2, true), r.below_usize(GE_SUFFIXES.len())),
            },
            Country::Gb => match r.weighted(&[70, 30]) {
                0 => Surname::Listed(r.mild(GB_SURNAMES.len())),
                _ => Surname::Made(title(&syllables(&mut r, Country::Gb, 1, true)), r.below_usize(GB_SUFFIXES.len())),
            },
        };
        let middle =
            (meta.country == Country::Gb && r.chance(0.3)).then(|| r.below_usize(pool_len(Country::Gb, female)));
        let mut born = DAY_2019 - r.range(22 * 365, 80 * 365);
        let sibling = r.chance(0.5);
        let other_given = r.below_usize(pool_len(meta.country, female).max(2) - 1);
        let other_member = r.next_u64();
        let mut person = Person {
            idx: p,
            root: p,
            country: meta.country,
            female,
            given,
            father,
            surname,
            middle,
            born,
            distinct: self.shared_name(true, p),
        };
        if let Some(b) = base {
            person.root = b.root;
            person.female = b.female;
            person.given = b.given;
            person.father = b.father;
            person.surname = b.surname.clone();
            person.middle = b.middle;
            match relation {
                Relation::Namesake(_) => {
                    // Another person: born in another month.
                    if (born - b.born).abs() < 62 {
                        born = b.born - 400 - (born - b.born).abs();
                    }
                    person.born = born;
                    person.distinct = true;
                }
                _ => {
                    // A look-alike: a sibling (another given name, the same father), or another
                    // surname of the family or another ending (Kovalenko, Kovalchuk).
                    let alt_surname = match &b.surname {
                        Surname::Family(f, m) if UA_SURNAME_FAMILIES[*f].len() > 1 => {
                            let n = UA_SURNAME_FAMILIES[*f].len();
                            Some(Surname::Family(*f, (m + 1 + (other_member as usize % (n - 1))) % n))
                        }
                        Surname::Made(root, s) => {
                            let n = match b.country {
                                Country::Ua => UA_SUFFIXES.len(),
                                Country::Ge => GE_SUFFIXES.len(),
                                Country::Gb => GB_SUFFIXES.len(),
                            };
                            Some(Surname::Made(root.clone(), (s + 1 + (other_member as usize % (n - 1))) % n))
                        }
                        _ => None,
                    };
                    match alt_surname {
                        Some(s) if !sibling => person.surname = s,
                        _ => {
                            let n = pool_len(b.country, b.female);
                            person.given = (b.given + 1 + other_given % (n - 1)) % n;
                        }
                    }
                }
            }
        }
        person
    }

    fn make_org(&self, o: u64) -> Org {
        let meta = self.org_meta(o);
        let mut r = Rng::derive(self.seed, S_ORG, o);
        let roll = r.next_u64() as f64 / u64::MAX as f64;
        let target = Self::earlier(&mut r, o);
        let mut relation = if meta.public {
            Relation::Original
        } else {
            let shared = |same_country: bool| {
                move |q: u64| {
                    let m = self.org_meta(q);
                    !m.public
                        && if same_country {
                            m.country == meta.country
                        } else {
                            m.country != meta.country && (m.country == Country::Gb) != (meta.country == Country::Gb)
                        }
                }
            };
            match target {
                Some(q) if roll < self.namesake_rate => {
                    self.shared_before(false, q, shared(true)).map_or(Relation::Original, Relation::Namesake)
                }
                Some(q) if roll < self.namesake_rate + self.lookalike_rate => Relation::LookAlike(q),
                Some(q) if roll < self.namesake_rate + self.lookalike_rate + self.twin_rate => {
                    self.shared_before(false, q, shared(false)).map_or(Relation::Original, Relation::Twin)
                }
                _ => Relation::Original,
            }
        };
        let base = match relation {
            Relation::Original => None,
            Relation::Namesake(q) | Relation::LookAlike(q) | Relation::Twin(q) => {
                let b = self.org(q);
                let fits = !b.public
                    && match relation {
                        Relation::Twin(_) => {
                            b.country != meta.country && (meta.country == Country::Gb) != (b.country == Country::Gb)
                        }
                        _ => b.country == meta.country,
                    };
                if fits {
                    Some(b)
                } else {
                    relation = Relation::Original;
                    None
                }
            }
        };
        let postcode = match meta.country {
            Country::Ua => format!("{:05}", r.range(1000, 99_999)),
            Country::Ge => format!("{:04}", r.range(100, 6000)),
            Country::Gb => {
                let letters = b"ABDEFGHJLNPQRSTUWXYZ";
                let area = *r.pick(&["EC", "M", "B", "LS", "BS", "EH", "CF", "G", "NE", "S"]);
                format!(
                    "{area}{} {}{}{}",
                    r.range(1, 20),
                    r.range(1, 9),
                    *r.pick(letters) as char,
                    *r.pick(letters) as char
                )
            }
        };
        let (core, form) = if meta.public {
            (public_name(o / PUBLIC_EVERY, meta.country), Form::None)
        } else {
            let form = match meta.country {
                Country::Ua => [Form::Llc, Form::Private, Form::Jsc][r.weighted(&[72, 18, 10])],
                Country::Ge => [Form::Llc, Form::Jsc, Form::Llp][r.weighted(&[78, 15, 7])],
                Country::Gb => [Form::Llc, Form::Jsc, Form::Llp][r.weighted(&[85, 7, 8])],
            };
            (company_core(&mut r, meta.country), form)
        };
        let plus = r.below(8);
        let mut org = Org {
            idx: o,
            root: o,
            country: meta.country,
            public: meta.public,
            core,
            form,
            distinct: !meta.public && self.shared_name(false, o),
            postcode,
        };
        if let Some(b) = base {
            org.root = b.root;
            match relation {
                Relation::Namesake(_) => {
                    org.core = b.core.clone();
                    org.form = b.form;
                    org.distinct = true;
                }
                Relation::Twin(_) => {
                    // A British company with a Ukrainian or Georgian company's name in Latin, or a
                    // Ukrainian company with a British company's English name.
                    org.core = match meta.country {
                        Country::Gb => national(&b.core),
                        _ => upper(&b.core),
                    };
                    org.distinct = true;
                }
                _ => {
                    // "X" and "X Plus": the same name with one word more (or one less).
                    let word = match meta.country {
                        Country::Ua => UA_SECOND[plus as usize % 6],
                        Country::Ge => GE_SECOND[plus as usize % 6],
                        Country::Gb => {
                            ["Plus", "Group", "International", "Holdings", "UK", "Direct"][plus as usize % 6]
                        }
                    };
                    org.core = if b.core.ends_with(word) || b.core.contains(' ') && plus.is_multiple_of(2) {
                        b.core.rsplit_once(' ').map(|(head, _)| head.to_string()).unwrap_or_else(|| b.core.clone())
                    } else {
                        format!("{} {word}", b.core)
                    };
                    if org.core == b.core {
                        org.core = format!("{} {word}", b.core);
                    }
                    org.form = b.form;
                }
            }
        }
        org
    }

    /// A company with an entity statement in the register of `country` (or of any country), for
    /// a person to own.
    fn owned_org(&self, p: u64, salt: u64, country: Country) -> Option<u64> {
        let mut r = Rng::derive(self.seed, S_OWNER, p * 4 + salt);
        let mut fallback = None;
        for _ in 0..24 {
            let o = r.below(self.orgs);
            let m = self.org_meta(o);
            if m.in_bods {
                if m.country == country {
                    return Some(o);
                }
                fallback.get_or_insert(o);
            }
        }
        fallback
    }
}

fn public_name(j: u64, country: Country) -> String {
    let (cities, templates): (&[&str], &[&str]) = match country {
        Country::Ua => (UA_CITY_ADJ, UA_PUBLIC),
        Country::Ge => (GE_CITY_GEN, GE_PUBLIC),
        Country::Gb => (GB_CITIES, GB_PUBLIC),
    };
    let c = cities[(j % cities.len() as u64) as usize];
    let k = j / cities.len() as u64;
    let t = templates[(k % templates.len() as u64) as usize];
    let k = k / templates.len() as u64;
    let s = GB_STEMS[(k % GB_STEMS.len() as u64) as usize];
    let n = k / GB_STEMS.len() as u64 + 1;
    let name = t.replace("{c}", c).replace("{s}", s);
    // Numbers only where they tell bodies apart ("… 1" is the body itself).
    if n == 1 && !t.contains("№{n}") && !t.contains("-{n}") {
        name.replace(" {n}", "")
    } else if t.contains("№{n}") || t.contains("-{n}") {
        name.replace("{n}", &(n + (k % 7)).to_string())
    } else {
        name.replace("{n}", &n.to_string())
    }
}

fn company_core(r: &mut Rng, country: Country) -> String {
    match country {
        Country::Ua => match r.weighted(&[50, 35, 15]) {
            0 => {
                let mut s = format!("{}{}", r.pick(UA_STEMS), r.pick(UA_SUFFIXES_ORG));
                if r.chance(0.4) {
                    s.push(if r.chance(0.5) { ' ' } else { '-' });
                    s.push_str(r.pick::<&str>(UA_SECOND));
                }
                s
            }
            1 => {
                let (n, closed) = (2 + r.below_usize(2), r.chance(0.6));
                upper(&syllables(r, Country::Ua, n, closed))
            }
            _ => {
                let surname = if r.chance(0.5) {
                    let family = UA_SURNAME_FAMILIES[r.below_usize(UA_SURNAME_FAMILIES.len())];
                    family[r.below_usize(family.len())].to_string()
                } else {
                    format!("{}{}", syllables(r, Country::Ua, 2, true), *r.pick(UA_SUFFIXES))
                };
                format!("{} І ПАРТНЕРИ", upper(&surname))
            }
        },
        Country::Ge => match r.weighted(&[50, 35, 15]) {
            0 => format!("{} {}", r.pick(GE_STEMS), r.pick(GE_SECOND)),
            1 => {
                let n = 2 + r.below_usize(2);
                let mut s = syllables(r, Country::Ge, n, false);
                s.push('ი');
                s
            }
            _ => {
                let surname = if r.chance(0.5) {
                    r.pick(GE_SURNAMES).to_string()
                } else {
                    format!("{}{}", syllables(r, Country::Ge, 2, true), *r.pick(GE_SUFFIXES))
                };
                format!("{surname} და პარტნიორები")
            }
        },
        Country::Gb => match r.weighted(&[50, 35, 15]) {
            // Companies House refuses a name already registered, so British names rarely meet.
            0 => match r.below(3) {
                0 => format!("{} {}", r.pick(GB_STEMS), r.pick(GB_SECOND)),
                1 => format!("{} {} {}", r.pick(GB_STEMS), r.pick(GB_SECOND), r.pick(GB_QUALIFIERS)),
                _ => {
                    format!("{} {} {}", r.pick(GB_STEMS), title(&syllables(r, Country::Gb, 1, true)), r.pick(GB_SECOND))
                }
            },
            1 => {
                let closed = r.chance(0.5);
                let brand = title(&syllables(r, Country::Gb, 2, closed));
                if r.chance(0.5) {
                    format!("{brand} {}", r.pick(GB_SECOND))
                } else {
                    brand
                }
            }
            _ => {
                let surname = if r.chance(0.5) {
                    r.pick(GB_SURNAMES).to_string()
                } else {
                    format!("{}{}", title(&syllables(r, Country::Gb, 1, true)), *r.pick(GB_SUFFIXES))
                };
                format!("{surname} & {}", r.pick(&["Sons", "Partners", "Associates", "Co"]))
            }
        },
    }
}

// ---------------------------------------------------------------------------------------------------
// Names of persons

/// Which script and system a name is written in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    /// Ukrainian Cyrillic, Georgian, English.
    Native,
    /// The national romanisation (KMU 2010, Georgian 2002), through openreg's `latin`.
    National,
    /// The press spelling (Kolomoyskyy, Igor, Kazbegi).
    Press,
    /// The Russian form in Cyrillic (Игорь Коломойский; Georgian names in Cyrillic).
    Russian,
    /// The Russian form romanised by the press (Igor Kolomoisky).
    RussianLatin,
}

#[derive(Clone, Copy)]
struct NameStyle {
    script: Script,
    surname_first: bool,
    patronymic: bool,
    /// 0 as is, 1 surname in capitals, 2 all in capitals.
    caps: u8,
    initials: bool,
    title: Option<&'static str>,
    /// British middle name: 0 none, 1 initial, 2 whole.
    middle: u8,
    typo: bool,
}

impl NameStyle {
    fn plain(script: Script) -> NameStyle {
        NameStyle {
            script,
            surname_first: false,
            patronymic: false,
            caps: 0,
            initials: false,
            title: None,
            middle: 0,
            typo: false,
        }
    }
}

fn ua_feminine(surname: &str) -> String {
    for (m, f) in [("ський", "ська"), ("цький", "цька"), ("зький", "зька"), ("ий", "а")] {
        if let Some(stem) = surname.strip_suffix(m) {
            return format!("{stem}{f}");
        }
    }
    for end in ["ов", "ев", "єв", "ьов"] {
        if surname.ends_with(end) {
            return format!("{surname}а");
        }
    }
    surname.to_string()
}

fn ru_feminine(surname: &str) -> String {
    for (m, f) in [("ский", "ская"), ("цкий", "цкая"), ("зкий", "зкая"), ("ый", "ая"), ("ий", "ая")]
    {
        if let Some(stem) = surname.strip_suffix(m) {
            return format!("{stem}{f}");
        }
    }
    for end in ["ов", "ев", "ёв", "ин", "ын"] {
        if surname.ends_with(end) {
            return format!("{surname}а");
        }
    }
    surname.to_string()
}

impl Person {
    fn given_native(&self) -> String {
        match (self.country, self.female) {
            (Country::Ua, false) => UA_GIVEN_M[self.given].0.into(),
            (Country::Ua, true) => UA_GIVEN_F[self.given].0.into(),
            (Country::Ge, false) => GE_GIVEN_M[self.given].into(),
            (Country::Ge, true) => GE_GIVEN_F[self.given].into(),
            (Country::Gb, false) => GB_GIVEN_M[self.given].into(),
            (Country::Gb, true) => GB_GIVEN_F[self.given].into(),
        }
    }
    fn given_ru(&self) -> String {
        match (self.country, self.female) {
            (Country::Ua, false) => UA_GIVEN_M[self.given].1.into(),
            (Country::Ua, true) => UA_GIVEN_F[self.given].1.into(),
            (Country::Ge, _) => ge_to_cyr(&self.given_native()),
            (Country::Gb, _) => self.given_native(),
        }
    }
    fn patronymic_native(&self) -> Option<String> {
        (self.country == Country::Ua).then(|| {
            let p = UA_PATRONYMICS[self.father];
            if self.female { p.1 } else { p.0 }.to_string()
        })
    }
    fn patronymic_ru(&self) -> Option<String> {
        (self.country == Country::Ua).then(|| {
            let p = UA_PATRONYMICS[self.father];
            if self.female { p.3 } else { p.2 }.to_string()
        })
    }
    fn surname_male(&self) -> String {
        match (&self.surname, self.country) {
            (Surname::Family(f, m), _) => UA_SURNAME_FAMILIES[*f][*m].into(),
            (Surname::Listed(i), Country::Ua) => UA_SURNAMES[*i].into(),
            (Surname::Listed(i), Country::Ge) => GE_SURNAMES[*i].into(),
            (Surname::Listed(i), Country::Gb) => GB_SURNAMES[*i].into(),
            (Surname::Made(root, s), Country::Ua) => format!("{root}{}", UA_SUFFIXES[*s]),
            (Surname::Made(root, s), Country::Ge) => format!("{root}{}", GE_SUFFIXES[*s]),
            (Surname::Made(root, s), Country::Gb) => format!("{root}{}", GB_SUFFIXES[*s]),
        }
    }
    fn surname_native(&self) -> String {
        let m = self.surname_male();
        if self.country == Country::Ua && self.female {
            ua_feminine(&m)
        } else {
            m
        }
    }
    fn surname_ru(&self) -> String {
        match self.country {
            Country::Ua => {
                let m = uk_to_ru(&self.surname_male());
                if self.female {
                    ru_feminine(&m)
                } else {
                    m
                }
            }
            Country::Ge => ge_to_cyr(&self.surname_native()),
            Country::Gb => self.surname_native(),
        }
    }
    fn middle_name(&self) -> Option<&'static str> {
        self.middle.map(|m| if self.female { GB_GIVEN_F[m] } else { GB_GIVEN_M[m] })
    }

    /// (given, patronymic, surname) in a script.
    fn parts(&self, script: Script, d: Dialect) -> (String, Option<String>, String) {
        let native = (self.given_native(), self.patronymic_native(), self.surname_native());
        if self.country == Country::Gb {
            return native;
        }
        let ru = || (self.given_ru(), self.patronymic_ru(), self.surname_ru());
        let each =
            |(g, p, s): (String, Option<String>, String), f: &dyn Fn(&str) -> String| (f(&g), p.map(|p| f(&p)), f(&s));
        match (script, self.country) {
            (Script::Native, _) => native,
            (Script::National, _) => each(native, &|s| national(s)),
            (Script::Press, Country::Ua) => each(native, &|s| uk_press(s, d)),
            (Script::Press, _) => each(native, &|s| ge_press(s, d)),
            (Script::Russian, _) => ru(),
            (Script::RussianLatin, _) => each(ru(), &|s| ru_latin(s, d)),
        }
    }

    fn name(&self, st: NameStyle, d: Dialect, r: &mut Rng) -> String {
        let (given, patronymic, surname) = self.parts(st.script, d);
        let initial = |s: &str| s.chars().next().map(|c| format!("{c}.")).unwrap_or_default();
        let (given, patronymic) =
            if st.initials { (initial(&given), patronymic.map(|p| initial(&p))) } else { (given, patronymic) };
        let surname = if st.caps >= 1 { upper(&surname) } else { surname };
        let mut words: Vec<String> = Vec::new();
        let middle = match (st.middle, self.middle_name()) {
            (1, Some(m)) => Some(m[..1].to_string()),
            (2, Some(m)) => Some(m.to_string()),
            _ => None,
        };
        let pat = patronymic.filter(|_| st.patronymic || st.initials);
        if st.surname_first {
            words.push(surname);
            if st.initials {
                words.push(format!("{given}{}", pat.unwrap_or_default()));
            } else {
                words.push(given);
                words.extend(middle);
                words.extend(pat);
            }
        } else {
            words.push(given);
            words.extend(middle);
            words.extend(pat);
            words.push(surname);
        }
        let mut name = words.join(" ");
        if st.caps == 2 {
            name = upper(&name);
        }
        if st.typo {
            name = typo(&name, r);
        }
        match st.title {
            Some(t) => format!("{t} {name}"),
            None => name,
        }
    }

    fn tax_number(&self) -> Option<String> {
        match self.country {
            Country::Ua => Some(format!("{:010}", (self.idx.wrapping_mul(7_777_777) + 1_234_567_891) % 10_000_000_000)),
            Country::Ge => {
                Some(format!("0{:010}", (self.idx.wrapping_mul(9_999_991) + 1_008_000_000) % 10_000_000_000))
            }
            Country::Gb => None,
        }
    }
    /// The canonical key openreg gives the tax number.
    fn tax_key(&self) -> Option<String> {
        let n = self.tax_number()?;
        Some(match self.country {
            Country::Ua => format!("UKR-TAXID-{n}"),
            _ => format!("GEO-TAXID-{n}"),
        })
    }
    fn birth_date(&self, full: bool) -> String {
        let d = iso_date(self.born);
        if full {
            d
        } else {
            d[..7].to_string()
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Names of organisations

#[derive(Clone, Copy, PartialEq, Eq)]
enum OrgScript {
    /// The legal form abbreviated: ТОВ «X», შპს X, X LIMITED.
    Native,
    /// The legal form written out: ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ «X».
    NativeFull,
    /// The national romanisation with an English or transliterated form: X LLC, TOV X.
    National,
    Press,
    /// ООО «X» (Georgian names in Cyrillic).
    Russian,
    /// The name alone, the form in another column (Georgian donations).
    Bare,
}

impl Org {
    fn registry_number(&self) -> String {
        let o = self.idx;
        match self.country {
            Country::Ua => format!("{:08}", (o.wrapping_mul(4_398_047) + 21_560_000) % 100_000_000),
            Country::Ge => format!("{:09}", 200_000_000 + (o.wrapping_mul(6_700_417) + 5_000_000) % 250_000_000),
            Country::Gb if o % 20 == 7 => format!("SC{:06}", (o / 20) % 1_000_000),
            Country::Gb => format!("{:08}", (o.wrapping_mul(7_919_821) + 3_127_411) % 100_000_000),
        }
    }
    fn scheme(&self) -> &'static str {
        match self.country {
            Country::Ua => "UA-EDR",
            Country::Ge => "GE-NAPR",
            Country::Gb => "GB-COH",
        }
    }
    fn key(&self) -> String {
        format!("{}-{}", self.scheme(), self.registry_number())
    }
    fn latin_core(&self) -> bool {
        self.core.is_ascii()
    }

    fn name(&self, script: OrgScript, d: Dialect, r: &mut Rng, typo_p: f64) -> String {
        let latin_core = self.latin_core();
        let script = match (script, self.country, latin_core) {
            // A Latin name stays Latin; a British one has no other script.
            (OrgScript::National | OrgScript::Press, _, true) => OrgScript::Native,
            (OrgScript::Russian, Country::Gb, _) => OrgScript::Native,
            (s, _, _) => s,
        };
        let mut core = match (script, self.country) {
            (OrgScript::National, _) => national(&self.core),
            (OrgScript::Press, Country::Ua) => title(&uk_press(&self.core, d)),
            (OrgScript::Press, _) => ge_press(&self.core, d),
            (OrgScript::Russian, Country::Ua) if !latin_core => uk_to_ru(&self.core),
            (OrgScript::Russian, Country::Ge) if !latin_core => ge_to_cyr(&self.core),
            _ => self.core.clone(),
        };
        if self.country == Country::Gb || latin_core {
            core = match r.below(3) {
                0 => upper(&core),
                _ => core,
            };
        } else if self.country == Country::Ua && script == OrgScript::Native && !self.public && r.chance(0.35) {
            core = title(&core);
        }
        if r.chance(typo_p) {
            core = typo(&core, r);
        }
        if self.form == Form::None {
            return core;
        }
        let quoted = |core: &str, r: &mut Rng| match r.below(4) {
            0 => format!("\"{core}\""),
            1 => core.to_string(),
            _ => format!("«{core}»"),
        };
        match (script, self.country) {
            (OrgScript::Bare, _) => core,
            (_, Country::Gb) => {
                let form = match self.form {
                    Form::Llc => *r.pick(&["LIMITED", "LTD", "Ltd", "Limited", "Ltd."]),
                    Form::Jsc => *r.pick(&["PLC", "plc"]),
                    _ => "LLP",
                };
                format!("{core} {form}")
            }
            (OrgScript::Native, Country::Ua) => {
                let form = match self.form {
                    Form::Llc => "ТОВ",
                    Form::Private => "ПП",
                    _ => *r.pick(&["ПрАТ", "АТ", "ПАТ"]),
                };
                format!("{form} {}", quoted(&core, r))
            }
            (OrgScript::NativeFull, Country::Ua) => {
                let form = match self.form {
                    Form::Llc => "ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ",
                    Form::Private => "ПРИВАТНЕ ПІДПРИЄМСТВО",
                    _ => "ПРИВАТНЕ АКЦІОНЕРНЕ ТОВАРИСТВО",
                };
                let form = if r.chance(0.4) { sentence(form) } else { form.to_string() };
                format!("{form} {}", quoted(&core, r))
            }
            (OrgScript::Native, Country::Ge) => {
                let form = match self.form {
                    Form::Llc => "შპს",
                    Form::Jsc => "სს",
                    _ => "კს",
                };
                match r.below(3) {
                    0 => format!("{form} \"{core}\""),
                    1 => format!("{form} „{core}“"),
                    _ => format!("{form} {core}"),
                }
            }
            (OrgScript::NativeFull, Country::Ge) => {
                let form = match self.form {
                    Form::Llc => "შეზღუდული პასუხისმგებლობის საზოგადოება",
                    Form::Jsc => "სააქციო საზოგადოება",
                    _ => "კომანდიტური საზოგადოება",
                };
                format!("{form} \"{core}\"")
            }
            (OrgScript::Russian, _) => {
                let form = match self.form {
                    Form::Llc => "ООО",
                    Form::Private => "ЧП",
                    Form::Jsc => "АО",
                    _ => "КТ",
                };
                format!("{form} «{core}»")
            }
            // National or press romanisation, with the form in English or transliterated.
            _ => match self.form {
                Form::Llc => match r.weighted(&[40, 25, 20, 10, 5]) {
                    0 => format!("{core} LLC"),
                    1 => format!("{core} Ltd"),
                    2 if self.country == Country::Ua => format!("TOV {core}"),
                    2 => format!("{core} LLC"),
                    3 => format!("{core} Limited Liability Company"),
                    _ => format!("LLC \"{core}\""),
                },
                Form::Private => match r.below(3) {
                    0 => format!("PE {core}"),
                    1 => format!("Private Enterprise {core}"),
                    _ => format!("PP {core}"),
                },
                Form::Jsc => match r.below(3) {
                    0 => format!("{core} JSC"),
                    1 => format!("PrJSC {core}"),
                    _ => format!("PJSC {core}"),
                },
                _ => format!("{core} LLP"),
            },
        }
    }
}

/// Whether a mention of an entity whose name others share carries what tells it apart (its
/// identifier, birth date or country): mostly, not always. The rest are ambiguous, as in real
/// data, and a careful linker gives them no more than a possible link.
fn told_apart(distinct: bool, r: &mut Rng) -> bool {
    distinct && r.chance(0.85)
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

type Out = Counting<BufWriter<Box<dyn Write>>>;

fn open(path: Option<&Path>) -> io::Result<Out> {
    let sink: Box<dyn Write> = match path {
        Some(p) => Box::new(File::create(p)?),
        None => Box::new(io::sink()),
    };
    Ok(Counting { inner: BufWriter::with_capacity(1 << 20, sink), bytes: 0 })
}

/// One CSV field, quoted when it must be.
fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn csv_row(out: &mut impl Write, fields: &[&str]) -> io::Result<()> {
    let row: Vec<String> = fields.iter().map(|f| csv(f)).collect();
    writeln!(out, "{}", row.join(","))
}

fn thousands(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A mention as openreg extracts it from the file it was written to, for the labelled file.
#[derive(Default)]
struct Mention {
    id: String,
    person: bool,
    name: String,
    other_names: Vec<String>,
    identifiers: Vec<String>,
    country: Option<&'static str>,
    birth_date: Option<String>,
    postcode: Option<String>,
}

/// The labelled file: the mentions of a sample of entities (whole name families), at most
/// `cap` per entity.
struct Labelled {
    out: Out,
    seed: u64,
    rate: u64,
    cap: u32,
    seen: HashMap<(bool, u64), u32>,
    mentions: u64,
}

impl Labelled {
    fn sampled(&self, person: bool, root: u64) -> bool {
        self.rate <= 1 || mix(self.seed ^ mix(root.wrapping_mul(2) + person as u64)).is_multiple_of(self.rate)
    }

    /// Records `m`, a mention of entity `idx` (a person when `person_entity`) of name family `root`.
    fn add(&mut self, person_entity: bool, idx: u64, root: u64, m: Mention) -> io::Result<()> {
        if !self.sampled(person_entity, root) {
            return Ok(());
        }
        let seen = self.seen.entry((person_entity, idx)).or_default();
        if *seen >= self.cap {
            return Ok(());
        }
        *seen += 1;
        let mut o = Map::new();
        o.insert("id".into(), json!(m.id));
        o.insert("kind".into(), json!(if m.person { "person" } else { "organisation" }));
        o.insert("name".into(), json!(m.name));
        let others: Vec<&String> = m.other_names.iter().filter(|n| **n != m.name).collect();
        if !others.is_empty() {
            o.insert("other_names".into(), json!(others));
        }
        if !m.identifiers.is_empty() {
            o.insert("identifiers".into(), json!(m.identifiers));
        }
        if let Some(c) = m.country {
            o.insert("country".into(), json!(c));
        }
        if let Some(b) = m.birth_date {
            o.insert("birth_date".into(), json!(b));
        }
        if let Some(p) = m.postcode {
            o.insert("postcode".into(), json!(p));
        }
        o.insert("truth".into(), json!(format!("{}{idx}", if person_entity { "p" } else { "o" })));
        writeln!(self.out, "{}", Value::Object(o))?;
        self.mentions += 1;
        Ok(())
    }
}

#[derive(Default)]
struct Counts {
    releases: u64,
    ocds_parties: u64,
    sole_traders: u64,
    bods_entities: u64,
    bods_persons: u64,
    bods_relationships: u64,
    donations_ge_sao: u64,
    donations_uk_ec: u64,
    donations_ua_generic: u64,
}

// ---------------------------------------------------------------------------------------------------
// OCDS

/// A supplier slot: (is a person, index).
type Slot = (bool, u64);

fn slot_country(world: &World, s: Slot) -> Country {
    if s.0 {
        world.person_meta(s.1).country
    } else {
        world.org_meta(s.1).country
    }
}

/// A public body of `country` to buy, favouring a few (they buy most).
fn buyer(world: &World, r: &mut Rng, country: Country) -> u64 {
    let n = world.orgs.div_ceil(PUBLIC_EVERY);
    let start = r.skewed(n);
    for k in 0..64 {
        let o = ((start + k) % n) * PUBLIC_EVERY;
        if world.org_meta(o).country == country {
            return o;
        }
    }
    start * PUBLIC_EVERY
}

fn ocds_org_party(org: &Org, rc: Country, role: &str, k: usize, r: &mut Rng) -> (Value, Mention) {
    let d = Dialect::draw(r);
    let script = if org.country == rc {
        match org.country {
            Country::Ua => {
                [OrgScript::Native, OrgScript::NativeFull, OrgScript::Russian, OrgScript::National, OrgScript::Press]
                    [r.weighted(&[70, 15, 5, 5, 5])]
            }
            Country::Ge => [OrgScript::Native, OrgScript::National, OrgScript::Press][r.weighted(&[80, 15, 5])],
            Country::Gb => OrgScript::Native,
        }
    } else {
        match (org.country, rc) {
            (Country::Gb, _) => OrgScript::Native,
            (Country::Ge, Country::Ua) => {
                [OrgScript::Russian, OrgScript::National, OrgScript::Press][r.weighted(&[50, 30, 20])]
            }
            _ => [OrgScript::National, OrgScript::Press][r.weighted(&[55, 45])],
        }
    };
    let name = org.name(script, d, r, 0.04);
    let has_id = told_apart(org.distinct, r)
        || r.chance(match (org.country, org.public) {
            (Country::Gb, true) => 0.3,
            (_, true) => 1.0,
            (Country::Ua, _) => 0.85,
            (Country::Ge, _) => 0.75,
            (Country::Gb, _) => 0.25,
        });
    let reg = org.registry_number();
    let mut party = Map::new();
    let pid = if has_id { org.key() } else { format!("party-{k}") };
    party.insert("id".into(), json!(pid));
    party.insert("name".into(), json!(name));
    let mut m = Mention { id: String::new(), person: false, name: name.clone(), ..Default::default() };
    if has_id {
        let scheme = if org.country == Country::Ua && r.chance(0.05) { "UA-EDRPOU" } else { org.scheme() };
        let id = match r.weighted(&[75, 15, 10]) {
            0 => reg.clone(),
            1 => org.key(),
            // Spreadsheets drop leading zeros.
            _ if reg.starts_with('0') => reg.trim_start_matches('0').to_string(),
            _ => reg.clone(),
        };
        let mut identifier = json!({"scheme": scheme, "id": id});
        if org.country == Country::Ua && rc == Country::Ua && !org.public && r.chance(0.4) {
            let legal = org.name(OrgScript::NativeFull, d, r, 0.0);
            identifier["legalName"] = json!(legal);
            m.other_names.push(legal);
        }
        party.insert("identifier".into(), identifier);
        m.identifiers.push(org.key());
        m.country = Some(org.country.code());
    }
    if told_apart(org.distinct, r) || r.chance(0.85) {
        let mut address = json!({"countryName": org.country.name_in(rc)});
        if r.chance(0.6) {
            address["postalCode"] = json!(org.postcode);
            m.postcode = Some(org.postcode.clone());
        }
        party.insert("address".into(), address);
        m.country = Some(org.country.code());
    }
    party.insert("roles".into(), json!([role]));
    (Value::Object(party), m)
}

fn ocds_sole_trader(person: &Person, role: &str, r: &mut Rng) -> (Value, Mention) {
    let d = Dialect::draw(r);
    let style = NameStyle {
        surname_first: person.country == Country::Ua,
        patronymic: r.chance(0.9),
        caps: if r.chance(0.4) { 2 } else { 0 },
        initials: person.country == Country::Ua && r.chance(0.04),
        typo: r.chance(0.03),
        ..NameStyle::plain(Script::Native)
    };
    let bare = person.name(style, d, r);
    let prefix = match person.country {
        Country::Ua => ["ФОП", "Фізична особа-підприємець", "СПД"][r.weighted(&[75, 20, 5])],
        _ => ["ი/მ", "ინდ. მეწარმე"][r.weighted(&[60, 40])],
    };
    let name = format!("{prefix} {bare}");
    let number = person.tax_number().expect("sole traders are Ukrainian or Georgian");
    let scheme = if person.country == Country::Ua { "UA-EDR" } else { "GE-NAPR" };
    let mut party = json!({"id": format!("{scheme}-{number}"), "name": name,
        "identifier": {"scheme": scheme, "id": number}, "roles": [role]});
    let mut m = Mention {
        person: true,
        name: name.clone(),
        identifiers: person.tax_key().into_iter().collect(),
        country: Some(person.country.code()),
        ..Default::default()
    };
    if r.chance(0.85) {
        party["address"] = json!({"countryName": person.country.name_in(person.country)});
    }
    m.id = String::new();
    (party, m)
}

fn write_ocds(world: &World, out: &mut Out, lab: &mut Labelled, counts: &mut Counts) -> io::Result<()> {
    const WINDOW: usize = 8192;
    let mut slots: Vec<Slot> = Vec::with_capacity(WINDOW + 16);
    let (mut next_org, mut next_person) = (0u64, 0u64);
    let mut release = 0u64;
    loop {
        // Every organisation's appearances and every sole trader join the window in index order;
        // releases draw from it at random, so one supplier's contracts are spread out.
        while slots.len() < WINDOW && (next_org < world.orgs || next_person < world.persons) {
            if next_org < world.orgs {
                let m = world.org_meta(next_org);
                for _ in 0..m.ocds_k {
                    slots.push((false, next_org));
                }
                next_org += 1;
            }
            let until = if next_org >= world.orgs { world.persons } else { next_org * world.persons / world.orgs };
            while next_person < until {
                if world.person_meta(next_person).sole_trader {
                    slots.push((true, next_person));
                }
                next_person += 1;
            }
        }
        if slots.is_empty() {
            break;
        }
        let mut r = Rng::derive(world.seed, S_RELEASE, release);
        let n = 1 + r.weighted(&[25, 35, 25, 15]);
        let first = slots.swap_remove(r.below_usize(slots.len()));
        let rc = slot_country(world, first);
        let mut chosen = vec![first];
        while chosen.len() < n && !slots.is_empty() {
            let mut pick = None;
            for attempt in 0..6 {
                let i = r.below_usize(slots.len());
                if chosen.contains(&slots[i]) {
                    continue;
                }
                // Mostly suppliers of the buyer's country; a foreign one now and then.
                if slot_country(world, slots[i]) == rc || attempt == 5 {
                    pick = Some(i);
                    break;
                }
            }
            match pick {
                Some(i) => chosen.push(slots.swap_remove(i)),
                None => break,
            }
        }
        let ocid = format!("ocds-w0rld1-{release:08}");
        let ts = TS_2021 + release as i64 * 300 + r.below(300) as i64;
        let (y, mo, dd) = civil_from_days(ts.div_euclid(86_400));
        let s = ts.rem_euclid(86_400);
        let date = format!("{y:04}-{mo:02}-{dd:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60);
        let mut parties = Vec::new();
        let mut refs = Vec::new();
        let b = world.org(buyer(world, &mut r, rc));
        let (party, mut m) = ocds_org_party(&b, rc, "buyer", 0, &mut r);
        let buyer_ref = json!({"id": party["id"], "name": party["name"]});
        m.id = format!("ocds/{ocid}/{}", party["id"].as_str().unwrap_or_default());
        lab.add(false, b.idx, b.root, m)?;
        parties.push(party);
        let winners = 1 + r.below_usize(chosen.len().min(2));
        for (k, slot) in chosen.iter().enumerate() {
            let role = if k < winners { "supplier" } else { "tenderer" };
            let (party, mut m, person, idx, root) = if slot.0 {
                let p = world.person(slot.1);
                counts.sole_traders += 1;
                let (party, m) = ocds_sole_trader(&p, role, &mut r);
                (party, m, true, p.idx, p.root)
            } else {
                let o = world.org(slot.1);
                let (party, m) = ocds_org_party(&o, rc, role, k + 1, &mut r);
                (party, m, false, o.idx, o.root)
            };
            m.id = format!("ocds/{ocid}/{}", party["id"].as_str().unwrap_or_default());
            lab.add(person, idx, root, m)?;
            refs.push(json!({"id": party["id"], "name": party["name"]}));
            parties.push(party);
        }
        counts.ocds_parties += parties.len() as u64;
        let currency = rc.currency();
        let amount = r.range(5, 5_000) * 1_000;
        let release_json = json!({
            "ocid": ocid,
            "id": format!("{ocid}-award"),
            "date": date,
            "tag": ["award"],
            "initiationType": "tender",
            "parties": parties,
            "buyer": buyer_ref,
            "tender": {"id": format!("{ocid}-tender"), "status": "complete", "tenderers": refs},
            "awards": [{"id": format!("{ocid}-award-1"), "status": "active", "date": date,
                "value": {"amount": amount, "currency": currency}, "suppliers": refs[..winners]}],
        });
        writeln!(out, "{release_json}")?;
        counts.releases += 1;
        release += 1;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// BODS

fn statement(r: &mut Rng, record_id: &str, kind: &str, subject: &str, day: i64, details: Value) -> Value {
    json!({
        "statementId": r.hex32(),
        "declarationSubject": subject,
        "statementDate": iso_date(day),
        "publicationDetails": {
            "publicationDate": iso_date(day),
            "bodsVersion": "0.4",
            "publisher": {"name": "openreg linking world (synthetic data)"},
        },
        "recordId": record_id,
        "recordStatus": "new",
        "recordType": kind,
        "recordDetails": details,
    })
}

fn entity_record(o: u64) -> String {
    format!("world-entity-{o}")
}

fn write_bods(world: &World, out: &mut Out, lab: &mut Labelled, counts: &mut Counts) -> io::Result<()> {
    // Entities first, so that every relationship points back at statements already read.
    for o in 0..world.orgs {
        if !world.org_meta(o).in_bods {
            continue;
        }
        let org = world.org(o);
        let mut r = Rng::derive(world.seed, S_BODS_ENTITY, o);
        let d = Dialect::draw(&mut r);
        let script = match org.country {
            Country::Ua => [OrgScript::NativeFull, OrgScript::Native][r.weighted(&[50, 50])],
            Country::Ge => [OrgScript::Native, OrgScript::NativeFull][r.weighted(&[85, 15])],
            Country::Gb => OrgScript::Native,
        };
        let name = org.name(script, d, &mut r, 0.01);
        let name = if org.country == Country::Gb { upper(&name) } else { name };
        let record = entity_record(o);
        let mut details = json!({"isComponent": false, "entityType": {"type": "registeredEntity"}, "name": name,
            "jurisdiction": {"name": org.country.name_en(), "code": org.country.code()}});
        let mut m = Mention {
            id: format!("bods/{record}"),
            name: name.clone(),
            country: Some(org.country.code()),
            ..Default::default()
        };
        if told_apart(org.distinct, &mut r) || r.chance(0.95) {
            let scheme_name = match org.country {
                Country::Ua => {
                    "Єдиний державний реєстр юридичних осіб, фізичних осіб-підприємців та громадських формувань"
                }
                Country::Ge => "National Agency of Public Registry",
                Country::Gb => "Companies House",
            };
            details["identifiers"] =
                json!([{"id": org.registry_number(), "scheme": org.scheme(), "schemeName": scheme_name}]);
            m.identifiers.push(org.key());
        }
        details["addresses"] = json!([{"type": "registered", "postCode": org.postcode, "country":
            {"name": org.country.name_en(), "code": org.country.code()}}]);
        let day = DAY_2019 + r.range(0, 5 * 365);
        writeln!(out, "{}", statement(&mut r, &record, "entity", &record, day, details))?;
        counts.bods_entities += 1;
        lab.add(false, org.idx, org.root, m)?;
    }
    for p in 0..world.persons {
        let meta = world.person_meta(p);
        if !meta.in_bods && !meta.gb_record {
            continue;
        }
        let person = world.person(p);
        let mut r = Rng::derive(world.seed, S_BODS_PERSON, p);
        let d = Dialect::draw(&mut r);
        let nationality = json!([{"name": person.country.name_en(), "code": person.country.code()}]);
        if meta.in_bods {
            let (legal, translit) = match person.country {
                Country::Ua => {
                    let legal = NameStyle {
                        surname_first: true,
                        patronymic: true,
                        caps: if r.chance(0.5) { 2 } else { 0 },
                        typo: r.chance(0.01),
                        ..NameStyle::plain(Script::Native)
                    };
                    let script = [Script::National, Script::Press][r.weighted(&[60, 40])];
                    let translit = r.chance(0.4).then(|| person.name(NameStyle::plain(script), d, &mut r));
                    (person.name(legal, d, &mut r), translit)
                }
                Country::Ge => {
                    let script = [Script::National, Script::Press][r.weighted(&[60, 40])];
                    let translit = r.chance(0.5).then(|| person.name(NameStyle::plain(script), d, &mut r));
                    let legal = NameStyle { typo: r.chance(0.01), ..NameStyle::plain(Script::Native) };
                    (person.name(legal, d, &mut r), translit)
                }
                Country::Gb => {
                    let style = NameStyle {
                        middle: r.weighted(&[30, 20, 50]) as u8,
                        typo: r.chance(0.01),
                        ..NameStyle::plain(Script::Native)
                    };
                    (person.name(style, d, &mut r), None)
                }
            };
            let full = person.country != Country::Gb && r.chance(0.6);
            let record = format!("world-person-{p}");
            let mut names = vec![json!({"type": "legal", "fullName": legal})];
            if let Some(t) = &translit {
                names.push(json!({"type": "transliteration", "fullName": t}));
            }
            let mut details = json!({"isComponent": false, "personType": "knownPerson", "names": names,
                "nationalities": nationality, "birthDate": person.birth_date(full)});
            let mut m = Mention {
                id: format!("bods/{record}"),
                person: true,
                name: legal.clone(),
                other_names: translit.into_iter().collect(),
                country: Some(person.country.code()),
                birth_date: Some(person.birth_date(full)),
                ..Default::default()
            };
            let with_id = match person.country {
                Country::Ua => r.chance(0.45) || told_apart(person.distinct, &mut r),
                Country::Ge => r.chance(0.5) || told_apart(person.distinct, &mut r),
                Country::Gb => false,
            };
            if with_id {
                let (scheme, scheme_name) = match person.country {
                    Country::Ua => ("UKR-TAXID", "Реєстраційний номер облікової картки платника податків"),
                    _ => ("GEO-IDCARD", "Personal number"),
                };
                details["identifiers"] =
                    json!([{"id": person.tax_number(), "scheme": scheme, "schemeName": scheme_name}]);
                m.identifiers.extend(person.tax_key());
            }
            let owned = world.owned_org(p, 0, person.country);
            let subject = owned.map(entity_record).unwrap_or_else(|| record.clone());
            let day = DAY_2019 + r.range(0, 5 * 365);
            writeln!(out, "{}", statement(&mut r, &record, "person", &subject, day, details))?;
            counts.bods_persons += 1;
            lab.add(true, person.idx, person.root, m)?;
            if let Some(o) = owned {
                write_relationship(out, &mut r, &format!("world-rel-{p}"), &entity_record(o), &record, day)?;
                counts.bods_relationships += 1;
            }
        }
        if meta.gb_record {
            // The same person in the British register: a Latin spelling, month and year of birth.
            let script = match person.country {
                Country::Ua => [Script::Press, Script::National, Script::RussianLatin][r.weighted(&[50, 40, 10])],
                _ => [Script::Press, Script::National][r.weighted(&[60, 40])],
            };
            let style = NameStyle {
                caps: if r.chance(0.3) { 1 } else { 0 },
                surname_first: r.chance(0.2),
                typo: r.chance(0.03),
                title: r.chance(0.2).then_some(if person.female { "Mrs" } else { "Mr" }),
                ..NameStyle::plain(script)
            };
            let name = person.name(style, d, &mut r);
            let record = format!("world-person-{p}-gb");
            let details = json!({"isComponent": false, "personType": "knownPerson",
                "names": [{"type": "legal", "fullName": name}], "nationalities": nationality,
                "birthDate": person.birth_date(false)});
            let owned = world.owned_org(p, 1, Country::Gb);
            let subject = owned.map(entity_record).unwrap_or_else(|| record.clone());
            let day = DAY_2019 + r.range(0, 5 * 365);
            writeln!(out, "{}", statement(&mut r, &record, "person", &subject, day, details))?;
            counts.bods_persons += 1;
            let m = Mention {
                id: format!("bods/{record}"),
                person: true,
                name,
                country: Some(person.country.code()),
                birth_date: Some(person.birth_date(false)),
                ..Default::default()
            };
            lab.add(true, person.idx, person.root, m)?;
            if let Some(o) = owned {
                write_relationship(out, &mut r, &format!("world-rel-{p}-gb"), &entity_record(o), &record, day)?;
                counts.bods_relationships += 1;
            }
        }
    }
    Ok(())
}

fn write_relationship(
    out: &mut Out,
    r: &mut Rng,
    record: &str,
    subject: &str,
    party: &str,
    day: i64,
) -> io::Result<()> {
    let share = r.range(10, 100);
    let details = json!({"isComponent": false, "subject": subject, "interestedParty": party,
        "interests": [{"type": "shareholding", "directOrIndirect": "direct",
            "beneficialOwnershipOrControl": share > 25, "share": {"exact": share}, "startDate": iso_date(day - 30)}]});
    writeln!(out, "{}", statement(r, record, "relationship", subject, day, details))
}

// ---------------------------------------------------------------------------------------------------
// Donations

struct DonationFiles {
    ge: Out,
    uk: Out,
    ua: Out,
}

fn person_postcode(p: u64) -> String {
    let mut r = Rng::new(mix(p ^ 0x7057_c0de));
    let letters = b"ABDEFGHJLNPQRSTUWXYZ";
    let area = *r.pick(&["N", "SW", "SE", "E", "W", "M", "B", "LS", "BS", "EH", "G", "CF"]);
    format!("{area}{} {}{}{}", r.range(1, 20), r.range(1, 9), *r.pick(letters) as char, *r.pick(letters) as char)
}

fn write_donations(
    world: &World,
    k: u64,
    files: &mut DonationFiles,
    lab: &mut Labelled,
    counts: &mut Counts,
) -> io::Result<()> {
    csv_row(
        &mut files.ge,
        &[
            "შემოწირულების მიმღები",
            "თარიღი",
            "სახელი",
            "გვარი / დასახელება",
            "ნომერი / კოდი",
            "სამართლებრივი ფორმა",
            "თანხა",
            "შემოწირულების ტიპი",
        ],
    )?;
    csv_row(
        &mut files.uk,
        &[
            "ECRef",
            "RegulatedEntityName",
            "RegulatedEntityType",
            "Value",
            "AcceptedDate",
            "DonorName",
            "DonorStatus",
            "CompanyRegistrationNumber",
            "Postcode",
            "DonationType",
        ],
    )?;
    csv_row(
        &mut files.ua,
        &["donor_name", "donor_id", "donor_scheme", "donor_kind", "party", "amount", "currency", "date", "type"],
    )?;
    for d in 0..k {
        let mut r = Rng::derive(world.seed, S_DONATION, d);
        let day = DAY_2019 + r.range(0, 6 * 365);
        let dialect = Dialect::draw(&mut r);
        let person_donor = world.persons > 0 && (world.orgs == 0 || r.chance(0.82));
        if person_donor {
            let abroad = r.chance(0.02);
            // One donor in ten is one of a few people who give again and again.
            let p = if r.chance(0.1) { r.below((world.persons / 100).max(1)) } else { r.below(world.persons) };
            let person = world.person(p);
            if person.country == Country::Gb || abroad {
                let script = match person.country {
                    Country::Ua => [Script::Press, Script::National, Script::RussianLatin][r.weighted(&[50, 30, 20])],
                    _ => Script::Press,
                };
                let style = NameStyle {
                    middle: r.weighted(&[40, 40, 20]) as u8,
                    title: r.chance(0.05).then(|| match (person.female, r.below(3)) {
                        (_, 0) => "Dr",
                        (false, _) => "Mr",
                        (true, 1) => "Mrs",
                        (true, _) => "Ms",
                    }),
                    caps: if r.chance(0.05) { 2 } else { 0 },
                    typo: r.chance(0.03),
                    ..NameStyle::plain(script)
                };
                let name = person.name(style, dialect, &mut r);
                let ecref = format!("C{:07}", d);
                let postcode = person_postcode(person.idx);
                let value = format!("£{}.00", thousands(r.range(5, 200) * 100));
                csv_row(
                    &mut files.uk,
                    &[
                        &ecref,
                        *r.pick(GB_PARTIES),
                        "Political Party",
                        &value,
                        &dmy_date(day),
                        &name,
                        "Individual",
                        if r.chance(0.5) { "NA" } else { "" },
                        &postcode,
                        ["Cash", "Non Cash"][r.weighted(&[90, 10])],
                    ],
                )?;
                counts.donations_uk_ec += 1;
                let m = Mention {
                    id: format!("donor/uk-ec:{ecref}"),
                    person: true,
                    name,
                    country: Some("GB"),
                    postcode: Some(postcode),
                    ..Default::default()
                };
                lab.add(true, person.idx, person.root, m)?;
                continue;
            }
            let with_id =
                told_apart(person.distinct, &mut r) || r.chance(if person.country == Country::Ge { 0.92 } else { 0.6 });
            let number = if with_id { person.tax_number().unwrap_or_default() } else { String::new() };
            if person.country == Country::Ge {
                let script = if r.chance(0.96) { Script::Native } else { Script::National };
                let (given, _, surname) = person.parts(script, dialect);
                let surname = if r.chance(0.04) { typo(&surname, &mut r) } else { surname };
                counts.donations_ge_sao += 1;
                let line = counts.donations_ge_sao + 1;
                let amount = thousands(r.range(1, 60) * 500);
                csv_row(
                    &mut files.ge,
                    &[
                        *r.pick(GE_PARTIES),
                        &dmy_date(day),
                        &given,
                        &surname,
                        &number,
                        "ფიზიკური პირი",
                        &amount,
                        ["ფულადი", "არაფულადი", "საწევრო შენატანი"][r.weighted(&[85, 10, 5])],
                    ],
                )?;
                let m = Mention {
                    id: format!("donor/ge-sao:{line}"),
                    person: true,
                    name: format!("{given} {surname}"),
                    identifiers: if with_id { person.tax_key().into_iter().collect() } else { vec![] },
                    country: Some("GE"),
                    ..Default::default()
                };
                lab.add(true, person.idx, person.root, m)?;
            } else {
                let (script, surname_first, patronymic) = match r.weighted(&[45, 25, 10, 10, 10]) {
                    0 => (Script::Native, true, true),
                    1 => (Script::Native, false, false),
                    2 => (Script::Russian, true, true),
                    3 => (Script::National, false, false),
                    _ => (Script::Press, false, false),
                };
                let style = NameStyle {
                    surname_first,
                    patronymic,
                    caps: if r.chance(0.15) { 1 } else { 0 },
                    typo: r.chance(0.05),
                    ..NameStyle::plain(script)
                };
                let name = person.name(style, dialect, &mut r);
                counts.donations_ua_generic += 1;
                let line = counts.donations_ua_generic + 1;
                let amount = format!("{}.00", r.range(1, 400) * 250);
                csv_row(
                    &mut files.ua,
                    &[
                        &name,
                        &number,
                        "",
                        "фізична особа",
                        *r.pick(UA_PARTIES),
                        &amount,
                        "UAH",
                        &iso_date(day),
                        "money",
                    ],
                )?;
                let m = Mention {
                    id: format!("donor/generic:{line}"),
                    person: true,
                    name,
                    identifiers: if with_id { person.tax_key().into_iter().collect() } else { vec![] },
                    country: Some("UA"),
                    ..Default::default()
                };
                lab.add(true, person.idx, person.root, m)?;
            }
        } else {
            let mut o = r.below(world.orgs);
            for _ in 0..8 {
                if !world.org_meta(o).public {
                    break;
                }
                o = r.below(world.orgs);
            }
            let org = world.org(o);
            if org.public {
                continue;
            }
            let with_id = told_apart(org.distinct, &mut r)
                || r.chance(match org.country {
                    Country::Ua => 0.8,
                    Country::Ge => 0.88,
                    Country::Gb => 0.9,
                });
            let mut m = Mention { person: false, country: Some(org.country.code()), ..Default::default() };
            if with_id {
                m.identifiers.push(org.key());
            }
            match org.country {
                Country::Ge => {
                    let script = if r.chance(0.7) { OrgScript::Bare } else { OrgScript::Native };
                    let name = org.name(script, dialect, &mut r, 0.03);
                    let form = match org.form {
                        Form::Llc => "შპს",
                        Form::Jsc => "სს",
                        _ => "კს",
                    };
                    counts.donations_ge_sao += 1;
                    let line = counts.donations_ge_sao + 1;
                    let number = if with_id { org.registry_number() } else { String::new() };
                    let amount = thousands(r.range(2, 200) * 500);
                    csv_row(
                        &mut files.ge,
                        &[*r.pick(GE_PARTIES), &dmy_date(day), "", &name, &number, form, &amount, "ფულადი"],
                    )?;
                    m.id = format!("donor/ge-sao:{line}");
                    m.name = name;
                }
                Country::Gb => {
                    let name = org.name(OrgScript::Native, dialect, &mut r, 0.03);
                    let ecref = format!("C{:07}", d);
                    let number = if !with_id {
                        "NA".to_string()
                    } else if r.chance(0.3) {
                        org.registry_number().trim_start_matches('0').to_string()
                    } else {
                        org.registry_number()
                    };
                    let status = if org.form == Form::Llp { "Limited Liability Partnership" } else { "Company" };
                    let value = format!("£{}.00", thousands(r.range(10, 500) * 100));
                    csv_row(
                        &mut files.uk,
                        &[
                            &ecref,
                            *r.pick(GB_PARTIES),
                            "Political Party",
                            &value,
                            &dmy_date(day),
                            &name,
                            status,
                            &number,
                            &org.postcode,
                            "Cash",
                        ],
                    )?;
                    counts.donations_uk_ec += 1;
                    m.id = format!("donor/uk-ec:{ecref}");
                    m.name = name;
                    m.postcode = Some(org.postcode.clone());
                }
                Country::Ua => {
                    let script =
                        [OrgScript::Native, OrgScript::NativeFull, OrgScript::Russian][r.weighted(&[80, 10, 10])];
                    let name = org.name(script, dialect, &mut r, 0.03);
                    counts.donations_ua_generic += 1;
                    let line = counts.donations_ua_generic + 1;
                    let number = if with_id { org.registry_number() } else { String::new() };
                    let amount = format!("{}.00", r.range(4, 2000) * 500);
                    csv_row(
                        &mut files.ua,
                        &[
                            &name,
                            &number,
                            "",
                            "юридична особа",
                            *r.pick(UA_PARTIES),
                            &amount,
                            "UAH",
                            &iso_date(day),
                            "money",
                        ],
                    )?;
                    m.id = format!("donor/generic:{line}");
                    m.name = name;
                }
            }
            lab.add(false, org.idx, org.root, m)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------
// A small world for a labelled file: every entity built once; names that meet by chance are
// namesakes, whose mentions carry what tells them apart.

fn person_key(p: &Person) -> String {
    let fp = fingerprint(&format!("{} {}", national(&p.given_native()), national(&p.surname_native())));
    fp.skeletons().join(" ")
}

fn org_key(o: &Org) -> String {
    let latin_core = if o.latin_core() { o.core.clone() } else { national(&o.core) };
    fingerprint(&latin_core).words.iter().map(|w| skeleton(w)).collect::<Vec<_>>().join(" ")
}

fn build_caches(world: &mut World) {
    let mut names: HashMap<String, u64> = HashMap::new();
    world.persons_cache = Some(Vec::with_capacity(world.persons as usize));
    for p in 0..world.persons {
        // Built in order, so copies find their originals in the cache.
        let mut person = world.make_person(p);
        let key = person_key(&person);
        if let Some(&first) = names.get(&key) {
            person.distinct = true;
            if let Some(cache) = world.persons_cache.as_mut() {
                cache[first as usize].distinct = true;
            }
        } else {
            names.insert(key, p);
        }
        world.persons_cache.get_or_insert_with(Vec::new).push(person);
    }
    let mut names: HashMap<String, u64> = HashMap::new();
    world.orgs_cache = Some(Vec::with_capacity(world.orgs as usize));
    for o in 0..world.orgs {
        let mut org = world.make_org(o);
        let key = org_key(&org);
        if let Some(&first) = names.get(&key) {
            org.distinct = !org.public;
            if let Some(cache) = world.orgs_cache.as_mut() {
                cache[first as usize].distinct = !cache[first as usize].public;
            }
        } else {
            names.insert(key, o);
        }
        world.orgs_cache.get_or_insert_with(Vec::new).push(org);
    }
}

// ---------------------------------------------------------------------------------------------------
// Command line

struct Args {
    orgs: u64,
    persons: u64,
    donations: u64,
    seed: u64,
    out: PathBuf,
    labelled_rate: u64,
    labelled_only: Option<u64>,
}

const USAGE: &str = "usage: gen-world --orgs N --persons M --donations K --out DIR [--seed S] [--labelled-rate R]
       gen-world --labelled-only N --out FILE.jsonl [--seed S]

  --orgs N           organisations (every 25th a public body that buys; the others supply, own, give)
  --persons M        persons (beneficial owners, donors, sole traders)
  --donations K      donation rows over the three donation files
  --out DIR          directory for ocds.jsonl, bods.jsonl, donations-*.csv and labelled.jsonl
  --seed S           PRNG seed (default 1); same arguments, same bytes
  --labelled-rate R  labelled.jsonl holds the mentions of 1 entity (name family) in R (default 500)
  --labelled-only N  write only a labelled file of about N mentions (a small world, every entity
                     sampled, more hard negatives); --out is the file";

fn parse_num(flag: &str, v: Option<String>) -> Result<u64, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
    let clean: String = v.chars().filter(|c| *c != '_').collect();
    clean.parse::<u64>().map_err(|_| format!("{flag}: not a non-negative integer: {v}"))
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        orgs: 0,
        persons: 0,
        donations: 0,
        seed: 1,
        out: PathBuf::new(),
        labelled_rate: 500,
        labelled_only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (flag, None),
        };
        let mut val = || inline.clone().or_else(|| it.next());
        match flag.as_str() {
            "--orgs" => a.orgs = parse_num("--orgs", val())?,
            "--persons" => a.persons = parse_num("--persons", val())?,
            "--donations" => a.donations = parse_num("--donations", val())?,
            "--seed" => a.seed = parse_num("--seed", val())?,
            "--labelled-rate" => a.labelled_rate = parse_num("--labelled-rate", val())?.max(1),
            "--labelled-only" => a.labelled_only = Some(parse_num("--labelled-only", val())?),
            "--out" | "-o" => a.out = PathBuf::from(val().ok_or("--out needs a value")?),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.out.as_os_str().is_empty() {
        return Err("--out is required".into());
    }
    if a.labelled_only.is_none() && a.orgs == 0 {
        return Err("--orgs must be at least 1".into());
    }
    Ok(a)
}

fn run(args: &Args) -> io::Result<Value> {
    let started = Instant::now();
    let (mut world, donations, rate) = match args.labelled_only {
        Some(n) => (
            World {
                seed: args.seed,
                orgs: (n * 10 / 28).max(30),
                persons: (n * 10 / 32).max(30),
                namesake_rate: 0.06,
                lookalike_rate: 0.06,
                twin_rate: 0.04,
                persons_cache: None,
                orgs_cache: None,
            },
            (n / 7).max(10),
            1,
        ),
        None => (
            World {
                seed: args.seed,
                orgs: args.orgs,
                persons: args.persons,
                namesake_rate: 0.02,
                lookalike_rate: 0.03,
                twin_rate: 0.015,
                persons_cache: None,
                orgs_cache: None,
            },
            args.donations,
            args.labelled_rate,
        ),
    };
    let (dir, labelled_path) = match args.labelled_only {
        Some(_) => (None, args.out.clone()),
        None => {
            std::fs::create_dir_all(&args.out)?;
            (Some(args.out.clone()), args.out.join("labelled.jsonl"))
        }
    };
    if args.labelled_only.is_some() {
        build_caches(&mut world);
    }
    let file = |name: &str| dir.as_ref().map(|d| d.join(name));
    let mut lab =
        Labelled { out: open(Some(&labelled_path))?, seed: args.seed, rate, cap: 6, seen: HashMap::new(), mentions: 0 };
    let mut counts = Counts::default();
    let mut ocds = open(file("ocds.jsonl").as_deref())?;
    write_ocds(&world, &mut ocds, &mut lab, &mut counts)?;
    ocds.flush()?;
    let mut bods = open(file("bods.jsonl").as_deref())?;
    write_bods(&world, &mut bods, &mut lab, &mut counts)?;
    bods.flush()?;
    let mut files = DonationFiles {
        ge: open(file("donations-ge-sao.csv").as_deref())?,
        uk: open(file("donations-uk-ec.csv").as_deref())?,
        ua: open(file("donations-ua-generic.csv").as_deref())?,
    };
    write_donations(&world, donations, &mut files, &mut lab, &mut counts)?;
    for f in [&mut files.ge, &mut files.uk, &mut files.ua] {
        f.flush()?;
    }
    lab.out.flush()?;
    let bytes = ocds.bytes + bods.bytes + files.ge.bytes + files.uk.bytes + files.ua.bytes;
    let entities = lab.seen.len();
    Ok(json!({
        "orgs": world.orgs,
        "persons": world.persons,
        "donations": counts.donations_ge_sao + counts.donations_uk_ec + counts.donations_ua_generic,
        "releases": counts.releases,
        "ocds_parties": counts.ocds_parties,
        "sole_traders": counts.sole_traders,
        "bods_entities": counts.bods_entities,
        "bods_persons": counts.bods_persons,
        "bods_relationships": counts.bods_relationships,
        "donations_ge_sao": counts.donations_ge_sao,
        "donations_uk_ec": counts.donations_uk_ec,
        "donations_ua_generic": counts.donations_ua_generic,
        "mentions": counts.ocds_parties + counts.bods_entities + counts.bods_persons
            + counts.donations_ge_sao + counts.donations_uk_ec + counts.donations_ua_generic,
        "labelled_mentions": lab.mentions,
        "labelled_entities": entities,
        "bytes": bytes,
        "seed": args.seed,
        "seconds": (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
    }))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gen-world: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-world: {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
