//! `{Trait}Listeners`: one method per event, registering a closure that receives the socket,
//! the arguments decoded into their declared types, and a typed acknowledgement when the event
//! declares one.

use crate::model::{EventDef, EventsDef};
use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn listeners(def: &EventsDef) -> TokenStream {
    let krate = &def.krate;
    let p = quote!(#krate::__private);
    let vis = &def.item.vis;
    let trait_ident = &def.item.ident;
    let listeners = crate::naming::listeners(trait_ident);
    let struct_doc = format!(
        "Registers the handlers of the events of [`{trait_ident}`], one method each (generated \
         by `#[events]`).\n\nObtained from `socket.on()` on a socket whose client-to-server events \
         are `dyn {trait_ident}`. Each handler receives the socket, then the event's arguments \
         decoded into their declared types, then an [`Ack`]({krate}::Ack) when the event \
         declares an acknowledgement.",
        krate = quote!(#krate).to_string().replace(' ', "")
    );
    let methods = def.events.iter().map(|e| method(e, def));
    quote! {
        #[doc = #struct_doc]
        #vis struct #listeners<__ServerEvents: ?#p::Sized + 'static, __SocketData: #p::Send + 'static> {
            socket: #p::Socket<dyn #trait_ident, __ServerEvents, __SocketData>,
        }

        impl<__ServerEvents: ?#p::Sized + 'static, __SocketData: #p::Send + 'static> ::core::fmt::Debug
            for #listeners<__ServerEvents, __SocketData>
        {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(::core::stringify!(#listeners))
            }
        }

        impl<__ServerEvents: ?#p::Sized + 'static, __SocketData: #p::Send + 'static> #listeners<__ServerEvents, __SocketData> {
            #(#methods)*
        }
    }
}

fn method(event: &EventDef, def: &EventsDef) -> TokenStream {
    let krate = &def.krate;
    let p = quote!(#krate::__private);
    let trait_ident = &def.item.ident;
    let ident = &event.ident;
    let wire = &event.wire;
    let tys: Vec<_> = event.args.iter().map(|a| &a.ty).collect();
    let names: Vec<_> = (0..tys.len())
        .map(|i| quote::format_ident!("__a{}", i))
        .collect();
    let docs = super::docs(&format!("Handles `{wire}`."), &event.docs);
    let bounds = super::event_type_bounds(super::event_types(event), krate);
    let socket_ty = quote!(#p::Socket<dyn #trait_ident, __ServerEvents, __SocketData>);
    // The closure's parameters after the socket: the arguments, then the acknowledgement.
    let mut params: Vec<TokenStream> = tys.iter().map(|t| quote!(#t)).collect();
    let mut call: Vec<TokenStream> = names.iter().map(|n| quote!(#n)).collect();
    if let Some(ack) = &event.ack {
        params.push(quote!(#p::Ack<#ack>));
        call.push(quote!(#p::Ack::new(__ack)));
    }
    quote! {
        #docs
        pub fn #ident<__F, __Fut>(&self, handler: __F)
        where
            __F: ::core::ops::Fn(#socket_ty, #(#params),*) -> __Fut + #p::Send + #p::Sync + 'static,
            __Fut: #p::Future<Output = ()> + #p::Send + 'static,
            #bounds
        {
            #p::on_event(
                &self.socket,
                #wire,
                move |__socket: #socket_ty, (#(#names,)*): (#(#tys,)*), __ack: ::core::option::Option<#p::AckSender>| {
                    handler(__socket, #(#call),*)
                },
            );
        }
    }
}

/// `{Trait}Off`: one method per event, removing its handler from the socket.
pub(crate) fn off(def: &EventsDef) -> TokenStream {
    let krate = &def.krate;
    let p = quote!(#krate::__private);
    let vis = &def.item.vis;
    let trait_ident = &def.item.ident;
    let off = crate::naming::off(trait_ident);
    let struct_doc = format!(
        "Removes the handlers of the events of [`{trait_ident}`], one method each (generated \
         by `#[events]`).\n\nObtained from `socket.off()` on a socket whose client-to-server \
         events are `dyn {trait_ident}`."
    );
    let methods = def.events.iter().map(|e| {
        let ident = &e.ident;
        let wire = &e.wire;
        let doc = format!("Removes the handler of `{wire}`.");
        quote! {
            #[doc = #doc]
            pub fn #ident(&self) {
                #p::off_event(&self.socket, #wire)
            }
        }
    });
    quote! {
        #[doc = #struct_doc]
        #vis struct #off<__ServerEvents: ?#p::Sized + 'static, __SocketData: 'static> {
            socket: #p::Socket<dyn #trait_ident, __ServerEvents, __SocketData>,
        }

        impl<__ServerEvents: ?#p::Sized + 'static, __SocketData: 'static> ::core::fmt::Debug for #off<__ServerEvents, __SocketData> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(::core::stringify!(#off))
            }
        }

        impl<__ServerEvents: ?#p::Sized + 'static, __SocketData: 'static> #off<__ServerEvents, __SocketData> {
            #(#methods)*
        }
    }
}

/// `{Trait}ServerListeners`: one method per event, registering a closure run when another
/// server of the cluster sends the event, with the arguments decoded into their declared
/// types and a typed acknowledgement when the event declares one.
pub(crate) fn server_listeners(def: &EventsDef) -> TokenStream {
    let krate = &def.krate;
    let p = quote!(#krate::__private);
    let vis = &def.item.vis;
    let trait_ident = &def.item.ident;
    let listeners = crate::naming::server_listeners(trait_ident);
    let struct_doc = format!(
        "Registers the handlers of the events of [`{trait_ident}`] sent by other servers of \
         the cluster, one method each (generated by `#[events]`).\n\nObtained from \
         `namespace.on_server_side()` on a server whose inter-server events are \
         `dyn {trait_ident}`."
    );
    let methods = def.events.iter().map(|e| server_method(e, def));
    quote! {
        #[doc = #struct_doc]
        #vis struct #listeners {
            target: #p::ServerSideTarget,
        }

        impl ::core::fmt::Debug for #listeners {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(::core::stringify!(#listeners))
            }
        }

        impl #listeners {
            #(#methods)*
        }
    }
}

fn server_method(event: &EventDef, def: &EventsDef) -> TokenStream {
    let krate = &def.krate;
    let p = quote!(#krate::__private);
    let ident = &event.ident;
    let wire = &event.wire;
    let tys: Vec<_> = event.args.iter().map(|a| &a.ty).collect();
    let names: Vec<_> = (0..tys.len())
        .map(|i| quote::format_ident!("__a{}", i))
        .collect();
    let docs = super::docs(
        &format!("Handles `{wire}` from another server."),
        &event.docs,
    );
    let bounds = super::event_type_bounds(super::event_types(event), krate);
    let mut params: Vec<TokenStream> = tys.iter().map(|t| quote!(#t)).collect();
    let mut call: Vec<TokenStream> = names.iter().map(|n| quote!(#n)).collect();
    if let Some(ack) = &event.ack {
        params.push(quote!(#p::Ack<#ack>));
        call.push(quote!(#p::Ack::server_side(__ack)));
    }
    quote! {
        #docs
        pub fn #ident<__F, __Fut>(&self, handler: __F)
        where
            __F: ::core::ops::Fn(#(#params),*) -> __Fut + #p::Send + #p::Sync + 'static,
            __Fut: #p::Future<Output = ()> + #p::Send + 'static,
            #bounds
        {
            #p::on_server_event(
                &self.target,
                #wire,
                move |(#(#names,)*): (#(#tys,)*), __ack: ::core::option::Option<#p::ServerSideAck>| {
                    handler(#(#call),*)
                },
            );
        }
    }
}
