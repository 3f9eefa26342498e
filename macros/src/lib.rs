//! Procedural macros for [socketry](https://docs.rs/socketry). Users depend on `socketry`, which
//! re-exports them; the documentation with runnable examples is on `socketry::events`.
//!
//! The crate is split as the work is: `attr` reads the options, `model` builds the events
//! from the trait, `check` rejects what cannot be an event (every problem at once, through
//! `ctxt`), and `expand` writes the code.

mod attr;
mod case;
mod check;
mod ctxt;
mod expand;
mod model;
mod naming;
mod reserved;

use proc_macro::TokenStream;

/// Turns a trait into a set of typed Socket.IO events. See `socketry::events`.
#[proc_macro_attribute]
pub fn events(args: TokenStream, input: TokenStream) -> TokenStream {
    events_impl(args.into(), input.into()).into()
}

fn events_impl(
    args: proc_macro2::TokenStream,
    input: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let item: syn::ItemTrait = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            let e = syn::Error::new_spanned(
                &input,
                "`#[events]` goes on a trait: `trait ChatEvents { fn message(text: String); }`",
            );
            let mut out = e.to_compile_error();
            out.extend(input);
            return out;
        }
    };
    let cx = ctxt::Ctxt::new();
    let attr = match attr::EventsAttr::parse(&cx, args) {
        Ok(attr) => attr,
        Err(e) => {
            cx.push(e);
            attr::EventsAttr::default()
        }
    };
    let def = model::EventsDef::from_item(&cx, attr, item);
    check::check(&cx, &def);
    match cx.check() {
        Ok(()) => expand::expand(&def),
        Err(e) => {
            // The trait still exists, so that its other uses do not add errors of their own.
            let mut out = e.to_compile_error();
            out.extend(expand::user_trait(&def));
            out
        }
    }
}

/// The event names the protocol reserves, as an array literal: the runtime's
/// `RESERVED_EVENTS`, from the list `#[events]` checks against. Not an API.
#[doc(hidden)]
#[proc_macro]
pub fn __reserved_events(_: TokenStream) -> TokenStream {
    let names = reserved::RESERVED_EVENTS;
    quote::quote!([#(#names),*]).into()
}

/// The most arguments a typed event declares, as a literal: the runtime's `MAX_EVENT_ARGS`.
/// Not an API.
#[doc(hidden)]
#[proc_macro]
pub fn __max_event_args(_: TokenStream) -> TokenStream {
    let n = reserved::MAX_EVENT_ARGS;
    quote::quote!(#n).into()
}
