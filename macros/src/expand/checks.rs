//! Bound checks placed at the user's types, so that a type that cannot cross the network is
//! reported on the trait, where it is declared, rather than wherever it is first used.

use crate::model::EventsDef;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

pub(crate) fn type_checks(def: &EventsDef) -> TokenStream {
    let krate = &def.krate;
    let p = quote!(#krate::__private);
    let asserts = def.events.iter().flat_map(|e| {
        e.args
            .iter()
            .map(|a| &a.ty)
            .chain(e.ack.as_ref())
            .map(|ty| {
                quote_spanned! {ty.span()=>
                    __socketry_event_type::<#ty>();
                }
            })
    });
    quote! {
        fn __socketry_event_type<T: #p::EventType>() {}
        #[allow(dead_code)]
        fn __socketry_event_types() {
            #(#asserts)*
        }
    }
}
