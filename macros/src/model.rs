//! The model of an `#[events]` trait: its events, their wire names, arguments and
//! acknowledgement types. The syn nodes are kept for the spans of error messages.

use crate::attr::{EventAttr, EventsAttr};
use crate::ctxt::Ctxt;
use proc_macro2::Span;
use syn::{Attribute, FnArg, Ident, ItemTrait, Pat, ReturnType, TraitItem, TraitItemFn, Type};

/// The trait.
pub(crate) struct EventsDef {
    /// The trait as the user wrote it, minus our attributes.
    pub(crate) item: ItemTrait,
    /// Where the runtime crate is (`::socketry` unless `crate = "..."`).
    pub(crate) krate: syn::Path,
    pub(crate) events: Vec<EventDef>,
    /// Whether to describe the events to TypeScript (`#[events(typescript)]`).
    pub(crate) typescript: bool,
}

/// One event: one method of the trait.
pub(crate) struct EventDef {
    /// The method's name, also the name of the generated methods.
    pub(crate) ident: Ident,
    /// The name on the wire.
    pub(crate) wire: String,
    /// Where the wire name comes from (`name = "..."`, or else the method's name).
    pub(crate) wire_span: Span,
    pub(crate) args: Vec<ArgDef>,
    /// The acknowledgement's type: the method's return type.
    pub(crate) ack: Option<Type>,
    /// The user's `///` docs.
    pub(crate) docs: Vec<Attribute>,
    pub(crate) original: TraitItemFn,
}

/// One argument of an event.
pub(crate) struct ArgDef {
    /// Its name, or `argN` when it has none we can use.
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
}

/// The runtime as the user's crate names it: `::socketry`, or the name a renamed dependency
/// has in its Cargo.toml (`sio = { package = "socketry", .. }` gives `::sio`). A re-export
/// still needs `crate = "..."`.
fn runtime_path() -> syn::Path {
    use proc_macro_crate::{FoundCrate, crate_name};
    match crate_name("socketry") {
        Ok(FoundCrate::Name(name)) if name != "socketry" => {
            let ident = syn::Ident::new(&name, Span::call_site());
            syn::parse_quote!(::#ident)
        }
        // Itself: its own tests name it `socketry` (`extern crate self as socketry`).
        _ => syn::parse_quote!(::socketry),
    }
}

impl EventsDef {
    /// Builds the model. Structural problems go to `cx` (the checks see the rest); the model is
    /// built as far as it can be, so that every mistake is reported at once.
    pub(crate) fn from_item(cx: &Ctxt, attr: EventsAttr, mut item: ItemTrait) -> Self {
        let typescript = attr.typescript;
        let krate = attr.krate.unwrap_or_else(runtime_path);
        let mut events = Vec::new();
        for trait_item in &mut item.items {
            let TraitItem::Fn(method) = trait_item else {
                continue;
            };
            let event_attr = EventAttr::take(cx, &mut method.attrs);
            events.push(EventDef::from_method(
                method.clone(),
                event_attr,
                attr.rename_all,
            ));
        }
        EventsDef {
            item,
            typescript,
            krate,
            events,
        }
    }
}

impl EventDef {
    fn from_method(
        method: TraitItemFn,
        attr: EventAttr,
        rename_all: Option<crate::case::RenameRule>,
    ) -> Self {
        let ident = method.sig.ident.clone();
        let (wire, wire_span) = match &attr.name {
            Some(lit) => (lit.value(), lit.span()),
            None => {
                let name = ident.to_string();
                let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
                let wire = rename_all.map_or_else(|| name.clone(), |rule| rule.apply(&name));
                (wire, ident.span())
            }
        };
        let args = method
            .sig
            .inputs
            .iter()
            .enumerate()
            .filter_map(|(i, input)| match input {
                FnArg::Receiver(_) => None,
                FnArg::Typed(pt) => {
                    let ident = match &*pt.pat {
                        Pat::Ident(p) if p.ident != "_" => p.ident.clone(),
                        _ => Ident::new(&format!("arg{i}"), Span::call_site()),
                    };
                    Some(ArgDef {
                        ident,
                        ty: (*pt.ty).clone(),
                    })
                }
            })
            .collect();
        let ack = match &method.sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => Some((**ty).clone()),
        };
        let docs = method
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .cloned()
            .collect();
        EventDef {
            ident,
            wire,
            wire_span,
            args,
            ack,
            docs,
            original: method,
        }
    }
}
