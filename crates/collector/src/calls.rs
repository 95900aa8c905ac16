//! Every AWS call the collector makes, seen from inside the SDK: an
//! interceptor on every client counts each operation and each attempt
//! (retries included) by [`ApiCall`], and refuses any operation that is not
//! in that list, so the list (and the IAM policy checked against it) is what
//! the collector can call. The counts feed `-v`, the progress lines and the
//! benchmark.

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
use ibaudit_snapshot::ApiCall;

/// How often one call was made.
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
    counts: Arc<Mutex<BTreeMap<ApiCall, CallCount>>>,
}

impl CallLog {
    /// The counts so far, by call.
    pub fn snapshot(&self) -> BTreeMap<ApiCall, CallCount> {
        self.counts.lock().expect("call log lock").clone()
    }

    /// Operations started so far, all calls together.
    pub fn operations(&self) -> u64 {
        self.counts
            .lock()
            .expect("call log lock")
            .values()
            .map(|c| c.operations)
            .sum()
    }

    /// The call the SDK is about to make. The operation's metadata is in the
    /// config bag from serialization on; it is not yet there when a
    /// client-level interceptor's `read_before_execution` runs, because the
    /// SDK applies the operation's configuration after it.
    fn call(cfg: &ConfigBag) -> Result<ApiCall, BoxError> {
        let md = cfg
            .load::<Metadata>()
            .ok_or("the AWS SDK did not name the operation it is about to call")?;
        ApiCall::from_service_and_name(md.service(), md.name()).ok_or_else(|| {
            format!(
                "{}:{} is not in ibaudit's list of read-only operations: not called",
                md.service().to_ascii_lowercase(),
                md.name()
            )
            .into()
        })
    }

    fn bump(&self, cfg: &ConfigBag, attempt: bool) -> Result<(), BoxError> {
        let call = Self::call(cfg)?;
        let mut counts = self.counts.lock().expect("call log lock");
        let c = counts.entry(call).or_default();
        if attempt {
            c.attempts += 1;
        } else {
            c.operations += 1;
        }
        Ok(())
    }
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "ibaudit-call-log"
    }

    /// Once per operation: serialization happens once, before the retry loop.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.bump(cfg, false)
    }

    /// Once per attempt, just before the request is sent.
    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.bump(cfg, true)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    use aws_config::retry::RetryConfig;
    use aws_config::{BehaviorVersion, Region};
    use aws_sdk_sts::config::Credentials;
    use aws_smithy_runtime_api::client::http::{
        http_client_fn, HttpConnector, HttpConnectorFuture, SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use ibaudit_snapshot::AccountOperation;

    use super::*;

    const IDENTITY: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/audit</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"#;
    const THROTTLED: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>2</RequestId></ErrorResponse>"#;

    /// An HTTP connector that throttles the first requests, then answers
    /// GetCallerIdentity, and counts what reached it.
    #[derive(Debug, Clone, Default)]
    struct Canned {
        throttle: Arc<AtomicU32>,
        received: Arc<AtomicU32>,
    }

    impl HttpConnector for Canned {
        fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
            self.received.fetch_add(1, Ordering::SeqCst);
            let throttled = self
                .throttle
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            let (status, body): (u16, &str) = if throttled {
                (400, THROTTLED)
            } else {
                (200, IDENTITY)
            };
            HttpConnectorFuture::ready(Ok(HttpResponse::new(
                StatusCode::try_from(status).unwrap(),
                SdkBody::from(body),
            )))
        }
    }

    fn sts(log: &CallLog, canned: &Canned) -> aws_sdk_sts::Client {
        let connector = canned.clone();
        let conf = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(5)
                    .with_initial_backoff(Duration::from_millis(1)),
            )
            .http_client(http_client_fn(move |_, _| {
                SharedHttpConnector::new(connector.clone())
            }))
            .interceptor(log.clone())
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }

    #[tokio::test]
    async fn operations_and_attempts_are_counted_by_call() {
        let log = CallLog::default();
        let canned = Canned::default();
        canned.throttle.store(2, Ordering::SeqCst);
        let client = sts(&log, &canned);
        let out = client.get_caller_identity().send().await.unwrap();
        assert_eq!(out.account(), Some("123456789012"));
        client.get_caller_identity().send().await.unwrap();
        let counts = log.snapshot();
        assert_eq!(
            counts.get(&ApiCall::Account(AccountOperation::GetCallerIdentity)),
            Some(&CallCount {
                operations: 2,
                attempts: 4
            }),
            "two calls, the first throttled twice: {counts:?}"
        );
        assert_eq!(counts.len(), 1, "{counts:?}");
        assert_eq!(log.operations(), 2);
        assert_eq!(canned.received.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn an_operation_outside_the_list_is_not_sent() {
        let log = CallLog::default();
        let canned = Canned::default();
        let client = sts(&log, &canned);
        let err = client.get_session_token().send().await.unwrap_err();
        assert!(
            format!("{:?}", err).contains("not in ibaudit's list"),
            "{err:?}"
        );
        assert_eq!(canned.received.load(Ordering::SeqCst), 0);
        assert!(log.snapshot().is_empty());
    }
}
