//! # omnilink
//!
//! Identity resolution for omnichannel customer data: the same person met through a website,
//! an app, store tills, a call centre, messengers and e-mail campaigns becomes one customer.
//!
//! ```
//! use omnilink::normalize::{normalize_record, Context, Region};
//! use omnilink::Record;
//!
//! let ctx = Context::new().region(Region::RU);
//! let till = Record::new("till-1", "store").phone("8 (912) 345-67-89").card("LC-0012 3457");
//! let web = Record::new("web-7", "web").phone("+7 912 345 67 89").email("Anna@Gmail.com");
//! let a = normalize_record(&till, &ctx);
//! let b = normalize_record(&web, &ctx);
//! assert_eq!(a.phones, b.phones);
//! assert_eq!(a.phones[0].e164(), "+79123456789");
//! ```
//!
//! ## Crate layout
//!
//! The modules mirror the pipeline, each stage usable on its own:
//!
//! - [`record`]: the raw [`Record`] (strings, several values per field) and [`RecordId`].
//! - [`normalize`]: one module per identifier kind turning raw strings into typed canonical
//!   values ([`normalize::Phone`], [`normalize::Email`], ...) or a [`normalize::Reject`] that
//!   says why not.
//! - [`block`]: candidate pairs from blocking rules; oversized blocks become reported hubs.
//! - [`compare`]: record [`compare::Features`] and per-field comparison levels.
//! - [`model`]: the Fellegi-Sunter model (EM-trained, term-frequency aware).
//! - [`cluster`]: union-find over accepted pairs, guarded against contradictions, against
//!   joining clusters whose identifiers disagree, and against giving a record that could be
//!   either of two people to one of them.
//! - [`golden`]: survivorship into golden records.
//! - [`resolve`](mod@resolve): the whole batch pipeline behind [`resolve()`] and its [`Config`].
//! - [`resolver`]: the incremental [`resolver::Resolver`] for CRM embedding (stable IDs, a durable
//!   state directory with a journal, save/load).
//! - [`privacy`]: privacy-preserving mode, identifiers as keyed hashes (HMAC-SHA-256).
//! - [`settings`]: a run's settings as a config file gives them (`[resolve]`, `[input]`).
//! - [`io`]: reading CSV / JSON Lines exports with column mapping and reported skips; writers.
//! - [`report`]: the HTML report of a run, with charts, drawn from its output files.
//! - [`eval`]: match-quality metrics (pairwise, B-cubed, cluster shape) against a truth.
//! - [`synth`]: a seeded generator of omnichannel customer exports with ground truth.
//! - [`error`]: the crate's [`Error`], which carries positions and kinds, never values.
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

pub mod block;
pub mod cluster;
pub mod compare;
pub mod error;
pub mod eval;
pub mod golden;
mod hash;
pub mod io;
pub mod model;
pub mod normalize;
pub mod privacy;
pub mod record;
pub mod report;
pub mod resolve;
pub mod resolver;
pub mod settings;
pub mod synth;

pub use error::{Error, ErrorKind, Result};
pub use record::{Attribute, AttributeKind, Record, RecordId, SocialInput};
pub use resolve::{
    resolve, resolve_with_progress, Config, Customer, CustomerId, Membership, Resolution, Stats,
};
