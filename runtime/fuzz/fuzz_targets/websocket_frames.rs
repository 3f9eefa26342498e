#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| socketry::__fuzz::websocket_frames(data));
