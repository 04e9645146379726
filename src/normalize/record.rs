//! Normalising a whole record: every field, several values per field, hints across fields.

use serde::Serialize;

use super::{
    address, attribute, card, city, date, device, email, id_number, name, phone, postcode, social,
    Address, BirthDate, Card, City, Context, DeviceId, Email, FieldKind, IdNumber, Limits, Name,
    Phone, Postcode, Region, Reject, Script, Social,
};
use crate::privacy::{looks_like_token, Token};
use crate::record::AttributeKind;
use crate::Record;

/// A record's identifiers in canonical form, plus what was rejected and why.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NormalizedRecord {
    /// Valid phone numbers, deduplicated, in input order.
    pub phones: Vec<Phone>,
    /// The numbers a national-format phone valid in several candidate regions may be
    /// ([`phone::candidates`]): each blocks and matches like a phone, none is shown in a
    /// golden record. Such a phone is also counted as [`Reject::Ambiguous`].
    pub phone_candidates: Vec<Phone>,
    /// Valid e-mail addresses, deduplicated.
    pub emails: Vec<Email>,
    /// Card numbers, deduplicated.
    pub cards: Vec<Card>,
    /// Device ids, deduplicated.
    pub devices: Vec<DeviceId>,
    /// Social handles, deduplicated.
    pub socials: Vec<Social>,
    /// The name, from the separate parts when given, else from the full name.
    pub name: Option<Name>,
    /// The birth date, plausible or not (see `birth_date_plausible`).
    pub birth_date: Option<BirthDate>,
    /// The birth date lies in the plausible window ([`date::plausible`]); an implausible one
    /// is compared but never shown in a golden record.
    pub birth_date_plausible: bool,
    /// The city.
    pub city: Option<City>,
    /// The record's region (its country, else the context's).
    pub region: Option<Region>,
    /// Every value that was not kept, by field kind and reason (never the value).
    pub rejects: Vec<(FieldKind, Reject)>,
    /// Identifiers that arrived as keyed hashes ([`crate::privacy`]), deduplicated.
    pub tokens: Vec<Token>,
    /// Identity or customer numbers, deduplicated.
    pub id_numbers: Vec<IdNumber>,
    /// The postal code.
    pub postcode: Option<Postcode>,
    /// The postal address, from all its parts.
    pub address: Option<Address>,
    /// Attributes, as `(slot, kind, folded value)`: the slot is the attribute's position in
    /// [`Context::attributes`].
    pub attributes: Vec<(u8, AttributeKind, Box<str>)>,
}

/// Splits a cell that may hold several values (`"+7 912 ..., +7 903 ..."`) on `,` `;` `|`
/// and new lines; empty pieces are dropped.
///
/// ```
/// use omnilink::normalize::split_values;
/// let v: Vec<&str> = split_values("a@x.ru; b@y.ru,, ").collect();
/// assert_eq!(v, ["a@x.ru", "b@y.ru"]);
/// ```
pub fn split_values(cell: &str) -> impl Iterator<Item = &str> {
    // Most cells hold one value: a byte scan finds that out faster than splitting by chars.
    let single = !cell
        .bytes()
        .any(|b| matches!(b, b',' | b';' | b'|' | b'\n' | b'\r'));
    let (one, many) = if single {
        (Some(cell.trim()), None)
    } else {
        (
            None,
            Some(cell.split([',', ';', '|', '\n', '\r']).map(str::trim)),
        )
    };
    one.into_iter()
        .chain(many.into_iter().flatten())
        .filter(|s| !s.is_empty())
}

/// Calls `f` on the values of the cells of one field, within `limits`: a cell longer than
/// `max_field_bytes` is rejected whole as too long; values past `max_values_per_field` are
/// not looked at, and reported once as too many.
fn each_value<'a>(
    cells: impl Iterator<Item = &'a str>,
    limits: &Limits,
    kind: FieldKind,
    rejects: &mut Vec<(FieldKind, Reject)>,
    mut f: impl FnMut(&'a str) -> Result<(), Reject>,
) {
    let mut seen = 0usize;
    for cell in cells {
        if cell.len() > limits.max_field_bytes {
            rejects.push((kind, Reject::TooLong));
            continue;
        }
        for raw in split_values(cell) {
            if seen == limits.max_values_per_field {
                rejects.push((kind, Reject::TooMany));
                return;
            }
            seen += 1;
            if let Err(e) = f(raw) {
                rejects.push((kind, e));
            }
        }
    }
}

/// Keeps a token; a value that starts like one but is malformed is invalid.
/// An identifier cell: a keyed-hash token from another party's export goes to `tokens`, any
/// other value to `normalize`.
fn identifier(
    raw: &str,
    tokens: &mut Vec<Token>,
    normalize: impl FnOnce(&str) -> Result<(), Reject>,
) -> Result<(), Reject> {
    if looks_like_token(raw) {
        token(raw, tokens)
    } else {
        normalize(raw)
    }
}

fn token(raw: &str, out: &mut Vec<Token>) -> Result<(), Reject> {
    let t = Token::parse(raw).ok_or(Reject::Invalid)?;
    push_unique(out, t);
    Ok(())
}

fn push_unique<T: PartialEq>(out: &mut Vec<T>, v: T) {
    if !out.contains(&v) {
        out.push(v);
    }
}

/// Normalises every field of `record`; `ctx` carries the source's defaults.
///
/// The record's own `country` overrides the context's region. When neither is known, the
/// city and the script of the name give a hint for phones in national format.
pub fn normalize_record(record: &Record, ctx: &Context) -> NormalizedRecord {
    let mut out = NormalizedRecord::default();
    let own_region = record.country.as_deref().and_then(Region::new);
    let base = if own_region.is_some() && own_region != ctx.region {
        let mut c = ctx.clone();
        c.region = own_region;
        std::borrow::Cow::Owned(c)
    } else {
        std::borrow::Cow::Borrowed(ctx)
    };
    let ctx: &Context = &base;
    out.region = ctx.region;

    let mut rejects: Vec<(FieldKind, Reject)> = Vec::new();
    let mut reject = |kind, why| rejects.push((kind, why));

    // Names and city first: they give hints for phones without a country code.
    let parts_given = record.first_name.is_some() || record.last_name.is_some();
    let name_result = if parts_given {
        Some(name::from_parts(
            record.first_name.as_deref(),
            record.middle_name.as_deref(),
            record.last_name.as_deref(),
            ctx,
        ))
    } else {
        record.full_name.as_deref().map(|n| name::normalize(n, ctx))
    };
    match name_result {
        Some(Ok(n)) => out.name = Some(n),
        Some(Err(e)) => reject(FieldKind::Name, e),
        None => {}
    }
    if let Some(raw) = record.city.as_deref() {
        match city::normalize(raw, ctx) {
            Ok(c) => out.city = Some(c),
            Err(e) => reject(FieldKind::City, e),
        }
    }
    if let Some(raw) = record.birth_date.as_deref() {
        match date::normalize(raw, ctx) {
            Ok(d) => {
                out.birth_date = Some(d);
                out.birth_date_plausible = date::plausible(d, ctx.earliest_birth_year);
                if !out.birth_date_plausible {
                    reject(FieldKind::BirthDate, Reject::Implausible);
                }
            }
            Err(e) => reject(FieldKind::BirthDate, e),
        }
    }
    if let Some(raw) = record.postcode.as_deref() {
        match postcode::normalize(raw, ctx) {
            Ok(p) => out.postcode = Some(p),
            Err(e) => reject(FieldKind::Postcode, e),
        }
    }
    if !record.address.is_empty() {
        let parts: Vec<&str> = record
            .address
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect();
        let joined = parts.join(", ");
        if joined.len() > ctx.limits.max_field_bytes {
            reject(FieldKind::Address, Reject::TooLong);
        } else if !parts.is_empty() {
            match address::normalize(&joined, ctx) {
                Ok(a) => out.address = Some(a),
                Err(e) => reject(FieldKind::Address, e),
            }
        }
    }
    for a in &record.attributes {
        let slot = ctx.attributes.iter().position(|n| *n == a.name);
        let Some(slot) = slot.filter(|&s| s < crate::compare::Field::ATTRIBUTES) else {
            reject(FieldKind::Attribute, Reject::TooMany);
            continue;
        };
        if out
            .attributes
            .iter()
            .any(|&(s, _, _)| usize::from(s) == slot)
        {
            continue;
        }
        match attribute::normalize(&a.value, ctx) {
            Ok(v) => out.attributes.push((slot as u8, a.kind, v)),
            Err(e) => reject(FieldKind::Attribute, e),
        }
    }

    let hint = ctx.hint.or_else(|| {
        out.city.as_ref().and_then(City::region).or_else(|| {
            match out.name.as_ref().map(|n| n.script) {
                Some(Script::Arabic) => Some(Region::IR),
                Some(Script::Devanagari) => Some(Region::IN),
                _ => None,
            }
        })
    });
    let phone_ctx;
    let pctx = if ctx.region.is_none() && hint.is_some() && hint != ctx.hint {
        phone_ctx = ctx.clone().hint(hint);
        &phone_ctx
    } else {
        ctx
    };
    let limits = &ctx.limits;
    each_value(
        record.phones.iter().map(String::as_str),
        limits,
        FieldKind::Phone,
        &mut rejects,
        |raw| {
            identifier(raw, &mut out.tokens, |raw| {
                match phone::normalize(raw, pctx) {
                    Ok(v) => {
                        push_unique(&mut out.phones, v);
                        Ok(())
                    }
                    Err(Reject::Ambiguous) => {
                        for p in phone::candidates_of_ambiguous(raw, pctx) {
                            push_unique(&mut out.phone_candidates, p);
                        }
                        Err(Reject::Ambiguous)
                    }
                    Err(e) => Err(e),
                }
            })
        },
    );
    each_value(
        record.emails.iter().map(String::as_str),
        limits,
        FieldKind::Email,
        &mut rejects,
        |raw| {
            identifier(raw, &mut out.tokens, |raw| {
                email::normalize(raw, ctx).map(|v| push_unique(&mut out.emails, v))
            })
        },
    );
    each_value(
        record.cards.iter().map(String::as_str),
        limits,
        FieldKind::Card,
        &mut rejects,
        |raw| {
            identifier(raw, &mut out.tokens, |raw| {
                card::normalize(raw, ctx).map(|v| push_unique(&mut out.cards, v))
            })
        },
    );
    each_value(
        record.devices.iter().map(String::as_str),
        limits,
        FieldKind::Device,
        &mut rejects,
        |raw| {
            identifier(raw, &mut out.tokens, |raw| {
                device::normalize(raw, ctx).map(|v| push_unique(&mut out.devices, v))
            })
        },
    );
    each_value(
        record.id_numbers.iter().map(String::as_str),
        limits,
        FieldKind::IdNumber,
        &mut rejects,
        |raw| id_number::normalize(raw, ctx).map(|v| push_unique(&mut out.id_numbers, v)),
    );
    // Social values are read per cell, each with its column's network; the caps are those of
    // `each_value`, across the cells.
    let mut social_values = 0usize;
    'socials: for input in &record.socials {
        let sctx;
        let c = if input.network.is_some() && input.network != ctx.social_network {
            sctx = ctx.clone().social_network(input.network);
            &sctx
        } else {
            ctx
        };
        if input.value.len() > limits.max_field_bytes {
            rejects.push((FieldKind::Social, Reject::TooLong));
            continue;
        }
        for raw in split_values(&input.value) {
            if social_values == limits.max_values_per_field {
                rejects.push((FieldKind::Social, Reject::TooMany));
                break 'socials;
            }
            social_values += 1;
            let kept = identifier(raw, &mut out.tokens, |raw| {
                social::normalize(raw, c).map(|v| push_unique(&mut out.socials, v))
            });
            if let Err(e) = kept {
                rejects.push((FieldKind::Social, e));
            }
        }
    }
    out.rejects = rejects;
    out
}
