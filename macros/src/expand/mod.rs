//! The code an `#[events]` trait becomes: the trait again (usable as `dyn Trait`), then the
//! emitter, the listeners, the handler trait, the event enum, and the impls tying them to the
//! runtime, inside `const _: () = { ... };` where they need no name.

mod checks;
mod direction;
mod emit;
mod handle;
mod listen;
mod names;
mod typescript;

use crate::model::EventsDef;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{TraitItem, parse_quote};

/// The user's trait, re-emitted so that `dyn Trait` is a type: each event gets
/// `where Self: Sized`, which keeps it out of the trait object. The events are descriptions
/// that nothing calls, hence `dead_code` is allowed.
pub(crate) fn user_trait(def: &EventsDef) -> TokenStream {
    let mut item = def.item.clone();
    for trait_item in &mut item.items {
        if let TraitItem::Fn(method) = trait_item {
            // A pattern is an error reported by the checks; rustc need not report it again.
            for input in &mut method.sig.inputs {
                if let syn::FnArg::Typed(pt) = input
                    && !matches!(&*pt.pat, syn::Pat::Ident(_))
                {
                    *pt.pat = parse_quote!(_);
                }
            }
            method
                .sig
                .generics
                .make_where_clause()
                .predicates
                .push(parse_quote!(Self: ::core::marker::Sized));
        }
    }
    item.attrs.push(parse_quote!(#[allow(dead_code)]));
    quote!(#item)
}

/// Everything, for a trait that passed the checks.
pub(crate) fn expand(def: &EventsDef) -> TokenStream {
    let user_trait = user_trait(def);
    let emitter = emit::emitter(def);
    let listeners = listen::listeners(def);
    let server_listeners = listen::server_listeners(def);
    let off = listen::off(def);
    let handler = handle::handler_trait(def);
    let names = names::event_enum(def);
    let events_impl = events_impl(def);
    let handled_by = handle::handled_by_impl(def);
    let checks = checks::type_checks(def);
    let typescript = typescript::typescript_impl(def);
    let misdirected = direction::misdirected(def);
    let direction_impls = direction::impls(def);
    quote! {
        #user_trait
        #emitter
        #listeners
        #server_listeners
        #off
        #handler
        #names
        #misdirected
        const _: () = {
            #direction_impls
            #events_impl
            #handled_by
            #checks
            #typescript
        };
    }
}

/// `impl Events for dyn Trait`: connects the generated items to the runtime.
fn events_impl(def: &EventsDef) -> TokenStream {
    let krate = &def.krate;
    let p = quote!(#krate::__private);
    let trait_ident = &def.item.ident;
    let emitter = crate::naming::emitter(trait_ident);
    let listeners = crate::naming::listeners(trait_ident);
    let server_listeners = crate::naming::server_listeners(trait_ident);
    let off = crate::naming::off(trait_ident);
    let wires = def.events.iter().map(|e| &e.wire);
    quote! {
        #[automatically_derived]
        impl #p::Events for dyn #trait_ident {
            const NAMES: &'static [&'static str] = &[#(#wires),*];
            type Emitter<__Target: #p::EmitTarget> = #emitter<__Target>;
            type Listeners<__ServerEvents: ?#p::Sized + 'static, __SocketData: #p::Send + 'static> = #listeners<__ServerEvents, __SocketData>;
            fn emitter<__Target: #p::EmitTarget>(target: #p::Via<__Target>) -> #emitter<__Target> {
                #emitter { __target: target }
            }
            fn listeners<__ServerEvents: ?#p::Sized + 'static, __SocketData: #p::Send + 'static>(
                socket: #p::Socket<Self, __ServerEvents, __SocketData>,
            ) -> #listeners<__ServerEvents, __SocketData> {
                #listeners { socket }
            }
            type Off<__ServerEvents: ?#p::Sized + 'static, __SocketData: 'static> = #off<__ServerEvents, __SocketData>;
            fn off<__ServerEvents: ?#p::Sized + 'static, __SocketData: 'static>(
                socket: #p::Socket<Self, __ServerEvents, __SocketData>,
            ) -> #off<__ServerEvents, __SocketData> {
                #off { socket }
            }
            type ServerListeners = #server_listeners;
            fn server_listeners(target: #p::ServerSideTarget) -> #server_listeners {
                #server_listeners { target }
            }
        }
    }
}

/// `for<'__a> T: EventType` for each of `tys`: a generated method (or impl) that names the
/// event types assumes they can cross the network, so that a type that cannot is reported
/// once, by the check at the trait (and, with the library's message, where the method is
/// used), not again inside every generated body with the pages of serde's impls. The
/// higher-ranked form keeps rustc from checking the bound where it is written.
pub(crate) fn event_type_bounds<'a>(
    tys: impl IntoIterator<Item = &'a syn::Type>,
    krate: &syn::Path,
) -> TokenStream {
    let bounds = tys.into_iter().map(|ty| {
        quote::quote_spanned!(syn::spanned::Spanned::span(ty)=> for<'__a> #ty: #krate::__private::EventType,)
    });
    quote!(#(#bounds)*)
}

/// The argument types of an event, then its acknowledgement's.
pub(crate) fn event_types(event: &crate::model::EventDef) -> impl Iterator<Item = &syn::Type> {
    event.args.iter().map(|a| &a.ty).chain(event.ack.iter())
}

/// A doc attribute for generated items, with the user's docs after it.
pub(crate) fn docs(first: &str, user: &[syn::Attribute]) -> TokenStream {
    if user.is_empty() {
        quote!(#[doc = #first])
    } else {
        quote!(#(#user)*)
    }
}
