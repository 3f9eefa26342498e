#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| socketry::__fuzz::polling_payload(data));
