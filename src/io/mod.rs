//! Reading customer exports (CSV, JSON Lines) into [`Record`]s, and writing results.
//!
//! Columns are mapped from common header names in English and Russian (`phone`, `телефон`,
//! `email`, `почта`, `card`, `карта`, `idfa`, `instagram`, `фамилия`, `дата рождения`, ...) or
//! explicitly. A row that cannot be read is skipped and reported with its line number and a
//! reason, never its values; a file that cannot be read at all is an [`Error`].
//!
//! ```
//! use omnilink::io::{read_csv_bytes, ReadOptions};
//! let csv = "id;Телефон;E-mail\n1;8 912 345-67-89;anna@mail.ru\n2;\"unterminated\n";
//! let out = read_csv_bytes(csv.as_bytes(), &ReadOptions::new("crm")).unwrap_err();
//! assert!(out.to_string().contains("line 3"));
//! ```

mod write;

use std::collections::{BTreeMap, HashSet};

use rayon::prelude::*;
use std::fmt;
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::normalize::Network;
use crate::{Error, Record, Result};

pub use write::{
    write_customers, write_customers_to, write_hubs, write_hubs_to, write_memberships,
    write_memberships_to, write_pairs, write_summary,
};

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Column {
    /// The record's id in its source.
    Id,
    /// The source (channel) name.
    Source,
    /// Country code.
    Country,
    /// Phone numbers.
    Phone,
    /// E-mail addresses.
    Email,
    /// Card numbers.
    Card,
    /// Device ids.
    Device,
    /// Social handles or profile URLs of any network.
    Social,
    /// The networks of the `social` column's values, `;`-joined in the same order
    /// (`instagram;vk`); names as [`Network::as_str`] gives them, or common aliases.
    SocialNetwork,
    /// Instagram handles.
    Instagram,
    /// Telegram handles.
    Telegram,
    /// VK handles.
    Vk,
    /// X (Twitter) handles.
    X,
    /// Facebook handles.
    Facebook,
    /// TikTok handles.
    Tiktok,
    /// The whole name.
    FullName,
    /// Given name.
    FirstName,
    /// Patronymic or middle name.
    MiddleName,
    /// Family name.
    LastName,
    /// Birth date.
    BirthDate,
    /// City.
    City,
    /// Last update time.
    UpdatedAt,
    /// Identity or customer numbers (SSN, passport, INN, IIN, Aadhaar, ...).
    IdNumber,
    /// Postal code.
    Postcode,
    /// A part of the postal address (house number, street, address line, flat): every
    /// address column of a row, in column order, forms one address.
    Address,
    /// A free-text attribute (occupation, company), compared fuzzily; named by its header.
    Text,
    /// A categorical attribute (gender, state, segment), compared exactly; named by its
    /// header.
    Category,
    /// Not used.
    Ignore,
}

impl Column {
    /// Every column kind, in declaration order.
    pub const ALL: [Column; 28] = [
        Column::Id,
        Column::Source,
        Column::Country,
        Column::Phone,
        Column::Email,
        Column::Card,
        Column::Device,
        Column::Social,
        Column::SocialNetwork,
        Column::Instagram,
        Column::Telegram,
        Column::Vk,
        Column::X,
        Column::Facebook,
        Column::Tiktok,
        Column::FullName,
        Column::FirstName,
        Column::MiddleName,
        Column::LastName,
        Column::BirthDate,
        Column::City,
        Column::UpdatedAt,
        Column::IdNumber,
        Column::Postcode,
        Column::Address,
        Column::Text,
        Column::Category,
        Column::Ignore,
    ];

    /// The kind's name in config files and `--column` (its serde name: `phone`,
    /// `social_network`, `birth_date`, ...).
    ///
    /// ```
    /// use omnilink::io::Column;
    /// assert_eq!(Column::BirthDate.as_str(), "birth_date");
    /// assert_eq!(Column::from_name("social_network"), Some(Column::SocialNetwork));
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Source => "source",
            Column::Country => "country",
            Column::Phone => "phone",
            Column::Email => "email",
            Column::Card => "card",
            Column::Device => "device",
            Column::Social => "social",
            Column::SocialNetwork => "social_network",
            Column::Instagram => "instagram",
            Column::Telegram => "telegram",
            Column::Vk => "vk",
            Column::X => "x",
            Column::Facebook => "facebook",
            Column::Tiktok => "tiktok",
            Column::FullName => "full_name",
            Column::FirstName => "first_name",
            Column::MiddleName => "middle_name",
            Column::LastName => "last_name",
            Column::BirthDate => "birth_date",
            Column::City => "city",
            Column::UpdatedAt => "updated_at",
            Column::IdNumber => "id_number",
            Column::Postcode => "postcode",
            Column::Address => "address",
            Column::Text => "text",
            Column::Category => "category",
            Column::Ignore => "ignore",
        }
    }

    /// The kind named `name` ([`Column::as_str`]), trimmed; `None` for an unknown name.
    pub fn from_name(name: &str) -> Option<Column> {
        let name = name.trim();
        Column::ALL.into_iter().find(|c| c.as_str() == name)
    }

    fn parse(s: &str) -> Option<Column> {
        serde_json::from_value(serde_json::Value::String(s.trim().to_string())).ok()
    }

    fn network(self) -> Option<Network> {
        Some(match self {
            Column::Instagram => Network::Instagram,
            Column::Telegram => Network::Telegram,
            Column::Vk => Network::Vk,
            Column::X => Network::X,
            Column::Facebook => Network::Facebook,
            Column::Tiktok => Network::TikTok,
            _ => return None,
        })
    }

    /// `true` for columns that hold an identifier or a name (what matching needs).
    fn is_evidence(self) -> bool {
        !matches!(
            self,
            Column::Id
                | Column::Source
                | Column::Country
                | Column::SocialNetwork
                | Column::UpdatedAt
                | Column::Ignore
        )
    }
}

static HEADER_NAMES: LazyLock<Vec<(String, Column)>> = LazyLock::new(|| {
    let mut out = Vec::new();
    for line in include_str!("../data/columns.txt").lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((col, names)) = line.split_once(':') {
            if let Some(c) = Column::parse(col) {
                out.extend(names.split(',').map(|n| (fold_header(n), c)));
            }
        }
    }
    out
});

fn fold_header(h: &str) -> String {
    let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
    let mut out = String::with_capacity(h.len());
    for c in h.chars() {
        let c = if c == ' ' || c == '-' || c == '.' {
            '_'
        } else {
            c
        };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    out.trim_matches('_').to_string()
}

/// The name an attribute column gives its values: the header, folded as header names are
/// compared (`"Occupation "` and `"occupation"` are one attribute across files).
///
/// ```
/// assert_eq!(omnilink::io::attribute_name(" Marital Status"), "marital_status");
/// ```
pub fn attribute_name(header: &str) -> String {
    fold_header(header)
}

/// The column a header name maps to by default, if any.
///
/// ```
/// use omnilink::io::{column_for_header, Column};
/// assert_eq!(column_for_header("Дата рождения"), Some(Column::BirthDate));
/// assert_eq!(column_for_header("E-mail"), Some(Column::Email));
/// assert_eq!(column_for_header("favourite colour"), None);
/// ```
pub fn column_for_header(header: &str) -> Option<Column> {
    let h = fold_header(header);
    HEADER_NAMES.iter().find(|(n, _)| *n == h).map(|&(_, c)| c)
}

/// How to read one input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Source name for records without a source column.
    pub source: String,
    /// Field delimiter; detected from the header line when `None`.
    pub delimiter: Option<u8>,
    /// Explicit mappings, header name -> column; they win over the defaults.
    pub columns: BTreeMap<String, Column>,
    /// A row with a longer cell is skipped.
    pub max_cell_bytes: usize,
    /// Lets error messages quote header cells that look like values (a file whose first line
    /// is data, not a header); off by default, so messages carry no personal data.
    pub show_values: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            source: "input".into(),
            delimiter: None,
            columns: BTreeMap::new(),
            max_cell_bytes: 64 * 1024,
            show_values: false,
        }
    }
}

impl ReadOptions {
    /// Default options with a source name.
    pub fn new(source: impl Into<String>) -> Self {
        ReadOptions {
            source: source.into(),
            ..ReadOptions::default()
        }
    }
}

/// Why a row was skipped. Never holds a value from the row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
#[non_exhaustive]
pub enum SkipReason {
    /// A cell is not valid UTF-8.
    InvalidUtf8 {
        /// The column's header.
        column: String,
    },
    /// The row has another number of fields than the header.
    Ragged {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A cell is longer than the limit.
    CellTooLong {
        /// The column's header.
        column: String,
        /// Its length in bytes.
        bytes: usize,
    },
    /// A JSON Lines row that is not a JSON object.
    InvalidJson,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::InvalidUtf8 { column } => write!(f, "invalid UTF-8 in column `{column}`"),
            SkipReason::Ragged { expected, found } => {
                write!(f, "{found} fields where the header has {expected}")
            }
            SkipReason::CellTooLong { column, bytes } => {
                write!(f, "cell in column `{column}` is {bytes} bytes long")
            }
            SkipReason::InvalidJson => f.write_str("not a JSON object"),
        }
    }
}

/// A row that was not turned into a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skip {
    /// The input's name (file path or source).
    pub input: String,
    /// The 1-based line the row starts on.
    pub line: u64,
    /// Why.
    #[serde(flatten)]
    pub reason: SkipReason,
}

/// What reading one input gave.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ReadOutcome {
    /// Records read, in input order.
    pub records: Vec<Record>,
    /// Rows skipped, with line numbers and reasons.
    pub skipped: Vec<Skip>,
    /// Data rows seen (`records.len() + skipped.len()`).
    pub rows: u64,
    /// Records whose id repeated an earlier one of the same source; they are kept, with
    /// `#L<line>` appended to the id.
    pub duplicate_ids: u64,
    /// The header and the column each maps to.
    pub columns: Vec<(String, Column)>,
}

struct Mapping {
    columns: Vec<Column>,
    headers: Vec<String>,
}

impl Mapping {
    /// Each header with the column it maps to ([`ReadOutcome::columns`]).
    fn pairs(&self) -> Vec<(String, Column)> {
        self.headers
            .iter()
            .cloned()
            .zip(self.columns.iter().copied())
            .collect()
    }
}

/// `true` for a header cell that looks like a value rather than a column name: an e-mail, a
/// number of five or more digits, or a long text. Such cells are not quoted in messages.
fn looks_like_value(header: &str) -> bool {
    header.contains('@')
        || header.bytes().filter(u8::is_ascii_digit).count() >= 5
        || header.chars().count() > 64
}

/// Lists header cells for a message, `, `-separated. When a cell looks like a value (an
/// e-mail, a number of five or more digits, a long text), the first line is most likely data,
/// so unless `show_values` is set no cell is quoted: the list only says which positions look
/// like values. The `bool` is `true` in that case.
///
/// ```
/// use omnilink::io::describe_headers;
/// assert_eq!(describe_headers(&["colour", "size"], false), ("colour, size".to_string(), false));
/// let (list, data) = describe_headers(&["Anna", "+7 912 345-67-89"], false);
/// assert_eq!(list, "2 cells, not listed (cell 2 looks like a value)");
/// assert!(data && !list.contains("Anna"));
/// ```
pub fn describe_headers<S: AsRef<str>>(headers: &[S], show_values: bool) -> (String, bool) {
    let valued: Vec<String> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| looks_like_value(h.as_ref()))
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    let names: Vec<&str> = headers.iter().map(AsRef::as_ref).collect();
    match valued.as_slice() {
        [] => (names.join(", "), false),
        _ if show_values => (names.join(", "), true),
        [one] => (
            format!(
                "{} cells, not listed (cell {one} looks like a value)",
                names.len()
            ),
            true,
        ),
        many => (
            format!(
                "{} cells, not listed (cells {} look like values)",
                names.len(),
                many.join(", ")
            ),
            true,
        ),
    }
}

fn map_headers(headers: &[String], opts: &ReadOptions, input: &str) -> Result<Mapping> {
    let explicit: BTreeMap<String, Column> = opts
        .columns
        .iter()
        .map(|(k, v)| (fold_header(k), *v))
        .collect();
    let columns: Vec<Column> = headers
        .iter()
        .map(|h| {
            explicit
                .get(&fold_header(h))
                .copied()
                .or_else(|| column_for_header(h))
                .unwrap_or(Column::Ignore)
        })
        .collect();
    if !columns.iter().any(|c| c.is_evidence()) {
        let (list, data) = describe_headers(headers, opts.show_values);
        let hint = if data {
            "; the first line looks like data: the file needs a header row"
        } else {
            ""
        };
        return Err(Error::input(
            Some(input.into()),
            Some(1),
            format!(
                "no identifier or name column found; columns are: {list}{hint}; map them with a \
                 config file or --column NAME=KIND"
            ),
        ));
    }
    Ok(Mapping {
        columns,
        headers: headers.to_vec(),
    })
}

/// Adds a value to a list, allocating room for just one value at first: most records hold
/// one phone, one e-mail, and they stay in memory for the whole run.
fn push_one<T>(list: &mut Vec<T>, value: T) {
    if list.capacity() == 0 {
        list.reserve_exact(1);
    }
    list.push(value);
}

fn push_cell(r: &mut Record, col: Column, header: &str, v: &str) {
    let v = v.trim();
    if v.is_empty() {
        return;
    }
    let set = |slot: &mut Option<String>| {
        *slot = Some(match slot.take() {
            Some(old) => format!("{old} {v}"),
            None => v.to_string(),
        })
    };
    match col {
        Column::Id => r.id = v.to_string(),
        Column::Source => r.source = v.to_string(),
        Column::Country => r.country = Some(v.to_string()),
        Column::Phone => push_one(&mut r.phones, v.to_string()),
        Column::Email => push_one(&mut r.emails, v.to_string()),
        Column::Card => push_one(&mut r.cards, v.to_string()),
        Column::Device => push_one(&mut r.devices, v.to_string()),
        Column::FullName => set(&mut r.full_name),
        Column::FirstName => set(&mut r.first_name),
        Column::MiddleName => set(&mut r.middle_name),
        Column::LastName => set(&mut r.last_name),
        Column::BirthDate => r.birth_date = Some(v.to_string()),
        Column::City => r.city = Some(v.to_string()),
        Column::UpdatedAt => r.updated_at = Some(v.to_string()),
        Column::IdNumber => push_one(&mut r.id_numbers, v.to_string()),
        Column::Postcode => r.postcode = Some(v.to_string()),
        Column::Address => r.address.push(v.to_string()),
        Column::Text | Column::Category => r.attributes.push(crate::Attribute {
            name: attribute_name(header),
            kind: if col == Column::Text {
                crate::AttributeKind::Text
            } else {
                crate::AttributeKind::Category
            },
            value: v.to_string(),
        }),
        Column::Ignore | Column::SocialNetwork => {}
        social => push_one(
            &mut r.socials,
            crate::SocialInput {
                network: social.network(),
                value: v.to_string(),
            },
        ),
    }
}

/// The network a `social_network` cell names: a serde name (`instagram`, `tik_tok`) or one of
/// the header aliases of the network columns (`ig`, `tg`, `вк`, `twitter`). Unknown or blank
/// names give `None`.
fn network_for_name(name: &str) -> Option<Network> {
    let n = fold_header(name);
    if n.is_empty() {
        return None;
    }
    Network::from_name(&n)
        .or_else(|| column_for_header(&n).and_then(Column::network))
        .filter(|&net| net != Network::Unknown)
}

/// One row on its way to a record. Values of a `social` column wait for the row's
/// `social_network` cell, which may come in a later column: the two are `;`-joined lists
/// aligned value by value (one network alone applies to every value).
struct RowBuilder<'a> {
    record: Record,
    /// The source of a row without a source cell.
    source: &'a str,
    socials: Vec<String>,
    networks: Option<Vec<Option<Network>>>,
}

impl<'a> RowBuilder<'a> {
    fn new(source: &'a str) -> RowBuilder<'a> {
        RowBuilder {
            record: Record::default(),
            source,
            socials: Vec::new(),
            networks: None,
        }
    }

    fn push(&mut self, col: Column, header: &str, v: &str) {
        match col {
            // Empty positions are kept: they align with the networks.
            Column::Social => self
                .socials
                .extend(v.split(';').map(|s| s.trim().to_string())),
            Column::SocialNetwork if !v.trim().is_empty() => self
                .networks
                .get_or_insert_with(Vec::new)
                .extend(v.split(';').map(network_for_name)),
            _ => push_cell(&mut self.record, col, header, v),
        }
    }

    fn finish(self) -> Record {
        let mut r = self.record;
        if r.source.is_empty() {
            r.source = self.source.to_string();
        }
        let nets = self.networks.unwrap_or_default();
        r.socials
            .reserve_exact(self.socials.iter().filter(|v| !v.is_empty()).count());
        for (i, value) in self.socials.into_iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            let network = match nets.as_slice() {
                [one] => *one,
                many => many.get(i).copied().flatten(),
            };
            r.socials.push(crate::SocialInput { network, value });
        }
        r
    }
}

/// Makes every record's (source, id) pair unique, in order: the first record with a pair keeps
/// it, and a later one is renamed to `<id><tag>`, or `<id><tag>.<n>` (n = 2, 3, ...) when that
/// is taken too, where `tag(i)` is the tag of the record at index `i` (`#L<line>` when reading
/// a file, `#F<file>` across files). A new id is itself taken from then on, so a later record
/// that carries it is renamed as well. Returns how many records were renamed.
///
/// ```
/// use omnilink::{io::suffix_repeated_ids, Record};
/// let mut records = vec![
///     Record::new("7", "crm"),
///     Record::new("7", "web"),
///     Record::new("7", "crm"),
///     Record::new("7#L4", "crm"),
/// ];
/// let renamed = suffix_repeated_ids(&mut records, |i| format!("#L{}", i + 2));
/// let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
/// assert_eq!(ids, ["7", "7", "7#L4", "7#L4#L5"]);
/// assert_eq!(renamed, 2);
/// ```
pub fn suffix_repeated_ids(records: &mut [Record], tag: impl Fn(usize) -> String) -> u64 {
    // Most inputs repeat no pair: hashed and sorted in parallel, the pairs show that at once.
    let state = foldhash::fast::RandomState::default();
    let mut hashes: Vec<u64> = records
        .par_iter()
        .map(|r| state.hash_one((r.source.as_str(), r.id.as_str())))
        .collect();
    hashes.par_sort_unstable();
    if !hashes.windows(2).any(|w| w[0] == w[1]) {
        return 0;
    }
    drop(hashes);
    let renames = {
        let mut seen: HashSet<(&str, &str), foldhash::fast::RandomState> =
            HashSet::with_capacity_and_hasher(records.len(), Default::default());
        // Ids given to renamed records; few, so owned.
        let mut given: HashSet<(&str, String), foldhash::fast::RandomState> = HashSet::default();
        let mut renames = Vec::new();
        for (i, r) in records.iter().enumerate() {
            let key = (r.source.as_str(), r.id.as_str());
            let repeat = !seen.insert(key)
                || (!given.is_empty() && given.contains(&(key.0, key.1.to_string())));
            if !repeat {
                continue;
            }
            let tag = tag(i);
            let mut id = format!("{}{tag}", r.id);
            let mut n = 1;
            while seen.contains(&(key.0, id.as_str())) || given.contains(&(key.0, id.clone())) {
                n += 1;
                id = format!("{}{tag}.{n}", r.id);
            }
            given.insert((key.0, id.clone()));
            renames.push((i, id));
        }
        renames
    };
    let renamed = renames.len() as u64;
    for (i, id) in renames {
        records[i].id = id;
    }
    renamed
}

fn detect_delimiter(first_line: &[u8]) -> u8 {
    let mut best = (0usize, b',');
    for d in [b',', b';', b'\t', b'|'] {
        let mut n = 0;
        let mut quoted = false;
        for &b in first_line {
            if b == b'"' {
                quoted = !quoted;
            } else if b == d && !quoted {
                n += 1;
            }
        }
        if n > best.0 {
            best = (n, d);
        }
    }
    best.1
}

fn strip_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data)
}

const NOT_UTF8: &str = "convert the file to UTF-8 first (other encodings, such as \
                        Windows-1251, are not supported)";

/// An error for input that is not text in a byte-compatible encoding: UTF-16 (Excel's
/// "Unicode text", found by its byte-order mark or NUL bytes on the first line), or a binary
/// format people often pass by mistake (a workbook, a compressed file).
fn check_text(data: &[u8], input: &str) -> Result<()> {
    let fail = |msg: &str| Err(Error::input(Some(input.into()), None, msg.to_string()));
    if data.starts_with(b"PK\x03\x04") {
        return fail(
            "the file is a ZIP archive (an .xlsx workbook?), not CSV; export it as \"CSV UTF-8\"",
        );
    }
    if data.starts_with(b"\xd0\xcf\x11\xe0") {
        return fail("the file is an .xls workbook, not CSV; export it as \"CSV UTF-8\"");
    }
    if data.starts_with(b"\x1f\x8b") {
        return fail("the file is gzip-compressed; decompress it first");
    }
    let first_line = data.split(|&b| b == b'\n').next().unwrap_or(&[]);
    if data.starts_with(b"\xff\xfe") || data.starts_with(b"\xfe\xff") || first_line.contains(&0) {
        return fail("the file is UTF-16, not UTF-8; save it as UTF-8 (\"CSV UTF-8\" in Excel)");
    }
    Ok(())
}

/// Counts rows with invalid UTF-8 and fails the file when most rows have some: then the
/// file is in another encoding, and skipping row by row would only hide that.
struct Utf8Errors {
    rows: u64,
    first: Option<(u64, String)>,
}

impl Utf8Errors {
    fn new() -> Utf8Errors {
        Utf8Errors {
            rows: 0,
            first: None,
        }
    }

    fn note(&mut self, line: u64, column: &str) {
        self.rows += 1;
        if self.first.is_none() {
            self.first = Some((line, column.to_string()));
        }
    }

    /// Fails when more than half of `rows` rows are not UTF-8 (checked once `rows` reaches
    /// 200, and at the end of the file).
    fn check(&self, rows: u64, input: &str) -> Result<()> {
        if self.rows == 0 || self.rows * 2 <= rows {
            return Ok(());
        }
        let (line, column) = self.first.clone().unwrap_or_default();
        Err(Error::input(
            Some(input.into()),
            None,
            format!(
                "the file is not UTF-8: {} of {rows} rows read have invalid bytes (first at \
                 line {line}, column `{column}`); {NOT_UTF8}",
                self.rows
            ),
        ))
    }
}

/// Where a quoted field opens and never closes, as (line, field index in its row). Follows the
/// csv crate's rules: a field is quoted only when it starts with `"`, `""` inside it is a quote,
/// and a `"` inside an unquoted field is an ordinary character.
fn open_quote(data: &[u8], delimiter: u8) -> Option<(u64, usize)> {
    let (mut line, mut field, mut i) = (1u64, 0usize, 0usize);
    let mut at_start = true;
    while let Some(&b) = data.get(i) {
        i += 1;
        if at_start && b == b'"' {
            let opened = line;
            loop {
                match data.get(i) {
                    None => return Some((opened, field)),
                    Some(b'"') if data.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\n') => {
                        line += 1;
                        i += 1;
                    }
                    Some(_) => i += 1,
                }
            }
            at_start = false;
            continue;
        }
        at_start = false;
        if b == delimiter {
            field += 1;
            at_start = true;
        } else if b == b'\n' || b == b'\r' {
            line += u64::from(b == b'\n');
            field = 0;
            at_start = true;
        }
    }
    None
}

/// The 1-based line of a byte offset, counted forward from the previous call. (The csv crate's
/// own line numbers miss newlines inside quoted cells.)
struct LineCounter<'a> {
    data: &'a [u8],
    byte: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(data: &'a [u8]) -> LineCounter<'a> {
        LineCounter {
            data,
            byte: 0,
            line: 1,
        }
    }

    /// The line of the record at `byte`; offsets must not decrease between calls. The csv
    /// crate may give the offset of the previous record's `\n` (after a `\r`); a record never
    /// starts with a line break, so those are stepped over.
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut to = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .clamp(self.byte, self.data.len());
        while matches!(self.data.get(to), Some(b'\r' | b'\n')) {
            to += 1;
        }
        let skipped = &self.data[self.byte..to];
        self.line += skipped.iter().filter(|&&b| b == b'\n').count() as u64;
        self.byte = to;
        self.line
    }
}

/// Reads a CSV export from bytes. `opts.source` names the input in reports.
pub fn read_csv_bytes(data: &[u8], opts: &ReadOptions) -> Result<ReadOutcome> {
    read_csv_named(data, opts, &opts.source.clone())
}

/// What both readers check first: text in UTF-8, not empty; returns it without a BOM.
fn text_body<'a>(data: &'a [u8], input: &str) -> Result<&'a [u8]> {
    check_text(data, input)?;
    let data = strip_bom(data);
    if data.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::input(Some(input.into()), None, "the file is empty"));
    }
    Ok(data)
}

/// The size of a run of rows of a CSV file parsed on its own, in bytes: large enough that splitting
/// costs nothing, small enough that the chunks share the threads evenly.
const CHUNK_BYTES: usize = 256 * 1024;

/// Byte offsets at which `data` can be cut into runs of whole rows, each just after a `\n`
/// outside quoted fields (by the rules of [`open_quote`]) and the first such place at least
/// `every` bytes after the previous cut. `None` when a quoted field never closes.
fn row_cuts(data: &[u8], delimiter: u8, every: usize) -> Option<Vec<usize>> {
    let every = every.max(1);
    let mut cuts = Vec::new();
    let mut next = every;
    let mut i = 0;
    loop {
        // Outside quotes from `i`: a quote opens a field only at the field's start.
        let mut q = i;
        let open = loop {
            match memchr::memchr(b'"', &data[q..]) {
                None => break data.len(),
                Some(k) => {
                    let at = q + k;
                    if at == 0 || matches!(data[at - 1], b'\n' | b'\r') || data[at - 1] == delimiter
                    {
                        break at;
                    }
                    q = at + 1;
                }
            }
        };
        while next < open {
            let from = next.max(i);
            let Some(k) = memchr::memchr(b'\n', &data[from..open]) else {
                break;
            };
            let cut = from + k + 1;
            if cut < data.len() {
                cuts.push(cut);
            }
            next = cut + every;
        }
        if open == data.len() {
            return Some(cuts);
        }
        // Inside the quoted field: `""` is a quote, a lone `"` closes it.
        let mut j = open + 1;
        i = loop {
            let at = j + memchr::memchr(b'"', &data[j..])?;
            if data.get(at + 1) == Some(&b'"') {
                j = at + 2;
            } else {
                break at + 1;
            }
        };
    }
}

/// What stops a row of a CSV chunk from becoming a record.
enum RowEvent {
    /// The row was skipped (line, reason).
    Skip(u64, SkipReason),
    /// The csv reader failed (line if known, message without data).
    Error(Option<u64>, String),
}

/// What parsing one chunk gave besides the records written to its slots.
#[derive(Default)]
struct ChunkOut {
    /// Records written to the slots, from the first.
    filled: usize,
    /// Records that found no slot left (none when the slots were counted right).
    overflow: Vec<Record>,
    /// The line of each record.
    lines: Vec<u64>,
    /// Skipped rows and a reader error, in order, each with the chunk's rows before it.
    events: Vec<(u64, RowEvent)>,
    /// Rows, blank lines not counted.
    rows: u64,
}

/// At most how many rows `bytes` ends (`\n`, `\r\n` or a lone `\r` ends a row), plus one
/// for a last row without a line break when `last`.
fn max_rows(bytes: &[u8], last: bool) -> usize {
    let lf = memchr::memchr_iter(b'\n', bytes).count();
    let cr = memchr::memchr_iter(b'\r', bytes)
        .filter(|&i| bytes.get(i + 1) != Some(&b'\n'))
        .count();
    lf + cr + usize::from(last)
}

/// Pushes a row's cells into `r` in column order: each cell as text, or as the byte length of
/// a cell that is not UTF-8. Returns why the row is skipped, if it is: the first cell, outside
/// ignored columns, that is too long or not UTF-8.
fn fill_row<'c>(
    r: &mut RowBuilder<'_>,
    cells: impl Iterator<Item = std::result::Result<&'c str, usize>>,
    map: &Mapping,
    opts: &ReadOptions,
) -> Option<SkipReason> {
    for (i, cell) in cells.enumerate() {
        let col = map.columns[i];
        if col == Column::Ignore {
            continue;
        }
        let bytes = cell.map_or_else(|n| n, str::len);
        if bytes > opts.max_cell_bytes {
            return Some(SkipReason::CellTooLong {
                column: map.headers[i].clone(),
                bytes,
            });
        }
        match cell {
            Ok(s) => r.push(col, &map.headers[i], s),
            Err(_) => {
                return Some(SkipReason::InvalidUtf8 {
                    column: map.headers[i].clone(),
                })
            }
        }
    }
    None
}

/// Parses the rows of `chunk`, which starts at a row boundary (or at the line break before
/// one) on line `first_line`, writing its records to `slots` in order. Blank lines give
/// nothing.
fn parse_chunk(
    chunk: &[u8],
    first_line: u64,
    delimiter: u8,
    map: &Mapping,
    opts: &ReadOptions,
    slots: &mut [Record],
) -> ChunkOut {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(chunk);
    let mut lines = LineCounter::new(chunk);
    lines.line = first_line;
    let mut out = ChunkOut {
        lines: Vec::with_capacity(slots.len()),
        ..ChunkOut::default()
    };
    let mut row = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| lines.line_at(p.byte()));
                let error = RowEvent::Error(line, format!("CSV: {}", e.kind_name()));
                out.events.push((out.rows, error));
                break;
            }
        }
        let line = row.position().map_or(0, |p| lines.line_at(p.byte()));
        if row.len() == 1
            && row
                .get(0)
                .is_some_and(|c| c.iter().all(u8::is_ascii_whitespace))
        {
            continue; // a blank line
        }
        out.rows += 1;
        if row.len() != map.columns.len() {
            let reason = SkipReason::Ragged {
                expected: map.columns.len(),
                found: row.len(),
            };
            out.events
                .push((out.rows - 1, RowEvent::Skip(line, reason)));
            continue;
        }
        let mut r = RowBuilder::new(&opts.source);
        // The whole row is checked for UTF-8 at once; only a row that fails is gone through
        // cell by cell, to name the column (a bad cell in an ignored column does not count).
        let bad = match csv::StringRecord::from_byte_record(std::mem::take(&mut row)) {
            Ok(text) => {
                let bad = fill_row(&mut r, text.iter().map(Ok), map, opts);
                row = text.into_byte_record();
                bad
            }
            Err(e) => {
                row = e.into_byte_record();
                let cells = row
                    .iter()
                    .map(|c| std::str::from_utf8(c).map_err(|_| c.len()));
                fill_row(&mut r, cells, map, opts)
            }
        };
        if let Some(reason) = bad {
            out.events
                .push((out.rows - 1, RowEvent::Skip(line, reason)));
            continue;
        }
        let mut r = r.finish();
        if r.id.is_empty() {
            r.id = format!("L{line}");
        }
        match slots.get_mut(out.filled) {
            Some(slot) => {
                *slot = r;
                out.filled += 1;
            }
            None => out.overflow.push(r),
        }
        out.lines.push(line);
    }
    out
}

fn read_csv_named(data: &[u8], opts: &ReadOptions, input: &str) -> Result<ReadOutcome> {
    read_csv_in_chunks(data, opts, input, CHUNK_BYTES)
}

/// Reads a CSV export, parsing runs of rows of about `chunk_bytes` bytes in parallel.
fn read_csv_in_chunks(
    data: &[u8],
    opts: &ReadOptions,
    input: &str,
    chunk_bytes: usize,
) -> Result<ReadOutcome> {
    let data = text_body(data, input)?;
    let first_line = data.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let delimiter = opts
        .delimiter
        .unwrap_or_else(|| detect_delimiter(first_line));
    let unterminated = |line: u64, column: Option<&str>| {
        let place = column.map_or_else(String::new, |c| format!(" in column `{c}`"));
        Error::input(
            Some(input.into()),
            Some(line),
            format!(
                "unterminated quoted field{place}: the quote opened on this line never closes, \
                 so the rest of the file would be one cell"
            ),
        )
    };
    // Found before reading any row: a quote left open swallows the rest of the file. The
    // same scan finds where the rows can be split for parsing in parallel.
    let cuts = row_cuts(data, delimiter, chunk_bytes);
    let open = match cuts {
        Some(_) => None,
        None => open_quote(data, delimiter),
    };
    if let Some((1, _)) = open {
        return Err(unterminated(1, Some("(header)")));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(data);
    let header = rdr
        .byte_headers()
        .map_err(|e| Error::input(Some(input.into()), Some(1), format!("header: {e}")))?
        .clone();
    let headers: Vec<String> = header
        .iter()
        .map(|h| {
            std::str::from_utf8(h)
                .map(|s| s.trim().to_string())
                .map_err(|_| {
                    Error::input(
                        Some(input.into()),
                        Some(1),
                        format!("the header is not UTF-8; {NOT_UTF8}"),
                    )
                })
        })
        .collect::<Result<_>>()?;
    if let Some((line, field)) = open {
        return Err(unterminated(line, headers.get(field).map(String::as_str)));
    }
    let map = map_headers(&headers, opts, input)?;
    let mut out = ReadOutcome {
        columns: map.pairs(),
        ..ReadOutcome::default()
    };
    // The rows after the header, in chunks of whole rows with the line each starts on.
    let body = usize::try_from(rdr.position().byte())
        .unwrap_or(usize::MAX)
        .min(data.len());
    // Each chunk keeps the line break before it: a csv reader drops a byte-order mark at the
    // start of its input, while the break is skipped like a blank line.
    let mut chunks = Vec::new();
    let mut line = 1 + memchr::memchr_iter(b'\n', &data[..body]).count() as u64;
    let mut from = body;
    for to in cuts
        .unwrap_or_default()
        .into_iter()
        .filter(|&c| c > body)
        .chain([data.len()])
    {
        if from < to {
            let lead = match from.checked_sub(1).map(|i| data[i]) {
                Some(b'\n') => (1, 1),
                Some(b'\r') => (1, 0),
                _ => (0, 0),
            };
            chunks.push((&data[from - lead.0..to], line - lead.1));
            line += memchr::memchr_iter(b'\n', &data[from..to]).count() as u64;
        }
        from = to;
    }
    // Each chunk writes its records into its own run of slots of the final list, counted
    // from its line breaks; runs left partly empty (blank lines, skipped rows) are closed up.
    let last = chunks.len().saturating_sub(1);
    let counts: Vec<usize> = chunks
        .par_iter()
        .enumerate()
        .map(|(i, &(bytes, _))| max_rows(bytes, i == last))
        .collect();
    let total = counts.iter().sum();
    let mut slots: Vec<Record> = Vec::with_capacity(total);
    slots.par_extend(rayon::iter::repeat_n(Record::default(), total));
    let mut runs = Vec::with_capacity(chunks.len());
    let mut rest = slots.as_mut_slice();
    for &n in &counts {
        let n = n.min(rest.len());
        let (run, tail) = std::mem::take(&mut rest).split_at_mut(n);
        runs.push(run);
        rest = tail;
    }
    let parsed: Vec<ChunkOut> = chunks
        .into_par_iter()
        .zip(runs)
        .map(|((chunk, line), run)| parse_chunk(chunk, line, delimiter, &map, opts, run))
        .collect();
    out.records = if parsed.iter().any(|c| !c.overflow.is_empty()) {
        let mut records = Vec::with_capacity(slots.len());
        let mut start = 0;
        for (c, n) in parsed.iter().zip(&counts) {
            records.extend(
                slots[start..start + c.filled]
                    .iter_mut()
                    .map(std::mem::take),
            );
            records.extend(c.overflow.iter().cloned());
            start += n;
        }
        records
    } else {
        let (mut start, mut kept) = (0, 0);
        for (c, n) in parsed.iter().zip(&counts) {
            if kept != start {
                for j in 0..c.filled {
                    slots.swap(kept + j, start + j);
                }
            }
            kept += c.filled;
            start += n;
        }
        slots.truncate(kept);
        slots
    };
    // Skips and the encoding checks in file order, as one reader would have met them: the
    // early check follows row 200 unless that row is ragged.
    let mut lines = Vec::with_capacity(out.records.len());
    let mut utf8 = Utf8Errors::new();
    let (mut early_done, mut ragged_200) = (false, false);
    for chunk in parsed {
        lines.extend(chunk.lines);
        for (before, event) in chunk.events {
            let row = out.rows + before + 1;
            if !early_done && row > 200 {
                early_done = true;
                if !ragged_200 {
                    utf8.check(200, input)?;
                }
            }
            match event {
                RowEvent::Error(line, msg) => {
                    return Err(Error::input(Some(input.into()), line, msg));
                }
                RowEvent::Skip(line, reason) => {
                    match &reason {
                        SkipReason::Ragged { .. } => ragged_200 |= row == 200,
                        SkipReason::InvalidUtf8 { column } => utf8.note(line, column),
                        _ => {}
                    }
                    out.skipped.push(Skip {
                        input: input.to_string(),
                        line,
                        reason,
                    });
                }
            }
        }
        out.rows += chunk.rows;
    }
    if !early_done && out.rows >= 200 && !ragged_200 {
        utf8.check(200, input)?;
    }
    utf8.check(out.rows, input)?;
    if out.rows == 0 {
        return Err(Error::input(
            Some(input.into()),
            None,
            "the file has a header but no rows",
        ));
    }
    out.duplicate_ids = suffix_repeated_ids(&mut out.records, |i| format!("#L{}", lines[i]));
    Ok(out)
}

trait KindName {
    fn kind_name(&self) -> String;
}

impl KindName for csv::Error {
    /// The error's kind without any data from the file.
    fn kind_name(&self) -> String {
        match self.kind() {
            csv::ErrorKind::Io(e) => format!("read error: {e}"),
            csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".into(),
            csv::ErrorKind::UnequalLengths { .. } => "rows of unequal length".into(),
            _ => "malformed CSV".into(),
        }
    }
}

/// Reads JSON Lines: one JSON object per line, keys mapped like CSV headers. Values may be
/// strings, numbers or arrays of them.
pub fn read_jsonl_bytes(data: &[u8], opts: &ReadOptions) -> Result<ReadOutcome> {
    read_jsonl_named(data, opts, &opts.source.clone())
}

fn read_jsonl_named(data: &[u8], opts: &ReadOptions, input: &str) -> Result<ReadOutcome> {
    let data = text_body(data, input)?;
    if data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(Error::input(
            Some(input.into()),
            Some(1),
            "the file is a JSON array; JSON Lines files hold one object per line (convert with \
             `jq -c '.[]'`)",
        ));
    }
    let explicit: BTreeMap<String, Column> = opts
        .columns
        .iter()
        .map(|(k, v)| (fold_header(k), *v))
        .collect();
    let mut out = ReadOutcome::default();
    let mut lines = Vec::new();
    let mut utf8 = Utf8Errors::new();
    let mut objects = 0u64;
    let mut seen_keys: BTreeMap<String, Column> = BTreeMap::new();
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        let line = i as u64 + 1;
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        out.rows += 1;
        if out.rows == 200 {
            utf8.check(out.rows, input)?;
        }
        let skip = |reason| Skip {
            input: input.to_string(),
            line,
            reason,
        };
        if raw.len() > opts.max_cell_bytes.saturating_mul(16) {
            out.skipped.push(skip(SkipReason::CellTooLong {
                column: "(line)".into(),
                bytes: raw.len(),
            }));
            continue;
        }
        let Ok(text) = std::str::from_utf8(raw) else {
            utf8.note(line, "(line)");
            out.skipped.push(skip(SkipReason::InvalidUtf8 {
                column: "(line)".into(),
            }));
            continue;
        };
        let Ok(serde_json::Value::Object(obj)) = serde_json::from_str::<serde_json::Value>(text)
        else {
            out.skipped.push(skip(SkipReason::InvalidJson));
            continue;
        };
        objects += 1;
        let mut r = RowBuilder::new(&opts.source);
        let mut bad = None;
        for (k, v) in &obj {
            let folded = fold_header(k);
            let col = explicit
                .get(&folded)
                .copied()
                .or_else(|| column_for_header(k))
                .unwrap_or(Column::Ignore);
            if !seen_keys.contains_key(k) {
                seen_keys.insert(k.clone(), col);
            }
            if col == Column::Ignore {
                continue;
            }
            let values: Vec<String> = match v {
                serde_json::Value::String(s) => vec![s.clone()],
                serde_json::Value::Number(n) => vec![n.to_string()],
                serde_json::Value::Array(a) => a
                    .iter()
                    .filter_map(|x| match x {
                        serde_json::Value::String(s) => Some(s.clone()),
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for s in values {
                if s.len() > opts.max_cell_bytes {
                    bad = Some(SkipReason::CellTooLong {
                        column: k.clone(),
                        bytes: s.len(),
                    });
                    break;
                }
                r.push(col, k, &s);
            }
        }
        match bad {
            Some(reason) => out.skipped.push(skip(reason)),
            None => {
                let mut r = r.finish();
                if r.id.is_empty() {
                    r.id = format!("L{line}");
                }
                out.records.push(r);
                lines.push(line);
            }
        }
    }
    utf8.check(out.rows, input)?;
    if objects == 0 {
        return Err(Error::input(
            Some(input.into()),
            None,
            "no line is a JSON object: JSON Lines files hold one object per line (a JSON array \
             is not read)",
        ));
    }
    out.duplicate_ids = suffix_repeated_ids(&mut out.records, |i| format!("#L{}", lines[i]));
    out.columns = seen_keys.into_iter().collect();
    if !out.columns.iter().any(|(_, c)| c.is_evidence()) {
        let names: Vec<&str> = out.columns.iter().map(|(k, _)| k.as_str()).collect();
        let (list, _) = describe_headers(&names, opts.show_values);
        return Err(Error::input(
            Some(input.into()),
            None,
            format!("no identifier or name field found; fields are: {list}"),
        ));
    }
    Ok(out)
}

/// What a run read and did: the content of `summary.json`, the same from every front end.
#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    /// The inputs' names.
    pub inputs: &'a [String],
    /// Data rows seen.
    pub rows_read: u64,
    /// Records resolved (each row read is one, unless skipped).
    pub records_resolved: u64,
    /// Rows skipped.
    pub rows_skipped: u64,
    /// Why and where, row by row.
    pub skipped: &'a [Skip],
    /// Records whose id repeated an earlier one (kept, suffixed).
    pub duplicate_ids: u64,
    /// Values set aside as hubs.
    pub hubs: usize,
    /// The pipeline's figures.
    pub stats: &'a crate::Stats,
    /// Milliseconds spent reading.
    pub read_ms: f64,
    /// Milliseconds spent writing the outputs.
    pub write_ms: f64,
    /// Milliseconds in all.
    pub total_ms: f64,
}

impl<'a> Summary<'a> {
    /// The summary of resolving what was read (`rows_read` rows, `skipped`, `duplicate_ids`
    /// renamed) from `inputs` into `res`; the times are zero, for the caller to fill in.
    pub fn new(
        inputs: &'a [String],
        rows_read: u64,
        skipped: &'a [Skip],
        duplicate_ids: u64,
        res: &'a crate::Resolution,
    ) -> Summary<'a> {
        Summary {
            inputs,
            rows_read,
            records_resolved: res.memberships.len() as u64,
            rows_skipped: skipped.len() as u64,
            skipped,
            duplicate_ids,
            hubs: res.hubs.len(),
            stats: &res.stats,
            read_ms: 0.0,
            write_ms: 0.0,
            total_ms: 0.0,
        }
    }
}

/// Rows of a table read by one parallel task.
const TABLE_ROWS_PER_TASK: usize = 8192;

/// Reads records from a table already in memory (a DataFrame, Arrow record batches): its
/// `headers`, mapped as a CSV header is, and `rows` rows whose cells `cell(row, column)`
/// gives (`None` for a null). Rows are numbered as the lines of the same table written as
/// CSV with a header line (the first row is line 2), so a record without an id column gets
/// the id the CSV file would give it, and skip reports name those lines.
///
/// ```
/// use omnilink::io::{read_table, ReadOptions};
/// let headers = vec!["phone".to_string(), "name".to_string()];
/// let cells = [["+7 912 345-67-89", "Anna"], ["", "Ivan"]];
/// let out = read_table(&headers, 2, |r, c| Some(cells[r][c]), &ReadOptions::new("crm")).unwrap();
/// assert_eq!(out.records.len(), 2);
/// assert_eq!(out.records[0].id, "L2");
/// assert_eq!(out.records[1].phones.len(), 0);
/// ```
pub fn read_table<'a>(
    headers: &[String],
    rows: usize,
    cell: impl Fn(usize, usize) -> Option<&'a str> + Sync,
    opts: &ReadOptions,
) -> Result<ReadOutcome> {
    let input = opts.source.clone();
    if headers.is_empty() {
        return Err(Error::input(
            Some(input.into()),
            None,
            "the table has no columns",
        ));
    }
    let map = map_headers(headers, opts, &input)?;
    let line_of = |row: usize| row as u64 + 2;
    let parts: Vec<(Vec<Record>, Vec<u64>, Vec<Skip>)> = (0..rows)
        .step_by(TABLE_ROWS_PER_TASK)
        .collect::<Vec<usize>>()
        .into_par_iter()
        .map(|from| {
            let to = rows.min(from + TABLE_ROWS_PER_TASK);
            let mut part = (Vec::with_capacity(to - from), Vec::new(), Vec::new());
            for row in from..to {
                let mut r = RowBuilder::new(&opts.source);
                let cells = (0..headers.len()).map(|c| Ok(cell(row, c).unwrap_or("")));
                let line = line_of(row);
                if let Some(reason) = fill_row(&mut r, cells, &map, opts) {
                    part.2.push(Skip {
                        input: input.clone(),
                        line,
                        reason,
                    });
                    continue;
                }
                let mut r = r.finish();
                if r.id.is_empty() {
                    r.id = format!("L{line}");
                }
                part.0.push(r);
                part.1.push(line);
            }
            part
        })
        .collect();
    let mut out = ReadOutcome {
        rows: rows as u64,
        columns: map.pairs(),
        ..ReadOutcome::default()
    };
    let mut lines = Vec::with_capacity(rows);
    out.records.reserve_exact(rows);
    for (records, l, skipped) in parts {
        out.records.extend(records);
        lines.extend(l);
        out.skipped.extend(skipped);
    }
    out.duplicate_ids = suffix_repeated_ids(&mut out.records, |i| format!("#L{}", lines[i]));
    Ok(out)
}

/// Reads a file, CSV or JSON Lines by extension (`.jsonl`, `.ndjson`, `.json` are JSON Lines).
/// Without a source in `opts`, the file's stem names the source.
pub fn read_path(path: &Path, opts: &ReadOptions) -> Result<ReadOutcome> {
    let data = std::fs::read(path).map_err(|e| Error::io(Some(path.to_path_buf()), e))?;
    let name = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if matches!(ext.as_str(), "jsonl" | "ndjson" | "json") {
        read_jsonl_named(&data, opts, &name)
    } else {
        read_csv_named(&data, opts, &name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_reads_as_its_csv_does() {
        let csv = "id,Телефон,email,first_name,instagram,city\n\
                   7,+7 912 345-67-89,a@b.ru,Анна,@anna,Москва\n\
                   7,,x@y.com,Ivan,,\n\
                   ,8 (912) 000-11-22,,Olga,,Kazan\n";
        let opts = ReadOptions::new("crm");
        let from_csv = read_csv_bytes(csv.as_bytes(), &opts).unwrap();
        let mut lines = csv.lines();
        let headers: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        let cell = |r: usize, c: usize| Some(rows[r][c]).filter(|v| !v.is_empty());
        let from_table = read_table(&headers, rows.len(), cell, &opts).unwrap();
        assert_eq!(from_table.records, from_csv.records);
        assert_eq!(from_table.duplicate_ids, 1);
        assert_eq!(from_table.records[2].id, "L4");
        assert_eq!(from_table.columns, from_csv.columns);
    }

    #[test]
    fn a_table_row_with_a_long_cell_is_skipped_with_its_line() {
        let headers = vec!["phone".to_string()];
        let long = "9".repeat(100);
        let mut opts = ReadOptions::new("t");
        opts.max_cell_bytes = 50;
        let out = read_table(
            &headers,
            2,
            |r, _| Some(if r == 0 { "+79123456789" } else { &long }),
            &opts,
        )
        .unwrap();
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(out.skipped[0].line, 3);
        assert!(read_table(&["colour".to_string()], 1, |_, _| Some("red"), &opts).is_err());
    }

    fn read(s: &str) -> Result<ReadOutcome> {
        read_csv_bytes(s.as_bytes(), &ReadOptions::new("t"))
    }

    #[test]
    fn maps_russian_and_english_headers() {
        let out = read(
            "\u{feff}ID;Телефон;Почта;Фамилия;Имя;Дата рождения;Instagram\n\
                        7;8 912 345 67 89;a@b.ru;Петрова;Анна;01.02.1990;@anna\n",
        )
        .unwrap();
        assert_eq!(out.records.len(), 1);
        let r = &out.records[0];
        assert_eq!(r.id, "7");
        assert_eq!(r.phones.len(), 1);
        assert_eq!(r.emails.len(), 1);
        assert!(r.first_name.is_some() && r.last_name.is_some() && r.birth_date.is_some());
        assert_eq!(r.socials[0].network, Some(Network::Instagram));
    }

    #[test]
    fn skips_ragged_and_bad_utf8_with_lines() {
        let mut data = b"id,phone,email\n1,+79123456789,a@b.ru\n2,+79123456780\n3,".to_vec();
        data.extend_from_slice(b"\xff\xfe,c@d.ru\n4,+79123456781,e@f.ru\n");
        let out = read_csv_bytes(&data, &ReadOptions::new("t")).unwrap();
        assert_eq!(out.rows, 4);
        assert_eq!(out.records.len(), 2);
        assert_eq!(out.skipped.len(), 2);
        assert_eq!(out.skipped[0].line, 3);
        assert!(matches!(
            out.skipped[0].reason,
            SkipReason::Ragged {
                expected: 3,
                found: 2
            }
        ));
        assert_eq!(out.skipped[1].line, 4);
        assert!(matches!(
            out.skipped[1].reason,
            SkipReason::InvalidUtf8 { .. }
        ));
    }

    #[test]
    fn errors_name_the_problem_not_the_values() {
        let e = read("colour,size\nred,9123456789\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("colour, size"), "{e}");
        assert!(!e.contains("9123456789"));
        assert!(read("").is_err());
        assert!(read("id,phone\n")
            .unwrap_err()
            .to_string()
            .contains("no rows"));
    }

    #[test]
    fn duplicate_ids_are_kept_and_counted() {
        let out = read("id,phone\n1,+79123456789\n1,+79123456780\n").unwrap();
        assert_eq!(out.records.len(), 2);
        assert_eq!(out.duplicate_ids, 1);
        assert_ne!(out.records[0].id, out.records[1].id);
    }

    #[test]
    fn jsonl_rows() {
        let data = "{\"id\":\"a\",\"phone\":[\"+79123456789\"],\"email\":\"x@y.ru\"}\n\nnot json\n{\"id\":5,\"card\":12345}\n";
        let out = read_jsonl_bytes(data.as_bytes(), &ReadOptions::new("j")).unwrap();
        assert_eq!(out.rows, 3);
        assert_eq!(out.records.len(), 2);
        assert_eq!(out.records[1].id, "5");
        assert_eq!(out.skipped[0].line, 3);
        assert_eq!(out.records[0].phones, vec!["+79123456789".to_string()]);
    }

    fn net_of(r: &Record) -> Vec<(Option<Network>, &str)> {
        r.socials
            .iter()
            .map(|s| (s.network, s.value.as_str()))
            .collect()
    }

    #[test]
    fn social_network_column_assigns_networks_by_position() {
        let out = read(
            "record_id,social_network,social\n\
             a,instagram;vk;,@anna_p;anna.petrova;@x_user\n\
             b,telegram,@one;@two\n\
             c,tik_tok;ig;twitter;myspace,@t;@i;@x;@m\n\
             d,,@plain\n",
        )
        .unwrap();
        use Network::*;
        let r = &out.records;
        assert_eq!(
            net_of(&r[0]),
            [
                (Some(Instagram), "@anna_p"),
                (Some(Vk), "anna.petrova"),
                (None, "@x_user")
            ]
        );
        assert_eq!(
            net_of(&r[1]),
            [(Some(Telegram), "@one"), (Some(Telegram), "@two")]
        );
        assert_eq!(
            net_of(&r[2]),
            [
                (Some(TikTok), "@t"),
                (Some(Instagram), "@i"),
                (Some(X), "@x"),
                (None, "@m")
            ]
        );
        assert_eq!(net_of(&r[3]), [(None, "@plain")]);
    }

    #[test]
    fn social_network_column_may_come_after_the_values() {
        let out = read("id,social,social_network\n1,@anna;;@bob,vk;;telegram\n").unwrap();
        assert_eq!(
            net_of(&out.records[0]),
            [
                (Some(Network::Vk), "@anna"),
                (Some(Network::Telegram), "@bob")
            ]
        );
        assert_eq!(
            column_for_header("Social Network"),
            Some(Column::SocialNetwork)
        );
    }

    #[test]
    fn social_network_in_json_lines() {
        let data =
            "{\"id\":1,\"social_network\":[\"vk\",\"instagram\"],\"social\":[\"id1\",\"@ig\"]}\n";
        let out = read_jsonl_bytes(data.as_bytes(), &ReadOptions::new("j")).unwrap();
        assert_eq!(
            net_of(&out.records[0]),
            [
                (Some(Network::Vk), "id1"),
                (Some(Network::Instagram), "@ig")
            ]
        );
    }

    #[test]
    fn generator_output_reads_back_with_networks() {
        let data = crate::synth::generate(&crate::synth::Config::new(200, 3)).unwrap();
        let mut csv = Vec::new();
        data.write_records_csv(&mut csv).unwrap();
        let out = read_csv_bytes(&csv, &ReadOptions::new("synth")).unwrap();
        assert_eq!(out.records.len(), data.records.len());
        assert!(out.skipped.is_empty());
        let mut with_network = 0;
        for (got, want) in out.records.iter().zip(&data.records) {
            let want: Vec<_> = want
                .socials
                .iter()
                .filter(|s| !s.value.trim().is_empty())
                .map(|s| (s.network, s.value.trim()))
                .collect();
            assert_eq!(net_of(got), want, "record {}", got.id);
            with_network += want.iter().filter(|(n, _)| n.is_some()).count();
        }
        assert!(with_network > 0);
    }

    #[test]
    fn column_names_match_serde() {
        for c in Column::ALL {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json.trim_matches('"'), c.as_str());
            assert_eq!(Column::parse(c.as_str()), Some(c));
            assert_eq!(Column::from_name(c.as_str()), Some(c));
        }
        assert_eq!(Column::from_name("telephone"), None);
    }

    #[test]
    fn open_quote_follows_csv_rules() {
        assert_eq!(open_quote(b"a,b\n1,\"x\n2,y\n", b','), Some((2, 1)));
        assert_eq!(open_quote(b"a,b\n1,\"x\ny\"\n2,\"z\n", b','), Some((4, 1)));
        assert_eq!(open_quote(b"a,b\n1,5\" pizza\n2,y\n", b','), None);
        assert_eq!(open_quote(b"a,b\n1,\"say \"\"hi\"\"\"\n", b','), None);
        assert_eq!(open_quote(b"a;b\r\n1;\"x\r\n", b';'), Some((2, 1)));
        assert_eq!(open_quote(b"\"a,b\n1,2\n", b','), Some((1, 0)));
        assert_eq!(open_quote(b"", b','), None);
        assert_eq!(open_quote(b"\"", b','), Some((1, 0)));
    }

    #[test]
    fn unterminated_quote_names_line_and_column_not_values() {
        let e = read("id,phone,email\n1,+79123456789,anna@mail.ru\n2,\"+79123456780,b@c.ru\n3,+79123456781,c@d.ru\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("`phone`"), "{e}");
        assert!(!e.contains("7912345678"), "{e}");
        // A quote inside an unquoted cell is text, not an open quote.
        let out = read("id,phone,name\n1,+79123456789,Anna 5\" Petrova\n").unwrap();
        assert_eq!(out.records.len(), 1);
    }

    #[test]
    fn mostly_invalid_utf8_is_an_encoding_error() {
        let mut data = b"id,phone,name\n".to_vec();
        // "Петрова" in Windows-1251.
        for i in 0..3 {
            data.extend_from_slice(format!("{i},+7912345678{i},").as_bytes());
            data.extend_from_slice(b"\xcf\xe5\xf2\xf0\xee\xe2\xe0\n");
        }
        let e = read_csv_bytes(&data, &ReadOptions::new("t"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not UTF-8") && e.contains("line 2"), "{e}");
        assert!(e.contains("Windows-1251"), "{e}");
        let e = read_csv_bytes(b"\xff\xfei\x00d\x00\n\x00", &ReadOptions::new("t"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("UTF-16"), "{e}");
        for (bytes, what) in [
            (&b"PK\x03\x04\x14\x00"[..], "xlsx"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1", "xls"),
            (b"\x1f\x8b\x08\x00", "gzip"),
        ] {
            let e = read_csv_bytes(bytes, &ReadOptions::new("t"))
                .unwrap_err()
                .to_string();
            assert!(e.contains(what), "{e}");
        }
    }

    #[test]
    fn header_cells_that_look_like_values_are_not_quoted() {
        let data = "+79123456789,anna@mail.ru,Anna\n+79123456780,b@c.ru,Bob\n";
        let e = read(data).unwrap_err().to_string();
        assert!(
            !e.contains("79123456789") && !e.contains("anna@mail.ru"),
            "{e}"
        );
        assert!(e.contains("cells 1, 2 look like values"), "{e}");
        assert!(e.contains("header row") && !e.contains("Anna"), "{e}");
        let mut opts = ReadOptions::new("t");
        opts.show_values = true;
        let e = read_csv_bytes(data.as_bytes(), &opts)
            .unwrap_err()
            .to_string();
        assert!(e.contains("anna@mail.ru"), "{e}");
    }

    #[test]
    fn json_lines_errors() {
        let opts = ReadOptions::new("j");
        let e = read_jsonl_bytes(
            b"[\n {\"phone\":\"+79123456789\"},\n {\"phone\":\"+79123456780\"}\n]\n",
            &opts,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("JSON array") && !e.contains("7912"), "{e}");
        let e = read_jsonl_bytes(b"\"+79123456789\"\n42\n", &opts)
            .unwrap_err()
            .to_string();
        assert!(e.contains("JSON object") && !e.contains("7912"), "{e}");
        let e = read_jsonl_bytes(b"{\"colour\":\"red\"}\n", &opts)
            .unwrap_err()
            .to_string();
        assert!(e.contains("colour"), "{e}");
    }

    #[test]
    fn repeated_ids_stay_unique_after_suffixing() {
        let out = read("id,phone\n1,+79123456789\n1#L4,+79123456780\n1,+79123456781\n").unwrap();
        let ids: HashSet<&str> = out.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), 3);
        assert_eq!(out.duplicate_ids, 1);
    }

    #[test]
    fn skip_lines_count_newlines_inside_quotes_and_crlf() {
        let mut data = b"id,phone,name\r\n1,+79123456789,\"Anna\r\nPetrova\"\r\n".to_vec();
        data.extend_from_slice(b"2,+79123456780\r\n3,+79123456781,\xff\r\n4,+79123456782,Bob\r\n");
        let out = read_csv_bytes(&data, &ReadOptions::new("t")).unwrap();
        let lines: Vec<u64> = out.skipped.iter().map(|k| k.line).collect();
        assert_eq!(lines, [4, 5]);
        assert_eq!(out.records.len(), 2);
        let data = "id,phone,name\n\n1,+79123456789,\"Anna\n\nPetrova\"\n2,+79123456780\n";
        let out = read(data).unwrap();
        assert_eq!(out.skipped[0].line, 6);
    }

    /// Everything a read gives, as text, to compare two reads.
    fn outcome_text(r: &Result<ReadOutcome>) -> String {
        match r {
            Ok(o) => format!(
                "rows {} dup {} cols {:?}\n{:?}\n{:?}",
                o.rows,
                o.duplicate_ids,
                o.columns,
                o.skipped,
                o.records
                    .iter()
                    .map(|r| serde_json::to_string(r).unwrap_or_default())
                    .collect::<Vec<_>>()
            ),
            Err(e) => format!("error {e}"),
        }
    }

    proptest::proptest! {
        #[test]
        fn rows_read_in_chunks_are_the_rows_read_whole(
            cells in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "1", ",", ",", ";", "\"", "\"\"", "\n", "\n", "\r\n", "\r", " ", "\u{439}",
                    "\u{feff}", "\\xff",
                ]),
                0..120,
            ),
            every in 1usize..12,
        ) {
            let mut data = b"id,phone,name\n".to_vec();
            for c in &cells {
                data.extend_from_slice(if *c == "\\xff" { b"\xff" } else { c.as_bytes() });
            }
            let opts = ReadOptions::new("t");
            let whole = read_csv_in_chunks(&data, &opts, "t", usize::MAX);
            let split = read_csv_in_chunks(&data, &opts, "t", every);
            proptest::prop_assert_eq!(outcome_text(&whole), outcome_text(&split));
            proptest::prop_assert_eq!(
                row_cuts(&data, b',', every).is_none(),
                open_quote(&data, b',').is_some()
            );
        }
    }

    #[test]
    fn chunked_reading_keeps_lines_skips_and_ids() {
        let mut data = b"id,phone,name\r\n".to_vec();
        for i in 0..300 {
            match i % 7 {
                0 => data.extend_from_slice(format!("{i},+7912{i:07},\"A\r\nB\"\r\n").as_bytes()),
                1 => data.extend_from_slice(b"\r\n"),
                2 => data.extend_from_slice(format!("{i},+7912{i:07}\r\n").as_bytes()),
                // A byte-order mark opening a row is part of its first cell.
                5 => data.extend_from_slice(format!("\u{feff}{i},+7912{i:07},b\n").as_bytes()),
                3 => {
                    data.extend_from_slice(format!("7,+7912{i:07},x").as_bytes());
                    data.extend_from_slice(b"\xff\n");
                }
                _ => data.extend_from_slice(format!("7,+7912{i:07},\"x,\"\"y\"\"\"\n").as_bytes()),
            }
        }
        let opts = ReadOptions::new("t");
        let whole = read_csv_in_chunks(&data, &opts, "t", usize::MAX);
        for every in [1, 5, 64, 1000] {
            let split = read_csv_in_chunks(&data, &opts, "t", every);
            assert_eq!(outcome_text(&whole), outcome_text(&split), "every {every}");
        }
        let out = whole.unwrap();
        assert!(out.duplicate_ids > 50 && out.skipped.len() > 80);
        assert!(out.records.iter().any(|r| r.id.starts_with('\u{feff}')));
        assert!(out.records.iter().any(|r| r.id.starts_with("7#L")));
    }
}
