#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| socketry::__fuzz::msgpack(data));
