//! The ibaudit snapshot, format version 1: everything an audit needs to know
//! about one or more AWS accounts, read without credentials.
//!
//! Inside a region every value is an AWS API response body in the AWS CLI's
//! JSON shape (see [`aws`]); the envelope around it is ibaudit's own. Unknown
//! envelope and operation keys are kept, so a snapshot written by a newer
//! collector survives a read and write by this one.

pub mod aws;
mod described;
mod envelope;
pub mod inert;
mod load;
pub mod memory;
mod merge;
mod operation;
pub mod redact;
mod response;
mod scan;
pub mod scope;
mod splice;

mod shard;

pub use aws::CollectionError;
pub use described::LeftOut;
pub use envelope::{
    Account, Collector, Extra, Organization, RegionSnapshot, Snapshot, SnapshotWith,
    SNAPSHOT_VERSION,
};
pub use inert::{
    inert, json_compact, json_pretty, json_pretty_nested_to_writer, json_pretty_to_writer,
};
pub use load::{
    account_from_slice_keeping, from_bytes, from_bytes_keeping, from_slice, from_slice_keeping,
    load, load_each, load_each_keeping, load_keeping, LoadError,
};
pub use merge::{join, merge, MergeError, Merged, Merger};
pub use operation::{AccountOperation, ApiCall, Operation, OrgOperation, Service};
pub use redact::{redact_url, redact_urls};
pub use response::Response;
pub use shard::{shard_of, Shard};

/// The operation keys of a region, in the order they are written.
pub const OPERATIONS: &[&str] = &{
    const N: usize = Operation::ALL.len();
    let mut names = [""; N];
    let mut i = 0;
    while i < N {
        names[i] = Operation::ALL[i].name();
        i += 1;
    }
    names
};
