//! TypeScript declarations of the events (feature `typescript`): the same types on the front
//! end, in the shape socket.io's TypeScript users write.
//!
//! A trait under `#[events(typescript)]` describes its events to TypeScript; payload types
//! derive [`ts_rs::TS`] (add `ts-rs = "12"`, which honours serde's renames, tags, `Option` and
//! flattening). [`export`] then writes one file:
//!
//! ```ts
//! export type ChatMessage = { id: number, room: string, from: string, text: string, };
//! export interface ClientToServerEvents {
//!   sendMessage: (room: string, text: string, callback: (answer: number) => void) => void;
//! }
//! export interface ServerToClientEvents { message: (message: ChatMessage) => void; }
//! export interface InterServerEvents { }
//! export type SocketData = User;
//! ```
//!
//! which the client uses as socket.io documents it:
//!
//! ```ts
//! import { io, Socket } from "socket.io-client";
//! import type { ServerToClientEvents, ClientToServerEvents } from "./events";
//! const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io();
//! ```
//!
//! An acknowledgement is the last parameter, a callback taking the answer. Binary arguments
//! (`Vec<u8>`, `bytes::Bytes`) are `ArrayBuffer | Uint8Array` (a Node `Buffer` is a
//! `Uint8Array`); 64-bit integers are `number`, as JSON carries them; event docs become JSDoc.
//! Keep the file in step with the traits with a test that regenerates it and compares (the
//! chat example's does, with `UPDATE_TS=1` to rewrite it):
//!
//! ```
//! use socketry::events;
//! use socketry::typescript::TS;
//!
//! /// A chat message.
//! #[derive(serde::Serialize, serde::Deserialize, TS)]
//! #[ts(crate = "socketry::typescript::ts_rs")] // or depend on `ts-rs` and leave this out
//! struct ChatMessage {
//!     from: String,
//!     text: String,
//! }
//!
//! #[events(rename_all = "camelCase", typescript)]
//! trait ClientEvents {
//!     /// Posts to a room; answers with the message's id.
//!     fn send_message(room: String, text: String) -> u64;
//! }
//!
//! #[events(typescript)]
//! trait ServerEvents {
//!     fn message(message: ChatMessage);
//! }
//!
//! let ts = socketry::typescript::declarations::<
//!     dyn ClientEvents,
//!     dyn ServerEvents,
//!     socketry::Untyped,
//!     socketry::Extensions,
//! >();
//! assert!(ts.contains("export type ChatMessage = { from: string, text: string, };"));
//! assert!(ts.contains(
//!     "sendMessage: (room: string, text: string, callback: (answer: number) => void) => void;"
//! ));
//! assert!(ts.contains("message: (message: ChatMessage) => void;"));
//! // Or write it: socketry::typescript::export::<..>("client/events.d.ts")
//! ```

use crate::typed::{Extensions, Untyped};
use std::any::TypeId;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;
pub use ts_rs;
pub use ts_rs::{Config, TS, TypeVisitor};

/// A set of events described to TypeScript: implemented by `#[events(typescript)]` for
/// `dyn Trait`, and by [`Untyped`] (any event, any arguments).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no TypeScript description",
    label = "add `typescript` to its `#[events]`: `#[events(typescript)]`",
    note = "its argument and acknowledgement types must then derive `ts_rs::TS`"
)]
pub trait TypeScriptEvents: 'static {
    /// The members of the events interface, one each (with its docs as JSDoc); `visitor`
    /// visits the types they name, so that those are declared in the same file.
    fn members(cfg: &Config, visitor: &mut impl TypeVisitor) -> Vec<String>;
}

impl TypeScriptEvents for Untyped {
    fn members(_: &Config, _: &mut impl TypeVisitor) -> Vec<String> {
        // socket.io's `DefaultEventsMap`.
        vec!["[event: string]: (...args: any[]) => void;".to_owned()]
    }
}

/// The data of sockets (`SocketData`) described to TypeScript: any type deriving
/// [`TS`], and [`Extensions`] (an untyped server's), which is `any`.
pub trait TypeScriptData: 'static {
    /// The type's name in TypeScript.
    fn name(cfg: &Config) -> String;
    /// Visits the types the name refers to.
    fn visit_types(visitor: &mut impl TypeVisitor);
}

impl<T: TS + 'static> TypeScriptData for T {
    fn name(cfg: &Config) -> String {
        type_name::<T>(cfg)
    }
    fn visit_types(visitor: &mut impl TypeVisitor) {
        visitor.visit::<T>();
    }
}

/// `any`, as an untyped server's data is (its JSON entry crosses, whatever it holds).
impl TypeScriptData for Extensions {
    fn name(_: &Config) -> String {
        "any".to_owned()
    }
    fn visit_types(_: &mut impl TypeVisitor) {}
}

/// The configuration declarations are made with: 64-bit integers as `number`, as
/// `serde_json` writes them.
pub fn config() -> Config {
    Config::new().with_large_int("number")
}

/// `T`'s name in TypeScript (declared types by name, the others inline).
pub fn type_name<T: TS + ?Sized>(cfg: &Config) -> String {
    T::name(cfg)
}

/// The declarations of a server `Server<C, S, I, D>`'s events and data, as one TypeScript
/// module: every payload type, then `ClientToServerEvents`, `ServerToClientEvents`,
/// `InterServerEvents` and `SocketData`.
pub fn declarations<C, S, I, D>() -> String
where
    C: TypeScriptEvents + ?Sized,
    S: TypeScriptEvents + ?Sized,
    I: TypeScriptEvents + ?Sized,
    D: TypeScriptData,
{
    let cfg = config();
    let mut types = Collect {
        cfg: &cfg,
        seen: HashSet::new(),
        declared: HashSet::new(),
        out: String::new(),
    };
    let interfaces = [
        ("ClientToServerEvents", C::members(&cfg, &mut types)),
        ("ServerToClientEvents", S::members(&cfg, &mut types)),
        ("InterServerEvents", I::members(&cfg, &mut types)),
    ];
    D::visit_types(&mut types);
    let mut out = String::from(
        "// Generated by socketry from the #[events] traits of the server: do not edit; \
         regenerate instead.\n\n",
    );
    out.push_str(&types.out);
    for (name, members) in interfaces {
        let _ = writeln!(out, "export interface {name} {{");
        for member in members {
            for line in member.lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        out.push_str("}\n\n");
    }
    let _ = writeln!(out, "export type SocketData = {};", D::name(&cfg));
    out
}

/// Writes [`declarations`] to `path` (its directory created if needed).
pub fn export<C, S, I, D>(path: impl AsRef<Path>) -> std::io::Result<()>
where
    C: TypeScriptEvents + ?Sized,
    S: TypeScriptEvents + ?Sized,
    I: TypeScriptEvents + ?Sized,
    D: TypeScriptData,
{
    let path = path.as_ref();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, declarations::<C, S, I, D>())
}

/// Declares every type it visits that TypeScript needs by name, once, and the types those
/// name in turn.
struct Collect<'a> {
    cfg: &'a Config,
    seen: HashSet<TypeId>,
    /// By name too: `Page<A>` and `Page<B>` share one generic declaration.
    declared: HashSet<String>,
    out: String,
}

impl TypeVisitor for Collect<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        if T::output_path().is_some() && self.seen.insert(TypeId::of::<T>()) {
            let decl = <T::WithoutGenerics as TS>::decl(self.cfg);
            if self.declared.insert(T::ident(self.cfg)) {
                if let Some(docs) = T::docs() {
                    self.out.push_str(&docs);
                }
                let _ = writeln!(self.out, "export {decl}\n");
            }
            T::visit_dependencies(self);
        } else {
            // Containers (`Vec<T>`, `Option<T>`, maps): what they hold.
            T::visit_dependencies(self);
            T::visit_generics(self);
        }
    }
}

/// Helpers for the code `#[events(typescript)]` generates.
#[doc(hidden)]
pub mod __private {
    use super::Config;

    /// The TypeScript for binary arguments.
    pub const BINARY: &str = "ArrayBuffer | Uint8Array";

    /// An event's member: `/** docs */ name: (args) => void;`.
    pub fn member(
        docs: &str,
        wire: &str,
        params: &[(&str, String)],
        ack: Option<String>,
    ) -> String {
        let mut out = String::new();
        let docs = docs.trim();
        if !docs.is_empty() {
            out.push_str("/**\n");
            for line in docs.lines() {
                out.push_str(" * ");
                out.push_str(line.trim_end());
                out.push('\n');
            }
            out.push_str(" */\n");
        }
        out.push_str(&property(wire));
        out.push_str(": (");
        let mut list: Vec<String> = params
            .iter()
            .map(|(name, ty)| format!("{}: {ty}", parameter(name)))
            .collect();
        if let Some(ack) = ack {
            list.push(format!("callback: ({ack}) => void"));
        }
        out.push_str(&list.join(", "));
        out.push_str(") => void;");
        out
    }

    /// The callback's parameter: none for `()`.
    pub fn ack(ty: String) -> String {
        if ty == "null" {
            String::new()
        } else {
            format!("answer: {ty}")
        }
    }

    /// A property name, quoted unless it is an identifier.
    fn property(name: &str) -> String {
        let mut chars = name.chars();
        let ident = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        if ident {
            name.to_owned()
        } else {
            serde_json::to_string(name).expect("a string")
        }
    }

    /// A parameter name that TypeScript accepts (its reserved words get a `_`).
    fn parameter(name: &str) -> String {
        const RESERVED: &[&str] = &[
            "break",
            "case",
            "catch",
            "class",
            "const",
            "continue",
            "debugger",
            "default",
            "delete",
            "do",
            "else",
            "enum",
            "export",
            "extends",
            "false",
            "finally",
            "for",
            "function",
            "if",
            "import",
            "in",
            "instanceof",
            "new",
            "null",
            "return",
            "super",
            "switch",
            "this",
            "throw",
            "true",
            "try",
            "typeof",
            "var",
            "void",
            "while",
            "with",
        ];
        let name = name.strip_prefix("r#").unwrap_or(name);
        if RESERVED.contains(&name) {
            format!("{name}_")
        } else {
            name.to_owned()
        }
    }

    /// `T`'s name in TypeScript, `T` visited so that it is declared.
    pub fn name<T: TypeScriptType + ?Sized>(
        cfg: &Config,
        visitor: &mut impl super::TypeVisitor,
    ) -> String {
        visitor.visit::<T>();
        T::name(cfg)
    }

    /// A type that can be an argument or acknowledgement of an `#[events(typescript)]` trait.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` has no TypeScript type, which `#[events(typescript)]` needs",
        label = "this type must implement `ts_rs::TS`",
        note = "derive it: `#[derive(ts_rs::TS)]` on `{Self}` (with `ts-rs` as a dependency)"
    )]
    pub trait TypeScriptType: super::TS + 'static {}

    #[diagnostic::do_not_recommend]
    impl<T: super::TS + 'static + ?Sized> TypeScriptType for T {}
}
