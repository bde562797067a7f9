//! Exit codes (sysexits style) and the one error type every command returns.

use std::fmt;
use std::process::ExitCode;

/// A documented exit code of `crmnf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done (for `sync`: the run is complete).
    Ok = 0,
    /// 1: the server answered with an API error (`call`), or the body is one (`decode`).
    ApiError = 1,
    /// 3: `sync` completed the run, but charges were left on the server or acknowledgements
    /// failed.
    Incomplete = 3,
    /// 64: the command line is wrong (unknown flag, missing argument, bad value).
    Usage = 64,
    /// 65: the data is invalid: request parameters that break a rule, a malformed response,
    /// fixtures or a state file that cannot be loaded.
    DataErr = 65,
    /// 69: the server is unavailable (after the retries).
    Unavailable = 69,
    /// 74: the journal or a billing file could not be read or written.
    IoErr = 74,
    /// 75: the journal is locked by another job.
    TempFail = 75,
    /// 77: the login was refused.
    NoPerm = 77,
    /// 78: the configuration is wrong or incomplete (a missing setting, an unreadable file, an
    /// address that cannot be bound).
    Config = 78,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// A failed command: the exit code and what to tell the person.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Failure {
        Failure {
            exit,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(Exit::Usage, message)
    }

    pub fn config(message: impl Into<String>) -> Failure {
        Failure::new(Exit::Config, message)
    }

    pub fn data(message: impl Into<String>) -> Failure {
        Failure::new(Exit::DataErr, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What a command returns.
pub type Outcome = Result<Exit, Failure>;

/// Writes to standard output. A reader that has gone (`crmnf journal report FILE | head`) ends
/// the output, not the command: the rest is dropped and the command exits as it would have.
pub fn emit(text: &str) {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    static GONE: AtomicBool = AtomicBool::new(false);
    if GONE.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        GONE.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("crmnf: cannot write the output: {e}");
        }
    }
}

/// `println!` through [`emit`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::exit::emit(&format!("{}\n", format_args!($($arg)*)))
    };
}
