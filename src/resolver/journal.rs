//! Durable state: a resolver kept in a directory as a snapshot and a journal of operations.
//!
//! ```text
//! dir/LOCK                    held exclusively while a resolver has the directory open
//! dir/snapshot-000003.bin     the whole state at generation 3 (the format of `Resolver::save`)
//! dir/journal-000003.log      every operation after that snapshot, in checksummed frames
//! ```
//!
//! An operation is appended to the journal before it is applied and acknowledged; opening loads
//! the newest snapshot and replays its journal. [`Resolver::checkpoint`] writes generation
//! `n + 1` (snapshot first, then an empty journal, each through a temporary file, fsync and
//! rename) and only then deletes generation `n`, so a crash at any point leaves either
//! generation whole.
//!
//! A journal file is a header (magic, format version, generation, checksum) and frames:
//!
//! ```text
//! length: u32 LE | length check: u32 LE | payload checksum: u64 LE | payload (postcard)
//! ```
//!
//! Reading a journal, a frame is *torn* when the file ends inside it (the header or the payload
//! is cut short), when the file holds only zero bytes from the frame's start, or when it is the
//! last frame (ending exactly at the end of the file) and its payload checksum fails: what an
//! append interrupted by a crash or a power cut leaves. A torn frame was never acknowledged; it
//! is dropped, cut off the file and reported in [`Recovery`]. Anything else that fails a check
//! (a length check, a payload checksum with a whole frame after it, a payload that does not
//! decode) is corruption: opening fails with [`ErrorKind::Corrupt`], naming the file and the
//! byte offset of the frame, and nothing is loaded.

use std::fs::File;
use std::io::{ErrorKind as IoKind, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::{Resolver, State};
use crate::error::ErrorKind;
use crate::hash::hash_bytes;
use crate::{Config, Error, Record, Result};

/// When an operation on a resolver opened with [`Resolver::open`] counts as durable, that is,
/// when [`Resolver::add`], [`Resolver::add_batch`] and [`Resolver::remove`] return.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SyncPolicy {
    /// Every operation is written to the journal and fsynced before it is applied where
    /// lookups see it, and before its call returns. One fsync per operation (a batch is one
    /// operation), taken while other writers wait. The default.
    #[default]
    EveryOperation,
    /// Group commit: an operation is written to the journal and applied, then its call waits
    /// for an fsync that covers it; writers arriving meanwhile share the next fsync. A call
    /// still returns only once its operation is durable, but lookups may see an operation a
    /// moment before its call returns (and, after a crash, such an operation may be gone: it
    /// was never acknowledged). Lookups never wait for a disk.
    Grouped,
    /// Written to the journal, never fsynced by the resolver (only snapshots are): the
    /// operating system writes it back in its own time. An acknowledged operation survives the
    /// process crashing but **not a power cut or a kernel crash**; use it only where the
    /// caller can replay recent operations from elsewhere.
    Os,
}

/// How [`Resolver::open_with`] opens a state directory.
///
/// ```
/// use omnilink::resolver::{OpenOptions, Resolver, SyncPolicy};
/// use omnilink::Config;
///
/// let dir = std::env::temp_dir().join(format!("omnilink-doc-options-{}", std::process::id()));
/// let options = OpenOptions::new().sync(SyncPolicy::Grouped);
/// let crm = Resolver::open_with(&dir, Config::for_region("RU"), &options).unwrap();
/// assert!(crm.is_empty());
/// # drop(crm);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    sync: SyncPolicy,
}

impl OpenOptions {
    /// The defaults: [`SyncPolicy::EveryOperation`].
    pub fn new() -> OpenOptions {
        OpenOptions::default()
    }

    /// When operations are durable.
    pub fn sync(mut self, policy: SyncPolicy) -> OpenOptions {
        self.sync = policy;
        self
    }

    /// The sync policy set.
    pub fn sync_policy(&self) -> SyncPolicy {
        self.sync
    }
}

/// What opening a state directory found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Recovery {
    /// The directory was empty (or did not exist) and was set up.
    pub created: bool,
    /// The generation opened (its snapshot and journal).
    pub generation: u64,
    /// Records held by the snapshot.
    pub snapshot_records: usize,
    /// Operations replayed from the journal.
    pub replayed: u64,
    /// A torn last frame that was dropped and cut off the journal: its byte offset.
    pub torn_at: Option<u64>,
    /// Bytes cut off the journal (0 when nothing was torn).
    pub torn_bytes: u64,
    /// Files of older generations and temporary files of interrupted checkpoints removed.
    pub removed_files: usize,
}

/// An operation as written (borrowing) and as read back (owning): the same variants in the
/// same order, so both encode alike.
#[derive(Serialize)]
pub(super) enum OpRef<'a> {
    Add(&'a Record),
    Batch(&'a [Record]),
    Remove(&'a str, &'a str),
}

#[derive(Debug, Deserialize)]
enum Op {
    Add(Box<Record>),
    Batch(Vec<Record>),
    Remove(String, String),
}

const MAGIC: &[u8; 8] = b"OMNIJNL\0";
const VERSION: u32 = 1;
const FILE_HEADER: usize = 8 + 4 + 8 + 8;
const FRAME_HEADER: usize = 4 + 4 + 8;
/// Most bytes one frame may hold (a batch of records); a length above it is corruption.
const MAX_FRAME: u32 = 1 << 30;
const TAG_LEN: u8 = 0x4A;
const TAG_PAYLOAD: u8 = 0x4B;
const TAG_HEADER: u8 = 0x4C;

fn length_check(len: u32) -> u32 {
    hash_bytes(TAG_LEN, &len.to_le_bytes()) as u32
}

/// A frame around an encoded operation.
pub(super) fn encode(op: &OpRef<'_>) -> Result<Vec<u8>> {
    let payload =
        postcard::to_stdvec(op).map_err(|_| Error::format("operation cannot be encoded"))?;
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|&n| n <= MAX_FRAME)
        .ok_or_else(|| Error::format("operation too large for one journal frame"))?;
    let mut out = Vec::with_capacity(FRAME_HEADER + payload.len());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&length_check(len).to_le_bytes());
    out.extend_from_slice(&hash_bytes(TAG_PAYLOAD, &payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

fn file_header(generation: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(FILE_HEADER);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&generation.to_le_bytes());
    let sum = hash_bytes(TAG_HEADER, &out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

fn snapshot_name(g: u64) -> String {
    format!("snapshot-{g:06}.bin")
}

fn journal_name(g: u64) -> String {
    format!("journal-{g:06}.log")
}

/// The generation of a snapshot or journal file name.
fn generation_of(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    let digits = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn corrupt(path: &Path, offset: Option<u64>, message: impl Into<String>) -> Error {
    Error::from(ErrorKind::Corrupt {
        path: path.to_path_buf(),
        offset,
        message: message.into(),
    })
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(Some(path.to_path_buf()), e)
}

/// Makes renames and removals in `dir` durable. Where directories cannot be opened as files
/// (Windows), the file system orders them itself and this does nothing.
fn sync_dir(dir: &Path) -> Result<()> {
    if cfg!(unix) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_at(dir))
    } else {
        Ok(())
    }
}

/// Writes `bytes` to `dir/name` through a temporary file, fsync and rename, then fsyncs the
/// directory: a crash leaves no file of that name or the whole file.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<File> {
    let tmp = dir.join(format!("{name}.tmp"));
    let path = dir.join(name);
    let mut f = File::create(&tmp).map_err(io_at(&tmp))?;
    f.write_all(bytes).map_err(io_at(&tmp))?;
    f.sync_all().map_err(io_at(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io_at(&path))?;
    sync_dir(dir)?;
    Ok(f)
}

/// A new, empty journal of generation `g`, open for appending.
fn create_journal(dir: &Path, g: u64) -> Result<File> {
    write_atomic(dir, &journal_name(g), &file_header(g))?;
    let path = dir.join(journal_name(g));
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .map_err(io_at(&path))?;
    f.flush().map_err(io_at(&path))?;
    Ok(f)
}

/// The operations of a journal's whole frames, and the offset and length of a torn tail.
#[derive(Debug)]
struct Scanned {
    ops: Vec<Op>,
    /// Where the whole frames end.
    end: u64,
    torn: Option<(u64, u64)>,
}

/// Reads a journal's frames (see the module docs for torn and corrupt frames).
fn scan(path: &Path, data: &[u8], generation: u64) -> Result<Scanned> {
    if data.len() < FILE_HEADER
        || &data[..8] != MAGIC
        || hash_bytes(TAG_HEADER, &data[..FILE_HEADER - 8]).to_le_bytes()
            != data[FILE_HEADER - 8..FILE_HEADER]
    {
        return Err(corrupt(path, Some(0), "not an omnilink journal header"));
    }
    let version = u32::from_le_bytes([data[8], data[9], data[10], data[11]]);
    if version != VERSION {
        return Err(corrupt(
            path,
            Some(8),
            format!("journal format v{version}, this build reads v{VERSION}"),
        ));
    }
    let mut g = [0u8; 8];
    g.copy_from_slice(&data[12..20]);
    if u64::from_le_bytes(g) != generation {
        return Err(corrupt(
            path,
            Some(12),
            "journal generation does not match its file name",
        ));
    }
    let mut ops = Vec::new();
    let mut at = FILE_HEADER;
    let total = data.len();
    let mut torn = None;
    while at < total {
        let rest = &data[at..];
        if rest.len() < FRAME_HEADER || rest.iter().all(|&b| b == 0) {
            torn = Some(at);
            break;
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let check = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        if check != length_check(len) || len > MAX_FRAME {
            return Err(corrupt(
                path,
                Some(at as u64),
                "journal frame length fails its check",
            ));
        }
        let end = FRAME_HEADER + len as usize;
        if rest.len() < end {
            torn = Some(at);
            break;
        }
        let mut sum = [0u8; 8];
        sum.copy_from_slice(&rest[8..16]);
        let payload = &rest[FRAME_HEADER..end];
        if hash_bytes(TAG_PAYLOAD, payload) != u64::from_le_bytes(sum) {
            if rest.len() == end {
                // The last frame, whole in length but not in content: an append cut short.
                torn = Some(at);
                break;
            }
            return Err(corrupt(
                path,
                Some(at as u64),
                "journal frame checksum mismatch (a whole frame follows it)",
            ));
        }
        let op: Op = postcard::from_bytes(payload).map_err(|_| {
            corrupt(
                path,
                Some(at as u64),
                "journal frame passes its checksum but does not decode",
            )
        })?;
        ops.push(op);
        at += end;
    }
    Ok(Scanned {
        ops,
        end: at as u64,
        torn: torn.map(|t| (t as u64, (total - t) as u64)),
    })
}

/// The open journal of a resolver.
pub(super) struct Journal {
    dir: PathBuf,
    policy: SyncPolicy,
    recovery: Recovery,
    /// Held (locked) while the resolver lives.
    _lock: File,
    inner: Mutex<Inner>,
    sync: Mutex<SyncState>,
    synced_cv: Condvar,
}

struct Inner {
    file: Arc<File>,
    generation: u64,
    /// Where the journal's whole frames end.
    end: u64,
    /// Operations appended since opening (a sequence number for group commit).
    appended: u64,
    /// A write, sync or checkpoint failed half-way: the journal no longer matches the state.
    failed: bool,
}

struct SyncState {
    /// Operations known durable.
    synced: u64,
    /// A writer is fsyncing for the others.
    syncing: bool,
    failed: bool,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("policy", &self.policy)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn failed_error(dir: &Path) -> Error {
    Error::io(
        Some(dir.to_path_buf()),
        std::io::Error::other(
            "an earlier write to the state directory failed; no change is accepted until it is \
             opened again",
        ),
    )
}

impl Journal {
    fn failed(&self) -> Error {
        failed_error(&self.dir)
    }

    /// Appends a frame; returns its sequence number. On an error nothing was appended (or
    /// the journal is marked failed).
    fn append(&self, frame: &[u8]) -> Result<u64> {
        let mut inner = lock(&self.inner);
        if inner.failed {
            return Err(self.failed());
        }
        let path = self.dir.join(journal_name(inner.generation));
        if let Err(e) = (&*inner.file).write_all(frame) {
            // Take back whatever part of the frame reached the file.
            if inner.file.set_len(inner.end).is_err() {
                inner.failed = true;
            }
            return Err(Error::io(Some(path), e));
        }
        inner.end += frame.len() as u64;
        inner.appended += 1;
        Ok(inner.appended)
    }

    /// Returns once operation `seq` is durable, fsyncing for every writer waiting.
    fn wait_durable(&self, seq: u64) -> Result<()> {
        if self.policy == SyncPolicy::Os {
            return Ok(());
        }
        let mut s = lock(&self.sync);
        loop {
            if s.failed {
                return Err(self.failed());
            }
            if s.synced >= seq {
                return Ok(());
            }
            if !s.syncing {
                break;
            }
            s = self.synced_cv.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        s.syncing = true;
        drop(s);
        let (file, target, path) = {
            let inner = lock(&self.inner);
            (
                Arc::clone(&inner.file),
                inner.appended,
                self.dir.join(journal_name(inner.generation)),
            )
        };
        let result = file.sync_data();
        if result.is_err() {
            // What reached the disk is unknown: no change is accepted until reopened (taken
            // before the sync state, the order `checkpoint` takes them in).
            lock(&self.inner).failed = true;
        }
        let mut s = lock(&self.sync);
        s.syncing = false;
        match result {
            Ok(()) => s.synced = s.synced.max(target),
            Err(_) => s.failed = true,
        }
        self.synced_cv.notify_all();
        drop(s);
        result.map_err(|e| Error::io(Some(path), e))
    }
}

impl Resolver {
    /// Opens (or creates) the state directory `dir` with the default [`OpenOptions`]: every
    /// operation fsynced before it returns. See [`Resolver::open_with`].
    ///
    /// ```
    /// use omnilink::resolver::Resolver;
    /// use omnilink::{Config, Record};
    ///
    /// let dir = std::env::temp_dir().join(format!("omnilink-doc-open-{}", std::process::id()));
    /// let crm = Resolver::open(&dir, Config::for_region("RU")).unwrap();
    /// let a = crm.add(Record::new("t1", "store").phone("8 912 345-67-89")).unwrap();
    /// drop(crm); // or a crash: the add returned, so it is in the journal
    ///
    /// let crm = Resolver::open(&dir, Config::for_region("RU")).unwrap();
    /// assert_eq!(crm.customer_of("store", "t1"), Some(a.customer));
    /// assert_eq!(crm.recovery().unwrap().replayed, 1);
    /// # drop(crm);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn open(dir: impl AsRef<Path>, config: Config) -> Result<Resolver> {
        Resolver::open_with(dir, config, &OpenOptions::default())
    }

    /// Opens (or creates) the state directory `dir`: loads its newest snapshot and replays
    /// the journal after it, so the resolver holds every acknowledged operation, with the same
    /// customers and customer IDs as before it was closed or the process died.
    ///
    /// A new directory takes `config` (and `config.model`, or the default model). An existing
    /// one keeps the configuration it was created with, since replaying operations under
    /// another would give other customers: a `config` that differs from it is an error.
    /// While the resolver lives the directory is locked: a second open, from this process or
    /// another, fails with [`ErrorKind::Locked`]. (The lock is the operating system's file
    /// lock, held by an open descriptor: a child process forked at the moment the resolver is
    /// dropped holds it until the child execs or exits.) A torn last frame of the journal (a crash
    /// during an append) is dropped and reported in [`Resolver::recovery`]; any other damage
    /// is an [`ErrorKind::Corrupt`] naming the file and byte offset, and nothing is loaded.
    pub fn open_with(
        dir: impl AsRef<Path>,
        config: Config,
        options: &OpenOptions,
    ) -> Result<Resolver> {
        Resolver::open_seeded(dir.as_ref(), config, options, None)
    }

    /// Keeps this resolver in the new state directory `dir` from now on: its whole state
    /// becomes the directory's first snapshot, and the resolver returned journals every
    /// operation as [`Resolver::open_with`] does. The way to make a resolver built by
    /// [`Resolver::from_batch`] durable. An error when `dir` already holds a state.
    ///
    /// ```
    /// use omnilink::resolver::{OpenOptions, Resolver};
    /// use omnilink::{Config, Record};
    ///
    /// let dir = std::env::temp_dir().join(format!("omnilink-doc-persist-{}", std::process::id()));
    /// let records = vec![Record::new("1", "store").phone("8 912 345-67-89")];
    /// let batch = Resolver::from_batch(records, Config::for_region("RU")).unwrap();
    /// let crm = batch.persist(&dir, &OpenOptions::new()).unwrap();
    /// assert_eq!(crm.recovery().unwrap().snapshot_records, 1);
    /// # drop(crm);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn persist(self, dir: impl AsRef<Path>, options: &OpenOptions) -> Result<Resolver> {
        if self.journal.is_some() {
            return Err(Error::config(
                "this resolver already keeps a state directory",
            ));
        }
        let config = self.read().config.clone();
        Resolver::open_seeded(dir.as_ref(), config, options, Some(self))
    }

    fn open_seeded(
        dir: &Path,
        config: Config,
        options: &OpenOptions,
        seed: Option<Resolver>,
    ) -> Result<Resolver> {
        config.check()?;
        std::fs::create_dir_all(dir).map_err(io_at(dir))?;
        let lock_path = dir.join("LOCK");
        let lock_file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_at(&lock_path))?;
        match lock_file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(Error::from(ErrorKind::Locked {
                    path: dir.to_path_buf(),
                }))
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(Some(lock_path), e)),
        }

        let mut snapshots = Vec::new();
        let mut journals = Vec::new();
        let mut temporary = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io_at(dir))? {
            let entry = entry.map_err(io_at(dir))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(g) = generation_of(name, "snapshot-", ".bin") {
                snapshots.push(g);
            } else if let Some(g) = generation_of(name, "journal-", ".log") {
                journals.push(g);
            } else if name.ends_with(".tmp")
                && (name.starts_with("snapshot-") || name.starts_with("journal-"))
            {
                temporary.push(entry.path());
            }
        }
        let mut recovery = Recovery::default();
        let generation = match snapshots.iter().max() {
            Some(_) if seed.is_some() => {
                return Err(Error::config(format!(
                    "{} already holds a state; open it, or persist into an empty directory",
                    dir.display()
                )))
            }
            Some(&g) => g,
            None => {
                if let Some(&g) = journals.iter().max() {
                    return Err(corrupt(
                        &dir.join(journal_name(g)),
                        None,
                        "a journal without its snapshot",
                    ));
                }
                // A new directory: generation 0 holds the empty state, which fixes the
                // configuration and model the journal is replayed with.
                recovery.created = true;
                let bytes = match &seed {
                    Some(r) => r.state_bytes(&r.read())?,
                    None => {
                        let empty = Resolver::new(config.clone())?;
                        let bytes = empty.state_bytes(&empty.read())?;
                        bytes
                    }
                };
                write_atomic(dir, &snapshot_name(0), &bytes)?;
                0
            }
        };

        let snap_path = dir.join(snapshot_name(generation));
        let mut resolver = match seed {
            // The snapshot was just written from it: the same state, without reading it back.
            Some(r) => r,
            None => {
                let bytes = std::fs::read(&snap_path).map_err(io_at(&snap_path))?;
                Resolver::from_bytes(&bytes).map_err(|e| match e.into_kind() {
                    ErrorKind::Format { message } => corrupt(&snap_path, None, message),
                    other => Error::from(other),
                })?
            }
        };
        {
            let st = resolver.read();
            let held = serde_json::to_string(&st.config);
            let given = serde_json::to_string(&config);
            if held.is_err() || held.ok() != given.ok() {
                return Err(Error::config(format!(
                    "{} was created with another configuration; open it with that one \
                     (operations are replayed under it), or start a new directory",
                    dir.display()
                )));
            }
        }
        recovery.generation = generation;
        recovery.snapshot_records = resolver.len();

        let journal_path = dir.join(journal_name(generation));
        let file = if journals.contains(&generation) {
            let data = std::fs::read(&journal_path).map_err(io_at(&journal_path))?;
            let scanned = scan(&journal_path, &data, generation)?;
            {
                let mut st = resolver.write();
                for op in scanned.ops {
                    apply(&mut st, op);
                    recovery.replayed += 1;
                }
            }
            let file = std::fs::OpenOptions::new()
                .append(true)
                .open(&journal_path)
                .map_err(io_at(&journal_path))?;
            if let Some((at, bytes)) = scanned.torn {
                file.set_len(scanned.end).map_err(io_at(&journal_path))?;
                file.sync_all().map_err(io_at(&journal_path))?;
                recovery.torn_at = Some(at);
                recovery.torn_bytes = bytes;
            }
            (file, scanned.end)
        } else {
            // A checkpoint stopped between its snapshot and its journal: start the journal.
            (create_journal(dir, generation)?, FILE_HEADER as u64)
        };

        // Older generations are whole in the one opened; leftovers of an interrupted
        // checkpoint were never used.
        let mut stale: Vec<PathBuf> = temporary;
        stale.extend(
            snapshots
                .iter()
                .filter(|&&g| g != generation)
                .map(|&g| dir.join(snapshot_name(g))),
        );
        stale.extend(
            journals
                .iter()
                .filter(|&&g| g != generation)
                .map(|&g| dir.join(journal_name(g))),
        );
        for p in &stale {
            match std::fs::remove_file(p) {
                Ok(()) => {}
                // A temporary journal that this open renamed into place.
                Err(e) if e.kind() == IoKind::NotFound => {}
                Err(e) => return Err(Error::io(Some(p.clone()), e)),
            }
        }
        if !stale.is_empty() {
            sync_dir(dir)?;
        }
        recovery.removed_files = stale.len();

        resolver.journal = Some(Journal {
            dir: dir.to_path_buf(),
            policy: options.sync,
            recovery,
            _lock: lock_file,
            inner: Mutex::new(Inner {
                file: Arc::new(file.0),
                generation,
                end: file.1,
                appended: 0,
                failed: false,
            }),
            sync: Mutex::new(SyncState {
                synced: 0,
                syncing: false,
                failed: false,
            }),
            synced_cv: Condvar::new(),
        });
        Ok(resolver)
    }

    /// What opening the state directory found and did (`None` for a resolver not opened
    /// with [`Resolver::open`]).
    pub fn recovery(&self) -> Option<&Recovery> {
        self.journal.as_ref().map(|j| &j.recovery)
    }

    /// The sync policy of a resolver opened with [`Resolver::open_with`].
    pub fn sync_policy(&self) -> Option<SyncPolicy> {
        self.journal.as_ref().map(|j| j.policy)
    }

    /// Writes the whole state as a new snapshot and starts a new, empty journal, so that
    /// opening no longer replays the operations so far; then deletes the previous
    /// generation. Each file is written through a temporary file, fsync and rename, the new
    /// snapshot before the new journal: a crash at any point opens to the same state.
    /// Operations wait while it runs.
    ///
    /// An error for a resolver not opened with [`Resolver::open`] (use [`Resolver::save`]).
    ///
    /// ```
    /// use omnilink::resolver::Resolver;
    /// use omnilink::{Config, Record};
    ///
    /// let dir = std::env::temp_dir().join(format!("omnilink-doc-cp-{}", std::process::id()));
    /// let crm = Resolver::open(&dir, Config::for_region("RU")).unwrap();
    /// crm.add(Record::new("t1", "store").phone("8 912 345-67-89")).unwrap();
    /// crm.checkpoint().unwrap();
    /// drop(crm);
    /// let crm = Resolver::open(&dir, Config::for_region("RU")).unwrap();
    /// let r = crm.recovery().unwrap();
    /// assert_eq!((r.generation, r.snapshot_records, r.replayed), (1, 1, 0));
    /// # drop(crm);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn checkpoint(&self) -> Result<()> {
        let Some(j) = &self.journal else {
            return Err(Error::config(
                "checkpoint needs a resolver opened with Resolver::open (use save otherwise)",
            ));
        };
        let st = self.write();
        let mut inner = lock(&j.inner);
        if inner.failed {
            return Err(j.failed());
        }
        let bytes = self.state_bytes(&st)?;
        let old = inner.generation;
        let new = old + 1;
        write_atomic(&j.dir, &snapshot_name(new), &bytes)?;
        // From here the new snapshot is what opening reads: the old journal must take no
        // more operations, whatever happens next.
        let file = match create_journal(&j.dir, new) {
            Ok(f) => f,
            Err(e) => {
                inner.failed = true;
                return Err(e);
            }
        };
        inner.file = Arc::new(file);
        inner.generation = new;
        inner.end = FILE_HEADER as u64;
        // Everything appended so far is in the snapshot, which is durable.
        {
            let mut s = lock(&j.sync);
            s.synced = s.synced.max(inner.appended);
        }
        drop(inner);
        drop(st);
        for p in [
            j.dir.join(journal_name(old)),
            j.dir.join(snapshot_name(old)),
        ] {
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == IoKind::NotFound => {}
                Err(e) => return Err(Error::io(Some(p), e)),
            }
        }
        sync_dir(&j.dir)
    }

    /// Runs an operation: with a journal, appends `frame` first, applies the operation under
    /// the state lock and returns once it is durable under the sync policy; without one, only
    /// applies it.
    pub(super) fn logged<T>(
        &self,
        frame: Option<Vec<u8>>,
        apply: impl FnOnce(&mut State) -> T,
    ) -> Result<T> {
        let mut st = self.write();
        let (Some(j), Some(frame)) = (&self.journal, frame) else {
            return Ok(apply(&mut st));
        };
        let seq = j.append(&frame)?;
        if j.policy == SyncPolicy::EveryOperation {
            j.wait_durable(seq)?;
            Ok(apply(&mut st))
        } else {
            let out = apply(&mut st);
            drop(st);
            j.wait_durable(seq)?;
            Ok(out)
        }
    }

    /// The frame of `op` when the resolver keeps a journal.
    pub(super) fn frame(&self, op: &OpRef<'_>) -> Result<Option<Vec<u8>>> {
        match &self.journal {
            Some(_) => encode(op).map(Some),
            None => Ok(None),
        }
    }
}

/// Applies a replayed operation as it was applied when journaled. Its outcome is not needed:
/// an operation's effect depends only on the state before it, so it is the same.
fn apply(st: &mut State, op: Op) {
    match op {
        Op::Add(r) => {
            let _ = st.insert(*r);
        }
        Op::Batch(rs) => {
            for r in rs {
                let _ = st.insert(r);
            }
        }
        Op::Remove(source, id) => {
            let _ = st.remove_ext(crate::resolve::record_hash(&Record::new(id, source)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal_bytes(frames: &[Vec<u8>]) -> Vec<u8> {
        let mut out = file_header(7);
        for f in frames {
            out.extend_from_slice(f);
        }
        out
    }

    fn add(id: &str) -> Vec<u8> {
        encode(&OpRef::Add(
            &Record::new(id, "web").phone("+7 912 345 67 89"),
        ))
        .unwrap()
    }

    #[test]
    fn names_round_trip() {
        assert_eq!(
            generation_of(&snapshot_name(12), "snapshot-", ".bin"),
            Some(12)
        );
        assert_eq!(generation_of(&journal_name(0), "journal-", ".log"), Some(0));
        assert_eq!(generation_of("journal-.log", "journal-", ".log"), None);
        assert_eq!(generation_of("journal-1x.log", "journal-", ".log"), None);
        assert_eq!(
            generation_of("snapshot-000001.bin.tmp", "snapshot-", ".bin"),
            None
        );
    }

    #[test]
    fn whole_frames_read_back() {
        let frames = vec![add("1"), add("2"), add("3")];
        let data = journal_bytes(&frames);
        let s = scan(Path::new("j"), &data, 7).unwrap();
        assert_eq!(s.ops.len(), 3);
        assert_eq!(s.end, data.len() as u64);
        assert!(s.torn.is_none());
    }

    #[test]
    fn every_cut_of_the_last_frame_is_torn() {
        let frames = vec![add("1"), add("2")];
        let data = journal_bytes(&frames);
        let whole = data.len() - frames[1].len();
        for cut in whole + 1..data.len() {
            let s = scan(Path::new("j"), &data[..cut], 7).unwrap();
            assert_eq!(s.ops.len(), 1, "cut at {cut}");
            assert_eq!(s.torn, Some((whole as u64, (cut - whole) as u64)));
        }
    }

    #[test]
    fn a_zeroed_tail_is_torn() {
        let mut data = journal_bytes(&[add("1")]);
        let whole = data.len();
        data.extend_from_slice(&[0; 100]);
        let s = scan(Path::new("j"), &data, 7).unwrap();
        assert_eq!((s.ops.len(), s.torn), (1, Some((whole as u64, 100))));
    }

    #[test]
    fn a_bad_frame_before_the_end_names_file_and_offset() {
        let frames = vec![add("1"), add("2")];
        let mut data = journal_bytes(&frames);
        data[FILE_HEADER + FRAME_HEADER + 2] ^= 1;
        let e = scan(Path::new("dir/journal-000007.log"), &data, 7).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::Corrupt { offset: Some(o), .. } if *o == FILE_HEADER as u64)
        );
        let text = e.to_string();
        assert!(
            text.contains("journal-000007.log") && text.contains("28"),
            "{text}"
        );
    }

    #[test]
    fn a_wrong_generation_or_header_is_corrupt() {
        let data = journal_bytes(&[add("1")]);
        assert!(scan(Path::new("j"), &data, 8).is_err());
        let mut bad = data.clone();
        bad[3] ^= 0x10;
        assert!(scan(Path::new("j"), &bad, 7).is_err());
        assert!(scan(Path::new("j"), &data[..10], 7).is_err());
    }

    #[test]
    fn borrowed_and_owned_ops_encode_alike() {
        let recs = vec![
            Record::new("1", "web"),
            Record::new("2", "app").email("a@b.ru"),
        ];
        for frame in [
            encode(&OpRef::Batch(&recs)).unwrap(),
            encode(&OpRef::Remove("web", "1")).unwrap(),
        ] {
            let op: Op = postcard::from_bytes(&frame[FRAME_HEADER..]).unwrap();
            match op {
                Op::Batch(rs) => assert_eq!(rs.len(), 2),
                Op::Remove(s, i) => assert_eq!((s.as_str(), i.as_str()), ("web", "1")),
                Op::Add(_) => panic!("wrong variant"),
            }
        }
    }
}
