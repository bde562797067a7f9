//! The state file: the simulator's data and the clock, loaded at start and written atomically
//! (a temporary file beside it, flushed to disk, then renamed over it) after every change.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crmcom_netflix_sim::{Sim, SimState};
use serde::Serialize;

use crate::{Clock, MockError};

/// The version of the state file's layout.
const FORMAT: u32 = 1;

#[derive(Serialize)]
struct Saving<'a> {
    format: u32,
    clock: &'a Clock,
    sim: SimState,
}

pub(crate) struct Store {
    path: PathBuf,
    temporary: PathBuf,
}

impl Store {
    pub(crate) fn new(path: PathBuf) -> Store {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".tmp");
        let temporary = path.with_file_name(name);
        Store { path, temporary }
    }

    /// The saved state, or `None` when the file does not exist yet.
    pub(crate) fn load(&self) -> Result<Option<(SimState, Clock)>, MockError> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(MockError::Io(format!(
                    "cannot read the state file {}: {e}",
                    self.path.display()
                )))
            }
        };
        let shown = self.path.display();
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| MockError::Data(format!("{shown}: not a state file (not JSON: {e})")))?;
        let format = value.get("format").and_then(serde_json::Value::as_u64);
        if format != Some(u64::from(FORMAT)) {
            return Err(MockError::Data(format!(
                "{shown}: not a state file of format {FORMAT} (format {})",
                format.map_or("missing".to_owned(), |f| f.to_string())
            )));
        }
        if let Some(key) = value.as_object().and_then(|m| {
            m.keys()
                .find(|k| !["format", "clock", "sim"].contains(&k.as_str()))
        }) {
            return Err(MockError::Data(format!(
                "{shown}: {key}: unknown key in a state file"
            )));
        }
        // Read the simulator's part with its own reader, which names the path of a bad value.
        let sim = value
            .get("sim")
            .map(|s| SimState::from_json(s.to_string().as_bytes()))
            .transpose()
            .map_err(|e| MockError::Data(format!("{shown}: sim.{e}")))?
            .ok_or_else(|| MockError::Data(format!("{shown}: sim: missing")))?;
        let clock: Clock = value
            .get("clock")
            .cloned()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| MockError::Data(format!("{shown}: clock: {e}")))?
            .ok_or_else(|| MockError::Data(format!("{shown}: clock: missing")))?;
        Ok(Some((sim, clock)))
    }

    pub(crate) fn save(&self, sim: &Sim, clock: &Clock) -> Result<(), MockError> {
        let saving = Saving {
            format: FORMAT,
            clock,
            sim: sim.state(),
        };
        let bytes = serde_json::to_vec(&saving)
            .map_err(|e| MockError::Io(format!("cannot write the state: {e}")))?;
        write_atomically(&self.path, &self.temporary, &bytes).map_err(|e| {
            MockError::Io(format!(
                "cannot write the state file {}: {e}",
                self.path.display()
            ))
        })
    }
}

/// Writes `bytes` to `path` so that a reader (or a restart after a crash) sees the old content
/// or the new, never a part: into `temporary` beside it, flushed to disk, renamed over `path`,
/// and the folder flushed.
pub fn write_atomically(path: &Path, temporary: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomically_with(path, temporary, |w| w.write_all(bytes))
}

/// [`write_atomically`] for content written piece by piece: `write` gets a buffered writer on
/// `temporary`, and only once it has returned `Ok` is the file flushed to disk and renamed over
/// `path`. On an error `path` is left as it was.
pub fn write_atomically_with(
    path: &Path,
    temporary: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut file = std::io::BufWriter::new(fs::File::create(temporary)?);
    write(&mut file)?;
    let file = file.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    drop(file);
    fs::rename(temporary, path)?;
    // The rename itself is durable once the directory is flushed.
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Ok(d) = fs::File::open(dir.unwrap_or(Path::new("."))) {
        let _ = d.sync_all();
    }
    Ok(())
}
