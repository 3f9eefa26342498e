//! What an `#[events]` trait may not be, each rejected at the offending span with what to write
//! instead.

use crate::ctxt::Ctxt;
use crate::model::{EventDef, EventsDef};
use std::collections::HashMap;
use syn::{FnArg, Pat, ReturnType, TraitItem, Type};

use crate::reserved::{MAX_EVENT_ARGS, RESERVED_EVENTS as RESERVED};

/// Runs every check, recording each problem.
pub(crate) fn check(cx: &Ctxt, def: &EventsDef) {
    check_trait(cx, def);
    for event in &def.events {
        check_signature(cx, event);
        check_wire_name(cx, event);
    }
    check_duplicates(cx, def);
    check_generated_names(cx, def);
}

fn check_trait(cx: &Ctxt, def: &EventsDef) {
    let item = &def.item;
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &item.generics,
            "an events trait cannot be generic: declare the events with concrete types",
        );
    }
    if !item.supertraits.is_empty() {
        cx.error_spanned_by(
            &item.supertraits,
            "an events trait cannot have supertraits: list every event in this trait",
        );
    }
    if let Some(unsafety) = &item.unsafety {
        cx.error_spanned_by(
            unsafety,
            "an events trait cannot be `unsafe`: remove `unsafe`",
        );
    }
    if let Some(auto) = &item.auto_token {
        cx.error_spanned_by(auto, "an events trait cannot be `auto`: remove `auto`");
    }
    for trait_item in &item.items {
        let what = match trait_item {
            TraitItem::Fn(_) => continue,
            TraitItem::Const(_) => "an associated constant",
            TraitItem::Type(_) => "an associated type",
            TraitItem::Macro(_) => "a macro call",
            _ => "this item",
        };
        cx.error_spanned_by(
            trait_item,
            format!(
                "{what} is not an event: an events trait holds only declarations like `fn chat_message(text: String);`"
            ),
        );
    }
}

fn check_signature(cx: &Ctxt, event: &EventDef) {
    let sig = &event.original.sig;
    if let Some(c) = &sig.constness {
        cx.error_spanned_by(c, "an event cannot be `const`: remove `const`");
    }
    if let Some(a) = &sig.asyncness {
        cx.error_spanned_by(
            a,
            "an event is a declaration, not an `async fn`: remove `async` (handlers are async, events are not)",
        );
    }
    if let Some(u) = &sig.unsafety {
        cx.error_spanned_by(u, "an event cannot be `unsafe`: remove `unsafe`");
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(abi, "an event cannot have an ABI: remove it");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &sig.generics,
            "an event cannot be generic: give its arguments concrete types",
        );
    }
    if let Some(v) = &sig.variadic {
        cx.error_spanned_by(v, "an event cannot be variadic: list its arguments");
    }
    if let Some(body) = &event.original.default {
        cx.error_spanned_by(
            body,
            "an event has no body: end the declaration with `;` (handlers are written elsewhere)",
        );
    }
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => cx.error_spanned_by(
                r,
                "an event takes no `self`: remove it; the parameters are the event's arguments",
            ),
            FnArg::Typed(pt) => {
                if !matches!(&*pt.pat, Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() && p.mutability.is_none())
                    && !matches!(&*pt.pat, Pat::Wild(_))
                {
                    cx.error_spanned_by(
                        &pt.pat,
                        "an event argument must be a plain name, like `text: String`",
                    );
                }
                check_owned(cx, &pt.ty, "argument");
            }
        }
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        check_owned(cx, ty, "acknowledgement");
    }
    if let Some(extra) = sig.inputs.iter().nth(MAX_EVENT_ARGS) {
        cx.error_spanned_by(
            extra,
            format!(
                "an event takes at most {MAX_EVENT_ARGS} arguments, and `{}` has {}: group some of them in a struct",
                event.ident,
                sig.inputs.len()
            ),
        );
    }
}

/// Arguments and acknowledgements cross the network: they must be owned types that decode
/// without borrowing.
fn check_owned(cx: &Ctxt, ty: &Type, what: &str) {
    match ty {
        Type::Reference(r) => {
            let suggestion = match &*r.elem {
                Type::Path(p) if p.path.is_ident("str") => "`String`".to_owned(),
                Type::Slice(s) => {
                    format!("`Vec<{}>`", quote::ToTokens::to_token_stream(&s.elem))
                }
                other => format!("`{}`", quote::ToTokens::to_token_stream(other)),
            };
            cx.error_spanned_by(
                ty,
                format!(
                    "an event {what} must be an owned type: write {suggestion} instead of a reference"
                ),
            );
        }
        Type::ImplTrait(_) => cx.error_spanned_by(
            ty,
            format!("an event {what} must be a concrete type, not `impl Trait`"),
        ),
        Type::Infer(_) => cx.error_spanned_by(ty, format!("an event {what} needs its type written out")),
        Type::Never(_) => cx.error_spanned_by(
            ty,
            format!("an event {what} cannot be `!`: remove the return type for an event without acknowledgement"),
        ),
        Type::Tuple(t) => t.elems.iter().for_each(|e| check_owned(cx, e, what)),
        _ => {}
    }
}

fn check_wire_name(cx: &Ctxt, event: &EventDef) {
    if event.wire.is_empty() {
        cx.push(syn::Error::new(
            event.wire_span,
            "an event name cannot be empty",
        ));
    } else if RESERVED.contains(&event.wire.as_str()) {
        cx.push(syn::Error::new(
            event.wire_span,
            format!(
                "`{}` is reserved by Socket.IO and cannot be an event: rename it with `#[event(name = \"...\")]`",
                event.wire
            ),
        ));
    }
}

fn check_duplicates(cx: &Ctxt, def: &EventsDef) {
    let mut seen: HashMap<&str, &EventDef> = HashMap::new();
    for event in &def.events {
        if let Some(first) = seen.get(event.wire.as_str()) {
            cx.push(syn::Error::new(
                event.wire_span,
                format!(
                    "two events are named `{}` on the wire (`{}` and `{}`): give one another name with `#[event(name = \"...\")]`",
                    event.wire, first.ident, event.ident
                ),
            ));
        } else {
            seen.insert(&event.wire, event);
        }
    }
}

/// Two methods whose names differ only by underscores or case give one variant of the event
/// enum (`move_3d` and `move3d` are both `Move3d`).
fn check_generated_names(cx: &Ctxt, def: &EventsDef) {
    let mut seen: HashMap<String, &EventDef> = HashMap::new();
    for event in &def.events {
        let variant = crate::naming::variant(&event.ident).to_string();
        if let Some(first) = seen.get(&variant) {
            cx.error_spanned_by(
                &event.ident,
                format!(
                    "`{}` and `{}` would both be `{}::{variant}`: rename one of the methods (its name on the wire can stay, with `#[event(name = \"{}\")]`)",
                    first.ident,
                    event.ident,
                    crate::naming::event_enum(&def.item.ident),
                    event.wire,
                ),
            );
        } else {
            seen.insert(variant, event);
        }
    }
}
