//! Running `crmnf` as a user would, and a mock server started with `crmnf mock`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

pub fn crmnf() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_crmnf"));
    // The tests set what they need; nothing leaks in from the environment running them.
    for (k, _) in std::env::vars() {
        if k.starts_with("CRMNF_") {
            c.env_remove(k);
        }
    }
    c
}

/// Runs crmnf with `args` and `stdin`; returns (exit code, stdout, stderr).
pub fn run(args: &[&str], stdin: Option<&[u8]>) -> (i32, String, String) {
    run_with(crmnf().args(args), stdin)
}

pub fn run_with(command: &mut Command, stdin: Option<&[u8]>) -> (i32, String, String) {
    let mut child = command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("crmnf runs");
    if let Some(input) = stdin {
        // A command that fails before it reads its input (a usage error) closes the pipe first.
        match child.stdin.take().unwrap().write_all(input) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other.unwrap(),
        }
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// A `crmnf mock` process; killed when dropped.
pub struct Mock {
    pub child: Child,
    pub base_url: String,
}

impl Mock {
    /// Starts `crmnf mock --port 0 ARGS` and reads the base URL from its first line.
    pub fn start(args: &[&str]) -> Mock {
        Mock::start_on(args, "0")
    }

    pub fn start_on(args: &[&str], port: &str) -> Mock {
        let mut command = crmnf();
        command
            .args(["mock", "--port", port])
            .args(args)
            .stderr(Stdio::piped());
        Mock::spawn(command)
    }

    /// Spawns a `crmnf mock` command (its standard error as the caller set it) and reads the base
    /// URL from its first line.
    pub fn spawn(mut command: Command) -> Mock {
        let mut child = command
            .stdout(Stdio::piped())
            .spawn()
            .expect("crmnf mock runs");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.is_empty() {
            let mut err = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                stderr.read_to_string(&mut err).unwrap();
            }
            panic!("crmnf mock did not start: {err}");
        }
        Mock {
            child,
            base_url: line.trim().to_owned(),
        }
    }

    pub fn api_url(&self) -> String {
        format!("{}/crmapi/rest/v2", self.base_url)
    }

    /// SIGTERM, then the exit code and standard error.
    pub fn terminate(mut self) -> (i32, String) {
        signal(&self.child, "TERM");
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (status.code().unwrap_or(-1), err)
    }

    /// SIGKILL, at once.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn get(&self, path: &str) -> serde_json::Value {
        let (status, body) = http(&self.base_url, "GET", path, None);
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    pub fn post(&self, path: &str, body: &serde_json::Value) -> serde_json::Value {
        let (status, text) = http(&self.base_url, "POST", path, Some(&body.to_string()));
        assert_eq!(status, 200, "{path}: {text}");
        serde_json::from_str(&text).unwrap()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn signal(child: &Child, name: &str) {
    let _ = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status();
}

/// One HTTP/1.1 exchange (`Connection: close`): status and body.
pub fn http(base_url: &str, verb: &str, target: &str, body: Option<&str>) -> (u16, String) {
    let address = base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = body.unwrap_or("");
    write!(
        stream,
        "{verb} {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_owned())
}

pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}
