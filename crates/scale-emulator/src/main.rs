//! `ibaudit-scale-emulator`: serves a generated organization in AWS's wire
//! formats (see the library's documentation), prints what a scan must find
//! (`--expect`), or measures its own capacity (`--capacity`).

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use ibaudit_scale_emulator::org::{Spec, REGIONS};
use ibaudit_scale_emulator::throttle::Rate;
use ibaudit_scale_emulator::{expectation, services, start, Emulator, Options};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Parser, Debug)]
#[command(
    name = "ibaudit-scale-emulator",
    about = "An AWS API emulator of a generated organization, for scale tests of ibaudit's collector",
    long_about = "Serves EC2, STS, Organizations, CloudTrail and Image Builder, in AWS's own wire formats, \
for ACCOUNTS accounts x REGIONS regions generated from SEED. Prints one JSON line with the endpoint \
on stdout, then serves. GET /_scale/counts: the calls received and the throttles sent; \
POST /_scale/reset clears them; GET /_scale/expect: what --expect prints."
)]
struct Cli {
    /// Accounts in the organization, the management account included.
    #[arg(long, default_value_t = 100)]
    accounts: usize,
    /// Regions enabled in every account (the first R of the 17 default regions).
    #[arg(long, default_value_t = 17, value_parser = clap::value_parser!(u16).range(1..=17))]
    regions: u16,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of Image Builder VPCs with one defect (accounts with a broken trail: half of it).
    #[arg(long, default_value_t = 0.3)]
    broken_share: f64,
    /// Share of account-regions that use Image Builder.
    #[arg(long, default_value_t = 0.7)]
    imagebuilder_share: f64,
    /// Added to every AWS call.
    #[arg(long, default_value_t = 40)]
    latency_ms: u64,
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// No AWS token buckets (EC2: 100 tokens, 20/s; CloudTrail: 10, 10/s; per
    /// account, region and action).
    #[arg(long)]
    no_ec2_buckets: bool,
    /// A token bucket SERVICE=CAPACITY/REFILL per account, region and action
    /// (repeatable), e.g. sts=600/600; ec2=... replaces EC2's default.
    #[arg(long = "rate", value_name = "SERVICE=CAPACITY/REFILL")]
    rates: Vec<String>,
    /// Throttle this share of the calls to --throttle-services (0 to 1;
    /// each a service, e.g. ec2, or one action, e.g. ec2:DescribeVpcs).
    #[arg(long, default_value_t = 0.0)]
    throttle_fraction: f64,
    /// ...but never the same request more than this many times in a row.
    #[arg(long, default_value_t = 2)]
    throttle_max_consecutive: u32,
    #[arg(long, default_value = "ec2", value_delimiter = ',')]
    throttle_services: Vec<String>,
    /// AssumeRole succeeds only for this role name.
    #[arg(long)]
    role_name: Option<String>,
    /// AssumeRole succeeds only with this external id.
    #[arg(long)]
    external_id: Option<String>,
    /// Fail this share of the calls to --error-services with HTTP 500 or 503
    /// (0 to 1; never the same request more than --throttle-max-consecutive
    /// times in a row).
    #[arg(long, default_value_t = 0.0)]
    error_fraction: f64,
    #[arg(long, default_value = "ec2", value_delimiter = ',')]
    error_services: Vec<String>,
    /// Deny AssumeRole into these accounts (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    deny_assume: Vec<String>,
    /// Answer the calls made with these accounts' credentials only after
    /// --hang-seconds (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    hang_accounts: Vec<String>,
    #[arg(long, default_value_t = 3600.0)]
    hang_seconds: f64,
    /// The lifetime of the credentials AssumeRole hands out, whatever
    /// DurationSeconds asks; calls with expired ones get ExpiredToken.
    #[arg(long)]
    credential_seconds: Option<f64>,
    /// Print the expected findings and the minimum calls as JSON, and exit.
    #[arg(long)]
    expect: bool,
    /// Stop when standard input closes (for a harness that holds it open).
    #[arg(long)]
    exit_on_stdin_eof: bool,
    /// Measure the calls per second the emulator sustains (latency 0, no
    /// buckets), with a load generator in the same process, and exit.
    #[arg(long)]
    capacity: bool,
    #[arg(long, default_value_t = 64)]
    capacity_connections: usize,
    #[arg(long, default_value_t = 5.0)]
    capacity_seconds: f64,
    /// Server worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
}

fn options(cli: &Cli) -> Result<Options, String> {
    let spec = Spec {
        seed: cli.seed,
        accounts: cli.accounts.max(1),
        regions: usize::from(cli.regions),
        broken_share: cli.broken_share.clamp(0.0, 1.0),
        imagebuilder_share: cli.imagebuilder_share.clamp(0.0, 1.0),
    };
    let mut opts = Options::new(spec);
    opts.latency = Duration::from_millis(cli.latency_ms);
    opts.ec2_buckets = !cli.no_ec2_buckets;
    for r in &cli.rates {
        let (service, rate) = r
            .split_once('=')
            .ok_or_else(|| format!("--rate {r}: expected SERVICE=CAPACITY/REFILL"))?;
        opts.rates.push((service.to_string(), Rate::parse(rate)?));
    }
    opts.throttle_fraction = cli.throttle_fraction.clamp(0.0, 1.0);
    opts.throttle_max_consecutive = cli.throttle_max_consecutive;
    opts.throttle_services = cli.throttle_services.clone();
    opts.role_name = cli.role_name.clone();
    opts.external_id = cli.external_id.clone();
    opts.error_fraction = cli.error_fraction.clamp(0.0, 1.0);
    opts.error_services = cli.error_services.clone();
    opts.deny_assume = cli.deny_assume.clone();
    opts.hang_accounts = cli.hang_accounts.clone();
    opts.hang_for = Duration::from_secs_f64(cli.hang_seconds.max(0.0));
    opts.credential_lifetime = cli
        .credential_seconds
        .map(|s| Duration::from_secs_f64(s.max(0.0)));
    Ok(opts)
}

fn main() {
    let cli = Cli::parse();
    let opts = match options(&cli) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("ibaudit-scale-emulator: {e}");
            std::process::exit(2);
        }
    };
    if cli.expect {
        let mut out = std::io::stdout().lock();
        let _ = serde_json::to_writer(&mut out, &expectation(&opts));
        let _ = writeln!(out);
        return;
    }
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(n) = cli.threads {
        rt.worker_threads(n.max(1));
    }
    let rt = rt.build().expect("a tokio runtime");
    if cli.capacity {
        rt.block_on(capacity(
            opts,
            cli.capacity_connections,
            cli.capacity_seconds,
        ));
        return;
    }
    rt.block_on(serve(opts, &cli.listen, cli.exit_on_stdin_eof));
}

async fn serve(opts: Options, listen: &str, exit_on_eof: bool) {
    let hello_regions: Vec<&str> = opts.spec.region_names().to_vec();
    let (accounts, management, latency) =
        (opts.spec.accounts, opts.spec.management(), opts.latency);
    let emu = Arc::new(Emulator::new(opts));
    let (addr, task) = match start(emu, listen).await {
        Ok(x) => x,
        Err(e) => {
            eprintln!("ibaudit-scale-emulator: cannot listen on {listen}: {e}");
            std::process::exit(2);
        }
    };
    let hello = serde_json::json!({
        "endpoint": format!("http://{addr}"),
        "management_account": management,
        "accounts": accounts,
        "regions": hello_regions,
        "latency_ms": latency.as_millis() as u64,
    });
    println!("{hello}");
    let _ = std::io::stdout().flush();
    if exit_on_eof {
        let mut stdin = tokio::io::stdin();
        let mut buf = [0u8; 256];
        while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
        return;
    }
    let _ = task.await;
}

/// One signed-looking request of each kind the collector makes most.
fn templates(host: &str, opts: &Options) -> Vec<Vec<u8>> {
    let spec = &opts.spec;
    let member = spec.account_id(spec.accounts.min(2) - 1);
    let key = services::access_key_for(&member, spec.seed);
    let region = REGIONS[0];
    let auth = |service: &str| {
        format!(
            "AWS4-HMAC-SHA256 Credential={key}/20260110/{region}/{service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0"
        )
    };
    let request = |path: &str, service: &str, ctype: &str, target: Option<&str>, body: &str| {
        let mut r = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {}\r\nX-Amz-Date: 20260110T120000Z\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n",
            auth(service),
            body.len()
        );
        if let Some(t) = target {
            r.push_str(&format!("X-Amz-Target: {t}\r\n"));
        }
        r.push_str("\r\n");
        r.push_str(body);
        r.into_bytes()
    };
    let form = "application/x-www-form-urlencoded; charset=utf-8";
    vec![
        request("/", "ec2", form, None, "Action=DescribeVpcEndpoints&Version=2016-11-15"),
        request(
            "/",
            "ec2",
            form,
            None,
            &format!("Action=DescribePrefixLists&Version=2016-11-15&Filter.1.Name=prefix-list-name&Filter.1.Value.1=com.amazonaws.{region}.s3"),
        ),
        request("/", "ec2", form, None, "Action=DescribeRouteTables&Version=2016-11-15"),
        request(
            "/",
            "cloudtrail",
            "application/x-amz-json-1.1",
            Some("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails"),
            r#"{"includeShadowTrails":true}"#,
        ),
        request("/ListInfrastructureConfigurations", "imagebuilder", "application/json", None, "{}"),
        request("/", "sts", form, None, "Action=GetCallerIdentity&Version=2011-06-15"),
    ]
}

/// Reads one response; false when the connection closed or it is not a 200.
async fn read_response(stream: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut resp = httparse::Response::new(&mut headers);
        if let Ok(httparse::Status::Complete(n)) = resp.parse(buf) {
            let ok = resp.code == Some(200);
            let len: usize = resp
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < n + len {
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return false,
                    Ok(r) => buf.extend_from_slice(&chunk[..r]),
                }
            }
            buf.drain(..n + len);
            return ok;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(r) => buf.extend_from_slice(&chunk[..r]),
        }
    }
}

async fn capacity(mut opts: Options, connections: usize, seconds: f64) {
    opts.latency = Duration::ZERO;
    opts.ec2_buckets = false;
    opts.rates.clear();
    opts.throttle_fraction = 0.0;
    let emu = Arc::new(Emulator::new(opts.clone()));
    let (addr, _task) = start(emu.clone(), "127.0.0.1:0")
        .await
        .expect("the emulator listens");
    let host = addr.to_string();
    let templates = Arc::new(templates(&host, &opts));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let warmup = Duration::from_millis(500);
    let mut tasks = Vec::new();
    for c in 0..connections.max(1) {
        let (templates, done, failed, stop, host) = (
            templates.clone(),
            done.clone(),
            failed.clone(),
            stop.clone(),
            host.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(&host)
                .await
                .expect("connect");
            let _ = stream.set_nodelay(true);
            let mut buf = Vec::with_capacity(32 * 1024);
            let mut i = c;
            while !stop.load(Ordering::Relaxed) {
                let t = &templates[i % templates.len()];
                i += 1;
                if stream.write_all(t).await.is_err() {
                    return;
                }
                if read_response(&mut stream, &mut buf).await {
                    done.fetch_add(1, Ordering::Relaxed);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            }
        }));
    }
    tokio::time::sleep(warmup).await;
    let (start_count, started) = (done.load(Ordering::Relaxed), Instant::now());
    tokio::time::sleep(Duration::from_secs_f64(seconds.max(0.1))).await;
    let (end_count, elapsed) = (done.load(Ordering::Relaxed), started.elapsed());
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let per_sec = (end_count - start_count) as f64 / elapsed.as_secs_f64();
    let out = serde_json::json!({
        "calls_per_second": per_sec.round(),
        "connections": connections,
        "seconds": elapsed.as_secs_f64(),
        "calls": end_count - start_count,
        "failed": failed.load(Ordering::Relaxed),
        "mix": ["ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists", "ec2:DescribeRouteTables",
                "cloudtrail:DescribeTrails", "imagebuilder:ListInfrastructureConfigurations", "sts:GetCallerIdentity"],
        "note": "load generator and server share this process and its cores",
    });
    println!("{out}");
}
