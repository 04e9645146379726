//! E-mail addresses -> canonical mailbox.
//!
//! The steps, in order:
//!
//! 1. Trim; unwrap `mailto:`, a display name (`Anna <anna@mail.ru>`), surrounding `<>`,
//!    quotes or brackets, and a trailing dot or comma.
//! 2. Split at the last `@` (whitespace around it is dropped); no `@` at all is
//!    [`Reject::Placeholder`] when the value is a "no e-mail" phrase, else [`Reject::Invalid`].
//! 3. Local part: unquoted dot-atom only (quoted local parts are [`Reject::Invalid`]: they do
//!    not occur in customer data and cannot be compared safely); Unicode letters are allowed
//!    (RFC 6531 addresses such as `иван@почта.рф`); NFKC, then case-folded.
//! 4. Domain: IDN to punycode (UTS 46), case-folded, checked as a host name with at least two
//!    labels and an alphabetic (or punycode) top-level label; IP literals are invalid.
//! 5. Provider rules from `data/email_providers.txt`: domain aliases (`googlemail.com` ->
//!    `gmail.com`, `ya.ru` -> `yandex.ru`) and how the provider reads the local part
//!    (`+tag` dropped, dots ignored, ...). Unknown domains are left alone.
//! 6. Junk and role addresses from `data/email_junk.txt` (`test@`, `noreply@`,
//!    `@example.com`, ...) are [`Reject::Placeholder`]; so are local parts made of one repeated
//!    character (`xxx@`) or a run of digits (`123456@`).
//! 7. A final syntax check with the `email_address` crate.
//!
//! The result is idempotent: `normalize(e.as_str())` gives `e` back.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use email_address::EmailAddress;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::{is_placeholder_word, precheck, Context, Reject};

/// A canonical e-mail address: case-folded, IDN domain in ASCII (punycode), provider
/// aliases resolved (`googlemail.com` -> `gmail.com`), dots and `+tags` removed where the
/// provider ignores them. `Debug` does not show the address; use [`Email::as_str`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Email {
    address: Box<str>,
}

impl Email {
    /// The canonical address.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The part before `@`.
    pub fn local(&self) -> &str {
        self.address.rsplit_once('@').map_or("", |(l, _)| l)
    }

    /// The part after `@`.
    pub fn domain(&self) -> &str {
        self.address.rsplit_once('@').map_or("", |(_, d)| d)
    }

    /// A coarse key of the local part for a *fuzzy blocking* rule: its letters only, with
    /// digits and punctuation removed (`anna.petrova85` -> `annapetrova`).
    ///
    /// Two addresses with the same key are worth comparing (`anna.petrova85@mail.ru` and
    /// `annapetrova@bk.ru`), never a match by themselves: use it together with a name or
    /// city key. Empty when the local part has no letters.
    ///
    /// ```
    /// use omnilink::normalize::{email, Context};
    /// let e = email::normalize("Anna.Petrova_85@Mail.ru", &Context::new()).unwrap();
    /// assert_eq!(e.local_key(), "annapetrova");
    /// ```
    pub fn local_key(&self) -> String {
        self.local().chars().filter(|c| c.is_alphabetic()).collect()
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(<redacted>)")
    }
}

/// Normalises one raw e-mail address.
///
/// ```
/// use omnilink::normalize::{email, Context, Reject};
/// let ctx = Context::new();
/// let e = email::normalize(" <A.N.N.A+shop@GoogleMail.com> ", &ctx).unwrap();
/// assert_eq!(e.as_str(), "anna@gmail.com");
/// let e = email::normalize("Иван@Почта.рф", &ctx).unwrap();
/// assert_eq!(e.as_str(), "иван@xn--80a1acny.xn--p1ai");
/// assert_eq!(email::normalize("test@test.com", &ctx), Err(Reject::Placeholder));
/// assert_eq!(email::normalize("anna@", &ctx), Err(Reject::Invalid));
/// ```
pub fn normalize(raw: &str, ctx: &Context) -> Result<Email, Reject> {
    let _ = ctx;
    let t = precheck(raw)?;
    let (t, mailto) = unwrap_address(t);
    let Some((local_raw, domain_raw)) = t.rsplit_once('@') else {
        return Err(if is_junk_phrase(t) {
            Reject::Placeholder
        } else {
            Reject::Invalid
        });
    };
    let local_raw = local_raw.trim_end();
    let mut domain_raw = domain_raw.trim_start();
    if mailto {
        // `mailto:anna@mail.ru?subject=...`: a domain never holds `?`.
        domain_raw = domain_raw.split('?').next().unwrap_or("");
    }
    let domain_raw = domain_raw.strip_suffix('.').unwrap_or(domain_raw);
    match canonical(local_raw, domain_raw) {
        Ok(e) => Ok(e),
        Err(Reject::Invalid) if is_junk_raw(local_raw, domain_raw) => Err(Reject::Placeholder),
        Err(e) => Err(e),
    }
}

/// The canonical address from a split raw address, or why not.
fn canonical(local_raw: &str, domain_raw: &str) -> Result<Email, Reject> {
    if !valid_raw_local(local_raw) {
        return Err(Reject::Invalid);
    }
    let mut buf = [0u8; 253];
    let ascii = match plain_ascii_domain(domain_raw, &mut buf) {
        Some(d) => Cow::Borrowed(d),
        None => idna::domain_to_ascii_cow(domain_raw.as_bytes(), idna::AsciiDenyList::STD3)
            .map_err(|_| Reject::Invalid)?,
    };
    if !valid_domain(&ascii) {
        return Err(Reject::Invalid);
    }
    let rules = &*PROVIDERS;
    let domain: &str = rules.alias.get(&*ascii).copied().unwrap_or(&ascii);
    let provider = rules.flags.get(domain).copied().unwrap_or_default();

    let mut address = String::with_capacity(local_raw.len() + 1 + domain.len());
    canonical_local(local_raw, provider, &mut address)?;
    if !local_raw.is_ascii() {
        // NFKC and case mappings of rare characters are not always stable in one pass:
        // keep only local parts that come back unchanged, so the result stays idempotent.
        let mut again = String::with_capacity(address.len());
        canonical_local(&address, provider, &mut again)?;
        if again != address {
            return Err(Reject::Invalid);
        }
    }
    let local_len = address.len();
    address.push('@');
    address.push_str(domain);
    let local = &address[..local_len];

    if is_junk(local, domain, &address) {
        return Err(Reject::Placeholder);
    }
    if local.is_ascii() && !EmailAddress::is_valid_local_part(local) {
        return Err(Reject::Invalid);
    }
    if !EmailAddress::is_valid_domain(domain) {
        return Err(Reject::Invalid);
    }
    Ok(Email {
        address: address.into_boxed_str(),
    })
}

/// The domain in lower case when it is plain ASCII letters, digits, hyphens and dots with no
/// punycode label: what UTS 46 would give for it, without running UTS 46.
fn plain_ascii_domain<'a>(domain: &str, buf: &'a mut [u8; 253]) -> Option<&'a str> {
    let b = domain.as_bytes();
    if b.len() > buf.len()
        || !b
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'.')
    {
        return None;
    }
    let out = &mut buf[..b.len()];
    for (o, c) in out.iter_mut().zip(b) {
        *o = c.to_ascii_lowercase();
    }
    let punycode = out.starts_with(b"xn--") || out.windows(5).any(|w| w == b".xn--");
    if punycode {
        return None;
    }
    std::str::from_utf8(out).ok()
}

/// Strips `mailto:`, a display name, surrounding brackets and quotes and trailing
/// punctuation. The flag says whether `mailto:` was seen.
fn unwrap_address(mut t: &str) -> (&str, bool) {
    let mut mailto = false;
    loop {
        let before = t;
        if t.len() >= 7 && t.is_char_boundary(7) && t[..7].eq_ignore_ascii_case("mailto:") {
            t = t[7..].trim_start();
            mailto = true;
        }
        if let Some(inner) = t.strip_suffix('>') {
            if let Some((_, addr)) = inner.rsplit_once('<') {
                t = addr.trim();
            }
        }
        if let Some(inner) = strip_pair(
            t,
            &[('"', '"'), ('\'', '\''), ('(', ')'), ('[', ']'), ('«', '»')],
        ) {
            t = inner;
        }
        t = t.trim_end_matches([',', ';', ':', '.']).trim();
        // `t` only ever shrinks: the same length means nothing was stripped
        if t.len() == before.len() {
            return (t, mailto);
        }
    }
}

/// `t` without one pair of the given surrounding characters, trimmed; `None` if it has none.
fn strip_pair<'a>(t: &'a str, pairs: &[(char, char)]) -> Option<&'a str> {
    let first = t.chars().next()?;
    let &(_, close) = pairs.iter().find(|(open, _)| *open == first)?;
    let inner = t.get(first.len_utf8()..)?;
    if inner.chars().next_back()? != close {
        return None;
    }
    Some(inner[..inner.len() - close.len_utf8()].trim())
}

/// RFC 5322 `atext` punctuation, allowed in an unquoted local part.
fn is_atext_punct(c: char) -> bool {
    matches!(
        c,
        '!' | '#'
            | '$'
            | '%'
            | '&'
            | '\''
            | '*'
            | '+'
            | '-'
            | '/'
            | '='
            | '?'
            | '^'
            | '_'
            | '`'
            | '{'
            | '|'
            | '}'
            | '~'
    )
}

/// ASCII bytes allowed in an unquoted local part: letters, digits, `.` and `atext`.
const ASCII_LOCAL: [bool; 128] = {
    let mut t = [false; 128];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric()
            || c == b'.'
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'/'
                    | b'='
                    | b'?'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
                    | b'~'
            );
        i += 1;
    }
    t
};

/// Dot-atom syntax of the local part as written (before case-folding and provider rules).
fn valid_raw_local(local: &str) -> bool {
    let ok_char = |c: char| {
        c.is_ascii_alphanumeric()
            || c == '.'
            || is_atext_punct(c)
            || (!c.is_ascii() && c.is_alphanumeric())
    };
    let b = local.as_bytes();
    if b.is_empty() || b.len() > 64 || b[0] == b'.' || b[b.len() - 1] == b'.' {
        return false;
    }
    let mut prev_dot = false;
    for &c in b {
        let dot = c == b'.';
        if dot && prev_dot {
            return false;
        }
        prev_dot = dot;
    }
    if local.is_ascii() {
        b.iter().all(|&c| ASCII_LOCAL[usize::from(c)])
    } else {
        local.chars().all(ok_char)
    }
}

/// Writes the canonical local part of `local` into `out`: NFKC, lower case, provider rules.
fn canonical_local(local: &str, provider: Provider, out: &mut String) -> Result<(), Reject> {
    let start = out.len();
    let local = if provider.plus {
        local.split('+').next().unwrap_or("")
    } else {
        local
    };
    if local.is_ascii() {
        if !provider.dots && !provider.dash {
            out.push_str(local);
            out[start..].make_ascii_lowercase();
        } else {
            for b in local.bytes() {
                match b {
                    b'.' if provider.dots => {}
                    b'.' => out.push('-'),
                    _ => out.push(char::from(b.to_ascii_lowercase())),
                }
            }
        }
    } else {
        let folded: String = local.nfkc().flat_map(char::to_lowercase).collect();
        for c in folded.chars() {
            match c {
                '.' if provider.dots => {}
                '.' if provider.dash => out.push('-'),
                _ => out.push(c),
            }
        }
    }
    let canon = &out[start..];
    if valid_raw_local(canon) {
        Ok(())
    } else {
        Err(Reject::Invalid)
    }
}

/// A host name: 2+ labels of letters, digits and inner hyphens, at most 63 bytes each and
/// 253 in all; the last label alphabetic (2+ letters) or punycode.
fn valid_domain(domain: &str) -> bool {
    let b = domain.as_bytes();
    if b.is_empty() || b.len() > 253 {
        return false;
    }
    let mut labels = 0usize;
    let mut start = 0usize;
    for i in 0..=b.len() {
        if i < b.len() && b[i] != b'.' {
            let c = b[i];
            if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-') {
                return false;
            }
            continue;
        }
        let label = &b[start..i];
        if label.is_empty()
            || label.len() > 63
            || label[0] == b'-'
            || label[label.len() - 1] == b'-'
        {
            return false;
        }
        labels += 1;
        start = i + 1;
    }
    let last = match b.iter().rposition(|&c| c == b'.') {
        Some(p) => &b[p + 1..],
        None => b,
    };
    labels >= 2
        && (last.starts_with(b"xn--")
            || (last.len() >= 2 && last.iter().all(u8::is_ascii_lowercase)))
}

/// A small multiplicative hasher for the static lookup tables: their keys are a few dozen
/// short strings from the data files, so SipHash's resistance to chosen keys buys nothing
/// and costs most of a lookup.
#[derive(Clone, Copy, Debug, Default)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(a)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

/// How a provider reads the local part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Provider {
    /// `+tag` is dropped.
    plus: bool,
    /// Dots are ignored.
    dots: bool,
    /// `.` and `-` are one character, written `-`.
    dash: bool,
}

/// Provider rules parsed from `data/email_providers.txt`.
#[derive(Debug, Default)]
struct Providers {
    alias: FastMap<&'static str, &'static str>,
    flags: FastMap<&'static str, Provider>,
    /// Lines that did not parse (checked by a unit test).
    bad_lines: usize,
}

const PROVIDER_DATA: &str = include_str!("data/email_providers.txt");
const JUNK_DATA: &str = include_str!("data/email_junk.txt");

static PROVIDERS: LazyLock<Providers> = LazyLock::new(|| parse_providers(PROVIDER_DATA));
static JUNK: LazyLock<Junk> = LazyLock::new(|| parse_junk(JUNK_DATA));

fn data_lines(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
}

fn parse_providers(data: &'static str) -> Providers {
    let mut p = Providers::default();
    for line in data_lines(data) {
        if let Some((alias, canonical)) = line.split_once('=') {
            p.alias.insert(alias.trim(), canonical.trim());
        } else if let Some((domain, flags)) = line.split_once(':') {
            let mut prov = Provider::default();
            for flag in flags.split_whitespace() {
                match flag {
                    "plus" => prov.plus = true,
                    "dots" => prov.dots = true,
                    "dash" => prov.dash = true,
                    _ => p.bad_lines += 1,
                }
            }
            p.flags.insert(domain.trim(), prov);
        } else {
            p.bad_lines += 1;
        }
    }
    p
}

/// Junk lists parsed from `data/email_junk.txt`.
#[derive(Debug, Default)]
struct Junk {
    /// Letters-only keys of junk local parts.
    locals: FastSet<&'static str>,
    /// Junk domains (their subdomains are junk too).
    domains: FastSet<&'static str>,
    /// Exact junk addresses.
    addresses: Vec<&'static str>,
    /// Whole values meaning "no e-mail", lower case.
    phrases: HashSet<String>,
}

fn parse_junk(data: &'static str) -> Junk {
    let mut j = Junk::default();
    for line in data_lines(data) {
        match line.split_once('@') {
            Some((l, "")) => {
                j.locals.insert(l);
            }
            Some(("", d)) => {
                j.domains.insert(d);
            }
            Some(_) => {
                j.addresses.push(line);
            }
            None => {
                j.phrases.insert(line.to_lowercase());
            }
        }
    }
    j
}

/// `true` for a value without `@` that means "no e-mail".
fn is_junk_phrase(t: &str) -> bool {
    if is_placeholder_word(t) {
        return true;
    }
    let lower = t.to_lowercase();
    let collapsed: String = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    JUNK.phrases.contains(collapsed.as_str())
}

/// Junk test on an address that failed to parse: case-folded parts only.
fn is_junk_raw(local: &str, domain: &str) -> bool {
    let local = local.to_lowercase();
    let domain = domain.to_lowercase();
    let address = format!("{local}@{domain}");
    is_junk(&local, &domain, &address)
}

/// Junk test on a canonical (or case-folded) address.
fn is_junk(local: &str, domain: &str, address: &str) -> bool {
    let junk = &*JUNK;
    if junk.addresses.contains(&address) {
        return true;
    }
    // the domain and each parent domain (`mail.example.com`, `example.com`, `com`)
    // (a single label is no valid domain; `localhost` and the like are checked below)
    let mut d = domain;
    while let Some(i) = d.as_bytes().iter().position(|&c| c == b'.') {
        if junk.domains.contains(d) {
            return true;
        }
        d = &d[i + 1..];
    }
    // `d` is now the top-level label: RFC 2606 / 6761 reserved names
    if junk.domains.contains(d)
        || matches!(d, "test" | "example" | "invalid" | "localhost" | "local")
    {
        return true;
    }
    // Letters-only key in a stack buffer: junk words are short, a longer key is no junk word.
    let mut buf = [0u8; 64];
    let mut len = 0;
    if local.is_ascii() {
        for &c in local.as_bytes().iter().filter(|c| c.is_ascii_alphabetic()) {
            if len == buf.len() {
                len = usize::MAX;
                break;
            }
            buf[len] = c;
            len += 1;
        }
    } else {
        for c in local.chars().filter(|c| c.is_alphabetic()) {
            let n = c.len_utf8();
            if len + n > buf.len() {
                len = usize::MAX;
                break;
            }
            c.encode_utf8(&mut buf[len..]);
            len += n;
        }
    }
    if len != usize::MAX {
        if let Ok(key) = std::str::from_utf8(&buf[..len]) {
            if !key.is_empty() && junk.locals.contains(key) {
                return true;
            }
        }
    }
    repeated_or_run(local)
}

/// A local part of 3+ chars that is one repeated character (`xxx`, `0000`), or 4+ digits
/// counting up or down (`1234`, `987654`).
fn repeated_or_run(local: &str) -> bool {
    let b = local.as_bytes();
    if b.len() >= 3 && b.iter().all(|&c| c == b[0]) {
        return true;
    }
    if b.len() >= 4 && b.iter().all(u8::is_ascii_digit) {
        let up = b
            .windows(2)
            .all(|w| w[1] == w[0] + 1 || (w[0] == b'9' && w[1] == b'0'));
        let down = b
            .windows(2)
            .all(|w| w[0] == w[1] + 1 || (w[0] == b'0' && w[1] == b'9'));
        return up || down;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(raw: &str) -> Result<String, Reject> {
        normalize(raw, &Context::new()).map(|e| e.as_str().to_string())
    }

    #[test]
    fn data_files_parse() {
        assert_eq!(PROVIDERS.bad_lines, 0);
        assert!(PROVIDERS.alias.len() >= 8);
        // every alias points at a domain with rules
        for canonical in PROVIDERS.alias.values() {
            assert!(PROVIDERS.flags.contains_key(canonical), "{canonical}");
        }
        assert!(JUNK.locals.contains("test") && JUNK.domains.contains("example.com"));
        // the mail.ru family stays apart
        for d in ["mail.ru", "bk.ru", "inbox.ru", "list.ru"] {
            assert!(!PROVIDERS.alias.contains_key(d), "{d}");
        }
    }

    #[test]
    fn trims_unwraps_and_case_folds() {
        assert_eq!(
            n("  Anna.Petrova@Mail.RU "),
            Ok("anna.petrova@mail.ru".into())
        );
        assert_eq!(n("<anna@mail.ru>"), Ok("anna@mail.ru".into()));
        assert_eq!(n("mailto:Anna@Mail.ru"), Ok("anna@mail.ru".into()));
        assert_eq!(
            n("MAILTO:anna@mail.ru?subject=hi"),
            Ok("anna@mail.ru".into())
        );
        assert_eq!(n("Анна Петрова <anna@mail.ru>"), Ok("anna@mail.ru".into()));
        assert_eq!(n("\"anna@mail.ru\""), Ok("anna@mail.ru".into()));
        assert_eq!(n("(anna@mail.ru)."), Ok("anna@mail.ru".into()));
        assert_eq!(n("anna @ mail.ru"), Ok("anna@mail.ru".into()));
        assert_eq!(n("anna@mail.ru."), Ok("anna@mail.ru".into()));
        assert_eq!(n("\u{feff}anna@mail.ru\t"), Ok("anna@mail.ru".into()));
    }

    #[test]
    fn provider_rules() {
        assert_eq!(
            n("A.N.N.A+promo@googlemail.com"),
            Ok("anna@gmail.com".into())
        );
        assert_eq!(
            n("anna.petrova@gmail.com"),
            Ok("annapetrova@gmail.com".into())
        );
        assert_eq!(
            n("ivan.ivanov+shop@ya.ru"),
            Ok("ivan-ivanov@yandex.ru".into())
        );
        for d in [
            "yandex.ru",
            "yandex.kz",
            "yandex.by",
            "yandex.com",
            "yandex.ua",
            "ya.ru",
        ] {
            assert_eq!(
                n(&format!("Ivan-Ivanov@{d}")),
                Ok("ivan-ivanov@yandex.ru".into()),
                "{d}"
            );
        }
        assert_eq!(
            n("john.smith+news@outlook.com"),
            Ok("john.smith@outlook.com".into())
        );
        assert_eq!(n("john+x@hotmail.co.uk"), Ok("john@hotmail.co.uk".into()));
        assert_eq!(n("jane+ads@icloud.com"), Ok("jane@icloud.com".into()));
        assert_eq!(n("jane+x@protonmail.com"), Ok("jane@proton.me".into()));
        // mail.ru family: no aliasing, no tag or dot rules
        assert_eq!(n("anna.k+1@bk.ru"), Ok("anna.k+1@bk.ru".into()));
        assert_eq!(n("anna@inbox.ru"), Ok("anna@inbox.ru".into()));
        // unknown domains keep their +tags and dots
        assert_eq!(n("anna.b+c@company.uz"), Ok("anna.b+c@company.uz".into()));
        // tag only
        assert_eq!(n("+promo@gmail.com"), Err(Reject::Invalid));
    }

    #[test]
    fn idn_domains_from_every_market() {
        assert_eq!(n("Иван@Почта.РФ"), Ok("иван@xn--80a1acny.xn--p1ai".into()));
        assert_eq!(
            n("ivan@пример.рус"),
            Ok("ivan@xn--e1afmkfd.xn--p1acf".into())
        );
        assert_eq!(n("ali@ایران.ir"), Ok("ali@xn--mgba3a4f16a.ir".into()));
        assert_eq!(n("raj@भारत.भारत"), Ok("raj@xn--h2brj9c.xn--h2brj9c".into()));
        assert_eq!(n("aziz@mail.uz"), Ok("aziz@mail.uz".into()));
        assert_eq!(n("aigul@mail.kz"), Ok("aigul@mail.kz".into()));
        // punycode in, same out
        assert_eq!(
            n("ivan@xn--80a1acny.xn--p1ai"),
            Ok("ivan@xn--80a1acny.xn--p1ai".into())
        );
        // full-width letters fold
        assert_eq!(n("ＡＮＮＡ@ｍａｉｌ.ｒｕ"), Ok("anna@mail.ru".into()));
    }

    #[test]
    fn invalid_syntax() {
        for raw in [
            "anna",
            "anna@",
            "@mail.ru",
            "anna@mail",
            "anna@@mail.ru",
            "an na@mail.ru",
            ".anna@mail.ru",
            "anna.@mail.ru",
            "an..na@mail.ru",
            "anna@mail..ru",
            "anna@-mail.ru",
            "anna@mail.r",
            "anna@mail.123",
            "anna@[127.0.0.1]",
            "anna@192.168.0.1",
            "\"anna petrova\"@mail.ru",
            "anna@mail_ru.com",
            "anna,petrova@mail.ru",
            "анна@mail ru",
            "ali@ایمیل",
        ] {
            assert_eq!(n(raw), Err(Reject::Invalid), "{raw}");
        }
        let long_local = format!("{}@mail.ru", "ab".repeat(33));
        assert_eq!(n(&long_local), Err(Reject::Invalid));
    }

    #[test]
    fn empty_and_too_long() {
        assert_eq!(n(""), Err(Reject::Empty));
        assert_eq!(n(" \t "), Err(Reject::Empty));
        assert_eq!(n(&"a".repeat(5000)), Err(Reject::TooLong));
    }

    #[test]
    fn junk_and_role_addresses() {
        for raw in [
            "test@test.com",
            "TEST@gmail.com",
            "t.e.s.t@gmail.com",
            "test123@mail.ru",
            "noemail@yandex.ru",
            "no@mail.ru",
            "none@none.com",
            "a@a.a",
            "anna@example.com",
            "anna@mail.example.org",
            "noreply@shop.kz",
            "no-reply@bank.uz",
            "do-not-reply@store.co.uk",
            "info@company.ru",
            "qwerty@mail.ru",
            "asdf@gmail.com",
            "xxx@mail.ru",
            "null@bk.ru",
            "na@yahoo.com",
            "nomail@inbox.ru",
            "aaaa@gmail.com",
            "123456@mail.ru",
            "нет@mail.ru",
            "anna@shop.test",
            "нет",
            "n/a",
            "Нет почты",
            "no email",
            "ندارد",
            "ایمیل ندارم",
            "-",
        ] {
            assert_eq!(n(raw), Err(Reject::Placeholder), "{raw}");
        }
        // disposable domains are real people
        assert_eq!(n("anna@mailinator.com"), Ok("anna@mailinator.com".into()));
        // a junk word inside a real local part is fine
        assert_eq!(n("testov.ivan@mail.ru"), Ok("testov.ivan@mail.ru".into()));
        assert_eq!(n("nadia@mail.ru"), Ok("nadia@mail.ru".into()));
    }

    #[test]
    fn real_looking_addresses() {
        assert_eq!(
            n("Aigerim.Nurlanovna@mail.kz"),
            Ok("aigerim.nurlanovna@mail.kz".into())
        );
        assert_eq!(
            n("reza.ahmadi@chmail.ir"),
            Ok("reza.ahmadi@chmail.ir".into())
        );
        assert_eq!(
            n("priya_sharma@rediffmail.com"),
            Ok("priya_sharma@rediffmail.com".into())
        );
        assert_eq!(n("Dilshod.T@umail.uz"), Ok("dilshod.t@umail.uz".into()));
        assert_eq!(
            n("J.Smith@BTInternet.com"),
            Ok("j.smith@btinternet.com".into())
        );
        assert_eq!(n("mike.o'brien@aol.com"), Ok("mike.o'brien@aol.com".into()));
        assert_eq!(n("राम@example.in"), Ok("राम@example.in".into()));
    }

    #[test]
    fn local_key_for_blocking() {
        let e = normalize("Anna.Petrova85@mail.ru", &Context::new()).unwrap();
        assert_eq!(e.local_key(), "annapetrova");
        assert_eq!(e.local(), "anna.petrova85");
        assert_eq!(e.domain(), "mail.ru");
        let e = normalize("79123456789@mail.ru", &Context::new()).unwrap();
        assert_eq!(e.local_key(), "");
    }

    #[test]
    fn debug_hides_address() {
        let e = normalize("anna@mail.ru", &Context::new()).unwrap();
        assert!(!format!("{e:?}").contains("anna"));
    }

    fn local_part() -> impl Strategy<Value = String> {
        "[a-zA-Z][a-zA-Z0-9_]{1,10}(\\.[a-zA-Z0-9]{1,6}){0,2}"
    }

    proptest! {
        #[test]
        fn total_on_any_string(s in "\\PC{0,80}") {
            let _ = normalize(&s, &Context::new());
        }

        #[test]
        fn total_on_odd_strings(s in "[a-zA-Z0-9@.<>:+\\- \"()\\[\\]\u{0}-\u{1f}а-яё۰-۹]{0,60}") {
            if let Ok(e) = normalize(&s, &Context::new()) {
                prop_assert_eq!(normalize(e.as_str(), &Context::new()), Ok(e));
            }
        }

        #[test]
        fn total_on_long_strings(s in "[a-z@.]{1,20}", k in 1usize..200) {
            let long = s.repeat(k);
            let _ = normalize(&long, &Context::new());
            let _ = normalize(&format!("{long}@gmail.com"), &Context::new());
        }

        #[test]
        fn idempotent(s in "\\PC{0,40}@\\PC{0,20}") {
            if let Ok(e) = normalize(&s, &Context::new()) {
                prop_assert_eq!(normalize(e.as_str(), &Context::new()), Ok(e));
            }
        }

        #[test]
        fn idempotent_on_plausible(local in local_part(),
                                   domain in "(gmail\\.com|googlemail\\.com|ya\\.ru|yandex\\.kz|mail\\.ru|outlook\\.com|почта\\.рф|example\\.uz|shop\\.co\\.uk)",
                                   tag in "(\\+[a-z0-9]{1,5})?") {
            let raw = format!("{local}{tag}@{domain}");
            if let Ok(e) = normalize(&raw, &Context::new()) {
                prop_assert_eq!(normalize(e.as_str(), &Context::new()), Ok(e));
            }
        }

        #[test]
        fn case_dots_and_tags_do_not_matter_on_gmail(local in "[a-z]{6,12}", cuts in proptest::collection::vec(1usize..12, 0..3),
                                                     upper in proptest::collection::vec(any::<bool>(), 12), tag in "[a-z0-9]{1,6}") {
            let plain = format!("{local}@gmail.com");
            let mut spelled = String::new();
            for (i, c) in local.chars().enumerate() {
                if i > 0 && cuts.contains(&i) && !spelled.ends_with('.') {
                    spelled.push('.');
                }
                spelled.push(if upper[i % upper.len()] { c.to_ascii_uppercase() } else { c });
            }
            let spelled = format!("{spelled}+{tag}@GoogleMail.com");
            let a = normalize(&plain, &Context::new());
            let b = normalize(&spelled, &Context::new());
            prop_assert_eq!(a, b);
        }

        #[test]
        fn case_does_not_matter(local in local_part(), domain in "(mail\\.ru|bk\\.ru|почта\\.рф|company\\.kz)") {
            let a = normalize(&format!("{local}@{domain}"), &Context::new());
            let b = normalize(&format!("{}@{}", local.to_uppercase(), domain.to_uppercase()), &Context::new());
            prop_assert_eq!(a, b);
        }
    }
}
