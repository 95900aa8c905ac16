//! Every AWS call the collector makes, seen from inside the SDK: an
//! interceptor on every client records the IAM action of each operation and
//! each attempt (retries included). The counts feed the benchmark, and the
//! read-only test checks every action against the shipped IAM policy.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// How often one IAM action was called.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallCount {
    /// Operations started (a paginated call counts once per page).
    pub operations: u64,
    /// HTTP attempts sent, retries included.
    pub attempts: u64,
}

/// The shared log; cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct CallLog {
    counts: Arc<Mutex<BTreeMap<String, CallCount>>>,
}

impl CallLog {
    /// `ec2:DescribeVpcEndpoints` -> counts.
    pub fn snapshot(&self) -> BTreeMap<String, CallCount> {
        self.counts.lock().expect("call log lock").clone()
    }

    fn bump(&self, cfg: &ConfigBag, attempt: bool) {
        let Some(md) = cfg.load::<Metadata>() else {
            return;
        };
        let action = format!("{}:{}", md.service().to_ascii_lowercase(), md.name());
        let mut counts = self.counts.lock().expect("call log lock");
        let c = counts.entry(action).or_default();
        if attempt {
            c.attempts += 1;
        } else {
            c.operations += 1;
        }
    }
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "ibaudit-call-log"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.bump(cfg, false);
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.bump(cfg, true);
        Ok(())
    }
}
