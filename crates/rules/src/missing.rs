//! The not-assessed bookkeeping: what data a rule needed and did not get, and
//! where in the snapshot that is recorded (a key absent, or a call in
//! `errors`). IB900 turns these into findings.

use ibaudit_snapshot::aws::{CollectionError, FIELD_MISSING};
use ibaudit_snapshot::{Operation, RegionSnapshot};

/// Data a rule needed and did not get: an operation key absent from the
/// snapshot, or a call recorded in `errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub operation: Operation,
    /// The resource the call was about; `None` for the whole region.
    pub resource: Option<String>,
    /// The AWS error code when the call failed; `None` when it was not made.
    pub code: Option<String>,
    pub message: Option<String>,
}

impl Missing {
    /// One line for a reader: the operation, its resource, and how it failed
    /// (`DescribeVpcAttribute for vpc-1 failed (AccessDenied)`).
    pub fn describe(&self) -> String {
        let what = match &self.resource {
            Some(r) => format!("{} for {r}", self.operation),
            None => self.operation.to_string(),
        };
        match &self.code {
            Some(code) => format!("{what} failed ({code})"),
            None => format!("{what} was not collected"),
        }
    }

    /// The call was not made (its response is absent from the snapshot).
    pub fn not_collected(operation: Operation, resource: Option<&str>) -> Missing {
        Missing {
            operation,
            resource: resource.map(str::to_string),
            code: None,
            message: None,
        }
    }

    /// The call was made and failed as `e` records.
    pub fn failed(operation: Operation, resource: Option<&str>, e: &CollectionError) -> Missing {
        Missing {
            operation,
            resource: resource.map(str::to_string),
            code: Some(e.code.clone()),
            message: (!e.message.is_empty()).then(|| e.message.clone()),
        }
    }

    /// The response came back without a field the rule reads.
    pub fn field_missing(operation: Operation, resource: &str, message: &str) -> Missing {
        Missing {
            operation,
            resource: Some(resource.to_string()),
            code: Some(FIELD_MISSING.into()),
            message: Some(message.to_string()),
        }
    }

    /// Why the whole operation is unusable in the region: a recorded
    /// failure, else `None` (the caller then checks the key).
    ///
    /// A listing (one paginated call per region, possibly split into
    /// filtered chunks) that failed anywhere is incomplete everywhere: any
    /// failure recorded for it counts, whatever its `resource`. A call made
    /// per resource spoils only that resource (see [`Missing::recorded`]), so
    /// only its region-wide failure counts here. Neither is a resource the
    /// listing returned without a field the model requires
    /// ([`is_incomplete_resource`]): the listing came back, and only that
    /// resource is left out.
    pub fn region_failure(region: &RegionSnapshot, operation: Operation) -> Option<Missing> {
        if is_per_resource(operation) {
            return region_error(region, operation).map(|e| Missing::failed(operation, None, e));
        }
        region
            .errors
            .iter()
            .filter(|e| e.operation == operation.name() && !is_incomplete_resource(e))
            .min_by_key(|e| e.resource.is_some())
            .map(|e| Missing::failed(operation, e.resource.as_deref(), e))
    }

    /// A failure recorded for one resource's call (or the operation's
    /// region-wide failure), whether or not the snapshot also holds data
    /// for it: a recorded failure is never overridden by what is there.
    pub fn recorded(
        region: &RegionSnapshot,
        operation: Operation,
        resource: &str,
    ) -> Option<Missing> {
        region
            .errors
            .iter()
            .find(|e| e.operation == operation.name() && e.resource.as_deref() == Some(resource))
            .or_else(|| region_error(region, operation))
            .map(|e| Missing::failed(operation, Some(resource), e))
    }

    /// Why one resource's data is absent: its own recorded failure, the
    /// operation's region-wide failure, else "not collected".
    pub fn for_resource(region: &RegionSnapshot, operation: Operation, resource: &str) -> Missing {
        let recorded = region
            .errors
            .iter()
            .find(|e| e.operation == operation.name() && e.resource.as_deref() == Some(resource))
            .or_else(|| region_error(region, operation));
        match recorded {
            Some(e) => Missing::failed(operation, Some(resource), e),
            None => Missing::not_collected(operation, Some(resource)),
        }
    }
}

/// Whether the operation is called once per resource (its failures name
/// the resource and spoil only it) rather than listed once per region.
/// Exhaustive, so a new operation must say which it is.
pub fn is_per_resource(operation: Operation) -> bool {
    match operation {
        Operation::DescribeVpcAttribute
        | Operation::GetTrailStatus
        | Operation::GetEventSelectors
        | Operation::GetInfrastructureConfiguration => true,
        Operation::DescribeVpcEndpoints
        | Operation::DescribeVpcs
        | Operation::DescribeSubnets
        | Operation::DescribeSecurityGroups
        | Operation::DescribeRouteTables
        | Operation::DescribePrefixLists
        | Operation::DescribeTrails
        | Operation::ListInfrastructureConfigurations => false,
    }
}

/// Whether a recorded failure is one resource the response described
/// without a field the model requires: reading the snapshot left it out and
/// recorded it (code [`FIELD_MISSING`], naming the resource). It spoils that
/// resource only, whatever the operation.
pub fn is_incomplete_resource(e: &CollectionError) -> bool {
    e.code == FIELD_MISSING && e.resource.is_some()
}

/// The error recorded for a whole operation in a region, if any.
fn region_error(region: &RegionSnapshot, operation: Operation) -> Option<&CollectionError> {
    region
        .errors
        .iter()
        .find(|e| e.operation == operation.name() && e.resource.is_none())
}

/// What could be worked out, and what could not: the indexing context never
/// reports, it hands both to the rule, which decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partial<T> {
    pub value: T,
    pub missing: Vec<Missing>,
}

impl<T> Partial<T> {
    /// The value, dropping what could not be worked out: for rules that use
    /// the value only as a refinement and leave the gaps to the rules that
    /// depend on them.
    pub fn known(self) -> T {
        self.value
    }
}
