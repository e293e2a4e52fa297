//! Several `yinqi serve` processes over one PostgreSQL: a session made on one works on the
//! other, a logout on one ends it on both, and the code-guessing throttle counts across
//! them — the state lives in the database, not in a process.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::Env;

/// A running `yinqi serve`, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn serve(env: &Env) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_yinqi"))
        .arg("--database")
        .arg(&env.database)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start yinqi serve");
    let server = Server { child, port };
    let started = Instant::now();
    while http(port, "GET", "/healthz", &[], "").0 != 200 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "serve did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// One HTTP/1.1 request; returns (status, raw headers, body). Status 0: no connection.
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return (0, String::new(), String::new());
    };
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("receive");
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

fn session_cookie(head: &str) -> String {
    head.lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .find_map(|v| v.strip_prefix("yinqi_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

fn two_processes_share_sessions_and_throttles(env: &Env) {
    env.ok(&["demo", "--rows", "300", "--no-serve"]);
    let a = serve(env);
    let b = serve(env);
    let json = [("Content-Type", "application/json")];
    let (status, head, body) = http(
        a.port,
        "POST",
        "/api/v1/session",
        &json,
        r#"{"username":"shandong","password":"yinqi-demo-2019"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let cookie = format!("yinqi_session={}", session_cookie(&head));
    let csrf = serde_json::from_str::<serde_json::Value>(&body).unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Logged in on A, known on B.
    let (status, _, me) = http(b.port, "GET", "/api/v1/me", &[("Cookie", &cookie)], "");
    assert_eq!(status, 200);
    assert!(me.contains("shandong"));

    // Guesses at A and B count against the same client.
    let allowed = yinqi_web::entry_limits::CLIENT_FAILURES_ALLOWED;
    for i in 0..allowed {
        let port = if i % 2 == 0 { a.port } else { b.port };
        let guess = yinqi_store::new_code();
        let (status, _, _) = http(port, "GET", &format!("/q/{}", guess.as_str()), &[], "");
        assert_eq!(status, 404, "guess {i}");
    }
    for port in [a.port, b.port] {
        let guess = yinqi_store::new_code();
        let (status, _, _) = http(port, "GET", &format!("/q/{}", guess.as_str()), &[], "");
        assert_eq!(status, 429, "the limit holds across processes");
    }

    // Logging out on B ends the session on A at once.
    let (status, _, _) = http(
        b.port,
        "DELETE",
        "/api/v1/session",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        "",
    );
    assert!(status == 200 || status == 204, "logout: {status}");
    let (status, _, _) = http(a.port, "GET", "/api/v1/me", &[("Cookie", &cookie)], "");
    assert_eq!(status, 401);
}

mod postgres {
    use super::*;

    #[test]
    #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
    fn two_serve_processes_share_sessions_and_throttles() {
        two_processes_share_sessions_and_throttles(&Env::postgres());
    }
}
