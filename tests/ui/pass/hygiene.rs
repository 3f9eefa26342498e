//! The expansion names everything by absolute path: it compiles without the prelude and beside
//! items that shadow common names.
#![no_implicit_prelude]

mod shadow {
    #[allow(dead_code)]
    pub struct String;
    #[allow(dead_code)]
    pub struct Result;
}

#[::socketry::events]
trait Events {
    fn message(text: ::std::string::String, n: u32) -> ::std::vec::Vec<u8>;
    fn empty();
}

#[allow(unused_imports)]
use shadow::{Result, String};

fn main() {}
