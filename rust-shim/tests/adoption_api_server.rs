//! docs/rust.md's adoption by CLP's API server: the code before and after it
//! (examples/adoption/rust/api_server), both built here and run against the
//! real MariaDB (max_connections=10) of `python -m connguard.testing run --
//! cargo test ...`. Its six queries run on `&self.sql_pool` unchanged; under a
//! full server, sqlx's pool fails those that need a new connection, the
//! adopted one runs them all once the server has room. A file of its own: the
//! limiter is per process and target.

#[allow(dead_code)] // each test file uses part of it
mod support;

#[path = "../../examples/adoption/rust/api_server/after/client.rs"]
mod after;
#[path = "../../examples/adoption/rust/api_server/before/client.rs"]
mod before;

use std::future::Future;
use std::time::Duration;

use sqlx::mysql::MySqlConnection;
use sqlx::{Connection, Executor};
use support::{TestServer, SERVER};

const CALLS: usize = 100;

/// The tables CLP's API server queries, with one dataset's column metadata
/// and one finished compression job; an empty `query_jobs`.
async fn create_clp_tables(server: &TestServer) {
    let mut conn = MySqlConnection::connect_with(&server.options())
        .await
        .expect("a connection");
    conn.execute(
        "DROP TABLE IF EXISTS query_jobs, clp_default_column_metadata, \
         compression_jobs, compression_tasks;
         CREATE TABLE query_jobs (id INT AUTO_INCREMENT PRIMARY KEY, type INT NOT NULL, \
           status INT NOT NULL DEFAULT 0, job_config VARBINARY(60000) NOT NULL);
         CREATE TABLE clp_default_column_metadata (name VARCHAR(512), type TINYINT);
         INSERT INTO clp_default_column_metadata VALUES ('timestamp', 14), ('message', 1);
         CREATE TABLE compression_jobs (id INT PRIMARY KEY, status INT, start_time DATETIME(3));
         CREATE TABLE compression_tasks (id INT PRIMARY KEY, job_id INT, duration DOUBLE);
         INSERT INTO compression_jobs VALUES (7, 2, FROM_UNIXTIME(1000));
         INSERT INTO compression_tasks VALUES (1, 7, 1.5), (2, 7, 2.0);",
    )
    .await
    .expect("CLP's tables");
    conn.close().await.expect("closed");
}

/// The client's configuration (`$module::Database`: each module has its own).
macro_rules! database {
    ($module:ident, $server:expr) => {
        $module::Database {
            host: $server.host.clone(),
            port: $server.port,
            name: $server.database.clone(),
            user: $server.user.clone(),
            password: $server.password.clone(),
        }
    };
}

/// Each of the six calls once, checking what it returns; the same code for
/// both clients, which differ in their pool's type only.
macro_rules! every_call {
    ($client:expr, $module:ident) => {{
        let client = $client;
        let id = client.submit_query(b"\x81\xa1q\xa3foo").await.expect("submitted");
        assert_eq!(client.get_status(id).await.expect("a status"), $module::PENDING);
        let config = client.get_job_config(id).await.expect("a config");
        assert_eq!(config, b"\x81\xa1q\xa3foo");
        client.cancel_search_job(id).await.expect("cancelled");
        let status = client.get_status(id).await.expect("a status");
        assert_eq!(status, $module::CANCELLING);
        let again = client.cancel_search_job(id).await;
        assert!(matches!(again, Err($module::Error::SearchJobNotFound(n)) if n == id));

        let names = client.get_timestamp_column_names("default").await;
        assert_eq!(names.expect("the names"), ["timestamp"]);
        // A statement's MySQL error still downcasts as the API server does.
        let missing = client.get_timestamp_column_names("nope").await;
        assert!(matches!(missing, Err($module::Error::DatasetNotFound(_))), "{missing:?}");

        let usage = client.get_compression_usage(0, 2_000_000, &[2, 3], 10).await;
        assert_eq!(usage.expect("the usage"), [(7, 2, 3.5)]);
        let none = client.get_compression_usage(0, 2_000_000, &[3], 10).await;
        assert_eq!(none.expect("the usage"), []);
    }};
}

#[tokio::test]
async fn before_and_after_the_adoption_every_call_returns_the_same() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    server.wait_until_idle().await;
    create_clp_tables(&server).await;

    let plain = before::Client::connect(&database!(before, server))
        .await
        .expect("sqlx's pool");
    every_call!(plain, before);
    let adopted = after::Client::connect(&database!(after, server))
        .await
        .expect("connguard's pool");
    every_call!(adopted, after);
}

/// Connections of another client until the server refuses one: what the
/// client's pool left of max_connections.
async fn fill(server: &TestServer) -> Vec<MySqlConnection> {
    let mut held = Vec::new();
    loop {
        match MySqlConnection::connect_with(&server.options()).await {
            Ok(conn) => held.push(conn),
            Err(error) => {
                let code = connguard::drivers::sqlx::failure_of(&error).and_then(|f| f.code());
                assert_eq!(code, Some(1040), "{error}");
                return held;
            }
        }
    }
}

/// The server full (the client's pool holds a connection or two, another
/// client the rest, one of which write-locks `query_jobs`, so the pool's
/// connections wait on the lock): CALLS calls at once, all on `query_jobs`,
/// so that all but the first need a new connection. Once the server has
/// refused one, the other client closes its connections. The errors of the
/// calls that failed.
async fn calls_on_a_full_server<C, F, Fut>(server: &TestServer, client: C, call: F) -> Vec<String>
where
    C: Clone + Send + 'static,
    F: Fn(C, usize) -> Fut,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let mut held = fill(server).await;
    held[0]
        .execute("LOCK TABLES query_jobs WRITE")
        .await
        .expect("locked");
    let refused_before = server.refused_so_far().await;

    let calls: Vec<_> = (0..CALLS)
        .map(|i| tokio::spawn(call(client.clone(), i)))
        .collect();
    for waited in 0.. {
        if server.refused_so_far().await > refused_before {
            break;
        }
        assert!(waited < 1000, "the server refused no connection");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for conn in held {
        conn.close().await.expect("closed");
    }

    let mut failures = Vec::new();
    for call in calls {
        if let Err(error) = call.await.expect("the call ran") {
            failures.push(error);
        }
    }
    failures
}

/// [`calls_on_a_full_server`] with a client of `$module`, each call a
/// submission or a read of a job's status or config, in turn.
macro_rules! burst {
    ($module:ident, $server:expr) => {{
        let server = $server;
        let client = $module::Client::connect(&database!($module, server))
            .await
            .expect("a pool");
        let id = client.submit_query(b"{}").await.expect("submitted");
        let call = move |client: $module::Client, i: usize| async move {
            let done = match i % 3 {
                0 => client.submit_query(b"{}").await.map(drop),
                1 => client.get_status(id).await.map(drop),
                _ => client.get_job_config(id).await.map(drop),
            };
            done.map_err(|error| error.to_string())
        };
        calls_on_a_full_server(server, client, call).await
    }};
}

#[tokio::test]
async fn on_a_full_server_sqlxs_pool_fails_calls_and_the_adopted_one_runs_them_all() {
    let _turn = SERVER.lock().await;
    let server = TestServer::from_env();
    server.wait_until_idle().await;
    create_clp_tables(&server).await;

    let failures = burst!(before, &server);
    eprintln!("sqlx's pool: {} of {CALLS} calls failed", failures.len());
    assert!(!failures.is_empty(), "sqlx's pool opened no new connection");
    assert!(failures.iter().all(|f| f.contains("1040")), "{failures:?}");

    server.wait_until_idle().await;
    let failures = burst!(after, &server);
    assert!(
        failures.is_empty(),
        "{} of {CALLS} failed: {failures:?}",
        failures.len()
    );
}
