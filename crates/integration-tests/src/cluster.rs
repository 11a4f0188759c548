//! Many instances on one Redis: a real `redis-server` on a free port, N `testhost up` processes
//! of the real app on it (`kv_backend = "redis"`), and one mock platform server they all send
//! to. Instances are processes so that [`Cluster::kill`] is a real `SIGKILL` mid-work: nothing
//! of the dead instance (spawned tasks, leases it held) gets to clean up.
//!
//! The instances run the `cluster-node` program of this crate (the test host's command line),
//! found next to the running test or benchmark executable.

pub mod seed;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use mock_platforms::MockServer;
use testhost::kv::resp::{Conn, Reply};

use crate::{Client, app_variables, loopback, repo_root, token_for};

/// A `redis-server` of our own, on a free port, persisting nothing; killed on drop.
pub struct RedisServer {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn scratch_dir(what: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("pm-{what}-{}-{}", std::process::id(), free_port()));
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

impl RedisServer {
    /// Starts `redis-server` (`$REDIS_SERVER`, else from `PATH`; Debian package
    /// `redis-server`) and waits until it answers `PING`.
    pub fn start() -> RedisServer {
        let bin = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let dir = scratch_dir("redis");
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(&bin)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no", "--loglevel", "warning"])
                .arg("--dir")
                .arg(&dir)
                .stdout(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {bin} (apt-get install redis-server): {e}"));
            for _ in 0..100 {
                if let Ok(mut c) = Conn::open(&format!("redis://127.0.0.1:{port}"))
                    && c.cmd(&["PING"]).is_ok()
                {
                    return RedisServer { child, port, dir };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break; // the port was taken in between: try another
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("redis-server did not start");
    }

    /// `redis://127.0.0.1:{port}`: what `redis_url` is set to.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A fresh connection (database 0).
    pub fn conn(&self) -> Conn {
        Conn::open(&self.url()).expect("connect to redis")
    }

    /// Commands the server has processed so far (`INFO stats`), harness commands included.
    pub fn commands_processed(&self) -> u64 {
        let info = self.conn().cmd(&["INFO", "stats"]).expect("INFO");
        let text = match info {
            Reply::Bulk(b) => String::from_utf8_lossy(&b).into_owned(),
            other => panic!("INFO answered {other:?}"),
        };
        text.lines()
            .find_map(|l| l.strip_prefix("total_commands_processed:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("total_commands_processed")
    }
}

impl RedisServer {
    /// Writes queue entries made by the core (e.g. `pixel_core::queue::enqueue_minted` on a
    /// memory store) straight into the app's Redis queue, due index included, as
    /// `edge_kit::redis_kv` lays them out: keys under `pm:queue:`, each delivery key in the
    /// sorted set `pm:queue:~due/{config}` scored by its due time, each config in
    /// `pm:queue:~due-groups` scored by its earliest. Pipelined: 100,000 deliveries in seconds.
    pub fn seed_queue(&self, pairs: &[(String, Vec<u8>)]) {
        use pixel_core::schema::{QueueKey, parse_queue_key};
        const P: &str = "pm:queue:";
        let mut conn = self.conn();
        let mut earliest: std::collections::BTreeMap<String, i64> = Default::default();
        for chunk in pairs.chunks(2_000) {
            let mut cmds: Vec<Vec<Vec<u8>>> = Vec::new();
            let mut mset = vec![b"MSET".to_vec()];
            for (k, v) in chunk {
                mset.push(format!("{P}{k}").into_bytes());
                mset.push(v.clone());
                if let QueueKey::Delivery { config, due_ms, .. } = parse_queue_key(k) {
                    let slot = earliest.entry(config.to_string()).or_insert(due_ms);
                    *slot = (*slot).min(due_ms);
                    cmds.push(vec![
                        b"ZADD".to_vec(),
                        format!("{P}~due/{config}").into_bytes(),
                        due_ms.to_string().into_bytes(),
                        k.clone().into_bytes(),
                    ]);
                }
            }
            cmds.push(mset);
            for r in conn.pipeline(&cmds).expect("seed the queue") {
                r.ok().expect("a seeding command");
            }
        }
        for (config, due) in earliest {
            conn.cmd(&[
                "ZADD".to_owned(),
                format!("{P}~due-groups"),
                "LT".to_owned(),
                due.to_string(),
                config,
            ])
            .and_then(Reply::ok)
            .expect("index the config");
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One instance: a `cluster-node up` process.
pub struct Node {
    child: Child,
    pub addr: SocketAddr,
    pub client: Client,
}

/// The program that runs an instance: `cluster-node` next to the current executable (tests run
/// from `target/release/deps`, programs from `target/release`).
fn node_program() -> PathBuf {
    let exe = std::env::current_exe().expect("current executable");
    let name = format!("cluster-node{}", std::env::consts::EXE_SUFFIX);
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|d| d.join(&name))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("{name} not found near {exe:?}: cargo build --release -p integration-tests")
        })
}

/// The runtime config of every instance: Spin requires the labels to exist; with
/// `kv_backend = "redis"` the app keeps its data in database 0 through outbound Redis, and these
/// `type = "redis"` stores (Spin's, unable to compare-and-swap) stay unused.
fn runtime_config(dir: &Path, redis: &RedisServer) -> PathBuf {
    let config: String = ["default", "configs", "queue", "logs", "stats"]
        .iter()
        .enumerate()
        .map(|(i, l)| {
            format!(
                "[key_value_store.{l}]\ntype = \"redis\"\nurl = \"{}/{}\"\n\n",
                redis.url(),
                i + 10
            )
        })
        .collect();
    let file = dir.join("runtime-config.toml");
    std::fs::write(&file, config).expect("write the runtime config");
    file
}

impl Node {
    fn start(program: &Path, config: &Path, variables: &[(String, String)]) -> Node {
        let mut cmd = Command::new(program);
        cmd.arg("up")
            .arg("--from")
            .arg(repo_root().join("spin.toml"))
            .args(["--listen", "127.0.0.1:0", "--runtime-config-file"])
            .arg(config);
        for (k, v) in variables {
            cmd.arg("--variable").arg(format!("{k}={v}"));
        }
        // No SPIN_VARIABLE_* from the developer's shell leaks into a test.
        for (k, _) in std::env::vars() {
            if k.starts_with("SPIN_VARIABLE_") {
                cmd.env_remove(k);
            }
        }
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cluster-node");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("serving http://") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr.trim().to_owned());
                    }
                    continue;
                }
                // The instance's own logs (the dispatcher's, errors) stay visible.
                if !line.starts_with("  ") && line != "Available Routes:" {
                    eprintln!("[node] {line}");
                }
            }
        });
        let addr: SocketAddr = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(a) => a.parse().expect("listen address"),
            Err(_) => {
                let _ = child.kill();
                panic!("cluster-node did not start (run scripts/build-components first)");
            }
        };
        Node {
            child,
            addr,
            client: Client::new(addr),
        }
    }
}

/// N instances of the app on one Redis and one mock.
pub struct Cluster {
    pub redis: RedisServer,
    pub mock: Arc<MockServer>,
    nodes: Vec<Option<Node>>,
    dir: PathBuf,
}

impl Cluster {
    /// Starts a Redis, a mock and `n` instances with the test app's variables plus `extra`.
    pub async fn start(n: usize, extra: &[(&str, &str)]) -> Cluster {
        let mock = mock_platforms::spawn(loopback())
            .await
            .expect("start mock platforms");
        let redis = RedisServer::start();
        Self::start_on(redis, Arc::new(mock), n, extra).await
    }

    /// As [`Cluster::start`] on an existing Redis (already seeded, say) and mock.
    pub async fn start_on(
        redis: RedisServer,
        mock: Arc<MockServer>,
        n: usize,
        extra: &[(&str, &str)],
    ) -> Cluster {
        let dir = scratch_dir("cluster");
        let config = runtime_config(&dir, &redis);
        let mut variables = app_variables(&mock.url());
        variables.push(("kv_backend".into(), "redis".into()));
        variables.push(("redis_url".into(), redis.url()));
        for (k, v) in extra {
            variables.retain(|(name, _)| name != k);
            variables.push(((*k).into(), (*v).into()));
        }
        let program = node_program();
        let nodes = tokio::task::spawn_blocking(move || {
            // The first compiles the components into the shared cache; the rest load it.
            let first = Node::start(&program, &config, &variables);
            let rest: Vec<Node> = std::thread::scope(|s| {
                let handles: Vec<_> = (1..n)
                    .map(|_| s.spawn(|| Node::start(&program, &config, &variables)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("start a node"))
                    .collect()
            });
            std::iter::once(first)
                .chain(rest)
                .map(Some)
                .collect::<Vec<_>>()
        })
        .await
        .expect("start the nodes");
        Cluster {
            redis,
            mock,
            nodes,
            dir,
        }
    }

    /// How many instances were started (killed ones included).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Instance `i`; panics if it was killed.
    pub fn node(&self, i: usize) -> &Node {
        self.nodes[i].as_ref().expect("a live instance")
    }

    /// The clients of the live instances.
    pub fn clients(&self) -> Vec<&Client> {
        self.nodes.iter().flatten().map(|n| &n.client).collect()
    }

    /// The addresses of the live instances.
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.nodes.iter().flatten().map(|n| n.addr).collect()
    }

    /// `SIGKILL` instance `i`: no graceful shutdown, its in-flight work and leases are left as
    /// a crash leaves them.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut node) = self.nodes[i].take() {
            let _ = node.child.kill();
            let _ = node.child.wait();
        }
    }

    /// A bearer token for a trainer admin of `tenant`.
    pub fn token(&self, tenant: &str) -> String {
        token_for(tenant, "trainer_admin", 3600)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            self.kill(i);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
