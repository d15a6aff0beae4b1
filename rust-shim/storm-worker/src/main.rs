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
//! limiter on, as the other workers' connguard strategy. Exit status 2 for a
//! job it cannot run, 1 when stdin closes before "go".

use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use connguard::drivers::sqlx::failure_of;
use connguard::{Failure, Policy};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::{Connection as _, Executor as _};
use tokio::sync::watch;

const NAME: &str = "connguard-storm-worker";
/// `ER_CON_COUNT_ERROR`, the one error the tenacity strategy retries.
const TOO_MANY_CONNECTIONS: u16 = 1040;

enum Strategy {
    None,
    Tenacity { deadline: f64 },
    Connguard(Policy),
}

struct Job {
    strategy: Strategy,
    clients: usize,
    sql: String,
    options: MySqlConnectOptions,
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
        other => {
            return Err(format!(
                "unknown strategy {other:?}; one of none, tenacity, connguard"
            ))
        }
    };
    let connect = field(&job, "connect")?;
    let options = MySqlConnectOptions::new()
        .host(text(connect, "host")?)
        .port(whole(connect, "port")?)
        .username(text(connect, "user")?)
        .password(text(connect, "password")?)
        .database(text(connect, "database")?);
    Ok(Job {
        strategy,
        clients: whole(&job, "clients")?,
        sql: format!("SELECT SLEEP({})", seconds(&job, "hold")?),
        options,
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

/// Connects per the strategy; a failure as its MySQL error number, if any.
async fn connect(job: &Job, rng: &Mutex<StdRng>) -> Result<Conn, Option<u16>> {
    match &job.strategy {
        Strategy::None => plain(&job.options).await.map(Conn::Plain),
        Strategy::Tenacity { deadline } => tenacious(&job.options, *deadline, rng)
            .await
            .map(Conn::Plain),
        Strategy::Connguard(policy) => connguard::connect(&job.options, policy)
            .await
            .map(Conn::Guarded)
            .map_err(|error| error.code()),
    }
}

/// Waits for "go", then connects, runs the job's `SELECT SLEEP(hold)`,
/// closes and writes its line.
async fn client(
    job: Arc<Job>,
    rng: Arc<Mutex<StdRng>>,
    mut go: watch::Receiver<Option<Instant>>,
) -> io::Result<()> {
    // The channel closed without a start: stdin ended before "go".
    let Some(start) = go.wait_for(Option::is_some).await.ok().and_then(|s| *s) else {
        return Ok(());
    };
    let mut conn = match connect(&job, &rng).await {
        Ok(conn) => conn,
        Err(code) => {
            let failed = start.elapsed().as_secs_f64();
            return emit(false, code, failed, failed);
        }
    };
    let waited = start.elapsed().as_secs_f64();
    let query = conn.sqlx().fetch_all(sqlx::raw_sql(&job.sql)).await;
    // As the other workers: a failed close does not change the client's record.
    let _ = conn.close().await;
    let done = start.elapsed().as_secs_f64();
    match query {
        Ok(_) => emit(true, None, waited, done),
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

    // Every client's task exists before "ready", so "go" starts them together.
    let rng = Arc::new(Mutex::new(StdRng::from_entropy()));
    let (go, released) = watch::channel(None);
    let clients: Vec<_> = (0..job.clients)
        .map(|_| runtime.spawn(client(job.clone(), rng.clone(), released.clone())))
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
    match written.and_then(|()| say(&json!({"end": true}).to_string())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{NAME}: {error}");
            ExitCode::FAILURE
        }
    }
}
