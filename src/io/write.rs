//! Writing results as CSV and JSON.

use std::io::Write as _;
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

/// Rows formatted by one task when a file is formatted in parallel.
const ROWS_PER_TASK: usize = 4096;

/// Rows formatted before they are written out, so the buffers stay small.
const ROWS_PER_WINDOW: usize = 16 * ROWS_PER_TASK;

/// One CSV row being formatted as the csv crate's default writer does: fields separated by
/// `,`, a field quoted (its `"` doubled) when it holds `,` `"` `\r` or `\n`, the row ended by
/// `\n`. Rows have at least two fields (a lone empty field would need quoting).
struct Row<'a> {
    buf: &'a mut Vec<u8>,
    first: bool,
}

fn text(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

fn needs_quotes(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
}

impl<'a> Row<'a> {
    fn new(buf: &'a mut Vec<u8>) -> Row<'a> {
        Row { buf, first: true }
    }

    fn start(&mut self) {
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
    }

    fn put_quoted(&mut self, s: &str) {
        for (i, part) in s.split('"').enumerate() {
            if i > 0 {
                self.buf.extend_from_slice(b"\"\"");
            }
            self.buf.extend_from_slice(part.as_bytes());
        }
    }

    /// A text field.
    fn field(&mut self, s: &str) -> &mut Self {
        self.start();
        if needs_quotes(s) {
            self.buf.push(b'"');
            self.put_quoted(s);
            self.buf.push(b'"');
        } else {
            self.buf.extend_from_slice(s.as_bytes());
        }
        self
    }

    /// A field of `items` joined by `;`.
    fn list<S: AsRef<str>>(&mut self, items: &[S]) -> &mut Self {
        self.start();
        let quoted = items.iter().any(|s| needs_quotes(s.as_ref()));
        if quoted {
            self.buf.push(b'"');
        }
        for (i, s) in items.iter().enumerate() {
            if i > 0 {
                self.buf.push(b';');
            }
            if quoted {
                self.put_quoted(s.as_ref());
            } else {
                self.buf.extend_from_slice(s.as_ref().as_bytes());
            }
        }
        if quoted {
            self.buf.push(b'"');
        }
        self
    }

    /// A field of formatted text that never needs quotes (a number).
    fn plain(&mut self, args: std::fmt::Arguments<'_>) -> &mut Self {
        self.start();
        let _ = self.buf.write_fmt(args);
        self
    }

    fn end(&mut self) {
        self.buf.push(b'\n');
    }
}

/// Writes a CSV file of a header and rows `0..rows`, formatting runs of rows in parallel (each
/// into its own buffer, in order). `row` formats row `i`.
fn write_rows(
    path: &Path,
    header: &[&str],
    rows: usize,
    row: impl Fn(&mut Row<'_>, usize) + Sync,
) -> Result<()> {
    let mut file =
        std::fs::File::create(path).map_err(|x| Error::io(Some(path.to_path_buf()), x))?;
    let mut put = |bytes: &[u8]| {
        file.write_all(bytes)
            .map_err(|x| Error::io(Some(path.to_path_buf()), x))
    };
    let mut buf = Vec::new();
    let mut head = Row::new(&mut buf);
    for h in header {
        head.field(h);
    }
    head.end();
    put(&buf)?;
    for window in (0..rows).step_by(ROWS_PER_WINDOW) {
        let end = rows.min(window + ROWS_PER_WINDOW);
        let parts: Vec<Vec<u8>> = (window..end)
            .step_by(ROWS_PER_TASK)
            .collect::<Vec<usize>>()
            .into_par_iter()
            .map(|from| {
                let to = end.min(from + ROWS_PER_TASK);
                let mut buf = Vec::with_capacity((to - from) * 64);
                for i in from..to {
                    let mut r = Row::new(&mut buf);
                    row(&mut r, i);
                    r.end();
                }
                buf
            })
            .collect();
        for part in &parts {
            put(part)?;
        }
    }
    Ok(())
}

/// Writes `customers.csv`: one row per customer, its ID and golden record (lists joined by `;`).
pub fn write_customers(path: &Path, res: &Resolution) -> Result<()> {
    let header = [
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
    write_rows(path, &header, res.customers.len(), |w, i| {
        let c = &res.customers[i];
        let g = &c.golden;
        w.field(&c.id.0)
            .plain(format_args!("{}", c.members.len()))
            .list(&g.sources)
            .field(text(&g.name))
            .field(text(&g.name_latin))
            .field(text(&g.birth_date))
            .field(text(&g.city))
            .list(&g.phones)
            .list(&g.emails)
            .list(&g.cards)
            .list(&g.devices)
            .list(&g.socials)
            .field(text(&g.updated_at));
    })
}

/// Writes `memberships.csv`: one row per input record, in input order.
pub fn write_memberships(path: &Path, records: &[Record], res: &Resolution) -> Result<()> {
    write_rows(
        path,
        &["record_id", "source", "customer_id", "score", "probability"],
        records.len().min(res.memberships.len()),
        |w, i| {
            let (r, m) = (&records[i], &res.memberships[i]);
            let cid = res
                .customers
                .get(m.customer as usize)
                .map_or("", |c| &c.id.0);
            w.field(&r.id).field(&r.source).field(cid);
            match m.score {
                Some(x) => w
                    .plain(format_args!("{x:.2}"))
                    .plain(format_args!("{:.6}", probability(x as f64))),
                None => w.field("").field(""),
            };
        },
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn rows_are_formatted_as_the_csv_crate_writes_them(
            fields in proptest::collection::vec(
                proptest::collection::vec("[a,;\"\r\n й\\\\]{0,4}", 0..3),
                2..6,
            ),
        ) {
            let mut ours = Vec::new();
            let mut row = Row::new(&mut ours);
            for (i, f) in fields.iter().enumerate() {
                match (i % 2, f.first()) {
                    (0, Some(s)) => row.field(s),
                    _ => row.list(f),
                };
            }
            row.end();
            let mut w = csv::Writer::from_writer(Vec::new());
            let joined: Vec<String> = fields
                .iter()
                .enumerate()
                .map(|(i, f)| match (i % 2, f.first()) {
                    (0, Some(s)) => s.clone(),
                    _ => f.join(";"),
                })
                .collect();
            w.write_record(&joined).unwrap();
            proptest::prop_assert_eq!(ours, w.into_inner().unwrap());
        }
    }
}
