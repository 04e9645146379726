//! Golden files: raw value -> normalised output, one CSV per identifier kind under
//! `tests/golden/`. Any change in normalisation shows up as a diff of these files in review.
//!
//! Columns: `raw,context,expected`.
//! - `context`: `;`-separated `key=value` pairs: `region=RU`, `candidates=RU|KZ`, `hint=KZ`,
//!   `order=day_first|month_first`, `network=instagram`; empty for the default context.
//! - `expected`: the rendered canonical value (see `render`), or `!reason` for a rejection.
//!
//! To accept new output after a deliberate change: `OMNILINK_BLESS=1 cargo test --test golden`,
//! then review the diff.

use std::path::Path;

use omnilink::normalize::{
    address, attribute, card, city, date, device, email, id_number, name, phone, postcode, social,
    Card, Context, DateOrder, DeviceId, Network, Region, Reject,
};

fn parse_context(spec: &str) -> Context {
    let mut ctx = Context::new();
    for part in spec.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .unwrap_or_else(|| panic!("bad context `{part}`"));
        match k {
            "region" => ctx = ctx.region(Region::new(v).expect("region")),
            "candidates" => {
                let list: Vec<Region> = v
                    .split('|')
                    .map(|r| Region::new(r).expect("region"))
                    .collect();
                ctx = ctx.candidate_regions(list);
            }
            "hint" => ctx = ctx.hint(Region::new(v)),
            "order" => {
                ctx = ctx.date_order(match v {
                    "day_first" => DateOrder::DayFirst,
                    "month_first" => DateOrder::MonthFirst,
                    _ => DateOrder::Auto,
                })
            }
            "network" => {
                let n: Network = serde_json::from_str(&format!("\"{v}\"")).expect("network");
                ctx = ctx.social_network(Some(n));
            }
            other => panic!("unknown context key `{other}`"),
        }
    }
    ctx
}

fn rejected(r: Reject) -> String {
    format!("!{}", r.as_str())
}

fn render(kind: &str, raw: &str, ctx: &Context) -> String {
    let out = match kind {
        "phone" => phone::normalize(raw, ctx).map(|p| {
            let line = serde_json::to_string(&p.line_type()).unwrap();
            format!("{} {}", p.e164(), line.trim_matches('"'))
        }),
        "email" => email::normalize(raw, ctx).map(|e| e.as_str().to_string()),
        "card" => card::normalize(raw, ctx).map(|c| match c {
            Card::Number(s) => format!("number:{s}"),
            Card::BankHash(s) => format!("bank_hash:{s}"),
            Card::BankLast4(s) => format!("bank_last4:{s}"),
        }),
        "device" => device::normalize(raw, ctx).map(|d| match &d {
            DeviceId::Uuid(_) => format!("uuid:{}", d.to_canonical_string()),
            DeviceId::Opaque(_) => format!("opaque:{}", d.to_canonical_string()),
        }),
        "social" => social::normalize(raw, ctx).map(|s| {
            let n = serde_json::to_string(&s.network).unwrap();
            format!("{}:{}", n.trim_matches('"'), s.handle())
        }),
        "name" => name::normalize(raw, ctx).map(|n| {
            let mut parts = Vec::new();
            let mut push = |k: &str, v: &Option<Box<str>>| {
                if let Some(v) = v {
                    parts.push(format!("{k}={v}"));
                }
            };
            push("first", &n.first);
            push("middle", &n.middle);
            push("last", &n.last);
            push("root", &n.first_root);
            let script = serde_json::to_string(&n.script).unwrap();
            parts.push(format!("script={}", script.trim_matches('"')));
            parts.join(";")
        }),
        "date" => date::normalize(raw, ctx).map(|d| d.iso()),
        "city" => city::normalize(raw, ctx).map(|c| match c.region() {
            Some(r) => format!("{}@{r}", c.as_str()),
            None => c.as_str().to_string(),
        }),
        "attribute" => attribute::normalize(raw, ctx).map(|v| v.to_string()),
        "postcode" => {
            postcode::normalize(raw, ctx).map(|p| format!("{} area={}", p.as_str(), p.area()))
        }
        "id_number" => {
            id_number::normalize(raw, ctx).map(|id| format!("{} {}", id.as_str(), id.scheme()))
        }
        "address" => address::normalize(raw, ctx).map(|a| {
            let mut parts = Vec::new();
            if let Some(h) = a.house() {
                parts.push(format!("house={h}"));
            }
            if let Some(f) = a.flat() {
                parts.push(format!("flat={f}"));
            }
            let street: Vec<&str> = a.street_tokens().collect();
            format!(
                "{} | {} | key={}",
                parts.join(" "),
                street.join(" "),
                a.street_key()
            )
        }),
        other => panic!("no renderer for kind `{other}`"),
    };
    out.unwrap_or_else(rejected)
}

#[test]
fn golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("OMNILINK_BLESS").is_some();
    let mut failures = Vec::new();
    let mut total = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/golden exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    entries.sort();
    for path in entries {
        let kind = path.file_stem().unwrap().to_str().unwrap().to_string();
        let mut rdr = csv::Reader::from_path(&path).unwrap();
        let mut rows = Vec::new();
        for (i, row) in rdr.records().enumerate() {
            let row = row.unwrap();
            let (raw, spec, expected) = (&row[0], &row[1], &row[2]);
            let got = render(&kind, raw, &parse_context(spec));
            total += 1;
            if got != expected {
                failures.push(format!(
                    "{}:{}: raw `{raw}` [{spec}]: expected `{expected}`, got `{got}`",
                    path.file_name().unwrap().to_string_lossy(),
                    i + 2
                ));
            }
            rows.push([raw.to_string(), spec.to_string(), got]);
        }
        if bless {
            let mut w = csv::Writer::from_path(&path).unwrap();
            w.write_record(["raw", "context", "expected"]).unwrap();
            for r in rows {
                w.write_record(&r).unwrap();
            }
            w.flush().unwrap();
        }
    }
    assert!(total > 0, "no golden cases found");
    if !bless {
        assert!(
            failures.is_empty(),
            "{} of {total} golden cases differ:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
