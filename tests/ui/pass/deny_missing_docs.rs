//! Generated items carry docs: a public events trait compiles under `deny(missing_docs)`.
#![deny(missing_docs)]

use socketry::events;

/// Documented events.
#[events]
pub trait Documented {
    /// A message.
    fn message(text: String);
    /// A question, answered with a number.
    fn question(n: u8) -> u8;
}

fn main() {}
