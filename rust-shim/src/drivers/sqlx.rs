//! sqlx's MySQL driver: what its errors mean (spec 2), where its connections
//! go, how a cut-off attempt fails and how a connection closes.

use std::io;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlDatabaseError};
use sqlx::Connection as _;

use crate::classification::Failure;
use crate::dsn::mask_dsn;
use crate::duration::format_duration;
use crate::gate::Server;

/// What a failed sqlx connect was, or `None` when it was not a connection
/// failure (a configuration or protocol error, a closed pool: connguard lets
/// those through at once).
///
/// A server error gives its number ([`MySqlDatabaseError::number`]); an IO
/// error is [`Failure::Network`], except a host name that does not resolve,
/// 2005 `CR_UNKNOWN_HOST`; a TLS error is 2026 `CR_SSL_CONNECTION_ERROR`: the
/// numbers the C client gives them (fatal unless `retry_on` names them, spec 2);
/// [`sqlx::Error::PoolTimedOut`] is [`Failure::PoolTimedOut`] (capacity).
pub fn failure_of(error: &sqlx::Error) -> Option<Failure> {
    match error {
        sqlx::Error::Database(database) => database
            .try_downcast_ref::<MySqlDatabaseError>()
            .map(|mysql| Failure::Code(mysql.number())),
        sqlx::Error::Io(io) if unresolved_name(io) => Some(Failure::Code(2005)),
        sqlx::Error::Io(_) => Some(Failure::Network),
        sqlx::Error::Tls(_) => Some(Failure::Code(2026)),
        sqlx::Error::PoolTimedOut => Some(Failure::PoolTimedOut),
        _ => None,
    }
}

/// sqlx resolves through tokio, which reports std's resolver failure (an
/// unnameable `ErrorKind::Uncategorized`) or a name with no address by text only.
fn unresolved_name(error: &io::Error) -> bool {
    let text = error.to_string();
    text.starts_with("failed to lookup address information")
        || text == "could not resolve to any address"
}

/// The masked DSN naming what `options` connect to: `mariadb://user:***@host:port/db`,
/// masked all the same, as the options' strings may hold a URL (a DSN passed as the host).
pub fn target(options: &MySqlConnectOptions) -> String {
    mask_dsn(&format!(
        "mariadb://{}:***@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or_default()
    ))
}

/// The server `options` connect to, as sqlx reaches it: the socket when one
/// is set, else TCP to host and port. Unlike the C client, sqlx takes
/// `localhost` over TCP, so it is a host like any other; host names are
/// case-insensitive.
pub(crate) fn server(options: &MySqlConnectOptions) -> Server {
    match options.get_socket() {
        Some(socket) => Server::Socket(socket.to_path_buf()),
        None => Server::Tcp {
            host: options.get_host().to_ascii_lowercase(),
            port: options.get_port(),
        },
    }
}

/// The error of an attempt cut off after `timeout` seconds: sqlx has no
/// connect timeout of its own, so the runner bounds each attempt, and an
/// attempt cut short is a network error.
pub(crate) fn timed_out(timeout: f64) -> sqlx::Error {
    // To the millisecond: a cap shrunk to the deadline has a long tail of digits.
    let after = format_duration((timeout * 1000.0).round() / 1000.0);
    let message = format!("connect timed out after {after}");
    sqlx::Error::Io(io::Error::new(io::ErrorKind::TimedOut, message))
}

/// Closes gracefully (`COM_QUIT`). sqlx drops the socket without waiting for
/// the server's end of it, so the slot is handed on while the server may still
/// count the connection (the close race of spec 6).
pub(crate) async fn close(connection: MySqlConnection) -> Result<(), sqlx::Error> {
    connection.close().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_are_network_failures() {
        let refused = sqlx::Error::Io(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert_eq!(failure_of(&refused), Some(Failure::Network));
        assert_eq!(failure_of(&timed_out(0.2)), Some(Failure::Network));
    }

    #[test]
    fn a_name_that_does_not_resolve_is_2005() {
        for text in [
            "failed to lookup address information: Name or service not known",
            "could not resolve to any address",
        ] {
            let unresolved = sqlx::Error::Io(io::Error::other(text));
            assert_eq!(failure_of(&unresolved), Some(Failure::Code(2005)), "{text}");
        }
        let reset = sqlx::Error::Io(io::Error::from(io::ErrorKind::ConnectionReset));
        assert_eq!(failure_of(&reset), Some(Failure::Network));
    }

    #[test]
    fn a_pool_timeout_is_its_own_failure_and_a_tls_error_is_2026() {
        assert_eq!(
            failure_of(&sqlx::Error::PoolTimedOut),
            Some(Failure::PoolTimedOut)
        );
        assert_eq!(
            failure_of(&sqlx::Error::Tls("bad certificate".into())),
            Some(Failure::Code(2026))
        );
    }

    #[test]
    fn other_errors_are_not_connection_failures() {
        assert_eq!(failure_of(&sqlx::Error::PoolClosed), None);
        assert_eq!(
            failure_of(&sqlx::Error::Protocol("unexpected packet".into())),
            None
        );
        assert_eq!(
            failure_of(&sqlx::Error::Configuration("bad option".into())),
            None
        );
    }

    #[test]
    fn a_target_names_user_host_port_and_database_only() {
        let options = MySqlConnectOptions::new()
            .host("127.0.0.1")
            .port(3307)
            .username("app")
            .password("s3cret")
            .database("main");
        assert_eq!(target(&options), "mariadb://app:***@127.0.0.1:3307/main");
        let url_as_host = options.host("mysql://u:s3cret@db");
        assert_eq!(target(&url_as_host), "mariadb://app:***@db:3307/main");
    }

    #[test]
    fn the_server_is_host_and_port_or_the_socket_not_user_or_database() {
        let a = MySqlConnectOptions::new()
            .host("DB.example")
            .port(3307)
            .username("a")
            .database("x");
        let b = MySqlConnectOptions::new()
            .host("db.example")
            .port(3307)
            .username("b");
        let tcp = |host: &str, port| Server::Tcp {
            host: host.into(),
            port,
        };
        assert_eq!(server(&a), server(&b));
        assert_eq!(server(&a), tcp("db.example", 3307));
        assert_eq!(server(&MySqlConnectOptions::new()), tcp("localhost", 3306));
        assert_eq!(
            server(&a.socket("/run/mysqld/mysqld.sock")),
            Server::Socket("/run/mysqld/mysqld.sock".into())
        );
        let url: MySqlConnectOptions = "mysql://app@LocalHost/main".parse().unwrap();
        assert_eq!(
            server(&url),
            tcp("localhost", 3306),
            "localhost is TCP in sqlx"
        );
    }

    #[test]
    fn a_cut_off_attempt_names_its_cap_to_the_millisecond() {
        assert_eq!(
            timed_out(0.2).to_string(),
            "error communicating with database: connect timed out after 0.2s"
        );
        assert!(timed_out(0.09999999999999998)
            .to_string()
            .ends_with("after 0.1s"));
    }
}
