//! Load test, ignored by default (CI runs it explicitly, see the crate README):
//! 32 concurrent clones and 8 concurrent pushers through the `codecommit-mock serve` binary,
//! then `kill -9`, restart on the same `--data`, every pushed ref still there and `git fsck`
//! clean; and the mock's overhead over plain `git http-backend` behind a trivial HTTP server.
//! Loopback only; every git process is killed if it outlives its deadline.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use codecommit_testkit::Sandbox;

use crate::serve::{Served, check, serve, url};

const CLONES: usize = 32;
const PUSHERS: usize = 8;
const PUSHES_EACH: usize = 5;
const COMMITS: usize = 3000;
const DEADLINE: Duration = Duration::from_secs(120);

/// Runs `cmd`, killing it after [`DEADLINE`].
fn bounded(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().expect("output"),
            Ok(None) if started.elapsed() > DEADLINE => {
                let _ = child.kill();
                let out = child.wait_with_output().expect("output");
                panic!(
                    "{cmd:?} exceeded {DEADLINE:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("{cmd:?}: {e}"),
        }
    }
}

fn git_in(sandbox: &Sandbox, served: &Served) -> Command {
    crate::serve::git(sandbox, served)
}

/// A repository of [`COMMITS`] commits, made with `git fast-import`.
fn seed(sandbox: &Sandbox, dir: &Path) {
    let git = &crate::support::gits()[0];
    check(
        sandbox
            .command(git)
            .args(["init", "-q", "-b", "main"])
            .arg(dir),
    );
    let mut stream = Vec::new();
    for i in 0..COMMITS {
        let body = format!("line {i}\n").repeat(1 + i % 7);
        let msg = format!("commit {i}\n");
        write!(
            stream,
            "commit refs/heads/main\nmark :{}\ncommitter T <t@example.com> {} +0000\ndata {}\n{msg}",
            i + 1,
            1_700_000_000 + i,
            msg.len()
        )
        .expect("write");
        if i > 0 {
            writeln!(stream, "from :{i}").expect("write");
        }
        write!(
            stream,
            "M 100644 inline f{}.txt\ndata {}\n{body}\n",
            i % 50,
            body.len()
        )
        .expect("write");
    }
    let mut child = sandbox
        .command(git)
        .arg("-C")
        .arg(dir)
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&stream)
        .expect("feed fast-import");
    assert!(child.wait().expect("wait").success());
    check(
        sandbox
            .command(git)
            .arg("-C")
            .arg(dir)
            .args(["reset", "-q", "--hard", "main"]),
    );
}

fn rev(sandbox: &Sandbox, dir: &Path, what: &str) -> String {
    check(
        sandbox
            .command(&crate::support::gits()[0])
            .arg("-C")
            .arg(dir)
            .args(["rev-parse", what]),
    )
    .trim()
    .to_owned()
}

#[test]
#[ignore = "load test: cargo test -p codecommit-mock --test mock -- --ignored --nocapture load::"]
fn concurrent_clones_and_pushes_survive_kill_9() {
    let sandbox = Sandbox::new();
    let config = sandbox.root().join("mock.toml");
    std::fs::write(&config, crate::support::config_toml()).expect("config");
    let data = sandbox.root().join("data");
    let mut served = serve(&config, &data);
    let seed_dir = sandbox.root().join("seed");
    let t = Instant::now();
    seed(&sandbox, &seed_dir);
    println!("seed: {COMMITS} commits in {:.2?}", t.elapsed());
    let t = Instant::now();
    check(
        git_in(&sandbox, &served)
            .arg("-C")
            .arg(&seed_dir)
            .args(["push", "-q", &url(), "main"]),
    );
    println!("initial push of {COMMITS} commits: {:.2?}", t.elapsed());
    let seed_head = rev(&sandbox, &seed_dir, "HEAD");

    // 32 clones and 8 pushers, all at once.
    let started = Instant::now();
    let results: Vec<(String, Result<String, String>, Duration)> = std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for i in 0..CLONES {
            let (sandbox, served) = (&sandbox, &served);
            handles.push(scope.spawn(move || {
                let t = Instant::now();
                let dir = sandbox.root().join(format!("clone{i}"));
                let out = bounded(
                    git_in(sandbox, served)
                        .args(["clone", "-q", "--bare", &url()])
                        .arg(&dir),
                );
                let result = if out.status.success() {
                    Ok(rev(sandbox, &dir, "main"))
                } else {
                    Err(String::from_utf8_lossy(&out.stderr).into_owned())
                };
                (format!("clone{i}"), result, t.elapsed())
            }));
        }
        for p in 0..PUSHERS {
            let (sandbox, served) = (&sandbox, &served);
            handles.push(scope.spawn(move || {
                let t = Instant::now();
                let dir = sandbox.root().join(format!("pusher{p}"));
                check(git_in(sandbox, served).args(["init", "-q"]).arg(&dir));
                for n in 0..PUSHES_EACH {
                    std::fs::write(dir.join("p.txt"), format!("pusher {p} push {n}\n"))
                        .expect("write");
                    check(
                        git_in(sandbox, served)
                            .arg("-C")
                            .arg(&dir)
                            .args(["add", "p.txt"]),
                    );
                    check(git_in(sandbox, served).arg("-C").arg(&dir).args([
                        "commit",
                        "-q",
                        "-m",
                        &format!("{p}/{n}"),
                    ]));
                    let out = bounded(git_in(sandbox, served).arg("-C").arg(&dir).args([
                        "push",
                        "-q",
                        &url(),
                        &format!("HEAD:refs/heads/pusher{p}"),
                    ]));
                    if !out.status.success() {
                        return (
                            format!("pusher{p}"),
                            Err(String::from_utf8_lossy(&out.stderr).into_owned()),
                            t.elapsed(),
                        );
                    }
                }
                (
                    format!("pusher{p}"),
                    Ok(rev(sandbox, &dir, "HEAD")),
                    t.elapsed(),
                )
            }));
        }
        handles
            .into_iter()
            .map(|h| h.join().expect("worker thread"))
            .collect()
    });
    let wall = started.elapsed();
    let failures: Vec<_> = results.iter().filter(|(_, r, _)| r.is_err()).collect();
    assert!(failures.is_empty(), "unexpected failures: {failures:#?}");
    for (name, result, _) in &results {
        if name.starts_with("clone") {
            assert_eq!(result.as_deref(), Ok(seed_head.as_str()), "{name}");
        }
    }
    let clone_times: Vec<f64> = results
        .iter()
        .filter(|(n, ..)| n.starts_with("clone"))
        .map(|(.., d)| d.as_secs_f64())
        .collect();
    let push_times: Vec<f64> = results
        .iter()
        .filter(|(n, ..)| n.starts_with("pusher"))
        .map(|(.., d)| d.as_secs_f64())
        .collect();
    let stats = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        format!("median {:.2}s, max {:.2}s", v[v.len() / 2], v[v.len() - 1])
    };
    println!(
        "{CLONES} concurrent clones + {PUSHERS} pushers x {PUSHES_EACH} pushes: wall {wall:.2?}"
    );
    println!("  clone: {}", stats(&clone_times));
    println!("  pusher ({PUSHES_EACH} pushes): {}", stats(&push_times));

    // kill -9 right after the last push was reported done, then restart on the same data.
    served.child.kill().expect("kill -9");
    let _ = served.child.wait();
    drop(served);
    let served = serve(&config, &data);
    let refs = check(git_in(&sandbox, &served).args(["ls-remote", &url()]));
    for (name, result, _) in &results {
        if let (true, Ok(sha)) = (name.starts_with("pusher"), result) {
            assert!(
                refs.contains(&format!("{sha}\trefs/heads/{name}")),
                "{name} lost after kill -9:\n{refs}"
            );
        }
    }
    let bare = data.join("codecommit/us-east-2/MyDemoRepo.git");
    let fsck = bounded(
        sandbox
            .command(&crate::support::gits()[0])
            .arg("-C")
            .arg(&bare)
            .args(["fsck", "--strict"]),
    );
    assert!(
        fsck.status.success(),
        "fsck: {}",
        String::from_utf8_lossy(&fsck.stderr)
    );

    overhead(&sandbox, &served, &bare);
}

/// Sequential clones of the seeded repository: through the mock (CONNECT, TLS, SigV4-less
/// static credential check, CGI) vs. the same `git http-backend` behind a plain HTTP server.
fn overhead(sandbox: &Sandbox, served: &Served, bare: &Path) {
    const ROUNDS: usize = 5;
    let plain = PlainServer::start(bare.parent().expect("region dir").to_path_buf());
    let time_clones = |make: &dyn Fn(usize) -> Command| {
        let mut times = Vec::new();
        for i in 0..ROUNDS {
            let t = Instant::now();
            let out = bounded(&mut make(i));
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        times[ROUNDS / 2]
    };
    let mock = time_clones(&|i| {
        let mut cmd = git_in(sandbox, served);
        cmd.args(["clone", "-q", "--bare", &url()])
            .arg(sandbox.root().join(format!("o-mock{i}")));
        cmd
    });
    let direct = time_clones(&|i| {
        let mut cmd = sandbox.command(&crate::support::gits()[0]);
        cmd.args([
            "clone",
            "-q",
            "--bare",
            &format!("http://{}/MyDemoRepo.git", plain.addr),
        ])
        .arg(sandbox.root().join(format!("o-plain{i}")));
        cmd
    });
    println!(
        "clone of {COMMITS} commits, median of {ROUNDS}: mock {:.3}s, plain http-backend {:.3}s, overhead {:+.3}s ({:+.0}%)",
        mock,
        direct,
        mock - direct,
        (mock / direct - 1.0) * 100.0
    );
}

/// `git http-backend` behind the smallest HTTP server: no proxy, TLS, authentication or log.
struct PlainServer {
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PlainServer {
    fn start(root: PathBuf) -> PlainServer {
        use hyper::service::service_fn;
        use hyper_util::rt::TokioIo;
        let home = root.join("../../home");
        let backend = codecommit_mock::backend::Backend::locate(&crate::support::tool("git"), home)
            .expect("http-backend");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                loop {
                    tokio::select! {
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let (backend, root) = (backend.clone(), root.clone());
                            tokio::spawn(async move {
                                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                                    let (backend, root) = (backend.clone(), root.clone());
                                    async move {
                                        let header = |n: &str| req.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
                                        let cgi = codecommit_mock::backend::CgiRequest {
                                            project_root: root,
                                            path_info: req.uri().path().to_owned(),
                                            method: req.method().as_str().to_owned(),
                                            query: req.uri().query().unwrap_or("").to_owned(),
                                            content_type: header("content-type"),
                                            content_length: header("content-length").and_then(|v| v.parse().ok()),
                                            content_encoding: header("content-encoding"),
                                            git_protocol: header("git-protocol"),
                                            remote_user: "plain".into(),
                                        };
                                        let out = codecommit_mock::backend::run(&backend, cgi, req.into_body(), u64::MAX, Duration::from_secs(60))
                                            .await
                                            .map_err(|r| std::io::Error::other(format!("{r:?}")))?;
                                        let mut resp = hyper::Response::new(out.body);
                                        *resp.status_mut() = out.status;
                                        for (k, v) in out.headers {
                                            if let (Ok(k), Ok(v)) = (hyper::header::HeaderName::from_bytes(k.as_bytes()), hyper::header::HeaderValue::from_str(&v)) {
                                                resp.headers_mut().append(k, v);
                                            }
                                        }
                                        Ok::<_, std::io::Error>(resp)
                                    }
                                });
                                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                            });
                        }
                        _ = &mut stopped => break,
                    }
                }
            });
        });
        PlainServer {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for PlainServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
