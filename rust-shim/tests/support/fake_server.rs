//! A fake MySQL server on loopback that answers each connect as a script
//! says: refused with a server error (sqlx then returns a real
//! `MySqlDatabaseError` with that number, as for a full server's 1040),
//! closed at once (a network error), or let in. So tests drive the real
//! `connguard::connect`, its runner and gate, with scripted outcomes.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use sqlx::mysql::{MySqlConnectOptions, MySqlSslMode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the fake answers one connect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A handshake that accepts the client; it then answers nothing until
    /// the client closes.
    Ok,
    /// An error packet with this number, in place of the handshake.
    Code(u16),
    /// Closes the connection before saying anything.
    Network,
}

/// A listener on 127.0.0.1 answering connects in script order (a connect
/// past the end of the script is closed at once).
pub struct FakeServer {
    pub port: u16,
    script: Arc<Mutex<VecDeque<Answer>>>,
    accepting: tokio::task::JoinHandle<()>,
}

impl FakeServer {
    pub async fn start(script: impl IntoIterator<Item = Answer>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let script = Arc::new(Mutex::new(script.into_iter().collect::<VecDeque<_>>()));
        let answers = script.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let answer = answers.lock().unwrap().pop_front();
                tokio::spawn(answer_with(socket, answer.unwrap_or(Answer::Network)));
            }
        });
        Self {
            port,
            script,
            accepting,
        }
    }

    /// Options that reach this server, with nothing for sqlx to set after
    /// the handshake (no statement to answer).
    pub fn options(&self) -> MySqlConnectOptions {
        MySqlConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username("app")
            .database("main")
            .ssl_mode(MySqlSslMode::Disabled)
            .pipes_as_concat(false)
            .no_engine_substitution(false)
            .timezone(None)
            .set_names(false)
    }

    /// The answers not given yet.
    pub fn left(&self) -> usize {
        self.script.lock().unwrap().len()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

async fn answer_with(mut socket: TcpStream, answer: Answer) {
    match answer {
        Answer::Network => {}
        Answer::Code(code) => {
            let mut error = vec![0xff];
            error.extend(code.to_le_bytes());
            error.extend(b"#HY000scripted refusal");
            let _ = socket.write_all(&packet(0, &error)).await;
        }
        Answer::Ok => {
            if socket.write_all(&packet(0, &handshake())).await.is_err() {
                return;
            }
            // The client's handshake response, then OK (autocommit status).
            let mut header = [0u8; 4];
            if socket.read_exact(&mut header).await.is_err() {
                return;
            }
            let length = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
            let mut response = vec![0u8; length];
            if socket.read_exact(&mut response).await.is_err() {
                return;
            }
            let ok = [0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00];
            if socket.write_all(&packet(header[3] + 1, &ok)).await.is_err() {
                return;
            }
            // Until the client's COM_QUIT and end of stream.
            let mut sink = [0u8; 64];
            while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {}
        }
    }
}

fn packet(sequence: u8, payload: &[u8]) -> Vec<u8> {
    let length = u32::try_from(payload.len())
        .expect("a short packet")
        .to_le_bytes();
    let mut bytes = vec![length[0], length[1], length[2], sequence];
    bytes.extend(payload);
    bytes
}

/// A protocol 10 handshake offering mysql_native_password.
fn handshake() -> Vec<u8> {
    // LONG_PASSWORD (MySQL), LONG_FLAG, CONNECT_WITH_DB, PROTOCOL_41,
    // TRANSACTIONS, SECURE_CONNECTION; PLUGIN_AUTH in the upper half.
    let (low, high): (u16, u16) = (0xA20D, 0x0008);
    let mut bytes = vec![10];
    bytes.extend(b"5.5.5-10.11.0-MariaDB\0");
    bytes.extend(1u32.to_le_bytes()); // connection id
    bytes.extend(b"abcdefgh\0"); // nonce, first part
    bytes.extend(low.to_le_bytes());
    bytes.push(45); // utf8mb4_general_ci
    bytes.extend(0x0002u16.to_le_bytes()); // autocommit
    bytes.extend(high.to_le_bytes());
    bytes.push(21); // nonce length
    bytes.extend([0; 10]); // reserved
    bytes.extend(b"ijklmnopqrst\0"); // nonce, second part
    bytes.extend(b"mysql_native_password\0");
    bytes
}
