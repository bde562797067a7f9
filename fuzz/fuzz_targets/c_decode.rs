#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| crmcom_netflix_fuzz::c_decode(data));
