//! A scale emulator of the AWS APIs ibaudit's collector calls, for a
//! generated organization (see [`org`]), in AWS's own wire formats: EC2 and
//! STS (query protocol, XML), CloudTrail and Organizations (JSON 1.1,
//! `X-Amz-Target`), Image Builder (REST JSON).
//!
//! The account of a call is told from its SigV4 `Authorization` header:
//! an access key AssumeRole handed out (`ASIA`, the account's twelve digits,
//! four more) is that account's, any other key is the management account's; the
//! credential scope gives the region and the service. Signatures are not
//! verified. Each call waits `latency` before its answer, and is subject to
//! the throttling of [`throttle`]. `GET /_scale/counts` reports the calls
//! received and the throttles sent.

pub mod ec2;
pub mod errors;
pub mod http;
pub mod org;
pub mod params;
pub mod services;
pub mod throttle;
pub mod time;
pub mod xml;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::http::{Request, Response};
use crate::org::{hash_str, mix, Region, Spec, TrailKind};
use crate::params::Params;
use crate::services::Caller;
use crate::throttle::{Buckets, Forced, Rate};

/// How the emulator behaves.
#[derive(Debug, Clone)]
pub struct Options {
    pub spec: Spec,
    /// Added to every AWS call before it is answered.
    pub latency: Duration,
    /// AWS's documented token buckets, EC2's and CloudTrail's (on by default).
    pub ec2_buckets: bool,
    /// Buckets by service (`ec2` replaces EC2's default), per account,
    /// region (for regional services) and action.
    pub rates: Vec<(String, Rate)>,
    /// Force throttling on this share of calls to `throttle_services`.
    pub throttle_fraction: f64,
    pub throttle_max_consecutive: u32,
    pub throttle_services: Vec<String>,
    /// AssumeRole only of this role name (any when None).
    pub role_name: Option<String>,
    /// AssumeRole only with this external id.
    pub external_id: Option<String>,
    /// Fail this share of the calls to `error_services` with HTTP 500 or
    /// 503 (half each), never the same request more than
    /// `throttle_max_consecutive` times in a row.
    pub error_fraction: f64,
    pub error_services: Vec<String>,
    /// AssumeRole into these accounts (ids) is denied.
    pub deny_assume: Vec<String>,
    /// Calls made with these accounts' credentials (ids) are answered only
    /// after `hang_for`.
    pub hang_accounts: Vec<String>,
    pub hang_for: Duration,
    /// The lifetime of the credentials AssumeRole hands out (default: the
    /// DurationSeconds asked for, else 3600 s); a call with expired ones
    /// gets `ExpiredToken`.
    pub credential_lifetime: Option<Duration>,
}

impl Options {
    pub fn new(spec: Spec) -> Options {
        Options {
            spec,
            latency: Duration::from_millis(40),
            ec2_buckets: true,
            rates: Vec::new(),
            throttle_fraction: 0.0,
            throttle_max_consecutive: 2,
            throttle_services: vec!["ec2".into()],
            role_name: None,
            external_id: None,
            error_fraction: 0.0,
            error_services: vec!["ec2".into()],
            deny_assume: Vec::new(),
            hang_accounts: Vec::new(),
            hang_for: Duration::from_secs(3600),
            credential_lifetime: None,
        }
    }

    /// The bucket of `service`'s calls, if it has one.
    pub fn rate(&self, service: &str) -> Option<Rate> {
        if let Some((_, r)) = self.rates.iter().rev().find(|(s, _)| s == service) {
            return Some(*r);
        }
        if !self.ec2_buckets {
            return None;
        }
        match service {
            "ec2" => Some(throttle::EC2_NON_MUTATING),
            "cloudtrail" => Some(throttle::CLOUDTRAIL_READ),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Count {
    calls: u64,
    throttled: u64,
    /// Answered with a forced 500/503 or ExpiredToken.
    faulted: u64,
}

/// What happened to a call besides its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Answered,
    Throttled,
    Faulted,
}

/// The actions the emulator answers, as static names for bucket keys.
const ACTIONS: &[&str] = &[
    "DescribeVpcEndpoints",
    "DescribeVpcs",
    "DescribeVpcAttribute",
    "DescribeSubnets",
    "DescribeSecurityGroups",
    "DescribeRouteTables",
    "DescribePrefixLists",
    "DescribeRegions",
    "GetCallerIdentity",
    "AssumeRole",
    "ListAccounts",
    "DescribeOrganization",
    "DescribeTrails",
    "GetTrailStatus",
    "GetEventSelectors",
    "ListInfrastructureConfigurations",
    "GetInfrastructureConfiguration",
];

const GLOBAL: u16 = u16::MAX;

pub struct Emulator {
    pub opts: Options,
    buckets: Buckets,
    forced: Forced,
    errors: Forced,
    hangs: AtomicU64,
    counts: Mutex<BTreeMap<String, Count>>,
    requests: AtomicU64,
    in_flight: AtomicU64,
    peak_in_flight: AtomicU64,
    started: Instant,
    /// Seconds from start of the first and the last AWS call, as f64 bits.
    first_call: AtomicU64,
    last_call: AtomicU64,
    /// Account-regions generated recently (a region is regenerated when it
    /// has been dropped: the cache only saves time, never holds state).
    cache: Mutex<HashMap<(usize, String), Arc<Region>>>,
}

const CACHE_SIZE: usize = 2048;

/// (access key, region, service) of a SigV4 `Authorization` header.
pub fn credential_scope(auth: &str) -> Option<(&str, &str, &str)> {
    let rest = &auth[auth.find("Credential=")? + "Credential=".len()..];
    let cred = rest.split([',', ' ']).next()?;
    let mut parts = cred.split('/');
    let key = parts.next()?;
    let _date = parts.next()?;
    let region = parts.next()?;
    let service = parts.next()?;
    Some((key, region, service))
}

impl Emulator {
    pub fn new(opts: Options) -> Emulator {
        let forced = Forced::new(
            opts.throttle_fraction,
            opts.throttle_max_consecutive,
            opts.throttle_services.clone(),
            opts.spec.seed,
        );
        let errors = Forced::new(
            opts.error_fraction,
            opts.throttle_max_consecutive,
            opts.error_services.clone(),
            opts.spec.seed ^ 0x5eed_e440,
        );
        Emulator {
            opts,
            buckets: Buckets::default(),
            forced,
            errors,
            hangs: AtomicU64::new(0),
            counts: Mutex::new(BTreeMap::new()),
            requests: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            peak_in_flight: AtomicU64::new(0),
            started: Instant::now(),
            first_call: AtomicU64::new(f64::NAN.to_bits()),
            last_call: AtomicU64::new(f64::NAN.to_bits()),
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn region(&self, account: usize, name: &str) -> Arc<Region> {
        let key = (account, name.to_string());
        if let Some(r) = self.cache.lock().expect("cache lock").get(&key) {
            return r.clone();
        }
        let region = Arc::new(self.opts.spec.region(account, name));
        let mut cache = self.cache.lock().expect("cache lock");
        if cache.len() >= CACHE_SIZE {
            cache.clear();
        }
        cache.insert(key, region.clone());
        region
    }

    /// Answers one HTTP request: a control call, or an AWS call after the latency.
    pub async fn handle(self: Arc<Self>, req: Request) -> Response {
        if req.path().starts_with("/_scale/") {
            return self.control(&req);
        }
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let rid = errors::request_id(n ^ self.opts.spec.seed);
        let now = self.started.elapsed().as_secs_f64();
        let _ = self
            .first_call
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                f64::from_bits(v).is_nan().then_some(now.to_bits())
            });
        self.last_call.store(now.to_bits(), Ordering::Relaxed);
        let inflight = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak_in_flight.fetch_max(inflight, Ordering::Relaxed);
        let response = self.aws(&req, &rid);
        if !self.opts.latency.is_zero() {
            tokio::time::sleep(self.opts.latency).await;
        }
        if self.hangs(&req) {
            self.hangs.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(self.opts.hang_for).await;
        }
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        response
    }

    fn count(&self, key: String, outcome: Outcome) {
        let mut counts = self.counts.lock().expect("counts lock");
        let c = counts.entry(key).or_default();
        c.calls += 1;
        match outcome {
            Outcome::Answered => {}
            Outcome::Throttled => c.throttled += 1,
            Outcome::Faulted => c.faulted += 1,
        }
    }

    /// Whether the call is made with the credentials of a hanging account.
    fn hangs(&self, req: &Request) -> bool {
        if self.opts.hang_accounts.is_empty() {
            return false;
        }
        let Some((key, _, _)) = req.header("authorization").and_then(credential_scope) else {
            return false;
        };
        let account = services::account_of_key(key).unwrap_or("");
        let account = if account.is_empty() {
            self.opts.spec.management()
        } else {
            account.to_string()
        };
        self.opts.hang_accounts.contains(&account)
    }

    /// Whether the session token of an assumed-role call has expired.
    fn expired(&self, req: &Request) -> bool {
        self.opts.credential_lifetime.is_some()
            && req
                .header("x-amz-security-token")
                .and_then(services::token_expiry)
                .is_some_and(|e| time::now_secs() >= e as f64)
    }

    fn aws(&self, req: &Request, rid: &str) -> Response {
        let spec = &self.opts.spec;
        let Some((key, region, service)) = req.header("authorization").and_then(credential_scope)
        else {
            self.count("unsigned:".to_string(), Outcome::Faulted);
            return errors::ec2(
                401,
                "AuthFailure",
                "AWS was not able to validate the provided access credentials",
                rid,
            );
        };
        let caller = match services::account_of_key(key) {
            Some(id) => match spec.account_index(id) {
                Some(account) => Caller {
                    account,
                    assumed: true,
                },
                None => {
                    return errors::error(
                        service,
                        403,
                        if service == "ec2" {
                            "AuthFailure"
                        } else {
                            "InvalidClientTokenId"
                        },
                        "The security token included in the request is invalid.",
                        rid,
                    )
                }
            },
            None => Caller {
                account: 0,
                assumed: false,
            },
        };
        let query = (service == "ec2" || service == "sts").then(|| {
            if req.method == "GET" {
                Params::parse(req.query().as_bytes())
            } else {
                Params::parse(&req.body)
            }
        });
        let action: String = match service {
            "ec2" | "sts" => query
                .as_ref()
                .and_then(|p| p.get("Action"))
                .unwrap_or_default()
                .to_string(),
            "imagebuilder" => req
                .path()
                .trim_matches('/')
                .split('/')
                .next()
                .unwrap_or("")
                .to_string(),
            _ => req
                .header("x-amz-target")
                .and_then(|t| t.rsplit('.').next())
                .unwrap_or_default()
                .to_string(),
        };
        let region_index = match service {
            "sts" => spec.region_index(region).map_or(GLOBAL - 1, |i| i as u16),
            "organizations" => GLOBAL,
            _ => spec.region_index(region).map_or(GLOBAL - 1, |i| i as u16),
        };
        let static_action = ACTIONS.iter().copied().find(|a| *a == action);
        // Throttling: the service's bucket, then forced throttling.
        let mut throttled = false;
        if let (Some(rate), Some(a)) = (self.opts.rate(service), static_action) {
            throttled = !self
                .buckets
                .take((caller.account as u32, region_index, a), rate);
        }
        let request = mix(&[
            caller.account as u64,
            hash_str(region),
            hash_str(&action),
            hash_str(req.query()),
            hash_str(&String::from_utf8_lossy(&req.body)),
        ]);
        if !throttled {
            throttled = self.forced.throttle(service, &action, request);
        }
        let key = format!("{service}:{action}");
        if throttled {
            self.count(key, Outcome::Throttled);
            return errors::throttled(service, rid);
        }
        // Faults: expired credentials, then forced server errors.
        if caller.assumed && self.expired(req) {
            self.count(key, Outcome::Faulted);
            return errors::expired_token(service, rid);
        }
        if self.errors.throttle(service, &action, request) {
            self.count(key, Outcome::Faulted);
            return errors::server_error(service, request & 1 == 0, rid);
        }
        self.count(key, Outcome::Answered);
        match service {
            "ec2" => {
                let r = self.region(caller.account, region);
                ec2::handle(spec, &r, &action, query.as_ref().expect("ec2 params"), rid)
            }
            "sts" => services::sts(
                spec,
                &caller,
                &action,
                query.as_ref().expect("sts params"),
                &services::StsOptions {
                    role_name: self.opts.role_name.as_deref(),
                    external_id: self.opts.external_id.as_deref(),
                    seed: spec.seed,
                    deny: &self.opts.deny_assume,
                    lifetime: self.opts.credential_lifetime,
                },
                rid,
            ),
            "organizations" => services::organizations(spec, &caller, &action, &req.body, rid),
            "cloudtrail" => services::cloudtrail(spec, &caller, region, &action, &req.body, rid),
            "imagebuilder" => {
                let r = self.region(caller.account, region);
                services::imagebuilder(&r, &action, req, rid)
            }
            other => errors::json(
                400,
                "UnknownServiceException",
                &format!("the emulator does not serve {other}"),
                rid,
            ),
        }
    }

    /// The calls received so far, as `GET /_scale/counts` reports them.
    pub fn counts(&self) -> Value {
        let counts = self.counts.lock().expect("counts lock");
        let calls: BTreeMap<&String, u64> = counts.iter().map(|(k, c)| (k, c.calls)).collect();
        let throttled: BTreeMap<&String, u64> = counts
            .iter()
            .filter(|(_, c)| c.throttled > 0)
            .map(|(k, c)| (k, c.throttled))
            .collect();
        let faulted: BTreeMap<&String, u64> = counts
            .iter()
            .filter(|(_, c)| c.faulted > 0)
            .map(|(k, c)| (k, c.faulted))
            .collect();
        let secs = |a: &AtomicU64| {
            let v = f64::from_bits(a.load(Ordering::Relaxed));
            if v.is_nan() {
                Value::Null
            } else {
                json!(v)
            }
        };
        json!({
            "calls": calls,
            "throttled": throttled,
            "total_calls": counts.values().map(|c| c.calls).sum::<u64>(),
            "total_throttled": counts.values().map(|c| c.throttled).sum::<u64>(),
            "faulted": faulted,
            "total_faulted": counts.values().map(|c| c.faulted).sum::<u64>(),
            "hung": self.hangs.load(Ordering::Relaxed),
            "in_flight": self.in_flight.load(Ordering::Relaxed),
            "peak_in_flight": self.peak_in_flight.load(Ordering::Relaxed),
            "first_call_s": secs(&self.first_call),
            "last_call_s": secs(&self.last_call),
            "uptime_s": self.started.elapsed().as_secs_f64(),
            "buckets_held": self.buckets.len(),
        })
    }

    fn reset(&self) {
        self.counts.lock().expect("counts lock").clear();
        self.peak_in_flight
            .store(self.in_flight.load(Ordering::Relaxed), Ordering::Relaxed);
        self.first_call.store(f64::NAN.to_bits(), Ordering::Relaxed);
        self.last_call.store(f64::NAN.to_bits(), Ordering::Relaxed);
    }

    fn control(&self, req: &Request) -> Response {
        let ok = |v: Value| Response::new(200, "application/json", v.to_string());
        match (req.method.as_str(), req.path()) {
            ("GET", "/_scale/counts") => ok(self.counts()),
            ("POST", "/_scale/reset") => {
                self.reset();
                ok(json!({}))
            }
            ("GET", "/_scale/expect") => ok(expectation(&self.opts)),
            ("GET", "/_scale/health") => ok(json!({"ok": true})),
            _ => Response::new(
                404,
                "application/json",
                r#"{"message":"no such control path"}"#,
            ),
        }
    }
}

/// What a scan of the whole organization with `--org --all-regions` must
/// find, and the fewest calls it can take: `--expect` prints it.
pub fn expectation(opts: &Options) -> Value {
    let spec = &opts.spec;
    let mut findings = Vec::new();
    let mut minimum: BTreeMap<String, u64> = BTreeMap::new();
    let add = |m: &mut BTreeMap<String, u64>, k: &str, n: u64| {
        *m.entry(k.to_string()).or_default() += n;
    };
    add(&mut minimum, "sts:GetCallerIdentity", 1);
    add(&mut minimum, "organizations:DescribeOrganization", 1);
    add(
        &mut minimum,
        "organizations:ListAccounts",
        spec.accounts.div_ceil(20).max(1) as u64,
    );
    // The busiest (account, region, action): the one the rate limit bounds.
    let mut busiest: Option<(u64, String, String, String)> = None;
    let mut causes: BTreeMap<&str, u64> = BTreeMap::new();
    let mut regions_with_imagebuilder = 0u64;
    for a in 0..spec.accounts {
        if a != 0 {
            add(&mut minimum, "sts:AssumeRole", 1);
        }
        add(&mut minimum, "ec2:DescribeRegions", 1);
        let mut any_ib = false;
        for name in spec.region_names() {
            let region = spec.region(a, name);
            any_ib |= region.has_imagebuilder_endpoint();
            regions_with_imagebuilder += u64::from(region.has_imagebuilder_endpoint());
            let mut here = BTreeMap::new();
            region.minimum_calls(&mut here);
            if *name == org::TRAIL_HOME {
                // DescribeRegions is made in the home region.
                *here.entry("ec2:DescribeRegions".to_string()).or_default() += 1;
            }
            for (k, n) in here {
                if k != "ec2:DescribeRegions" {
                    add(&mut minimum, &k, n);
                }
                if busiest.as_ref().is_none_or(|b| n > b.0) {
                    busiest = Some((n, spec.account_id(a), name.to_string(), k));
                }
            }
        }
        if any_ib && spec.trail(a) != TrailKind::Missing {
            add(&mut minimum, "cloudtrail:GetTrailStatus", 1);
            add(&mut minimum, "cloudtrail:GetEventSelectors", 1);
        }
        for f in spec.expected(a) {
            *causes.entry(f.cause).or_default() += 1;
            findings.push(json!({
                "account_id": f.account,
                "region": f.region,
                "rule": f.rule,
                "resource_id": f.resource,
                "severity": f.severity,
                "cause": f.cause,
            }));
        }
    }
    let (calls, account, region, action) = busiest.unwrap_or_default();
    let rate = action
        .split(':')
        .next()
        .and_then(|service| opts.rate(service));
    let rate_bound = rate.map_or(0.0, |r| {
        ((calls as f64 - r.capacity).max(0.0)) / r.refill_per_sec
    });
    json!({
        "seed": spec.seed,
        "accounts": spec.accounts,
        "regions": spec.region_names(),
        "management_account": spec.management(),
        "organization_id": spec.organization_id(),
        "regions_with_imagebuilder_endpoint": regions_with_imagebuilder,
        "findings": findings,
        "findings_by_cause": causes,
        "minimum_calls": minimum,
        "minimum_total": minimum.values().sum::<u64>(),
        "minimum_calls_assume": "ibaudit scan --org --all-regions (one DescribeRegions per account)",
        "busiest": {"account_id": account, "region": region, "action": action, "calls": calls,
                    "bucket": rate.map(|r| json!({"capacity": r.capacity, "refill_per_sec": r.refill_per_sec}))},
        "rate_limit_bound_s": rate_bound,
        "latency_ms": opts.latency.as_secs_f64() * 1000.0,
    })
}

/// Binds `addr` and serves the emulator there; returns the bound address.
pub async fn start(
    emu: Arc<Emulator>,
    addr: &str,
) -> std::io::Result<(std::net::SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let handle = Arc::new(move |req: Request| emu.clone().handle(req));
    let task = tokio::spawn(http::serve(listener, handle));
    Ok((local, task))
}

/// An emulator serving on its own thread and runtime, for tests in another
/// crate: stops when dropped.
pub struct Background {
    pub emulator: Arc<Emulator>,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Serves `opts` on 127.0.0.1 (a free port).
    pub fn start(opts: Options) -> Background {
        let emulator = Arc::new(Emulator::new(opts));
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let emu = emulator.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime");
            rt.block_on(async move {
                let (addr, task) = start(emu, "127.0.0.1:0")
                    .await
                    .expect("the emulator listens");
                let _ = tx.send(addr);
                let _ = stopped.await;
                task.abort();
            });
            // Hanging calls are not waited for.
            rt.shutdown_background();
        });
        let addr = rx.recv().expect("the emulator started");
        Background {
            emulator,
            endpoint: format!("http://{addr}"),
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credential_scope_names_key_region_and_service() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260110/eu-west-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(
            credential_scope(auth),
            Some(("AKIDEXAMPLE", "eu-west-1", "ec2"))
        );
        assert_eq!(credential_scope("Bearer x"), None);
    }

    fn spec() -> Spec {
        Spec {
            seed: 7,
            accounts: 3,
            regions: 2,
            broken_share: 0.3,
            imagebuilder_share: 0.7,
        }
    }

    fn call(key: &str, service: &str, body: &str, token: Option<&str>) -> Request {
        let mut headers = vec![(
            "authorization".to_string(),
            format!("AWS4-HMAC-SHA256 Credential={key}/20260110/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"),
        )];
        if let Some(t) = token {
            headers.push(("x-amz-security-token".to_string(), t.to_string()));
        }
        Request {
            method: "POST".into(),
            target: "/".into(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    fn run(emu: &Arc<Emulator>, req: Request) -> Response {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(emu.clone().handle(req))
    }

    fn body(r: &Response) -> String {
        String::from_utf8_lossy(&r.body).into_owned()
    }

    fn assume(account: &str) -> String {
        format!("Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::{account}:role/ibaudit-audit&RoleSessionName=ibaudit")
    }

    /// The value of `<tag>` in an XML answer.
    fn leaf(xml: &str, tag: &str) -> String {
        let open = format!("<{tag}>");
        let start = xml.find(&open).unwrap() + open.len();
        let end = xml[start..].find('<').unwrap();
        xml[start..start + end].to_string()
    }

    const DESCRIBE: &str = "Action=DescribeVpcs&Version=2016-11-15";

    fn options() -> Options {
        let mut o = Options::new(spec());
        o.latency = Duration::ZERO;
        o
    }

    #[test]
    fn ec2_buckets_throttle_past_capacity_with_request_limit_exceeded() {
        let emu = Arc::new(Emulator::new(options()));
        let started = Instant::now();
        let statuses: Vec<u16> = (0..100)
            .map(|_| run(&emu, call("AKIDMGMT", "ec2", DESCRIBE, None)).status)
            .collect();
        assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
        // 20 tokens a second come back: past the 100, calls made faster
        // than that are throttled.
        let mut last = run(&emu, call("AKIDMGMT", "ec2", DESCRIBE, None));
        while last.status == 200 {
            assert!(started.elapsed() < Duration::from_secs(5));
            last = run(&emu, call("AKIDMGMT", "ec2", DESCRIBE, None));
        }
        assert_eq!(last.status, 503);
        assert!(body(&last).contains("<Code>RequestLimitExceeded</Code>"));
        // Another action has its own bucket.
        let other = call(
            "AKIDMGMT",
            "ec2",
            "Action=DescribeRouteTables&Version=2016-11-15",
            None,
        );
        assert_eq!(run(&emu, other).status, 200);
        let counts = emu.counts();
        assert_eq!(counts["throttled"]["ec2:DescribeVpcs"], 1, "{counts}");
        let calls = counts["calls"]["ec2:DescribeVpcs"].as_u64().unwrap();
        let allowed = 100.0 + 20.0 * started.elapsed().as_secs_f64();
        assert!(
            calls as f64 - 1.0 <= allowed + 1.0,
            "{calls} calls, {allowed} allowed"
        );
    }

    #[test]
    fn forced_errors_are_500_or_503_and_give_way() {
        let mut o = options();
        o.error_fraction = 1.0;
        o.throttle_max_consecutive = 2;
        let emu = Arc::new(Emulator::new(o));
        let statuses: Vec<u16> = (0..3)
            .map(|_| run(&emu, call("AKIDMGMT", "ec2", DESCRIBE, None)).status)
            .collect();
        assert!(matches!(statuses[0], 500 | 503), "{statuses:?}");
        assert_eq!(statuses[0], statuses[1]);
        assert_eq!(statuses[2], 200);
        assert_eq!(emu.counts()["total_faulted"], 2);
        // Other services are untouched.
        let sts = call(
            "AKIDMGMT",
            "sts",
            "Action=GetCallerIdentity&Version=2011-06-15",
            None,
        );
        assert_eq!(run(&emu, sts).status, 200);
    }

    #[test]
    fn assume_role_is_denied_for_the_listed_accounts() {
        let mut o = options();
        let denied = o.spec.account_id(2);
        o.deny_assume = vec![denied.clone()];
        let emu = Arc::new(Emulator::new(o.clone()));
        let ok = run(
            &emu,
            call("AKIDMGMT", "sts", &assume(&o.spec.account_id(1)), None),
        );
        assert_eq!(ok.status, 200);
        let no = run(&emu, call("AKIDMGMT", "sts", &assume(&denied), None));
        assert_eq!(no.status, 403);
        assert!(body(&no).contains("<Code>AccessDenied</Code>"));
    }

    #[test]
    fn credentials_expire_after_their_lifetime() {
        let mut o = options();
        o.credential_lifetime = Some(Duration::from_secs(1));
        let member = o.spec.account_id(1);
        let emu = Arc::new(Emulator::new(o));
        let out = body(&run(&emu, call("AKIDMGMT", "sts", &assume(&member), None)));
        let (key, token) = (leaf(&out, "AccessKeyId"), leaf(&out, "SessionToken"));
        let expiry = services::token_expiry(&token).unwrap();
        assert!(expiry as f64 <= time::now_secs() + 1.0);
        assert_eq!(
            run(&emu, call(&key, "ec2", DESCRIBE, Some(&token))).status,
            200
        );
        std::thread::sleep(Duration::from_millis(2100));
        let late = run(&emu, call(&key, "ec2", DESCRIBE, Some(&token)));
        assert_eq!(late.status, 400);
        assert!(body(&late).contains("<Code>ExpiredToken</Code>"));
    }

    #[test]
    fn calls_of_a_hanging_account_wait() {
        let mut o = options();
        o.hang_accounts = vec![o.spec.account_id(1)];
        o.hang_for = Duration::from_millis(300);
        let member = o.spec.account_id(1);
        let emu = Arc::new(Emulator::new(o));
        let key = services::access_key_for(&member, 7);
        let t = Instant::now();
        assert_eq!(
            run(&emu, call("AKIDMGMT", "ec2", DESCRIBE, None)).status,
            200
        );
        assert!(t.elapsed() < Duration::from_millis(200));
        let t = Instant::now();
        assert_eq!(run(&emu, call(&key, "ec2", DESCRIBE, None)).status, 200);
        assert!(t.elapsed() >= Duration::from_millis(300));
        assert_eq!(emu.counts()["hung"], 1);
    }
}
