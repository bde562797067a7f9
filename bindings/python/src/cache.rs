//! Caches of the immutable Python values that decoding hands out: `Decimal`s and enum members.
//! Billing data repeats itself (the same plan prices, five statuses), and making these objects
//! costs more than finding them again. `datetime`s are not cached: the `datetime` C API makes one
//! for less than a lookup costs.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{LazyLock, Mutex};

use compact_str::CompactString;
use pyo3::prelude::*;

/// Entries a cache holds before it starts afresh.
const LIMIT: usize = 4096;

/// A multiply-rotate hasher (FxHash's): the keys are small and come from the server's own
/// data, and SipHash cost more than the rest of a cache hit.
#[derive(Default)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_i32(&mut self, n: i32) {
        self.write_u64(u64::from(n as u32));
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type Map<K> = HashMap<K, Py<PyAny>, BuildHasherDefault<FastHasher>>;

/// A bounded map from a Rust key to the Python value made for it.
pub struct ValueCache<K> {
    map: LazyLock<Mutex<Map<K>>>,
}

impl<K: Hash + Eq> ValueCache<K> {
    const fn new() -> Self {
        ValueCache {
            map: LazyLock::new(|| Mutex::new(Map::default())),
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
/// Enum members by enum and wire value.
pub static ENUM_MEMBERS: ValueCache<(&'static str, CompactString)> = ValueCache::new();
