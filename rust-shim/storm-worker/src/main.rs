//! connguard-storm-worker: the Rust clients of `connguard storm --adapter
//! rust`, one tokio task per client over sqlx's `MySqlConnection`. It speaks
//! the storm worker protocol of python/connguard/storm/worker.py: a job as one
//! JSON line on stdin, "ready", then "go", one JSON line per client, then
//! {"end": true}.
//!
//! Strategies: "none" is one plain `MySqlConnection::connect_with` (bounded
//! by connguard's default connect_timeout, as the other workers' drivers);
//! "tenacity" is that connect in the loop Python tenacity runs for
//! `wait_random_exponential(multiplier=0.05, max=5)` and
//! `stop_after_delay(deadline)`, retrying on 1040 only; "connguard" is
//! `connguard::connect` with the job's deadline and max_attempts 1000, the
//! limiter on, as the other workers' connguard strategy; "oracle" is the
//! plain connect inside a semaphore of the job's "slots" (the process's share
//! of the server's free slots), released once the server has closed its end
//! of the connection after QUIT (at most 1 s: the C++ and Python adapters'
//! close rule). sqlx drops its socket without that wait and does not show it,
//! so the oracle finds it among the process's descriptors (Linux's
//! /proc/self/fd) by the client port the server lists for the connection
//! (`CONNECTION_ID(); SHOW PROCESSLIST`, in the client's own round trip) and
//! keeps a duplicate to read the end of stream on. MariaDB counts a closed
//! connection out a moment after its end of stream, so the oracle also
//! retries a 1040 after 1 ms until the deadline, as the other workers' oracle.
//! Each client holds its own "holds" entry ("hold" for all when absent). With
//! `"metrics": true` in the job it keeps connguard's metrics in memory from
//! before its first client and writes `{"metrics": SNAPSHOT}` (docs/spec.md
//! 8.3; `[]` for the strategies that do not go through connguard) before
//! {"end": true}. Exit status 2 for a job it cannot run, 1 when stdin closes
//! before "go".

use std::io::{self, BufRead, Write};
use std::mem::ManuallyDrop;
use std::os::fd::{BorrowedFd, FromRawFd as _, OwnedFd, RawFd};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use connguard::drivers::sqlx::failure_of;
use connguard::metrics::Metrics;
use connguard::{Failure, Policy};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{Connection as _, Executor as _, Row as _};
use tokio::io::AsyncReadExt as _;
use tokio::sync::{watch, Semaphore};

const NAME: &str = "connguard-storm-worker";
/// `ER_CON_COUNT_ERROR`, the one error the tenacity strategy retries.
const TOO_MANY_CONNECTIONS: u16 = 1040;
/// How long the oracle's close waits for the server's end of the connection.
const SERVER_CLOSE_WAIT: Duration = Duration::from_secs(1);
/// The oracle's pause before it tries a refused connect again.
const ORACLE_RETRY: Duration = Duration::from_millis(1);

enum Strategy {
    None,
    Tenacity {
        deadline: f64,
    },
    Connguard(Policy),
    Oracle {
        deadline: f64,
        slots: Arc<Semaphore>,
    },
}

struct Job {
    strategy: Strategy,
    /// Each client's `SELECT SLEEP(hold)`.
    sql: Vec<String>,
    options: MySqlConnectOptions,
    port: u16,
    /// The job's "metrics": write the snapshot line.
    metrics: bool,
}

fn field<'a>(object: &'a Value, key: &str) -> Result<&'a Value, String> {
    object
        .get(key)
        .ok_or_else(|| format!("the job has no \"{key}\""))
}

// Errors name the field, never its value: the password is one of them.
fn text<'a>(object: &'a Value, key: &str) -> Result<&'a str, String> {
    field(object, key)?
        .as_str()
        .ok_or_else(|| format!("\"{key}\" must be a string"))
}

fn whole<T: TryFrom<u64>>(object: &Value, key: &str) -> Result<T, String> {
    field(object, key)?
        .as_u64()
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| format!("\"{key}\" must be a whole number in range"))
}

fn seconds(object: &Value, key: &str) -> Result<f64, String> {
    field(object, key)?
        .as_f64()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .ok_or_else(|| format!("\"{key}\" must be a number of seconds >= 0"))
}

/// Each client's hold: the job's "holds", or its "hold" for every client.
fn holds(job: &Value, clients: usize) -> Result<Vec<f64>, String> {
    let Some(holds) = job.get("holds") else {
        return Ok(vec![seconds(job, "hold")?; clients]);
    };
    let holds: Option<Vec<f64>> = holds.as_array().map(|all| {
        all.iter()
            .filter_map(|h| h.as_f64().filter(|s| s.is_finite() && *s >= 0.0))
            .collect()
    });
    holds
        .filter(|h| h.len() == clients)
        .ok_or_else(|| "\"holds\" must be seconds >= 0, one per client".to_string())
}

fn read_job(line: &str) -> Result<Job, String> {
    let job: Value =
        serde_json::from_str(line).map_err(|error| format!("the job is not JSON: {error}"))?;
    let deadline = seconds(&job, "deadline")?;
    let strategy = match text(&job, "strategy")? {
        "none" => Strategy::None,
        "tenacity" => Strategy::Tenacity { deadline },
        "connguard" => Strategy::Connguard(Policy {
            deadline,
            max_attempts: 1000,
            ..Policy::default()
        }),
        "oracle" => {
            let slots: usize = whole(&job, "slots")
                .ok()
                .filter(|n| *n >= 1)
                .ok_or("the oracle needs \"slots\" (a whole number >= 1)")?;
            Strategy::Oracle {
                deadline,
                slots: Arc::new(Semaphore::new(slots)),
            }
        }
        other => {
            return Err(format!(
                "unknown strategy {other:?}; one of none, tenacity, connguard, oracle"
            ))
        }
    };
    let connect = field(&job, "connect")?;
    let port = whole(connect, "port")?;
    let options = MySqlConnectOptions::new()
        .host(text(connect, "host")?)
        .port(port)
        .username(text(connect, "user")?)
        .password(text(connect, "password")?)
        .database(text(connect, "database")?);
    let sql = holds(&job, whole(&job, "clients")?)?
        .into_iter()
        .map(|hold| format!("SELECT SLEEP({hold})"))
        .collect();
    let metrics = match job.get("metrics") {
        None => false,
        Some(flag) => flag.as_bool().ok_or("\"metrics\" must be true or false")?,
    };
    Ok(Job {
        strategy,
        sql,
        options,
        port,
        metrics,
    })
}

fn say(line: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

/// One client's line, times in seconds since "go".
fn emit(ok: bool, code: Option<u16>, wait: f64, done: f64) -> io::Result<()> {
    say(&json!({"ok": ok, "code": code, "wait": wait, "done": done}).to_string())
}

/// The MySQL error number of a failure; `None` for a network error.
fn code(error: &sqlx::Error) -> Option<u16> {
    failure_of(error).and_then(Failure::code)
}

/// A client's connection: sqlx's own, or connguard's, whose close frees its
/// limiter slot for the next client.
enum Conn {
    Plain(MySqlConnection),
    Guarded(connguard::Connection),
}

impl Conn {
    fn sqlx(&mut self) -> &mut MySqlConnection {
        match self {
            Self::Plain(conn) => conn,
            Self::Guarded(conn) => conn,
        }
    }

    /// Gracefully: COM_QUIT first, so the server frees the slot at once.
    async fn close(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Plain(conn) => conn.close().await,
            Self::Guarded(conn) => conn.close().await,
        }
    }
}

/// One `MySqlConnection::connect_with`, bounded by connguard's default
/// `connect_timeout` as the other workers' drivers bound theirs: sqlx has no
/// connect timeout, and under the storm's burst a connect whose handshake the
/// server never starts (an overflowing accept queue answered with SYN
/// cookies) would otherwise wait forever. Cut short, it is a network error.
async fn plain(options: &MySqlConnectOptions) -> Result<MySqlConnection, Option<u16>> {
    let limit = Duration::from_secs_f64(Policy::default().connect_timeout);
    match tokio::time::timeout(limit, MySqlConnection::connect_with(options)).await {
        Ok(connected) => connected.map_err(|error| code(&error)),
        Err(_) => Err(None),
    }
}

/// What a careful user writes with Python tenacity, ported line for line:
/// `wait_random_exponential(multiplier=0.05, max=5)` sleeps, stopped by
/// `stop_after_delay(deadline)`, retrying on 1040 only. The deadline bounds
/// the loop; the sleeps bound its attempts.
async fn tenacious(
    options: &MySqlConnectOptions,
    deadline: f64,
    rng: &Mutex<StdRng>,
) -> Result<MySqlConnection, Option<u16>> {
    let start = Instant::now();
    let mut attempt: i32 = 1;
    loop {
        let code = match plain(options).await {
            Ok(conn) => return Ok(conn),
            Err(code) => code,
        };
        if code != Some(TOO_MANY_CONNECTIONS) || start.elapsed().as_secs_f64() >= deadline {
            return Err(code);
        }
        let cap = (0.05 * 2f64.powi(attempt - 1)).min(5.0);
        let unit: f64 = rng.lock().unwrap_or_else(PoisonError::into_inner).gen();
        tokio::time::sleep(Duration::from_secs_f64(cap * unit)).await; // random.uniform(0, cap)
        attempt = attempt.saturating_add(1);
    }
}

/// The oracle's connect: a 1040 (the server still counting a connection
/// whose end it closed) is tried again after 1 ms, until the deadline.
async fn oracle(
    options: &MySqlConnectOptions,
    deadline: f64,
) -> Result<MySqlConnection, Option<u16>> {
    let start = Instant::now();
    loop {
        match plain(options).await {
            Err(Some(TOO_MANY_CONNECTIONS)) if start.elapsed().as_secs_f64() < deadline => {}
            done => return done,
        }
        tokio::time::sleep(ORACLE_RETRY).await;
    }
}

/// This connection's `host:port` in the server's process list: the rows of
/// `SELECT SLEEP(hold), CONNECTION_ID(); SHOW PROCESSLIST`.
fn client_host(rows: &[sqlx::mysql::MySqlRow]) -> Option<String> {
    let id = |row: &sqlx::mysql::MySqlRow| {
        row.try_get::<u64, _>(0).ok().or_else(|| {
            row.try_get::<i64, _>(0)
                .ok()
                .and_then(|n| u64::try_from(n).ok())
        })
    };
    let (first, list) = rows.split_first()?;
    let mine = first.try_get::<u64, _>(1).ok().or_else(|| {
        first
            .try_get::<i64, _>(1)
            .ok()
            .and_then(|n| u64::try_from(n).ok())
    })?;
    list.iter()
        .find(|row| id(row) == Some(mine))
        .and_then(|row| row.try_get::<String, _>(2).ok())
}

/// The local port in the server's view of a client, `host:port`.
fn client_port(host: &str) -> Option<u16> {
    host.rsplit_once(':')
        .and_then(|(_, port)| port.parse().ok())
}

/// A duplicate of the connection's socket (`local` port to the server's
/// `remote`), found among the process's descriptors while sqlx holds it.
fn duplicate_socket(local: u16, remote: u16) -> Option<OwnedFd> {
    std::fs::read_dir("/proc/self/fd")
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| {
            std::fs::read_link(entry.path())
                .is_ok_and(|to| to.to_string_lossy().starts_with("socket:"))
        })
        .filter_map(|entry| entry.file_name().to_str()?.parse::<RawFd>().ok())
        .find(|&fd| {
            // SAFETY: borrowed for two getsockname/getpeername calls and never
            // closed here (ManuallyDrop); a socket that closed meanwhile only fails them.
            let socket = ManuallyDrop::new(unsafe { std::net::TcpStream::from_raw_fd(fd) });
            matches!(
                (socket.local_addr(), socket.peer_addr()),
                (Ok(mine), Ok(theirs)) if mine.port() == local && theirs.port() == remote
            )
        })
        // SAFETY: the connection's socket, open while the caller holds the
        // connection; only borrowed for the dup.
        .and_then(|fd| {
            unsafe { BorrowedFd::borrow_raw(fd) }
                .try_clone_to_owned()
                .ok()
        })
}

/// Reads and drops what arrives until the server's end of stream, the
/// socket fails, or SERVER_CLOSE_WAIT passes.
async fn wait_for_end_of_stream(socket: OwnedFd) {
    let socket = std::net::TcpStream::from(socket);
    if socket.set_nonblocking(true).is_err() {
        return;
    }
    let Ok(mut socket) = tokio::net::TcpStream::from_std(socket) else {
        return;
    };
    let mut sink = [0u8; 256];
    let _ = tokio::time::timeout(SERVER_CLOSE_WAIT, async {
        while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
}

/// Connects per the strategy; a failure as its MySQL error number, if any.
async fn connect(job: &Job, rng: &Mutex<StdRng>) -> Result<Conn, Option<u16>> {
    match &job.strategy {
        Strategy::None => plain(&job.options).await.map(Conn::Plain),
        Strategy::Oracle { deadline, .. } => oracle(&job.options, *deadline).await.map(Conn::Plain),
        Strategy::Tenacity { deadline } => tenacious(&job.options, *deadline, rng)
            .await
            .map(Conn::Plain),
        Strategy::Connguard(policy) => connguard::connect(&job.options, policy)
            .await
            .map(Conn::Guarded)
            .map_err(|error| error.code()),
    }
}

/// Waits for "go" (and the oracle's semaphore), then connects, runs its
/// `SELECT SLEEP(hold)`, closes and writes its line.
async fn client(
    job: Arc<Job>,
    index: usize,
    rng: Arc<Mutex<StdRng>>,
    mut go: watch::Receiver<Option<Instant>>,
) -> io::Result<()> {
    // The channel closed without a start: stdin ended before "go".
    let Some(start) = go.wait_for(Option::is_some).await.ok().and_then(|s| *s) else {
        return Ok(());
    };
    // The oracle's place, given back when this returns: after the server's end.
    let _permit = match &job.strategy {
        Strategy::Oracle { slots, .. } => Some(slots.acquire().await.map_err(io::Error::other)?),
        _ => None,
    };
    let mut conn = match connect(&job, &rng).await {
        Ok(conn) => conn,
        Err(code) => {
            let failed = start.elapsed().as_secs_f64();
            return emit(false, code, failed, failed);
        }
    };
    let waited = start.elapsed().as_secs_f64();
    let sql = &job.sql[index];
    let (query, server_end) = if matches!(job.strategy, Strategy::Oracle { .. }) {
        // The client's port as the server sees it, read in the same round trip.
        let sql = format!("{sql}, CONNECTION_ID(); SHOW PROCESSLIST");
        let query = conn.sqlx().fetch_all(sqlx::raw_sql(&sql)).await;
        let host = query.as_ref().ok().and_then(|rows| client_host(rows));
        let server_end = host
            .as_deref()
            .and_then(client_port)
            .and_then(|port| duplicate_socket(port, job.port));
        (query.map(|_| ()), server_end)
    } else {
        let query = conn.sqlx().fetch_all(sqlx::raw_sql(sql)).await;
        (query.map(|_| ()), None)
    };
    // As the other workers: a failed close does not change the client's record.
    let _ = conn.close().await;
    if let Some(socket) = server_end {
        wait_for_end_of_stream(socket).await;
    }
    let done = start.elapsed().as_secs_f64();
    match query {
        Ok(()) => emit(true, None, waited, done),
        Err(error) => emit(false, code(&error), waited, done),
    }
}

fn main() -> ExitCode {
    let stdin = io::stdin();
    let mut line = String::new();
    if !matches!(stdin.lock().read_line(&mut line), Ok(n) if n > 0) {
        eprintln!("{NAME}: expected a job as one JSON line on stdin");
        return ExitCode::from(2);
    }
    let job = match read_job(&line) {
        Ok(job) => Arc::new(job),
        Err(message) => {
            eprintln!("{NAME}: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("{NAME}: cannot start the tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };

    // Only the connguard strategy emits events: the others' snapshot is [].
    let metrics = job.metrics.then(Metrics::install);
    // Every client's task exists before "ready", so "go" starts them together.
    let rng = Arc::new(Mutex::new(StdRng::from_entropy()));
    let (go, released) = watch::channel(None);
    let clients: Vec<_> = (0..job.sql.len())
        .map(|index| runtime.spawn(client(job.clone(), index, rng.clone(), released.clone())))
        .collect();
    if let Err(error) = say("ready") {
        eprintln!("{NAME}: {error}");
        return ExitCode::FAILURE;
    }
    line.clear();
    let told = matches!(stdin.lock().read_line(&mut line), Ok(n) if n > 0) && line.trim() == "go";
    if !told {
        eprintln!("{NAME}: expected 'go'");
        return ExitCode::FAILURE; // `go` dropped unsent: no client runs
    }
    go.send_replace(Some(Instant::now()));

    let written = runtime.block_on(async {
        let mut written = Ok(());
        for client in clients {
            let result = client
                .await
                .unwrap_or_else(|panic| Err(io::Error::other(panic)));
            written = written.and(result);
        }
        written
    });
    let snapshot = |metrics: &Metrics| say(&json!({"metrics": metrics.snapshot()}).to_string());
    let written = written.and_then(|()| metrics.as_ref().map_or(Ok(()), snapshot));
    match written.and_then(|()| say(&json!({"end": true}).to_string())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{NAME}: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(extra: &str) -> Result<Job, String> {
        read_job(&format!(
            r#"{{"strategy": "connguard", "clients": 2, "hold": 0.01, "deadline": 5{extra},
               "connect": {{"host": "127.0.0.1", "port": 3306, "user": "u",
                           "password": "p", "database": "d"}}}}"#
        ))
    }

    #[test]
    fn the_metrics_flag_is_off_unless_the_job_says_true() {
        assert!(!job("").unwrap().metrics);
        assert!(job(r#", "metrics": true"#).unwrap().metrics);
        assert!(!job(r#", "metrics": false"#).unwrap().metrics);
        assert_eq!(
            job(r#", "metrics": "yes""#).err().as_deref(),
            Some("\"metrics\" must be true or false")
        );
    }
}
