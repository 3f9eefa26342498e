//! Runnable examples for socketry live as `[[example]]` targets of this package.
