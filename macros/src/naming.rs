//! The names of generated items, decided in one place.

use syn::Ident;

/// `{Trait}Emitter`: emits the events (one method each).
pub(crate) fn emitter(trait_ident: &Ident) -> Ident {
    suffixed(trait_ident, "Emitter")
}

/// `{Trait}Listeners`: registers one handler per event.
pub(crate) fn listeners(trait_ident: &Ident) -> Ident {
    suffixed(trait_ident, "Listeners")
}

/// `{Trait}Off`: removes one handler per event.
pub(crate) fn off(trait_ident: &Ident) -> Ident {
    suffixed(trait_ident, "Off")
}

/// `{Trait}ServerListeners`: registers one handler per event sent by another server.
pub(crate) fn server_listeners(trait_ident: &Ident) -> Ident {
    suffixed(trait_ident, "ServerListeners")
}

/// `{Trait}Handler`: the trait handling every event at once.
pub(crate) fn handler(trait_ident: &Ident) -> Ident {
    suffixed(trait_ident, "Handler")
}

/// `{Trait}Event`: an enum naming the events.
pub(crate) fn event_enum(trait_ident: &Ident) -> Ident {
    suffixed(trait_ident, "Event")
}

/// The enum variant of an event: its method name in PascalCase.
pub(crate) fn variant(event_ident: &Ident) -> Ident {
    let name = event_ident.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    Ident::new(&crate::case::pascal(name), event_ident.span())
}

fn suffixed(ident: &Ident, suffix: &str) -> Ident {
    let name = ident.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    Ident::new(&format!("{name}{suffix}"), ident.span())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    #[test]
    fn generated_names() {
        let t = Ident::new("ChatEvents", Span::call_site());
        assert_eq!(emitter(&t), "ChatEventsEmitter");
        assert_eq!(listeners(&t), "ChatEventsListeners");
        assert_eq!(handler(&t), "ChatEventsHandler");
        assert_eq!(event_enum(&t), "ChatEventsEvent");
        assert_eq!(
            variant(&Ident::new("chat_message", Span::call_site())),
            "ChatMessage"
        );
    }
}
