//! Writing results as CSV and JSON.

use std::path::Path;

use serde::Serialize;

use crate::compare::Field;
use crate::model::probability;
use crate::{Error, Record, RecordId, Resolution, Result};

fn csv_writer(path: &Path) -> Result<csv::Writer<std::fs::File>> {
    let f = std::fs::File::create(path).map_err(|e| Error::io(Some(path.to_path_buf()), e))?;
    Ok(csv::Writer::from_writer(f))
}

fn csv_err(path: &Path, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(Some(path.to_path_buf()), io),
        _ => Error::input(Some(path.to_path_buf()), None, "could not write CSV"),
    }
}

/// Writes `customers.csv`: one row per customer, its ID and golden record (lists joined by `;`).
pub fn write_customers(path: &Path, res: &Resolution) -> Result<()> {
    let mut w = csv_writer(path)?;
    let e = |e| csv_err(path, e);
    w.write_record([
        "customer_id",
        "records",
        "sources",
        "name",
        "name_latin",
        "birth_date",
        "city",
        "phones",
        "emails",
        "cards",
        "devices",
        "socials",
        "updated_at",
    ])
    .map_err(e)?;
    for c in &res.customers {
        let g = &c.golden;
        w.write_record([
            c.id.0.as_str(),
            &c.members.len().to_string(),
            &g.sources.join(";"),
            g.name.as_deref().unwrap_or(""),
            g.name_latin.as_deref().unwrap_or(""),
            g.birth_date.as_deref().unwrap_or(""),
            g.city.as_deref().unwrap_or(""),
            &g.phones.join(";"),
            &g.emails.join(";"),
            &g.cards.join(";"),
            &g.devices.join(";"),
            &g.socials.join(";"),
            g.updated_at.as_deref().unwrap_or(""),
        ])
        .map_err(e)?;
    }
    w.flush()
        .map_err(|x| Error::io(Some(path.to_path_buf()), x))
}

/// Writes `memberships.csv`: one row per input record, in input order.
pub fn write_memberships(path: &Path, records: &[Record], res: &Resolution) -> Result<()> {
    let mut w = csv_writer(path)?;
    let e = |e| csv_err(path, e);
    w.write_record(["record_id", "source", "customer_id", "score", "probability"])
        .map_err(e)?;
    for (r, m) in records.iter().zip(&res.memberships) {
        let cid = &res.customers[m.customer as usize].id.0;
        let (score, p) = match m.score {
            Some(s) => (format!("{s:.2}"), format!("{:.6}", probability(s as f64))),
            None => (String::new(), String::new()),
        };
        w.write_record([r.id.as_str(), r.source.as_str(), cid, &score, &p])
            .map_err(e)?;
    }
    w.flush()
        .map_err(|x| Error::io(Some(path.to_path_buf()), x))
}

/// Writes `hubs.csv`: values set aside as hubs (hashed), their size and sources.
pub fn write_hubs(path: &Path, res: &Resolution) -> Result<()> {
    let mut w = csv_writer(path)?;
    let e = |e| csv_err(path, e);
    w.write_record(["rule", "key_hash", "records", "sources"])
        .map_err(e)?;
    for h in &res.hubs {
        let sources: Vec<String> = h.sources.iter().map(|(s, n)| format!("{s}:{n}")).collect();
        w.write_record([
            h.rule.as_str(),
            h.key.as_str(),
            &h.size.to_string(),
            &sources.join(";"),
        ])
        .map_err(e)?;
    }
    w.flush()
        .map_err(|x| Error::io(Some(path.to_path_buf()), x))
}

/// Writes `pairs.csv`: every linked pair inside a customer, with its score and the weight of
/// each field.
pub fn write_pairs(path: &Path, records: &[Record], res: &Resolution) -> Result<()> {
    let mut w = csv_writer(path)?;
    let e = |e| csv_err(path, e);
    let mut header = vec![
        "record_a".to_string(),
        "record_b".into(),
        "score".into(),
        "probability".into(),
    ];
    header.extend(Field::ALL.iter().map(|f| format!("w_{}", f.as_str())));
    w.write_record(&header).map_err(e)?;
    for c in &res.customers {
        // Members are few; explain every pair inside the customer.
        for (i, &a) in c.members.iter().enumerate() {
            for &b in &c.members[i + 1..] {
                let Some(x) = res.explain(records, a, b) else {
                    continue;
                };
                let mut row = vec![
                    id_of(records, a),
                    id_of(records, b),
                    format!("{:.2}", x.score),
                    format!("{:.6}", x.probability),
                ];
                row.extend(x.fields.iter().map(|f| format!("{:.2}", f.weight)));
                w.write_record(&row).map_err(e)?;
            }
        }
    }
    w.flush()
        .map_err(|x| Error::io(Some(path.to_path_buf()), x))
}

fn id_of(records: &[Record], r: RecordId) -> String {
    records
        .get(r.index())
        .map(|x| format!("{}/{}", x.source, x.id))
        .unwrap_or_default()
}

/// Writes any serialisable summary as pretty JSON.
pub fn write_summary(path: &Path, summary: &impl Serialize) -> Result<()> {
    let s = serde_json::to_string_pretty(summary)
        .map_err(|_| Error::input(Some(path.to_path_buf()), None, "could not encode summary"))?;
    std::fs::write(path, s + "\n").map_err(|e| Error::io(Some(path.to_path_buf()), e))
}
