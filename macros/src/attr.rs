//! The options of `#[events(...)]` and `#[event(...)]`.

use crate::case::{RULES, RenameRule};
use crate::ctxt::Ctxt;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr, Path};

/// `#[events(rename_all = "...", crate = "...")]`.
#[derive(Default)]
pub(crate) struct EventsAttr {
    pub(crate) rename_all: Option<RenameRule>,
    pub(crate) krate: Option<Path>,
    /// `typescript`: describe the events to TypeScript (the runtime's feature `typescript`).
    pub(crate) typescript: bool,
}

/// `#[event(name = "...")]` on one method.
#[derive(Default)]
pub(crate) struct EventAttr {
    pub(crate) name: Option<LitStr>,
}

/// Reads a `key = "string"` value, recording a duplicate key.
fn string_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    slot_taken: bool,
    key: &str,
) -> syn::Result<Option<LitStr>> {
    let lit: LitStr = meta.value()?.parse()?;
    if slot_taken {
        cx.error_spanned_by(
            &meta.path,
            format!("duplicate option `{key}`: give it once"),
        );
        return Ok(None);
    }
    Ok(Some(lit))
}

/// Records an unknown option, and skips its value so that the options after it are still read.
fn unknown_option(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    attribute: &str,
    expected: &str,
) -> syn::Result<()> {
    let key = meta
        .path
        .get_ident()
        .map_or_else(String::new, |i| i.to_string());
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    }
    cx.error_spanned_by(
        &meta.path,
        format!("unknown `#[{attribute}]` option `{key}`: expected {expected}"),
    );
    Ok(())
}

impl EventsAttr {
    /// Parses the tokens inside `#[events(...)]`.
    pub(crate) fn parse(cx: &Ctxt, args: proc_macro2::TokenStream) -> syn::Result<Self> {
        let mut attr = EventsAttr::default();
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("rename_all") {
                if let Some(lit) = string_value(cx, &meta, attr.rename_all.is_some(), "rename_all")?
                {
                    match RenameRule::from_name(&lit.value()) {
                        Some(rule) => attr.rename_all = Some(rule),
                        None => {
                            let names: Vec<_> =
                                RULES.iter().map(|(n, _)| format!("\"{n}\"")).collect();
                            cx.error_spanned_by(
                                &lit,
                                format!(
                                    "unknown case `{}`: expected one of {}",
                                    lit.value(),
                                    names.join(", ")
                                ),
                            );
                        }
                    }
                }
                Ok(())
            } else if meta.path.is_ident("typescript") {
                if attr.typescript {
                    cx.error_spanned_by(&meta.path, "duplicate `typescript` option: remove one");
                }
                attr.typescript = true;
                Ok(())
            } else if meta.path.is_ident("crate") {
                if let Some(lit) = string_value(cx, &meta, attr.krate.is_some(), "crate")? {
                    attr.krate = Some(lit.parse()?);
                }
                Ok(())
            } else {
                unknown_option(
                    cx,
                    &meta,
                    "events",
                    "`rename_all = \"...\"`, `typescript` or `crate = \"...\"`",
                )
            }
        });
        syn::parse::Parser::parse2(parser, args)?;
        Ok(attr)
    }
}

impl EventAttr {
    /// Takes the `#[event(...)]` attributes out of a method's attributes.
    pub(crate) fn take(cx: &Ctxt, attrs: &mut Vec<Attribute>) -> Self {
        let mut attr = EventAttr::default();
        let mut seen = false;
        attrs.retain(|a| {
            if !a.path().is_ident("event") {
                return true;
            }
            if seen {
                cx.error_spanned_by(
                    a,
                    "duplicate `#[event]` attribute: merge the options into one",
                );
                return false;
            }
            seen = true;
            let result = a.parse_nested_meta(|meta| {
                if meta.path.is_ident("name") {
                    if let Some(lit) = string_value(cx, &meta, attr.name.is_some(), "name")? {
                        attr.name = Some(lit);
                    }
                    Ok(())
                } else {
                    unknown_option(cx, &meta, "event", "`name = \"...\"`")
                }
            });
            if let Err(e) = result {
                cx.push(e);
            }
            false
        });
        attr
    }
}
