//! Procedural macros for [socketry](https://docs.rs/socketry).
//!
//! Users depend on `socketry`, which re-exports everything here. The `#[events]` attribute that
//! turns a trait into compile-time checked events lands with the typed layer; this crate is the
//! home it will grow in (parse -> model -> check -> expand).
