//! Writing values the way real exports write them: formats, scripts and small damage.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::rng::Rng;
use crate::normalize::Network;

/// Market indices, in the order of `Region::MARKETS`.
pub(crate) const RU: usize = 0;
pub(crate) const KZ: usize = 1;
pub(crate) const IR: usize = 2;
pub(crate) const IN: usize = 3;
pub(crate) const UZ: usize = 4;
pub(crate) const US: usize = 5;
pub(crate) const GB: usize = 6;

// ---- phones --------------------------------------------------------------------------------

/// Writes a phone number (`calling code` + national significant number `nsn`) in one of the
/// market's usual formats; `plain` gives E.164.
pub(crate) fn phone(market: usize, cc: &str, nsn: &str, plain: bool, rng: &mut Rng) -> String {
    let mut s = String::with_capacity(24);
    if plain {
        s.push('+');
        s.push_str(cc);
        s.push_str(nsn);
        return s;
    }
    let d = |a: usize, b: usize| nsn.get(a..b).unwrap_or("");
    let n = nsn.len();
    // Group patterns per market; a and b split the nsn as the market reads it.
    let _ = match market {
        RU | KZ => match rng.below(7) {
            0 => write!(s, "+7 ({}) {}-{}-{}", d(0, 3), d(3, 6), d(6, 8), d(8, n)),
            1 => write!(s, "8 ({}) {}-{}-{}", d(0, 3), d(3, 6), d(6, 8), d(8, n)),
            2 => write!(s, "8{nsn}"),
            3 => write!(s, "8 {} {} {} {}", d(0, 3), d(3, 6), d(6, 8), d(8, n)),
            4 => write!(s, "7{nsn}"),
            5 => write!(s, "+7 {} {} {} {}", d(0, 3), d(3, 6), d(6, 8), d(8, n)),
            _ => write!(s, "{nsn}"),
        },
        IR => match rng.below(5) {
            0 => write!(s, "0{nsn}"),
            1 => write!(s, "+98 {} {} {}", d(0, 3), d(3, 6), d(6, n)),
            2 => write!(s, "0{} {} {}", d(0, 3), d(3, 6), d(6, n)),
            3 => write!(s, "0098{nsn}"),
            _ => write!(s, "98{nsn}"),
        },
        IN => match rng.below(5) {
            0 => write!(s, "+91 {} {}", d(0, 5), d(5, n)),
            1 => write!(s, "+91-{nsn}"),
            2 => write!(s, "0{nsn}"),
            3 => write!(s, "{nsn}"),
            _ => write!(s, "91{nsn}"),
        },
        UZ => match rng.below(5) {
            0 => write!(s, "+998 {} {} {} {}", d(0, 2), d(2, 5), d(5, 7), d(7, n)),
            1 => write!(s, "998{nsn}"),
            2 => write!(s, "({}) {}-{}-{}", d(0, 2), d(2, 5), d(5, 7), d(7, n)),
            3 => write!(s, "{nsn}"),
            _ => write!(s, "+998 ({}) {}-{}", d(0, 2), d(2, 5), d(5, n)),
        },
        US => match rng.below(6) {
            0 => write!(s, "({}) {}-{}", d(0, 3), d(3, 6), d(6, n)),
            1 => write!(s, "{}-{}-{}", d(0, 3), d(3, 6), d(6, n)),
            2 => write!(s, "{}.{}.{}", d(0, 3), d(3, 6), d(6, n)),
            3 => write!(s, "1-{}-{}-{}", d(0, 3), d(3, 6), d(6, n)),
            4 => write!(s, "+1 {} {} {}", d(0, 3), d(3, 6), d(6, n)),
            _ => write!(s, "{nsn}"),
        },
        _ => match rng.below(5) {
            0 => write!(s, "0{} {}", d(0, 4), d(4, n)),
            1 => write!(s, "+44 {} {}", d(0, 4), d(4, n)),
            2 => write!(s, "+44 (0){} {}", d(0, 4), d(4, n)),
            3 => write!(s, "0044 {} {}", d(0, 4), d(4, n)),
            _ => write!(s, "0{nsn}"),
        },
    };
    s
}

/// An extension suffix in the market's words.
pub(crate) fn extension(market: usize, out: &mut String, rng: &mut Rng) {
    let ext = rng.range(1, 999);
    let _ = match (market, rng.below(2)) {
        (RU | KZ, 0) => write!(out, " доб. {ext}"),
        (RU | KZ, _) => write!(out, " (доб.{ext})"),
        (_, 0) => write!(out, " ext. {ext}"),
        _ => write!(out, " x{ext}"),
    };
}

/// Replaces ASCII digits by Persian (Extended Arabic-Indic) digits.
pub(crate) fn persian_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => char::from_u32(0x06F0 + d).unwrap_or(c),
            _ => c,
        })
        .collect()
}

// ---- e-mail, card, device, social -----------------------------------------------------------

/// Inserts or removes dots in a Gmail local part, or adds a `+tag`: the mailbox stays the same.
pub(crate) fn gmail_variant(local: &str, rng: &mut Rng) -> String {
    match rng.below(3) {
        0 if local.contains('.') => local.replace('.', ""),
        0 | 1 => {
            // A dot between two letters.
            let chars: Vec<char> = local.chars().collect();
            let spots: Vec<usize> = (1..chars.len())
                .filter(|&i| chars[i - 1].is_ascii_alphabetic() && chars[i].is_ascii_alphabetic())
                .collect();
            if spots.is_empty() {
                return format!("{local}+shop");
            }
            let at = *rng.pick(&spots);
            let mut s: String = chars[..at].iter().collect();
            s.push('.');
            s.extend(&chars[at..]);
            s
        }
        _ => {
            let tag = *rng.pick(&["promo", "shop", "news", "sale", "2024"]);
            format!("{local}+{tag}")
        }
    }
}

/// Changes letter case the way people type addresses: capitalised words or all capitals.
pub(crate) fn email_case(email: &str, rng: &mut Rng) -> String {
    if rng.chance(0.3) {
        return email.to_uppercase();
    }
    let mut out = String::with_capacity(email.len());
    let mut start = true;
    for c in email.chars() {
        out.push(if start { c.to_ascii_uppercase() } else { c });
        start = matches!(c, '.' | '@' | '_');
    }
    out
}

/// A card number with separators or a prefix.
pub(crate) fn card(digits: &str, rng: &mut Rng) -> String {
    let g = |a: usize, b: usize| digits.get(a..b).unwrap_or("");
    let n = digits.len();
    match rng.below(5) {
        0 => format!("{} {} {} {}", g(0, 4), g(4, 8), g(8, 12), g(12, n)),
        1 => format!("LC-{digits}"),
        2 => format!("№ {digits}"),
        3 => format!("{}-{}-{}-{}", g(0, 4), g(4, 8), g(8, 12), g(12, n)),
        _ => format!("№{digits}"),
    }
}

/// A UUID as 8-4-4-4-12 lower-case hex.
pub(crate) fn uuid(bytes: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A UUID written differently: upper case, without hyphens, in braces.
pub(crate) fn device_variant(canonical: &str, rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => canonical.to_uppercase(),
        1 => canonical.replace('-', ""),
        2 => format!("{{{canonical}}}"),
        _ => format!("{{{}}}", canonical.to_uppercase()),
    }
}

/// A handle as `@name`, a profile URL, or with changed case.
pub(crate) fn handle_variant(network: Network, handle: &str, rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!("@{handle}"),
        1 | 2 => {
            let host = match network {
                Network::Instagram => "instagram.com/",
                Network::Telegram => "t.me/",
                Network::Vk => "vk.com/",
                Network::X => "x.com/",
                Network::Facebook => "facebook.com/",
                Network::TikTok => "tiktok.com/@",
                _ => "",
            };
            let www = matches!(
                network,
                Network::Instagram | Network::Facebook | Network::Vk
            );
            let scheme = if www && rng.chance(0.5) {
                "https://www."
            } else {
                "https://"
            };
            let slash = if rng.chance(0.3) { "/" } else { "" };
            format!("{scheme}{host}{handle}{slash}")
        }
        _ => capitalise_first(handle),
    }
}

fn capitalise_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Pads with spaces on one or both sides.
pub(crate) fn spaces(s: &str, rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!(" {s}"),
        1 => format!("{s} "),
        _ => format!("  {s} "),
    }
}

// ---- names ---------------------------------------------------------------------------------

/// One-character damage: two neighbours swapped, a letter dropped or doubled. The first
/// letter is kept. Names shorter than three letters are left alone.
pub(crate) fn typo(s: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 3 {
        return s.to_string();
    }
    let i = 1 + rng.index(c.len() - 2);
    match rng.below(3) {
        0 => c.swap(i, i + 1),
        1 => {
            c.remove(i);
        }
        _ => c.insert(i, c[i]),
    }
    c.into_iter().collect()
}

/// The female form of a Slavic-pattern last name (RU, KZ, UZ; both scripts); others as is.
pub(crate) fn feminine(last: &str) -> Cow<'_, str> {
    for (m, f) in [
        ("ский", "ская"),
        ("цкий", "цкая"),
        ("skiy", "skaya"),
        ("sky", "skaya"),
    ] {
        if let Some(stem) = last.strip_suffix(m) {
            return Cow::Owned(format!("{stem}{f}"));
        }
    }
    const ENDINGS: [&str; 9] = ["ов", "ев", "ёв", "ин", "ын", "ov", "ev", "in", "yn"];
    if ENDINGS.iter().any(|e| last.ends_with(e)) {
        let latin = last.chars().last().is_some_and(|c| c.is_ascii());
        let a = if latin { "a" } else { "а" };
        return Cow::Owned(format!("{last}{a}"));
    }
    Cow::Borrowed(last)
}

/// Cyrillic (Russian and Kazakh letters) to Latin, the way people spell their own names: each
/// bit of `style` picks one habit (kh or h, yu or iu, ...), so one person spells consistently
/// and two people differently. Other characters pass through.
pub(crate) fn translit(s: &str, style: u32) -> String {
    let bit = |b: u32| style >> b & 1 == 1;
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        let next = chars.get(i + 1).copied();
        let word_start = prev.is_none_or(|p| !p.is_alphabetic());
        let after_vowel =
            prev.is_some_and(|p| "аеёиоуыэюяъь".contains(p.to_lowercase().next().unwrap_or(p)));
        let at_end = next.is_none_or(|n| !n.is_alphabetic());
        let rep: &str = match lower {
            'а' | 'ә' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'ғ' => {
                if bit(9) {
                    "gh"
                } else {
                    "g"
                }
            }
            'д' => "d",
            'е' => {
                if (word_start || after_vowel) && bit(6) {
                    "ye"
                } else {
                    "e"
                }
            }
            'ё' => {
                if bit(7) {
                    "yo"
                } else {
                    "e"
                }
            }
            'ж' => {
                if bit(3) && bit(4) {
                    "j"
                } else {
                    "zh"
                }
            }
            'з' => "z",
            'и' | 'і' => {
                // "-ий" at the end: Dmitriy / Dmitrii / Dmitry.
                if next == Some('й')
                    && chars.get(i + 2).is_none_or(|n| !n.is_alphabetic())
                    && bit(8)
                {
                    ""
                } else {
                    "i"
                }
            }
            'й' => {
                if bit(1) && at_end {
                    "i"
                } else {
                    "y"
                }
            }
            'к' => "k",
            'қ' => {
                if bit(9) {
                    "q"
                } else {
                    "k"
                }
            }
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'ң' => "ng",
            'о' | 'ө' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' | 'ұ' | 'ү' => "u",
            'ф' => "f",
            'х' | 'һ' => {
                if bit(0) {
                    "h"
                } else {
                    "kh"
                }
            }
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => {
                if bit(5) {
                    "sch"
                } else {
                    "shch"
                }
            }
            'ъ' | 'ь' => "",
            'ы' => "y",
            'э' => "e",
            'ю' => {
                if bit(2) {
                    "iu"
                } else {
                    "yu"
                }
            }
            'я' => {
                if bit(2) {
                    "ia"
                } else {
                    "ya"
                }
            }
            _ => {
                out.push(c);
                continue;
            }
        };
        if c != lower {
            let mut r = rep.chars();
            if let Some(f) = r.next() {
                out.push(f.to_ascii_uppercase());
                out.extend(r);
            }
        } else {
            out.push_str(rep);
        }
    }
    out
}

/// Lower-case ASCII letters only (for e-mail local parts and handles). The input is already a
/// Latin spelling; anything else (ʻ in Uzbek names, apostrophes, spaces) is dropped. No
/// transliteration crate is involved, so a dependency update cannot change generated data.
pub(crate) fn ascii_letters(s: &str) -> String {
    s.bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|b| char::from(b.to_ascii_lowercase()))
        .collect()
}

/// Persian text with the Arabic forms of yeh and kaf, as Arabic keyboards type them.
pub(crate) fn arabic_letters(s: &str) -> String {
    s.replace('\u{06CC}', "\u{064A}")
        .replace('\u{06A9}', "\u{0643}")
}

// ---- dates ---------------------------------------------------------------------------------

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The Gregorian date of a day number since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Solar Hijri leap years by the 33-year rule (exact for the years this generator uses).
fn jalali_leap(jy: i64) -> bool {
    matches!(jy.rem_euclid(33), 1 | 5 | 9 | 13 | 17 | 22 | 26 | 30)
}

/// The Solar Hijri (Jalali) date of a Gregorian date. 1 Farvardin 1379 = 2000-03-20.
pub(crate) fn to_jalali(y: i64, m: u32, d: u32) -> (i64, u32, u32) {
    let mut days = days_from_civil(y, m, d) - days_from_civil(2000, 3, 20);
    let mut jy = 1379;
    let len = |jy: i64| if jalali_leap(jy) { 366 } else { 365 };
    while days < 0 {
        jy -= 1;
        days += len(jy);
    }
    while days >= len(jy) {
        days -= len(jy);
        jy += 1;
    }
    let (jm, jd) = if days < 186 {
        (days / 31 + 1, days % 31 + 1)
    } else {
        ((days - 186) / 30 + 7, (days - 186) % 30 + 1)
    };
    (jy, jm as u32, jd as u32)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A birth date in one of the market's usual non-ISO formats.
pub(crate) fn date_local(market: usize, (y, m, d): (i64, u32, u32), rng: &mut Rng) -> String {
    let mon = MONTHS[(m as usize + 11) % 12];
    match market {
        RU | KZ | UZ => match rng.below(3) {
            0 | 1 => format!("{d:02}.{m:02}.{y}"),
            _ => format!("{d:02}/{m:02}/{y}"),
        },
        US => match rng.below(3) {
            0 => format!("{m:02}/{d:02}/{y}"),
            1 => format!("{m}/{d}/{y}"),
            _ => format!("{m:02}-{d:02}-{y}"),
        },
        GB => match rng.below(3) {
            0 => format!("{d:02}/{m:02}/{y}"),
            1 => format!("{d:02}-{m:02}-{y}"),
            _ => format!("{d} {mon} {y}"),
        },
        IN => match rng.below(3) {
            0 => format!("{d:02}/{m:02}/{y}"),
            1 => format!("{d:02}-{m:02}-{y}"),
            _ => format!("{d:02}.{m:02}.{y}"),
        },
        _ => match rng.below(2) {
            0 => format!("{y}/{m:02}/{d:02}"),
            _ => format!("{d:02}/{m:02}/{y}"),
        },
    }
}

/// A Solar Hijri date as `yyyy/mm/dd`.
pub(crate) fn date_jalali(date: (i64, u32, u32)) -> String {
    let (jy, jm, jd) = to_jalali(date.0, date.1, date.2);
    format!("{jy}/{jm:02}/{jd:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ` of seconds since 1970.
pub(crate) fn timestamp(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    // Written digit by digit: this runs once per record.
    let mut out = String::with_capacity(20);
    let mut push = |v: i64, width: u32, sep: char| {
        for k in (0..width).rev() {
            out.push(char::from(b'0' + (v / 10i64.pow(k) % 10) as u8));
        }
        if sep != '\0' {
            out.push(sep);
        }
    };
    push(y, 4, '-');
    push(i64::from(m), 2, '-');
    push(i64::from(d), 2, 'T');
    push(s / 3600, 2, ':');
    push(s / 60 % 60, 2, ':');
    push(s % 60, 2, 'Z');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(1987, 3, 14)), (1987, 3, 14));
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
        for z in (-10_000..30_000).step_by(37) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(86_400 + 3661), "1970-01-02T01:01:01Z");
    }

    #[test]
    fn jalali_known_dates() {
        assert_eq!(to_jalali(2000, 3, 20), (1379, 1, 1));
        assert_eq!(to_jalali(2021, 3, 21), (1400, 1, 1));
        assert_eq!(to_jalali(2020, 3, 20), (1399, 1, 1));
        // 22 Bahman 1357.
        assert_eq!(to_jalali(1979, 2, 11), (1357, 11, 22));
        assert_eq!(to_jalali(1950, 3, 21), (1329, 1, 1));
        assert_eq!(to_jalali(2007, 12, 31), (1386, 10, 10));
        assert_eq!(date_jalali((1979, 2, 11)), "1357/11/22");
    }

    #[test]
    fn transliteration_styles() {
        assert_eq!(translit("Щукин", 0), "Shchukin");
        assert_eq!(translit("Щукин", 1 << 5), "Schukin");
        assert_eq!(translit("Дмитрий", 0), "Dmitriy");
        assert_eq!(translit("Дмитрий", 1 << 8), "Dmitry");
        assert_eq!(translit("Дмитрий", 1 << 1), "Dmitrii");
        assert_eq!(translit("Юлия", 0), "Yuliya");
        assert_eq!(translit("Юлия", 1 << 2), "Iuliia");
        assert_eq!(translit("Елена Хохлова", 1 << 6), "Yelena Khokhlova");
        assert_eq!(translit("Бақыт", 1 << 9), "Baqyt");
        assert_eq!(translit("Семёнов", 1 << 7), "Semyonov");
    }

    #[test]
    fn feminine_forms() {
        assert_eq!(feminine("Иванов"), "Иванова");
        assert_eq!(feminine("Вишневский"), "Вишневская");
        assert_eq!(feminine("Шевченко"), "Шевченко");
        assert_eq!(feminine("Ким"), "Ким");
        assert_eq!(feminine("Karimov"), "Karimova");
        assert_eq!(feminine("Ильин"), "Ильина");
        assert_eq!(feminine("Turgʻunov"), "Turgʻunova");
    }

    #[test]
    fn small_damage() {
        let mut rng = Rng::new(3);
        for _ in 0..100 {
            let t = typo("Александр", &mut rng);
            assert!(t.starts_with('А'));
            let diff = t.chars().count() as i64 - 9;
            assert!(diff.abs() <= 1);
        }
        assert_eq!(typo("Ли", &mut rng), "Ли");
        assert_eq!(persian_digits("0912 345"), "۰۹۱۲ ۳۴۵");
        assert_eq!(arabic_letters("کریمی"), "كريمي");
        assert_eq!(ascii_letters("Joʻrayev"), "jorayev");
        let u = uuid(&[0xab; 16]);
        assert_eq!(u, "abababab-abab-abab-abab-abababababab");
    }

    #[test]
    fn phone_formats_keep_digits() {
        let mut rng = Rng::new(5);
        let cases = [
            (RU, "7", "9123456789"),
            (KZ, "7", "7012345678"),
            (IR, "98", "9123456789"),
            (IN, "91", "9876543210"),
            (UZ, "998", "901234567"),
            (US, "1", "2125550123"),
            (GB, "44", "7911123456"),
        ];
        for (m, cc, nsn) in cases {
            for _ in 0..50 {
                let p = phone(m, cc, nsn, false, &mut rng);
                let digits: String = p.chars().filter(char::is_ascii_digit).collect();
                assert!(digits.ends_with(nsn), "{p}");
                assert!(!p.contains([',', ';', '|']), "{p}");
            }
        }
    }
}
