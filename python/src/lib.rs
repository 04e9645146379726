//! `omnilink._native`: the Rust core as a Python extension module. The Python package
//! (`omnilink/__init__.py`) turns DataFrames into Arrow string columns, hands their buffers
//! here, and turns what comes back into pyarrow Tables; everything else (reading, resolving,
//! writing the outputs) is the core's own code, so a DataFrame and the same data as a CSV file
//! give the same customers.
//!
//! Columns cross the boundary as Arrow `large_string` buffers (validity bitmap, 64-bit
//! offsets, UTF-8 bytes) in `bytes` objects; results go back the same way or as the command line's
//! CSV and JSON. The GIL is released while the core works.
#![forbid(unsafe_code)]

use std::path::PathBuf;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use rayon::prelude::*;

use omnilink::io::{self, ReadOptions, ReadOutcome};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use omnilink::normalize::FieldKind;
use omnilink::settings::Settings;
use omnilink::{ErrorKind, Record, RecordId, Resolution};

create_exception!(
    _native,
    Error,
    PyException,
    "An omnilink error; never carries identifier values."
);
create_exception!(
    _native,
    InputError,
    Error,
    "Unreadable or unusable input data."
);
create_exception!(_native, ConfigError, Error, "A bad setting or config.");
create_exception!(
    _native,
    StateError,
    Error,
    "A resolver state that cannot be saved or loaded."
);

fn py_err(e: omnilink::Error) -> PyErr {
    let text = e.to_string();
    match e.kind() {
        ErrorKind::Config { .. } => ConfigError::new_err(text),
        ErrorKind::Format { .. } | ErrorKind::Corrupt { .. } | ErrorKind::Locked { .. } => {
            StateError::new_err(text)
        }
        _ => InputError::new_err(text),
    }
}

fn settings_of(json: Option<&str>) -> PyResult<Settings> {
    let s = match json {
        Some(j) => Settings::from_json(j).map_err(py_err)?,
        None => Settings::default(),
    };
    Ok(s.with_defaults())
}

/// Settings as JSON from a config (JSON of the config file's shape, or TOML text from
/// `origin`), column kinds by header, a default region and candidate regions: checked here,
/// so that a bad setting fails before any data is read.
#[pyfunction]
#[pyo3(signature = (json=None, toml=None, origin="config", columns=None, region=None, regions=None))]
fn make_settings(
    json: Option<&str>,
    toml: Option<&str>,
    origin: &str,
    columns: Option<Vec<(String, String)>>,
    region: Option<&str>,
    regions: Option<Vec<String>>,
) -> PyResult<String> {
    let mut s = match (json, toml) {
        (Some(j), _) => Settings::from_json(j).map_err(py_err)?,
        (None, Some(t)) => Settings::from_toml(t, origin).map_err(py_err)?,
        (None, None) => Settings::default(),
    };
    for (header, kind) in columns.unwrap_or_default() {
        let column = io::Column::from_name(&kind).ok_or_else(|| {
            let kinds: Vec<&str> = io::Column::ALL.iter().map(|c| c.as_str()).collect();
            ConfigError::new_err(format!(
                "column `{header}`: unknown kind `{kind}`; kinds are: {}",
                kinds.join(", ")
            ))
        })?;
        s.input.columns.insert(header, column);
    }
    if let Some(r) = region {
        s.set_region(r).map_err(py_err)?;
    }
    if let Some(list) = regions {
        s.set_regions(&list).map_err(py_err)?;
    }
    s.resolve.check().map_err(py_err)?;
    s.read_options("input").map_err(py_err)?;
    serde_json::to_string(&s.with_defaults())
        .map_err(|_| ConfigError::new_err("the settings cannot be encoded"))
}

/// An Arrow `string` or `large_string` column: validity bitmap (or none), little-endian 32-
/// or 64-bit offsets, UTF-8 bytes, and the array's offset into them; borrowed from Python's
/// `bytes` objects (the buffer protocol is not in the stable ABI before Python 3.11) or owned.
struct TextColumn<B> {
    valid: Option<B>,
    offsets: B,
    data: B,
    offset: usize,
    /// Bytes per offset: 4 (`string`) or 8 (`large_string`).
    width: usize,
}

/// A column's `bytes` objects, as Python passed them: `(validity, offsets, data, offset,
/// offset width)`.
type HeldColumn<'py> = (
    Option<Bound<'py, PyBytes>>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    usize,
    usize,
);

fn hold<'py>(specs: impl IntoIterator<Item = Bound<'py, PyAny>>) -> PyResult<Vec<HeldColumn<'py>>> {
    specs.into_iter().map(|s| s.extract()).collect()
}

fn borrow<'a>(held: &'a [HeldColumn<'_>]) -> Vec<TextColumn<&'a [u8]>> {
    held.iter()
        .map(|(v, o, d, offset, width)| TextColumn {
            valid: v.as_ref().map(|b| b.as_bytes()),
            offsets: o.as_bytes(),
            data: d.as_bytes(),
            offset: *offset,
            width: *width,
        })
        .collect()
}

/// Reads the columns Python handed over in `list`, then empties the list, so that their
/// `bytes` are freed before the long part of the work rather than after it.
fn read_list(
    headers: &[String],
    list: &Bound<'_, PyList>,
    rows: usize,
    opts: &ReadOptions,
) -> PyResult<ReadOutcome> {
    let held = hold(list.iter())?;
    let read = read_columns(headers, &borrow(&held), rows, opts).map_err(py_err)?;
    drop(held);
    list.del_slice(0, list.len())?;
    Ok(read)
}

impl<B: AsRef<[u8]>> TextColumn<B> {
    /// An owned copy, for work done without the GIL.
    fn to_owned(&self) -> TextColumn<Vec<u8>> {
        TextColumn {
            valid: self.valid.as_ref().map(|v| v.as_ref().to_vec()),
            offsets: self.offsets.as_ref().to_vec(),
            data: self.data.as_ref().to_vec(),
            offset: self.offset,
            width: self.width,
        }
    }

    /// Cell `row`: `None` for a null, or for anything the buffers do not hold.
    fn cell(&self, row: usize) -> Option<&str> {
        let i = row + self.offset;
        if let Some(v) = &self.valid {
            if v.as_ref().get(i / 8).is_none_or(|b| b >> (i % 8) & 1 == 0) {
                return None;
            }
        }
        let w = self.width;
        let at = |k: usize| -> Option<usize> {
            let b = self.offsets.as_ref().get(w * k..w * k + w)?;
            match w {
                4 => usize::try_from(i32::from_le_bytes(b.try_into().ok()?)).ok(),
                _ => usize::try_from(i64::from_le_bytes(b.try_into().ok()?)).ok(),
            }
        };
        let (start, end) = (at(i)?, at(i + 1)?);
        std::str::from_utf8(self.data.as_ref().get(start..end)?).ok()
    }
}

/// A text column on its way to Arrow: validity bitmap, 64-bit offsets, bytes.
#[derive(Default)]
struct TextBuilder {
    valid: Vec<u8>,
    offsets: Vec<i64>,
    data: Vec<u8>,
    len: usize,
}

impl TextBuilder {
    fn push(&mut self, value: Option<&str>) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        if self.len.is_multiple_of(8) {
            self.valid.push(0);
        }
        if let Some(v) = value {
            self.data.extend_from_slice(v.as_bytes());
            if let Some(last) = self.valid.last_mut() {
                *last |= 1 << (self.len % 8);
            }
        }
        self.offsets.push(self.data.len() as i64);
        self.len += 1;
    }

    fn into_py(mut self, py: Python<'_>) -> (usize, Py<PyBytes>, Py<PyBytes>, Py<PyBytes>) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        let offsets: Vec<u8> = self.offsets.iter().flat_map(|o| o.to_le_bytes()).collect();
        (
            self.len,
            PyBytes::new(py, &self.valid).unbind(),
            PyBytes::new(py, &offsets).unbind(),
            PyBytes::new(py, &self.data).unbind(),
        )
    }
}

/// Reads `columns` (Arrow buffers, see [`TextColumn`]) named `headers` into records.
fn read_columns(
    headers: &[String],
    columns: &[TextColumn<&[u8]>],
    rows: usize,
    opts: &ReadOptions,
) -> omnilink::Result<ReadOutcome> {
    io::read_table(headers, rows, |r, c| columns.get(c)?.cell(r), opts)
}

/// The outcome of a batch run: the records read, the resolution, and the summary.
#[pyclass(frozen, module = "omnilink._native")]
struct NativeResolution {
    records: Vec<Record>,
    res: Resolution,
    summary: String,
}

fn resolve_outcome(
    inputs: Vec<String>,
    read: ReadOutcome,
    settings: &Settings,
    started: std::time::Instant,
    read_ms: f64,
) -> omnilink::Result<NativeResolution> {
    if read.records.is_empty() {
        return Err(omnilink::Error::input(
            None,
            None,
            format!(
                "no readable records: all {} rows were skipped",
                read.skipped.len()
            ),
        ));
    }
    let res = omnilink::resolve(&read.records, &settings.resolve)?;
    let summary = io::Summary {
        read_ms,
        total_ms: started.elapsed().as_secs_f64() * 1000.0,
        ..io::Summary::new(&inputs, read.rows, &read.skipped, read.duplicate_ids, &res)
    };
    let summary = serde_json::to_string(&summary)
        .map_err(|_| omnilink::Error::config("the summary cannot be encoded"))?;
    Ok(NativeResolution {
        records: read.records,
        res,
        summary,
    })
}

/// Resolves a table given as Arrow string columns.
#[pyfunction]
#[pyo3(signature = (headers, columns, rows, settings=None, source="input"))]
fn resolve_columns(
    py: Python<'_>,
    headers: Vec<String>,
    columns: Bound<'_, PyList>,
    rows: usize,
    settings: Option<&str>,
    source: &str,
) -> PyResult<NativeResolution> {
    let started = std::time::Instant::now();
    let settings = settings_of(settings)?;
    let opts = settings.read_options(source).map_err(py_err)?;
    // Read straight from Python's buffers (the GIL held, the threads reading them): the
    // records are the only copy made.
    let read = read_list(&headers, &columns, rows, &opts)?;
    py.detach(|| {
        omnilink::normalize::prepare();
        let read_ms = started.elapsed().as_secs_f64() * 1000.0;
        resolve_outcome(vec![source.to_string()], read, &settings, started, read_ms)
    })
    .map_err(py_err)
}

/// Resolves a CSV or JSON Lines file, as the command line reads it.
#[pyfunction]
#[pyo3(signature = (path, settings=None))]
fn resolve_path(
    py: Python<'_>,
    path: PathBuf,
    settings: Option<&str>,
) -> PyResult<NativeResolution> {
    let started = std::time::Instant::now();
    let settings = settings_of(settings)?;
    let source = path
        .file_stem()
        .map_or_else(|| "input".to_string(), |s| s.to_string_lossy().into_owned());
    let opts = settings.read_options(source).map_err(py_err)?;
    py.detach(|| {
        omnilink::normalize::prepare();
        let read = io::read_path(&path, &opts)?;
        let read_ms = started.elapsed().as_secs_f64() * 1000.0;
        resolve_outcome(
            vec![path.display().to_string()],
            read,
            &settings,
            started,
            read_ms,
        )
    })
    .map_err(py_err)
}

fn csv_bytes(
    py: Python<'_>,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()> + Send,
) -> PyResult<Py<PyBytes>> {
    let mut out = Vec::new();
    py.detach(|| write(&mut out))
        .map_err(|e| InputError::new_err(format!("could not write the table: {e}")))?;
    Ok(PyBytes::new(py, &out).unbind())
}

#[pymethods]
impl NativeResolution {
    /// `memberships.csv`'s bytes.
    fn memberships_csv(&self, py: Python<'_>) -> PyResult<Py<PyBytes>> {
        csv_bytes(py, |w| {
            io::write_memberships_to(w, &self.records, &self.res)
        })
    }

    /// `customers.csv`'s bytes.
    fn customers_csv(&self, py: Python<'_>) -> PyResult<Py<PyBytes>> {
        csv_bytes(py, |w| io::write_customers_to(w, &self.res))
    }

    /// `hubs.csv`'s bytes.
    fn hubs_csv(&self, py: Python<'_>) -> PyResult<Py<PyBytes>> {
        csv_bytes(py, |w| io::write_hubs_to(w, &self.res))
    }

    /// `summary.json`'s content.
    fn summary_json(&self) -> String {
        self.summary.clone()
    }

    /// The trained model as JSON (reusable as `{"resolve": {"model": ...}}`).
    fn model_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.res.model)
            .map_err(|_| ConfigError::new_err("the model cannot be encoded"))
    }

    /// The explanation of a pair given as `(source, record_id)` twice, as JSON; `None` when a
    /// record is unknown.
    fn explain_json(&self, a: (String, String), b: (String, String)) -> PyResult<Option<String>> {
        let find = |(source, id): &(String, String)| {
            self.records
                .iter()
                .position(|r| &r.source == source && &r.id == id)
                .map(|i| RecordId(i as u32))
        };
        let (Some(x), Some(y)) = (find(&a), find(&b)) else {
            return Ok(None);
        };
        let e = self.res.explain(&self.records, x, y);
        e.map(|e| serde_json::to_string(&e).map_err(|_| ConfigError::new_err("cannot encode")))
            .transpose()
    }

    /// Sources of the records, in input order (for mapping record ids).
    fn len(&self) -> usize {
        self.records.len()
    }
}

/// Normalises a column of values of one kind: `(rows, validity, offsets, data)` of the
/// canonical values and the same of the reject reasons (null where the value is good or
/// missing).
#[pyfunction]
#[pyo3(signature = (kind, column, rows, settings=None))]
#[allow(clippy::type_complexity)]
fn normalize_column(
    py: Python<'_>,
    kind: &str,
    column: Bound<'_, PyAny>,
    rows: usize,
    settings: Option<&str>,
) -> PyResult<(
    (usize, Py<PyBytes>, Py<PyBytes>, Py<PyBytes>),
    (usize, Py<PyBytes>, Py<PyBytes>, Py<PyBytes>),
)> {
    let kinds: Vec<&str> = FieldKind::ALL.iter().map(|k| k.as_str()).collect();
    let kind = FieldKind::from_name(kind).ok_or_else(|| {
        ConfigError::new_err(format!("unknown kind; kinds are: {}", kinds.join(", ")))
    })?;
    let settings = settings_of(settings)?;
    let held = hold([column])?;
    let column = borrow(&held)[0].to_owned();
    let ctx = &settings.resolve.context;
    let (values, reasons) = py.detach(|| {
        omnilink::normalize::prepare();
        const PER_TASK: usize = 16 * 1024;
        let parts: Vec<(TextBuilder, TextBuilder)> = (0..rows)
            .step_by(PER_TASK)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|from| {
                let mut v = TextBuilder::default();
                let mut r = TextBuilder::default();
                for row in from..rows.min(from + PER_TASK) {
                    match column.cell(row).map(|raw| kind.canonical(raw, ctx)) {
                        None => {
                            v.push(None);
                            r.push(Some("empty"));
                        }
                        Some(Ok(c)) => {
                            v.push(Some(&c));
                            r.push(None);
                        }
                        Some(Err(why)) => {
                            v.push(None);
                            r.push(Some(why.as_str()));
                        }
                    }
                }
                (v, r)
            })
            .collect();
        let mut values = TextBuilder::default();
        let mut reasons = TextBuilder::default();
        for (v, r) in parts {
            values.append(v);
            reasons.append(r);
        }
        (values, reasons)
    });
    Ok((values.into_py(py), reasons.into_py(py)))
}

impl TextBuilder {
    /// Appends another builder's values (a parallel task's part).
    fn append(&mut self, other: TextBuilder) {
        for i in 0..other.len {
            let valid = other
                .valid
                .get(i / 8)
                .is_some_and(|b| b >> (i % 8) & 1 == 1);
            let (s, e) = (other.offsets[i] as usize, other.offsets[i + 1] as usize);
            let text = std::str::from_utf8(&other.data[s..e]).ok();
            self.push(if valid { text } else { None });
        }
    }
}

/// Pairwise, B-cubed and cluster figures of `pred` against `truth` (labels aligned by
/// record), as JSON.
#[pyfunction]
fn evaluate_labels(py: Python<'_>, truth: Vec<String>, pred: Vec<String>) -> PyResult<String> {
    if truth.len() != pred.len() {
        return Err(InputError::new_err("truth and prediction differ in length"));
    }
    py.detach(|| {
        let t = omnilink::eval::Labels::from_strings(truth.iter());
        let p = omnilink::eval::Labels::from_strings(pred.iter());
        let report = omnilink::eval::Report::new(t.as_slice(), p.as_slice())?;
        serde_json::to_string(&report).map_err(|_| omnilink::Error::config("cannot encode"))
    })
    .map_err(py_err)
}

/// A synthetic export with ground truth: `records.csv` and `truth.csv` as bytes.
#[pyfunction]
fn generate_csv(py: Python<'_>, customers: u32, seed: u64) -> PyResult<(Py<PyBytes>, Py<PyBytes>)> {
    let (records, truth) = py
        .detach(|| -> omnilink::Result<(Vec<u8>, Vec<u8>)> {
            let data = omnilink::synth::generate(&omnilink::synth::Config::new(customers, seed))?;
            let mut records = Vec::new();
            let mut truth = Vec::new();
            data.write_records_csv(&mut records)?;
            data.write_truth_csv(&mut truth)?;
            Ok((records, truth))
        })
        .map_err(py_err)?;
    Ok((
        PyBytes::new(py, &records).unbind(),
        PyBytes::new(py, &truth).unbind(),
    ))
}

/// A long-lived resolver (the core's `Resolver`), safe to share between threads.
#[pyclass(frozen, module = "omnilink._native")]
struct NativeResolver {
    inner: omnilink::resolver::Resolver,
    /// How added records' columns map to kinds (the settings' `[input.columns]`).
    columns: std::collections::BTreeMap<String, io::Column>,
}

fn events_json(events: &[omnilink::resolver::Event]) -> PyResult<String> {
    serde_json::to_string(events).map_err(|_| StateError::new_err("cannot encode events"))
}

#[pymethods]
impl NativeResolver {
    #[new]
    #[pyo3(signature = (settings=None))]
    fn new(settings: Option<&str>) -> PyResult<NativeResolver> {
        let settings = settings_of(settings)?;
        Ok(NativeResolver {
            inner: omnilink::resolver::Resolver::new(settings.resolve).map_err(py_err)?,
            columns: settings.input.columns,
        })
    }

    /// Adds records given as Arrow columns; returns `(customer_id, events_json)` per record.
    #[pyo3(signature = (headers, columns, rows, source="input"))]
    fn add_columns(
        &self,
        py: Python<'_>,
        headers: Vec<String>,
        columns: Bound<'_, PyList>,
        rows: usize,
        source: &str,
    ) -> PyResult<Vec<(String, String)>> {
        let mut opts = ReadOptions::new(source);
        opts.columns = self.columns.clone();
        let read = read_list(&headers, &columns, rows, &opts)?;
        let outcomes = py
            .detach(|| {
                if let Some(skip) = read.skipped.first() {
                    return Err(omnilink::Error::input(
                        None,
                        Some(skip.line),
                        format!("record not added: {}", skip.reason),
                    ));
                }
                self.inner.add_batch(read.records)
            })
            .map_err(py_err)?;
        outcomes
            .iter()
            .map(|o| Ok((o.customer.0.clone(), events_json(&o.events)?)))
            .collect()
    }

    /// Customer ids holding an identifier given raw.
    fn lookup(&self, py: Python<'_>, kind: &str, raw: &str) -> PyResult<Vec<String>> {
        let kind =
            FieldKind::from_name(kind).ok_or_else(|| ConfigError::new_err("unknown kind"))?;
        Ok(py
            .detach(|| self.inner.lookup(kind, raw))
            .into_iter()
            .map(|c| c.0)
            .collect())
    }

    /// A customer as JSON (`id`, `members`, `golden`), or `None`.
    fn customer_json(&self, py: Python<'_>, id: String) -> PyResult<Option<String>> {
        let view = py.detach(|| self.inner.customer(&omnilink::CustomerId(id)));
        view.map(|v| {
            serde_json::to_string(&serde_json::json!({
                "id": v.id.0,
                "members": v.members,
                "golden": v.golden,
            }))
            .map_err(|_| StateError::new_err("cannot encode the customer"))
        })
        .transpose()
    }

    /// The customer of a record.
    fn customer_of(&self, source: &str, record_id: &str) -> Option<String> {
        self.inner.customer_of(source, record_id).map(|c| c.0)
    }

    /// Removes a record; the events as JSON.
    fn remove(&self, py: Python<'_>, source: &str, record_id: &str) -> PyResult<String> {
        events_json(
            &py.detach(|| self.inner.remove(source, record_id))
                .map_err(py_err)?,
        )
    }

    /// Opens (or creates) a state directory: a snapshot and a journal of every operation.
    #[staticmethod]
    #[pyo3(signature = (dir, settings=None, sync="every"))]
    fn open(
        py: Python<'_>,
        dir: PathBuf,
        settings: Option<&str>,
        sync: &str,
    ) -> PyResult<NativeResolver> {
        use omnilink::resolver::{OpenOptions, SyncPolicy};
        let policy = match sync {
            "every" => SyncPolicy::EveryOperation,
            "grouped" => SyncPolicy::Grouped,
            "os" => SyncPolicy::Os,
            _ => {
                return Err(ConfigError::new_err(
                    "sync must be \"every\", \"grouped\" or \"os\"",
                ))
            }
        };
        let settings = settings_of(settings)?;
        let inner = py
            .detach(|| {
                omnilink::resolver::Resolver::open_with(
                    &dir,
                    settings.resolve,
                    &OpenOptions::new().sync(policy),
                )
            })
            .map_err(py_err)?;
        Ok(NativeResolver {
            inner,
            columns: settings.input.columns,
        })
    }

    /// Writes a new snapshot and starts a new journal (a resolver from `open`).
    fn checkpoint(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.inner.checkpoint()).map_err(py_err)
    }

    /// What opening the directory found and did, as JSON (`None` without a directory).
    fn recovery_json(&self) -> Option<String> {
        self.inner.recovery().map(|r| {
            serde_json::json!({
                "created": r.created,
                "generation": r.generation,
                "snapshot_records": r.snapshot_records,
                "replayed": r.replayed,
                "torn_at": r.torn_at,
                "torn_bytes": r.torn_bytes,
                "removed_files": r.removed_files,
            })
            .to_string()
        })
    }

    /// Saves the state to a file (atomically).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.inner.save(&path)).map_err(py_err)
    }

    /// Loads a state saved by `save`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<NativeResolver> {
        let inner = py
            .detach(|| omnilink::resolver::Resolver::load(&path))
            .map_err(py_err)?;
        Ok(NativeResolver {
            inner,
            columns: Default::default(),
        })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Number of customers held.
    fn customer_count(&self) -> usize {
        self.inner.customer_count()
    }
}

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Error", py.get_type::<Error>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("StateError", py.get_type::<StateError>())?;
    m.add_function(wrap_pyfunction!(make_settings, m)?)?;
    m.add_function(wrap_pyfunction!(resolve_columns, m)?)?;
    m.add_function(wrap_pyfunction!(resolve_path, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_column, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_labels, m)?)?;
    m.add_function(wrap_pyfunction!(generate_csv, m)?)?;
    m.add_class::<NativeResolution>()?;
    m.add_class::<NativeResolver>()?;
    m.add(
        "KINDS",
        FieldKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>(),
    )?;
    Ok(())
}
