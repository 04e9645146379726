//! Writing results as CSV and JSON.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

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

fn text(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

/// Rows formatted by one task when a file is formatted in parallel.
const ROWS_PER_TASK: usize = 4096;

/// Rows formatted before they are written out, so the buffers stay small.
const ROWS_PER_WINDOW: usize = 16 * ROWS_PER_TASK;

/// The fields of rows on their way to a csv writer; values that must be formatted or joined
/// first go through one reused buffer.
struct Fields {
    csv: csv::Writer<Vec<u8>>,
    text: String,
}

impl Fields {
    fn field(&mut self, s: &str) -> csv::Result<&mut Self> {
        self.csv.write_field(s)?;
        Ok(self)
    }

    /// A field of `items` joined by `;`.
    fn list<S: AsRef<str>>(&mut self, items: &[S]) -> csv::Result<&mut Self> {
        self.text.clear();
        for (i, s) in items.iter().enumerate() {
            if i > 0 {
                self.text.push(';');
            }
            self.text.push_str(s.as_ref());
        }
        self.csv.write_field(&self.text)?;
        Ok(self)
    }

    /// A field of formatted text.
    fn formatted(&mut self, args: std::fmt::Arguments<'_>) -> csv::Result<&mut Self> {
        self.text.clear();
        let _ = std::fmt::Write::write_fmt(&mut self.text, args);
        self.csv.write_field(&self.text)?;
        Ok(self)
    }
}

/// Opens `path` for writing and hands it to `write`, naming the path in any error.
fn to_file(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let io = |e| Error::io(Some(path.to_path_buf()), e);
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    write(&mut file).map_err(io)?;
    file.flush().map_err(io)
}

/// An I/O error for a CSV writer's failure (only I/O can fail when writing text).
fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        _ => std::io::Error::other("could not write CSV"),
    }
}

/// Writes CSV of a header and rows `0..rows` to `out`, formatting runs of rows in parallel,
/// each by its own csv writer into its own buffer, and writing the buffers in order. `row`
/// writes row `i` as fields ([`Fields`]).
fn write_rows(
    out: &mut dyn Write,
    header: &[&str],
    rows: usize,
    row: impl Fn(&mut Fields, usize) -> csv::Result<()> + Sync,
) -> std::io::Result<()> {
    let mut head = csv::Writer::from_writer(Vec::new());
    head.write_record(header).map_err(csv_io)?;
    out.write_all(&head.into_inner().map_err(|x| x.into_error())?)?;
    for window in (0..rows).step_by(ROWS_PER_WINDOW) {
        let end = rows.min(window + ROWS_PER_WINDOW);
        let parts: Vec<Vec<u8>> = (window..end)
            .step_by(ROWS_PER_TASK)
            .collect::<Vec<usize>>()
            .into_par_iter()
            .map(|from| {
                let to = end.min(from + ROWS_PER_TASK);
                let mut w = Fields {
                    csv: csv::Writer::from_writer(Vec::with_capacity((to - from) * 64)),
                    text: String::new(),
                };
                for i in from..to {
                    row(&mut w, i)?;
                    w.csv.write_record(None::<&[u8]>)?;
                }
                w.csv.into_inner().map_err(|x| x.into_error().into())
            })
            .collect::<csv::Result<_>>()
            .map_err(csv_io)?;
        for part in &parts {
            out.write_all(part)?;
        }
    }
    Ok(())
}

/// Writes `customers.csv`: one row per customer, its ID and golden record (lists joined by `;`).
pub fn write_customers(path: &Path, res: &Resolution) -> Result<()> {
    to_file(path, |out| write_customers_to(out, res))
}

/// [`write_customers`] to any writer (a buffer, a pipe).
pub fn write_customers_to(out: &mut dyn Write, res: &Resolution) -> std::io::Result<()> {
    let mut header = vec![
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
    ];
    // The columns of the less common fields appear only when some customer has them, so an
    // export without them keeps its usual shape.
    let any = |f: &dyn Fn(&crate::golden::GoldenRecord) -> bool| {
        res.customers.iter().any(|c| f(&c.golden))
    };
    let id_numbers = any(&|g| !g.id_numbers.is_empty());
    let postcode = any(&|g| g.postcode.is_some());
    let address = any(&|g| g.address.is_some());
    let attributes = res
        .attributes()
        .iter()
        .enumerate()
        .filter(|&(slot, _)| any(&|g| g.attributes.get(slot).is_some_and(Option::is_some)))
        .map(|(slot, name)| (slot, name.as_str()))
        .collect::<Vec<_>>();
    header.extend(id_numbers.then_some("id_numbers"));
    header.extend(postcode.then_some("postcode"));
    header.extend(address.then_some("address"));
    header.extend(attributes.iter().map(|&(_, name)| name));
    write_rows(out, &header, res.customers.len(), |w, i| {
        let c = &res.customers[i];
        let g = &c.golden;
        w.field(&c.id.0)?
            .formatted(format_args!("{}", c.members.len()))?
            .list(&g.sources)?
            .field(text(&g.name))?
            .field(text(&g.name_latin))?
            .field(text(&g.birth_date))?
            .field(text(&g.city))?
            .list(&g.phones)?
            .list(&g.emails)?
            .list(&g.cards)?
            .list(&g.devices)?
            .list(&g.socials)?
            .field(text(&g.updated_at))?;
        if id_numbers {
            w.list(&g.id_numbers)?;
        }
        if postcode {
            w.field(text(&g.postcode))?;
        }
        if address {
            w.field(text(&g.address))?;
        }
        for &(slot, _) in &attributes {
            w.field(
                g.attributes
                    .get(slot)
                    .and_then(Option::as_deref)
                    .unwrap_or(""),
            )?;
        }
        Ok(())
    })
}

/// Strings stored end to end in one buffer.
struct StringTable {
    text: String,
    ends: Vec<usize>,
}

impl StringTable {
    fn new<'a>(items: impl Iterator<Item = &'a str>) -> StringTable {
        let mut p = StringTable {
            text: String::new(),
            ends: Vec::new(),
        };
        for s in items {
            p.text.push_str(s);
            p.ends.push(p.text.len());
        }
        p
    }

    /// Item `i`, or `""` past the end.
    fn get(&self, i: usize) -> &str {
        let Some(&end) = self.ends.get(i) else {
            return "";
        };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..end]
    }
}

/// Writes `memberships.csv`: one row per input record, in input order.
pub fn write_memberships(path: &Path, records: &[Record], res: &Resolution) -> Result<()> {
    to_file(path, |out| write_memberships_to(out, records, res))
}

/// [`write_memberships`] to any writer.
pub fn write_memberships_to(
    out: &mut dyn Write,
    records: &[Record],
    res: &Resolution,
) -> std::io::Result<()> {
    // Rows look customer ids up in random order: laid side by side, they stay in cache.
    let ids = StringTable::new(res.customers.iter().map(|c| c.id.0.as_str()));
    write_rows(
        out,
        &["record_id", "source", "customer_id", "score", "probability"],
        records.len().min(res.memberships.len()),
        |w, i| {
            let (r, m) = (&records[i], &res.memberships[i]);
            w.field(&r.id)?
                .field(&r.source)?
                .field(ids.get(m.customer as usize))?;
            match m.score {
                Some(x) => w
                    .formatted(format_args!("{x:.2}"))?
                    .formatted(format_args!("{:.6}", probability(f64::from(x))))?,
                None => w.field("")?.field("")?,
            };
            Ok(())
        },
    )
}

/// Writes `hubs.csv`: values set aside as hubs (hashed), their size and sources.
pub fn write_hubs(path: &Path, res: &Resolution) -> Result<()> {
    to_file(path, |out| write_hubs_to(out, res))
}

/// [`write_hubs`] to any writer.
pub fn write_hubs_to(out: &mut dyn Write, res: &Resolution) -> std::io::Result<()> {
    write_rows(
        out,
        &["rule", "key_hash", "records", "sources"],
        res.hubs.len(),
        |w, i| {
            let h = &res.hubs[i];
            let sources: Vec<String> = h.sources.iter().map(|(s, n)| format!("{s}:{n}")).collect();
            w.field(h.rule.as_str())?
                .field(&h.key)?
                .formatted(format_args!("{}", h.size))?
                .list(&sources)?;
            Ok(())
        },
    )
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

#[cfg(test)]
mod tests {
    use super::StringTable;

    #[test]
    fn packed_strings_come_back_whole_and_in_order() {
        let items = ["C00ff", "", "Cé1", "C0123456789abcdef"];
        let p = StringTable::new(items.iter().copied());
        for (i, s) in items.iter().enumerate() {
            assert_eq!(p.get(i), *s);
        }
        assert_eq!(p.get(items.len()), "");
        assert_eq!(StringTable::new(std::iter::empty()).get(0), "");
    }
}
