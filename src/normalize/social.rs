//! Social network and messenger handles -> `(network, handle)`.
//!
//! Accepted forms: `@Name`, `Name`, `tg: @name` (a label naming the network) and profile
//! URLs with or without scheme, `www.`/`m.`/`mobile.`, trailing slash, query string or
//! fragment: `instagram.com/<name>` (`instagr.am`), `t.me/<name>` (`telegram.me`,
//! `telegram.dog`, `t.me/s/<name>`), `vk.com/<name>` (`vk.ru`, `id12345` kept as it is),
//! `x.com/<name>` (`twitter.com`), `facebook.com/<name>` (`fb.com`, `profile.php?id=<id>`,
//! `people/<Name>/<id>`), `tiktok.com/@<name>`. Hosts, URL shapes, labels and handle rules
//! are data in `data/social_hosts.txt`.
//!
//! The network of a URL or label wins over [`Context::social_network`]; a bare handle takes
//! the context's network, else [`Network::Unknown`]. Handles are case-folded and checked
//! loosely per network (ASCII letters, digits, `_`, `.` where the network allows it, a
//! length range); Facebook dots are dropped (Facebook ignores them). A URL of another host
//! or a non-profile page (`instagram.com/p/...`, `t.me/joinchat/...`) is [`Reject::Invalid`];
//! "no account" values (`нет`, `username`, `instagram`, `ندارم`, `xxx`) are
//! [`Reject::Placeholder`].
//!
//! Idempotency: the canonical string form is [`Social::handle`], read with
//! `ctx.social_network = Some(social.network)`; normalising it gives the same [`Social`].

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::{data_lines, is_placeholder_word, precheck, Context, Reject};

/// A social network or messenger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Network {
    /// instagram.com
    Instagram,
    /// Telegram (t.me)
    Telegram,
    /// vk.com
    Vk,
    /// x.com / twitter.com
    X,
    /// facebook.com
    Facebook,
    /// tiktok.com
    TikTok,
    /// A bare handle with no network context.
    Unknown,
}

impl Network {
    /// Every network, in a fixed order.
    pub const ALL: [Network; 7] = [
        Network::Instagram,
        Network::Telegram,
        Network::Vk,
        Network::X,
        Network::Facebook,
        Network::TikTok,
        Network::Unknown,
    ];

    /// A short, stable, lower-case name, the same as its serde name (`"instagram"`,
    /// `"tik_tok"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Network::Instagram => "instagram",
            Network::Telegram => "telegram",
            Network::Vk => "vk",
            Network::X => "x",
            Network::Facebook => "facebook",
            Network::TikTok => "tik_tok",
            Network::Unknown => "unknown",
        }
    }

    /// The network with the name [`Network::as_str`] gives; `tiktok` is accepted too.
    pub fn from_name(name: &str) -> Option<Network> {
        if name == "tiktok" {
            return Some(Network::TikTok);
        }
        Network::ALL.into_iter().find(|n| n.as_str() == name)
    }
}

/// A handle on a network, case-folded, without `@` or URL parts.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Social {
    /// The network.
    pub network: Network,
    handle: Box<str>,
}

impl Social {
    /// The handle, case-folded, without `@`.
    pub fn handle(&self) -> &str {
        &self.handle
    }
}

impl fmt::Debug for Social {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Social({:?}, <redacted>)", self.network)
    }
}

/// Normalises one raw handle or profile URL.
///
/// ```
/// use omnilink::normalize::{social, Context, Network, Reject};
/// let s = social::normalize("https://www.instagram.com/Anna.Petrova/?hl=ru", &Context::new()).unwrap();
/// assert_eq!((s.network, s.handle()), (Network::Instagram, "anna.petrova"));
///
/// let ig = Context::new().social_network(Some(Network::Instagram));
/// assert_eq!(social::normalize("@anna.petrova", &ig), Ok(s.clone()));
/// // the canonical form: the handle, read with its network as context
/// let again = Context::new().social_network(Some(s.network));
/// assert_eq!(social::normalize(s.handle(), &again), Ok(s));
///
/// assert_eq!(social::normalize("@anna", &Context::new()).unwrap().network, Network::Unknown);
/// assert_eq!(social::normalize("нет", &ig), Err(Reject::Placeholder));
/// ```
pub fn normalize(raw: &str, ctx: &Context) -> Result<Social, Reject> {
    let t = strip_wrappers(precheck(raw)?);
    match parse(t, ctx) {
        Err(Reject::Invalid) if is_junk_value(t) => Err(Reject::Placeholder),
        other => other,
    }
}

fn parse(t: &str, ctx: &Context) -> Result<Social, Reject> {
    let rules = &*RULES;
    let (label_net, t) = strip_label(t);
    let (network, handle) = match split_url(t)? {
        Some((net, tail)) => (net, handle_from_path(net, tail)?),
        None => (
            label_net.or(ctx.social_network).unwrap_or(Network::Unknown),
            t.trim_end_matches('/'),
        ),
    };
    let handle = handle.strip_prefix('@').unwrap_or(handle);
    if handle.is_empty() {
        return Err(Reject::Empty);
    }
    let rule = rules
        .handle_rule(network)
        .or_else(|| rules.handle_rule(Network::Unknown))
        .ok_or(Reject::Invalid)?;
    let mut out = String::with_capacity(handle.len());
    for b in handle.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(char::from(b.to_ascii_lowercase()));
        } else if rule.punct.contains(&b) {
            if !(b == b'.' && rule.no_dots) {
                out.push(char::from(b));
            }
        } else {
            return Err(Reject::Invalid);
        }
    }
    let o = out.as_bytes();
    let len = o.len();
    if len < rule.min
        || len > rule.max
        || o.first() == Some(&b'.')
        || o.last() == Some(&b'.')
        || out.contains("..")
        || (rule.letter_first && !o.first().is_some_and(u8::is_ascii_alphabetic))
        || lookup_host(&out).is_some()
    {
        return Err(Reject::Invalid);
    }
    if rules.is_junk(&out) || (len >= 3 && o.iter().all(|&c| c == o[0])) {
        return Err(Reject::Placeholder);
    }
    Ok(Social {
        network,
        handle: out.into_boxed_str(),
    })
}

/// Strips surrounding quotes and brackets, repeatedly.
fn strip_wrappers(mut t: &str) -> &str {
    const PAIRS: [(char, char); 6] = [
        ('"', '"'),
        ('\'', '\''),
        ('<', '>'),
        ('(', ')'),
        ('[', ']'),
        ('«', '»'),
    ];
    while let Some(inner) = strip_pair(t, &PAIRS) {
        t = inner;
    }
    t
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

/// `inst: anna` -> (Instagram, `anna`).
fn strip_label(t: &str) -> (Option<Network>, &str) {
    if let Some((label, rest)) = t.split_once(':') {
        if label.chars().count() <= 16 && !rest.starts_with("//") {
            let label = label.trim().to_lowercase();
            if let Some(&net) = RULES.labels.get(label.as_str()) {
                return (Some(net), rest.trim());
            }
        }
    }
    (None, t)
}

/// The network and the rest (path, query) of a profile URL; `None` for a bare handle.
fn split_url(t: &str) -> Result<Option<(Network, &str)>, Reject> {
    let (had_scheme, rest) = match t.find("://") {
        Some(i) => (true, &t[i + 3..]),
        None => (false, t),
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(host_end);
    match lookup_host(host) {
        Some(net) => Ok(Some((net, tail))),
        None if had_scheme || (host.contains('.') && !tail.trim_matches('/').is_empty()) => {
            Err(Reject::Invalid)
        }
        None => Ok(None),
    }
}

/// The network of a profile host, after dropping `www.`, `m.`, ... (any case).
fn lookup_host(host: &str) -> Option<Network> {
    let rules = &*RULES;
    let mut h = host.trim_end_matches('.');
    'sub: loop {
        for sub in &rules.subs {
            if h.len() > sub.len() + 1
                && h.as_bytes()[sub.len()] == b'.'
                && h.is_char_boundary(sub.len() + 1)
                && h[..sub.len()].eq_ignore_ascii_case(sub)
            {
                h = &h[sub.len() + 1..];
                continue 'sub;
            }
        }
        break;
    }
    rules
        .hosts
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(h))
        .map(|&(_, net)| net)
}

/// The handle in the path (or query) of a profile URL on `net`.
fn handle_from_path(net: Network, tail: &str) -> Result<&str, Reject> {
    let rules = &*RULES;
    let tail = tail.split('#').next().unwrap_or("");
    let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let first = segments.next().ok_or(Reject::Invalid)?;
    for &(n, seg, param) in &rules.idqueries {
        if n == net && first.eq_ignore_ascii_case(seg) {
            return query
                .split('&')
                .find_map(|kv| {
                    kv.split_once('=')
                        .filter(|(k, _)| *k == param)
                        .map(|(_, v)| v)
                })
                .ok_or(Reject::Invalid);
        }
    }
    for &(n, seg, extra) in &rules.skips {
        if n == net && first.eq_ignore_ascii_case(seg) {
            return segments.nth(extra).ok_or(Reject::Invalid);
        }
    }
    if rules
        .reserved
        .get(net as usize)
        .is_some_and(|segs| segs.iter().any(|seg| first.eq_ignore_ascii_case(seg)))
    {
        return Err(Reject::Invalid);
    }
    Ok(first)
}

/// A whole value meaning "no account" (`нет`, `не пользуюсь`, `n/a`), any case.
fn is_junk_value(t: &str) -> bool {
    if t.len() > 64 {
        return false;
    }
    let lower = t.to_lowercase();
    let v = lower.trim_start_matches('@');
    RULES.is_junk(v) || is_placeholder_word(v)
}

/// How handles look on one network.
#[derive(Debug)]
struct HandleRule {
    min: usize,
    max: usize,
    punct: Vec<u8>,
    letter_first: bool,
    no_dots: bool,
}

#[derive(Debug, Default)]
struct Rules {
    hosts: Vec<(&'static str, Network)>,
    subs: Vec<&'static str>,
    skips: Vec<(Network, &'static str, usize)>,
    idqueries: Vec<(Network, &'static str, &'static str)>,
    /// Indexed by `Network as usize`.
    reserved: Vec<Vec<&'static str>>,
    labels: HashMap<String, Network>,
    /// Indexed by `Network as usize`.
    handles: Vec<Option<HandleRule>>,
    /// Junk handles and the shared placeholder words, sorted, for binary search.
    junk: Vec<String>,
    bad_lines: usize,
}

impl Rules {
    fn handle_rule(&self, network: Network) -> Option<&HandleRule> {
        self.handles.get(network as usize).and_then(Option::as_ref)
    }

    fn is_junk(&self, handle: &str) -> bool {
        self.junk
            .binary_search_by(|j| j.as_str().cmp(handle))
            .is_ok()
    }
}

static RULES: LazyLock<Rules> = LazyLock::new(parse_rules);

fn parse_rules() -> Rules {
    let mut r = Rules::default();
    for line in data_lines(include_str!("data/social_hosts.txt")) {
        let f: Vec<&'static str> = line.split_whitespace().collect();
        let net = |name: &str| Network::from_name(name);
        let ok = match f.as_slice() {
            ["host", host, n] => net(n).map(|n| r.hosts.push((host, n))).is_some(),
            ["sub", label] => {
                r.subs.push(label);
                true
            }
            ["skip", n, seg, extra] => match (net(n), extra.parse()) {
                (Some(n), Ok(extra)) => {
                    r.skips.push((n, seg, extra));
                    true
                }
                _ => false,
            },
            ["idquery", n, seg, param] => {
                net(n).map(|n| r.idqueries.push((n, seg, param))).is_some()
            }
            ["reserved", n, segs @ ..] => match net(n) {
                Some(n) => {
                    let i = n as usize;
                    if r.reserved.len() <= i {
                        r.reserved.resize_with(i + 1, Vec::new);
                    }
                    r.reserved[i].extend_from_slice(segs);
                    true
                }
                None => false,
            },
            ["label", word, n] => net(n)
                .map(|n| r.labels.insert(word.to_lowercase(), n))
                .is_some(),
            ["handle", n, min, max, punct, flags @ ..] => {
                match (net(n), min.parse(), max.parse()) {
                    (Some(n), Ok(min), Ok(max)) => {
                        let mut rule = HandleRule {
                            min,
                            max,
                            punct: punct.bytes().collect(),
                            letter_first: false,
                            no_dots: false,
                        };
                        let mut good = true;
                        for flag in flags {
                            match *flag {
                                "letter_first" => rule.letter_first = true,
                                "no_dots" => rule.no_dots = true,
                                _ => good = false,
                            }
                        }
                        let i = n as usize;
                        if r.handles.len() <= i {
                            r.handles.resize_with(i + 1, || None);
                        }
                        r.handles[i] = Some(rule);
                        good
                    }
                    _ => false,
                }
            }
            _ => false,
        };
        if !ok {
            r.bad_lines += 1;
        }
    }
    // The shared placeholder words, compared like `is_placeholder_word` compares them: a
    // handle is lower case and cannot start or end with the characters that trims.
    for line in
        data_lines(include_str!("data/social_junk.txt")).chain(data_lines(super::PLACEHOLDER_WORDS))
    {
        r.junk.push(line.to_lowercase());
    }
    r.junk.sort_unstable();
    r.junk.dedup();
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n_in(raw: &str, net: Option<Network>) -> Result<String, Reject> {
        let ctx = Context::new().social_network(net);
        normalize(raw, &ctx).map(|s| format!("{}:{}", s.network.as_str(), s.handle()))
    }

    fn n(raw: &str) -> Result<String, Reject> {
        n_in(raw, None)
    }

    fn ok(s: &str) -> Result<String, Reject> {
        Ok(s.to_string())
    }

    #[test]
    fn data_files_parse() {
        assert_eq!(RULES.bad_lines, 0);
        assert_eq!(RULES.hosts.len(), 14);
        for net in Network::ALL {
            assert!(RULES.handle_rule(net).is_some(), "{net:?}");
            let json = serde_json::to_string(&net).unwrap();
            assert_eq!(json.trim_matches('"'), net.as_str());
            assert_eq!(Network::from_name(net.as_str()), Some(net));
        }
    }

    #[test]
    fn instagram() {
        for raw in [
            "https://www.instagram.com/Anna.Petrova/",
            "instagram.com/anna.petrova",
            "http://instagram.com/anna.petrova?igshid=MzRlODBiNWFlZA==",
            "www.instagram.com/anna.petrova/#",
            "instagr.am/anna.petrova",
            "https://instagram.com/stories/anna.petrova/3312345678901234567/",
            "inst: @Anna.Petrova",
            "Инстаграм: anna.petrova",
        ] {
            assert_eq!(n(raw), ok("instagram:anna.petrova"), "{raw}");
        }
        assert_eq!(
            n_in("@Anna.Petrova", Some(Network::Instagram)),
            ok("instagram:anna.petrova")
        );
        assert_eq!(n("instagram.com/p/Cx1abcDEF/"), Err(Reject::Invalid));
        assert_eq!(n("instagram.com/explore"), Err(Reject::Invalid));
        assert_eq!(n("instagram.com"), Err(Reject::Invalid));
        assert_eq!(n("https://instagram.com/"), Err(Reject::Invalid));
        assert_eq!(
            n_in("anna..petrova", Some(Network::Instagram)),
            Err(Reject::Invalid)
        );
        assert_eq!(
            n_in(".anna", Some(Network::Instagram)),
            Err(Reject::Invalid)
        );
        assert_eq!(
            n_in(&"a".repeat(31), Some(Network::Instagram)),
            Err(Reject::Invalid)
        );
    }

    #[test]
    fn telegram() {
        for raw in [
            "t.me/Aigerim_Kz",
            "https://t.me/aigerim_kz",
            "telegram.me/aigerim_kz",
            "https://telegram.dog/aigerim_kz",
            "t.me/s/aigerim_kz",
            "tg: @aigerim_kz",
            "тг: aigerim_kz",
        ] {
            assert_eq!(n(raw), ok("telegram:aigerim_kz"), "{raw}");
        }
        assert_eq!(
            n_in("@Dilshod_UZ", Some(Network::Telegram)),
            ok("telegram:dilshod_uz")
        );
        assert_eq!(n("t.me/joinchat/AAAAAE"), Err(Reject::Invalid));
        assert_eq!(n("t.me/+AbCdEf12345"), Err(Reject::Invalid));
        assert_eq!(
            n_in("+79123456789", Some(Network::Telegram)),
            Err(Reject::Invalid)
        );
        assert_eq!(
            n_in("123abc", Some(Network::Telegram)),
            Err(Reject::Invalid)
        );
        assert_eq!(n_in("abc", Some(Network::Telegram)), Err(Reject::Invalid));
        assert_eq!(
            n_in("anna.petrova", Some(Network::Telegram)),
            Err(Reject::Invalid)
        );
    }

    #[test]
    fn vk() {
        assert_eq!(n("https://vk.com/id12345"), ok("vk:id12345"));
        assert_eq!(n("vk.ru/id12345"), ok("vk:id12345"));
        assert_eq!(n("https://m.vk.com/Ivan.Petrov"), ok("vk:ivan.petrov"));
        assert_eq!(n("vkontakte.ru/ivan_petrov"), ok("vk:ivan_petrov"));
        assert_eq!(n("вк: id12345"), ok("vk:id12345"));
        assert_eq!(n_in("id12345", Some(Network::Vk)), ok("vk:id12345"));
        assert_eq!(n("vk.com/feed"), Err(Reject::Invalid));
    }

    #[test]
    fn x_twitter() {
        for raw in [
            "https://twitter.com/JohnSmith",
            "https://mobile.twitter.com/JohnSmith",
            "x.com/johnsmith",
            "https://x.com/johnsmith/status/1712345678901234567",
            "twitter: @JohnSmith",
        ] {
            assert_eq!(n(raw), ok("x:johnsmith"), "{raw}");
        }
        assert_eq!(n("x.com/home"), Err(Reject::Invalid));
        assert_eq!(n_in("john.smith", Some(Network::X)), Err(Reject::Invalid));
        assert_eq!(
            n_in("a_very_long_handle_1", Some(Network::X)),
            Err(Reject::Invalid)
        );
    }

    #[test]
    fn facebook() {
        assert_eq!(
            n("https://www.facebook.com/profile.php?id=100004567891234"),
            ok("facebook:100004567891234")
        );
        assert_eq!(
            n("m.facebook.com/profile.php?ref=bookmarks&id=100004567891234"),
            ok("facebook:100004567891234")
        );
        assert_eq!(
            n("facebook.com/people/Priya-Sharma/100004567891234/"),
            ok("facebook:100004567891234")
        );
        assert_eq!(n("fb.com/Priya.Sharma.77"), ok("facebook:priyasharma77"));
        assert_eq!(
            n("https://www.facebook.com/priyasharma77"),
            ok("facebook:priyasharma77")
        );
        assert_eq!(
            n_in("priya.sharma.77", Some(Network::Facebook)),
            ok("facebook:priyasharma77")
        );
        assert_eq!(n("facebook.com/profile.php"), Err(Reject::Invalid));
        assert_eq!(n("facebook.com/groups/12345"), Err(Reject::Invalid));
    }

    #[test]
    fn tiktok() {
        assert_eq!(
            n("https://www.tiktok.com/@Dilnoza.uz"),
            ok("tik_tok:dilnoza.uz")
        );
        assert_eq!(
            n("tiktok.com/@dilnoza.uz/video/7234567890123456789"),
            ok("tik_tok:dilnoza.uz")
        );
        assert_eq!(n("тикток: @dilnoza.uz"), ok("tik_tok:dilnoza.uz"));
        assert_eq!(
            n_in("@dilnoza.uz", Some(Network::TikTok)),
            ok("tik_tok:dilnoza.uz")
        );
        assert_eq!(n("tiktok.com/discover"), Err(Reject::Invalid));
    }

    #[test]
    fn bare_handles_and_context() {
        assert_eq!(n("@anna_p"), ok("unknown:anna_p"));
        assert_eq!(n("Anna_P"), ok("unknown:anna_p"));
        assert_eq!(n("reza.karimi"), ok("unknown:reza.karimi"));
        // the URL's network wins over the column's
        assert_eq!(
            n_in("t.me/reza_karimi", Some(Network::Instagram)),
            ok("telegram:reza_karimi")
        );
        // so does a label
        assert_eq!(
            n_in("tg: reza_karimi", Some(Network::Instagram)),
            ok("telegram:reza_karimi")
        );
        // unknown URL hosts are not handles
        assert_eq!(n("https://ok.ru/profile/123"), Err(Reject::Invalid));
        assert_eq!(n("vm.tiktok.com/ZMabc123/"), Err(Reject::Invalid));
        assert_eq!(n("https://anna.livejournal.com"), Err(Reject::Invalid));
    }

    #[test]
    fn junk_and_invalid() {
        for raw in [
            "нет",
            "Нет",
            "-",
            "n/a",
            "@username",
            "instagram",
            "@instagram",
            "не пользуюсь",
            "ندارم",
            "ندارد",
            "xxx",
            "@aaaa",
            "none",
            "instagram.com/username",
        ] {
            assert_eq!(
                n_in(raw, Some(Network::Instagram)),
                Err(Reject::Placeholder),
                "{raw}"
            );
        }
        for raw in [
            "анна_петрова",
            "رضا_کریمی",
            "anna petrova",
            "anna#1",
            "@anna!",
            "anna@mail.ru",
        ] {
            assert_eq!(
                n_in(raw, Some(Network::Instagram)),
                Err(Reject::Invalid),
                "{raw}"
            );
        }
        assert_eq!(n("@"), Err(Reject::Empty));
        assert_eq!(n(""), Err(Reject::Empty));
        assert_eq!(n(&"a".repeat(5000)), Err(Reject::TooLong));
        assert_eq!(n(&"ab".repeat(40)), Err(Reject::Invalid));
    }

    #[test]
    fn debug_hides_handle() {
        let s = normalize("@anna_p", &Context::new()).unwrap();
        assert!(!format!("{s:?}").contains("anna"));
    }

    fn networks() -> impl Strategy<Value = Option<Network>> {
        prop_oneof![
            Just(None),
            proptest::sample::select(Network::ALL.to_vec()).prop_map(Some)
        ]
    }

    fn renormalise(s: &Social) -> Result<Social, Reject> {
        normalize(s.handle(), &Context::new().social_network(Some(s.network)))
    }

    proptest! {
        #[test]
        fn total_and_idempotent(s in "\\PC{0,80}", net in networks()) {
            if let Ok(v) = normalize(&s, &Context::new().social_network(net)) {
                prop_assert_eq!(renormalise(&v), Ok(v));
            }
        }

        #[test]
        fn idempotent_on_url_like(
            s in "(https?://)?(www\\.|m\\.|mobile\\.)?(instagram\\.com|t\\.me|vk\\.com|x\\.com|twitter\\.com|facebook\\.com|fb\\.com|tiktok\\.com|ok\\.ru)/(@|s/|stories/|people/[A-Za-z-]{1,8}/)?[A-Za-z0-9_.]{1,20}/?(\\?[a-z]{1,4}=[a-zA-Z0-9]{0,8})?",
            net in networks(),
        ) {
            if let Ok(v) = normalize(&s, &Context::new().social_network(net)) {
                prop_assert_eq!(renormalise(&v), Ok(v));
            }
        }

        #[test]
        fn total_on_long_strings(s in "[a-z/.:@]{1,12}", k in 1usize..300) {
            let _ = normalize(&s.repeat(k), &Context::new());
        }

        #[test]
        fn url_and_at_handle_agree(
            h in "[a-z][a-z0-9_]{4,14}",
            upper in any::<bool>(),
            form in 0usize..4,
            (host, net) in proptest::sample::select(vec![
                ("instagram.com", Network::Instagram),
                ("t.me", Network::Telegram),
                ("vk.com", Network::Vk),
                ("twitter.com", Network::X),
                ("facebook.com", Network::Facebook),
                ("tiktok.com", Network::TikTok),
            ]),
        ) {
            let shown = if upper { h.to_uppercase() } else { h.clone() };
            let at = if net == Network::TikTok { "@" } else { "" };
            let url = match form {
                0 => format!("https://www.{host}/{at}{shown}/"),
                1 => format!("{host}/{at}{shown}"),
                2 => format!("http://m.{host}/{at}{shown}?utm_source=x#top"),
                _ => format!("https://{host}/{at}{shown}"),
            };
            let from_url = normalize(&url, &Context::new());
            let from_handle = normalize(&format!("@{h}"), &Context::new().social_network(Some(net)));
            prop_assert_eq!(from_url, from_handle);
        }
    }
}
