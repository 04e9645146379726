//! Privacy-preserving linkage: identifiers replaced by keyed hashes before blocking.
//!
//! With an [`IdentifierKey`] in [`Config::identifier_key`](crate::Config::identifier_key),
//! every normalised identifier (phone, e-mail and its local part, card, device id, social
//! handle) is turned into an HMAC-SHA-256 of its canonical form under the key, and only that
//! hash is used to block and compare. Two parties who share the key (and nothing else) can
//! each turn their export into tokens with [`pseudonymize`] and exchange those: a token
//! matches the same value written in clear on the other side, and nobody who lacks the key can
//! recover or test a phone number or an e-mail address from it. (Whoever holds the key can:
//! phone numbers are few enough to hash them all. The key keeps identifiers from outsiders,
//! not from the other party.)
//!
//! Exact-identifier matching is unchanged: two values are equal in clear exactly when their
//! tokens are equal (up to a 2^-56 chance of a collision of the 56-bit keys the pipeline
//! keeps, the same as in clear mode). Names, birth dates and cities stay in clear: they are
//! compared fuzzily. Golden records list the identifiers written in clear among a customer's
//! records; tokens are not listed.
//!
//! A token is written `hmac-sha256:<kind>:<64 hex digits>`, `<kind>` one of `phone`, `email`,
//! `email_local`, `card`, `device`, `social`; it is recognised in any identifier column.
//!
//! ```
//! use omnilink::privacy::{pseudonymize, IdentifierKey};
//! use omnilink::normalize::{Context, Region};
//! use omnilink::{resolve, Config, Record};
//!
//! let key = IdentifierKey::new("a secret both parties hold").unwrap();
//! let ctx = Context::new().region(Region::RU);
//! // Party A sends tokens only.
//! let theirs = pseudonymize(&Record::new("a1", "shop").phone("8 912 345-67-89"), &ctx, &key);
//! assert!(theirs.phones[0].starts_with("hmac-sha256:phone:"));
//! // Party B resolves them against its own records, written in clear.
//! let ours = Record::new("b7", "bank").phone("+7 (912) 345-67-89");
//! let mut config = Config::for_region("RU");
//! config.identifier_key = Some(key);
//! let res = resolve(&[theirs, ours], &config).unwrap();
//! assert_eq!(res.customers.len(), 1);
//! ```

use std::fmt;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::compare::{Features, Key, KeyKind};
use crate::normalize::{normalize_record, Card, Context, DeviceId, NormalizedRecord};
use crate::{Error, Record, Result};

/// The prefix of a token.
const PREFIX: &str = "hmac-sha256:";

/// Shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;

/// The secret key of privacy-preserving mode. `Debug` does not show it.
///
/// It serialises as a plain string (a config or a saved resolver state holds it: protect
/// those files as you would the key).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdentifierKey(String);

impl IdentifierKey {
    /// A key from its text; at least [`MIN_KEY_BYTES`] bytes once trimmed.
    ///
    /// ```
    /// use omnilink::privacy::IdentifierKey;
    /// assert!(IdentifierKey::new("too short").is_err());
    /// assert!(IdentifierKey::new("0123456789abcdef").is_ok());
    /// ```
    pub fn new(text: &str) -> Result<IdentifierKey> {
        let k = IdentifierKey(text.trim().to_string());
        k.check()?;
        Ok(k)
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.0.len() < MIN_KEY_BYTES {
            return Err(Error::config(format!(
                "the identifier key must be at least {MIN_KEY_BYTES} bytes long"
            )));
        }
        Ok(())
    }

    fn mac(&self, kind: KeyKind, canonical: &[&[u8]]) -> [u8; 32] {
        let mut mac = match Hmac::<Sha256>::new_from_slice(self.0.as_bytes()) {
            Ok(m) => m,
            // HMAC takes keys of any length; this arm is never taken.
            Err(_) => return [0; 32],
        };
        mac.update(kind.as_str().as_bytes());
        for part in canonical {
            mac.update(&[0]);
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for IdentifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentifierKey(<redacted>)")
    }
}

/// A keyed hash of one identifier, with its kind. `Debug` shows the kind only.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Token {
    kind: KeyKind,
    #[serde(skip)]
    mac: [u8; 32],
}

impl Token {
    /// The identifier kind.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// Reads a token written by [`fmt::Display`]: `hmac-sha256:<kind>:<64 hex digits>`.
    /// `None` for anything else.
    pub fn parse(s: &str) -> Option<Token> {
        let rest = s.trim().strip_prefix(PREFIX)?;
        let (kind, hex) = rest.split_once(':')?;
        let kind = KeyKind::IDENTIFIERS
            .into_iter()
            .find(|k| k.as_str() == kind)?;
        let hex = hex.as_bytes();
        if hex.len() != 64 {
            return None;
        }
        let mut mac = [0u8; 32];
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            let d = |c: u8| (c as char).to_digit(16);
            mac[i] = (d(pair[0])? * 16 + d(pair[1])?) as u8;
        }
        Some(Token { kind, mac })
    }

    /// The pipeline key of the token: the same as that of the clear value it stands for,
    /// when the run has the token's key.
    pub(crate) fn key(&self) -> Key {
        let mut w = [0u8; 8];
        w.copy_from_slice(&self.mac[..8]);
        Key::new(self.kind, u64::from_le_bytes(w))
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PREFIX)?;
        f.write_str(self.kind.as_str())?;
        f.write_str(":")?;
        for b in self.mac {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({})", self.kind.as_str())
    }
}

/// `true` when `raw` starts like a token (a cheap test before [`Token::parse`]).
pub(crate) fn looks_like_token(raw: &str) -> bool {
    raw.trim_start().starts_with(PREFIX)
}

/// The tokens of a normalised record's identifiers under `key` (e-mail addresses give two:
/// the whole address and, when four characters or longer, its local part, as the clear
/// pipeline's keys do), followed by the tokens the record already carried.
pub fn tokens(n: &NormalizedRecord, key: &IdentifierKey) -> Vec<Token> {
    let mut out = Vec::with_capacity(n.phones.len() + 2 * n.emails.len() + n.tokens.len());
    let mut push = |kind, parts: &[&[u8]]| {
        out.push(Token {
            kind,
            mac: key.mac(kind, parts),
        })
    };
    for p in n.phones.iter().chain(&n.phone_candidates) {
        push(KeyKind::Phone, &[p.e164().as_bytes()]);
    }
    for e in &n.emails {
        push(KeyKind::Email, &[e.as_str().as_bytes()]);
        if e.local().len() >= 4 {
            push(KeyKind::EmailLocal, &[e.local().as_bytes()]);
        }
    }
    for c in &n.cards {
        let form: &[u8] = match c {
            Card::Number(_) => b"number",
            Card::BankHash(_) => b"bank_hash",
            Card::BankLast4(_) => b"bank_last4",
        };
        push(KeyKind::Card, &[form, c.as_str().as_bytes()]);
    }
    for d in &n.devices {
        let canonical = match d {
            DeviceId::Uuid(_) => d.to_canonical_string(),
            DeviceId::Opaque(s) => format!("opaque:{s}"),
        };
        push(KeyKind::Device, &[canonical.as_bytes()]);
    }
    for s in &n.socials {
        push(
            KeyKind::Social,
            &[s.network.as_str().as_bytes(), s.handle().as_bytes()],
        );
    }
    out.extend(n.tokens.iter().copied());
    out
}

/// The comparison features of a normalised record: [`Features::from_normalized`], with the
/// record's tokens added as keys and, when `key` is given, every identifier key replaced by
/// that of its token.
pub fn features(n: &NormalizedRecord, key: Option<&IdentifierKey>) -> Features {
    let mut f = Features::from_normalized(n);
    match key {
        None if n.tokens.is_empty() => return f,
        None => f.keys.extend(n.tokens.iter().map(Token::key)),
        Some(key) => {
            f.keys
                .retain(|k| !k.kind().is_some_and(|c| KeyKind::IDENTIFIERS.contains(&c)));
            f.keys.extend(tokens(n, key).iter().map(Token::key));
        }
    }
    f.keys.sort_unstable();
    f.keys.dedup();
    f
}

/// A record with its identifiers replaced by tokens, ready to hand to another party: its id,
/// source, country, name, birth date, city and update time are kept as they are; every valid
/// identifier becomes one token (an e-mail address two); values that do not normalise are
/// dropped. `ctx` is the normalisation context of the record's source.
pub fn pseudonymize(record: &Record, ctx: &Context, key: &IdentifierKey) -> Record {
    let n = normalize_record(record, ctx);
    let mut out = Record {
        phones: Vec::new(),
        emails: Vec::new(),
        cards: Vec::new(),
        devices: Vec::new(),
        socials: Vec::new(),
        ..record.clone()
    };
    for t in tokens(&n, key) {
        let text = t.to_string();
        match t.kind {
            KeyKind::Phone => out.phones.push(text),
            KeyKind::Email | KeyKind::EmailLocal => out.emails.push(text),
            KeyKind::Card => out.cards.push(text),
            KeyKind::Device => out.devices.push(text),
            _ => out.socials.push(crate::SocialInput {
                network: None,
                value: text,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Region;

    fn key() -> IdentifierKey {
        IdentifierKey::new("0123456789abcdef-test").unwrap()
    }

    #[test]
    fn token_round_trips_through_text() {
        let n = normalize_record(
            &Record::new("1", "s")
                .phone("+7 912 345 67 89")
                .email("anna.petrova@gmail.com"),
            &Context::new(),
        );
        let t = tokens(&n, &key());
        assert_eq!(t.len(), 3);
        for t in t {
            let text = t.to_string();
            assert_eq!(Token::parse(&text), Some(t));
            assert!(!format!("{t:?}").contains(&text[20..]));
        }
    }

    #[test]
    fn malformed_tokens_are_not_tokens() {
        let good = format!("hmac-sha256:phone:{}", "ab".repeat(32));
        assert!(Token::parse(&good).is_some());
        for bad in [
            format!("hmac-sha256:phone:{}", "ab".repeat(31)),
            format!("hmac-sha256:phone:{}g", "ab".repeat(31)),
            format!("hmac-sha256:name:{}", "ab".repeat(32)),
            format!("hmac-sha256:phone{}", "ab".repeat(32)),
            "hmac-sha256:".to_string(),
            format!("hmac-sha256:phone:{}é", "a".repeat(63)),
        ] {
            assert_eq!(Token::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn records_carry_tokens_and_reject_malformed_ones() {
        use crate::normalize::{FieldKind, Reject};
        let good = format!("hmac-sha256:phone:{}", "0f".repeat(32));
        let bad = format!("hmac-sha256:phone:{}", "0f".repeat(30));
        let r = Record::new("1", "s").phone(format!("{good}; {bad}; {good}"));
        let n = normalize_record(&r, &Context::new());
        assert_eq!(n.tokens.len(), 1, "deduplicated");
        assert!(n.phones.is_empty());
        assert_eq!(n.rejects, [(FieldKind::Phone, Reject::Invalid)]);
        assert_eq!(format!("{:?}", n.tokens), "[Token(phone)]");
        // Without a key a token is a key of its own; with one, too (it is already keyed).
        let f = features(&n, None);
        assert_eq!(f.keys, vec![n.tokens[0].key()]);
        assert_eq!(features(&n, Some(&key())).keys, f.keys);
    }

    #[test]
    fn keys_depend_on_the_key_and_the_kind() {
        let n = normalize_record(
            &Record::new("1", "s").phone("+79123456789"),
            &Context::new(),
        );
        let other = IdentifierKey::new("another key of 16+ bytes").unwrap();
        assert_ne!(tokens(&n, &key()), tokens(&n, &other));
        let a = key().mac(KeyKind::Phone, &[b"x"]);
        let b = key().mac(KeyKind::Email, &[b"x"]);
        assert_ne!(a, b);
        // Parts are delimited: ("ab", "c") and ("a", "bc") differ.
        assert_ne!(
            key().mac(KeyKind::Social, &[b"ab", b"c"]),
            key().mac(KeyKind::Social, &[b"a", b"bc"])
        );
    }

    #[test]
    fn tokens_match_clear_values_under_the_key() {
        let ctx = Context::new().region(Region::RU);
        let clear = Record::new("1", "a")
            .phone("8 912 345-67-89")
            .email("Anna.Petrova@gmail.com")
            .card("LC-0012 3457")
            .device("6BA7B810-9DAD-11D1-80B4-00C04FD430C8")
            .social(Some(crate::normalize::Network::Instagram), "@anna_p");
        let pseudo = pseudonymize(&clear, &ctx, &key());
        assert!(pseudo.phones.iter().all(|p| p.starts_with(PREFIX)));
        let fc = features(&normalize_record(&clear, &ctx), Some(&key()));
        let fp = features(&normalize_record(&pseudo, &ctx), Some(&key()));
        assert_eq!(fc.keys, fp.keys);
        // The clear pipeline's identifier keys are gone under a key.
        let plain = features(&normalize_record(&clear, &ctx), None);
        let ids = |f: &Features| -> Vec<Key> {
            f.keys
                .iter()
                .copied()
                .filter(|k| k.kind().is_some_and(|c| KeyKind::IDENTIFIERS.contains(&c)))
                .collect()
        };
        assert_eq!(ids(&fc).len(), ids(&plain).len());
        assert!(ids(&fc).iter().all(|k| !ids(&plain).contains(k)));
    }

    #[test]
    fn key_is_redacted_and_checked() {
        assert_eq!(format!("{:?}", key()), "IdentifierKey(<redacted>)");
        assert!(IdentifierKey::new("   short   ").is_err());
    }
}
