//! Caches of the immutable Python values that decoding hands out: `Decimal`s, `datetime`s and
//! enum members. Billing data repeats itself (the same plan prices, the same dates within a
//! page, five statuses), and making these objects costs far more than finding them again.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{LazyLock, Mutex};

use chrono::NaiveDateTime;
use compact_str::CompactString;
use pyo3::prelude::*;

/// Entries a cache holds before it starts afresh.
const LIMIT: usize = 4096;

/// A bounded map from a Rust key to the Python value made for it.
pub struct ValueCache<K> {
    map: LazyLock<Mutex<HashMap<K, Py<PyAny>>>>,
}

impl<K: Hash + Eq> ValueCache<K> {
    const fn new() -> Self {
        ValueCache {
            map: LazyLock::new(|| Mutex::new(HashMap::new())),
        }
    }

    /// The value for `key`, made by `make` the first time.
    pub fn get_or_make(
        &self,
        py: Python<'_>,
        key: K,
        make: impl FnOnce() -> PyResult<Py<PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        {
            let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(value) = map.get(&key) {
                return Ok(value.clone_ref(py));
            }
        }
        // Made outside the lock: making runs Python code.
        let value = make()?;
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= LIMIT {
            map.clear();
        }
        map.insert(key, value.clone_ref(py));
        Ok(value)
    }
}

/// `Decimal`s by the wire number and the minor-unit digits they were rounded to.
pub static DECIMALS: ValueCache<(u64, Option<u32>)> = ValueCache::new();
/// `datetime`s by their reading.
pub static DATETIMES: ValueCache<NaiveDateTime> = ValueCache::new();
/// Enum members by enum and wire value.
pub static ENUM_MEMBERS: ValueCache<(&'static str, CompactString)> = ValueCache::new();
