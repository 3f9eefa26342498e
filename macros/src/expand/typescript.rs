//! `impl TypeScriptEvents for dyn Trait` (with `#[events(typescript)]`): each event as a member
//! of a TypeScript events interface, `name: (arg: T, callback: (answer: A) => void) => void;`,
//! its types named by ts-rs at run time (the macro cannot resolve them).

use crate::model::{EventDef, EventsDef};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;

pub(crate) fn typescript_impl(def: &EventsDef) -> TokenStream {
    if !def.typescript {
        return TokenStream::new();
    }
    let krate = &def.krate;
    let ts = quote!(#krate::typescript);
    let trait_ident = &def.item.ident;
    let members = def.events.iter().map(|e| member(e, &ts));
    quote! {
        #[automatically_derived]
        impl #ts::TypeScriptEvents for dyn #trait_ident {
            #[allow(unused_variables)]
            fn members(
                __cfg: &#ts::Config,
                __visitor: &mut impl #ts::TypeVisitor,
            ) -> ::std::vec::Vec<::std::string::String> {
                ::std::vec![#(#members),*]
            }
        }
    }
}

/// The TypeScript of a type, as an expression.
fn name(ty: &Type, ts: &TokenStream) -> TokenStream {
    if super::emit::is_binary(ty) {
        quote!(::std::string::String::from(#ts::__private::BINARY))
    } else {
        quote_spanned!(ty.span()=> #ts::__private::name::<#ty>(__cfg, __visitor))
    }
}

fn member(event: &EventDef, ts: &TokenStream) -> TokenStream {
    let wire = &event.wire;
    let docs = doc_text(&event.docs);
    let params = event.args.iter().map(|a| {
        let arg = a.ident.to_string();
        let ty = name(&a.ty, ts);
        quote!((#arg, #ty))
    });
    let ack = match &event.ack {
        Some(ty) => {
            let ty = name(ty, ts);
            quote!(::core::option::Option::Some(#ts::__private::ack(#ty)))
        }
        None => quote!(::core::option::Option::None),
    };
    quote!(#ts::__private::member(#docs, #wire, &[#(#params),*], #ack))
}

/// The text of `///` docs.
fn doc_text(attrs: &[syn::Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if let syn::Meta::NameValue(nv) = &attr.meta
            && nv.path.is_ident("doc")
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
        {
            let line = s.value();
            lines.push(line.strip_prefix(' ').unwrap_or(&line).to_owned());
        }
    }
    lines.join("\n")
}
