//! Baseline benchmark: `testhost up` serving the probe's trivial route vs a plain hyper server
//! doing the same work, over loopback, in the same run. Prints requests/s, p50/p99 latency,
//! their ratio, the resident memory of `testhost up` idle and under load, and the size of each
//! release `.wasm`. Bounded by time and by request count.
//!
//! `cargo run --release -p testhost --bin bench-host -- [--connections N] [--seconds S] [--max-requests M]`

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use testhost::client::Conn;
use testhost::probe::{ProbeApp, target_dir};

/// The trivial route: the probe answers `name|matched-route|path-info` (one variables call).
const PATH: &str = "/a/b";
const EXPECTED: &str = "exact|/a/b|";

struct Args {
    connections: usize,
    seconds: u64,
    max_requests: u64,
}

fn args() -> Result<Args> {
    let mut a = Args {
        connections: 32,
        seconds: 5,
        max_requests: 500_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--connections" => a.connections = value.parse()?,
            "--seconds" => a.seconds = value.parse()?,
            "--max-requests" => a.max_requests = value.parse()?,
            _ => bail!("unknown flag {flag}"),
        }
    }
    Ok(a)
}

struct Figures {
    requests: u64,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    errors: u64,
}

impl Figures {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// `connections` kept-alive connections, each looping `GET PATH` until the time or count bound.
async fn drive(addr: SocketAddr, a: &Args) -> Result<Figures> {
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let sent = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..a.connections {
        let (sent, errors, max) = (sent.clone(), errors.clone(), a.max_requests);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let Ok(mut conn) = Conn::open(addr).await else {
                errors.fetch_add(1, Ordering::Relaxed);
                return lat;
            };
            while Instant::now() < deadline && sent.fetch_add(1, Ordering::Relaxed) < max {
                let t = Instant::now();
                match conn.get(PATH).await {
                    Ok((200, body)) if body == EXPECTED => lat.push(t.elapsed()),
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        match Conn::open(addr).await {
                            Ok(c) => conn = c,
                            Err(_) => break,
                        }
                    }
                }
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await?);
    }
    let elapsed = start.elapsed();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Ok(Figures {
        requests: all.len() as u64,
        elapsed,
        p50: pct(0.50),
        p99: pct(0.99),
        errors: errors.load(Ordering::Relaxed),
    })
}

/// The same work as the probe's route, without WebAssembly.
async fn plain_server() -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let svc = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                    let route = if req.uri().path() == PATH { "/a/b" } else { "" };
                    let body = format!("exact|{route}|");
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from(body))))
                });
                _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Ok(addr)
}

fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Ends the child we started, by its own handle, whatever happens.
struct ChildGuard(Child);
impl Drop for ChildGuard {
    fn drop(&mut self) {
        _ = self.0.kill();
        _ = self.0.wait();
    }
}

fn start_testhost(app: &ProbeApp) -> Result<(ChildGuard, SocketAddr)> {
    let exe = std::env::current_exe()?.with_file_name("testhost");
    if !exe.exists() {
        bail!(
            "{} is missing: cargo build --release -p testhost",
            exe.display()
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    let mut child = Command::new(exe)
        .args([
            "up",
            "--kv",
            "memory",
            "--variable",
            "secret_token=bench",
            "--listen",
            &addr.to_string(),
            "--from",
        ])
        .arg(&app.manifest)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().context("child stderr")?;
    let guard = ChildGuard(child);
    let mut lines = BufReader::new(stderr).lines();
    loop {
        match lines.next() {
            Some(Ok(line)) if line.starts_with("serving http://") => break,
            Some(Ok(_)) => continue,
            _ => bail!("testhost up exited before serving"),
        }
    }
    // Keep draining so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    Ok((guard, addr))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = args()?;
    let dir = std::env::temp_dir().join(format!("testhost-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let app = ProbeApp::render(&dir)?;
    let (child, addr) = start_testhost(&app)?;
    let pid = child.0.id();

    // Warm up: instantiate once, then let the instance go idle before the idle reading.
    testhost::client::get(addr, PATH).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let rss_idle = vm_rss_kib(pid);

    let peak = Arc::new(AtomicU64::new(0));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                if let Some(kib) = vm_rss_kib(pid) {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let wasm = drive(addr, &a).await?;
    sampling.store(false, Ordering::Relaxed);
    sampler.await?;
    drop(child);

    let plain = drive(plain_server().await?, &a).await?;

    println!(
        "bench-host: GET {PATH}, {} connections, {} s or {} requests, loopback",
        a.connections, a.seconds, a.max_requests
    );
    println!(
        "{:<22} {:>12} {:>10} {:>10} {:>8}",
        "server", "requests/s", "p50 ms", "p99 ms", "errors"
    );
    for (name, f) in [("testhost up (wasm)", &wasm), ("plain hyper", &plain)] {
        println!(
            "{name:<22} {:>12.0} {:>10.3} {:>10.3} {:>8}",
            f.rps(),
            ms(f.p50),
            ms(f.p99),
            f.errors
        );
    }
    println!(
        "ratio testhost/plain: throughput {:.2}, p50 {:.2}x, p99 {:.2}x",
        wasm.rps() / plain.rps(),
        ms(wasm.p50) / ms(plain.p50).max(f64::EPSILON),
        ms(wasm.p99) / ms(plain.p99).max(f64::EPSILON)
    );
    let show = |k: Option<u64>| {
        k.map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
            .unwrap_or_else(|| "n/a".into())
    };
    println!(
        "testhost up VmRSS: idle {}, peak under load {}",
        show(rss_idle),
        show(Some(peak.load(Ordering::Relaxed)).filter(|k| *k > 0))
    );
    println!(
        "release .wasm sizes ({}):",
        target_dir().join("wasm32-wasip2/release").display()
    );
    let mut sizes: Vec<(String, u64)> =
        std::fs::read_dir(target_dir().join("wasm32-wasip2/release"))
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.path().extension().is_some_and(|x| x == "wasm"))
                    .filter_map(|e| {
                        Some((
                            e.file_name().to_string_lossy().into_owned(),
                            e.metadata().ok()?.len(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
    sizes.sort();
    for (name, bytes) in sizes {
        println!("  {name:<24} {:>8.1} KiB", bytes as f64 / 1024.0);
    }
    _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
