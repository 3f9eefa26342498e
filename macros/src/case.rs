//! `rename_all` rules: from a method's snake_case name to the event's wire name.

/// A case convention, named as serde names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

/// Every rule, by the name written in `rename_all = "..."`.
pub(crate) const RULES: &[(&str, RenameRule)] = &[
    ("lowercase", RenameRule::Lower),
    ("UPPERCASE", RenameRule::Upper),
    ("PascalCase", RenameRule::Pascal),
    ("camelCase", RenameRule::Camel),
    ("snake_case", RenameRule::Snake),
    ("SCREAMING_SNAKE_CASE", RenameRule::ScreamingSnake),
    ("kebab-case", RenameRule::Kebab),
    ("SCREAMING-KEBAB-CASE", RenameRule::ScreamingKebab),
];

impl RenameRule {
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        RULES.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
    }

    /// Applies the rule to a snake_case method name.
    pub(crate) fn apply(self, snake: &str) -> String {
        let words = snake.split('_').filter(|w| !w.is_empty());
        let capitalize = |w: &str| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        };
        match self {
            RenameRule::Lower => snake.replace('_', "").to_lowercase(),
            RenameRule::Upper => snake.replace('_', "").to_uppercase(),
            RenameRule::Pascal => words.map(capitalize).collect(),
            RenameRule::Camel => {
                let pascal: String = words.map(capitalize).collect();
                let mut c = pascal.chars();
                c.next()
                    .map(|f| f.to_lowercase().chain(c).collect())
                    .unwrap_or_default()
            }
            RenameRule::Snake => snake.to_owned(),
            RenameRule::ScreamingSnake => snake.to_uppercase(),
            RenameRule::Kebab => snake.replace('_', "-"),
            RenameRule::ScreamingKebab => snake.replace('_', "-").to_uppercase(),
        }
    }
}

/// `chat_message` -> `ChatMessage`, for enum variants and generated type names.
pub(crate) fn pascal(snake: &str) -> String {
    RenameRule::Pascal.apply(snake)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule() {
        let cases = [
            (RenameRule::Lower, "chatmessage"),
            (RenameRule::Upper, "CHATMESSAGE"),
            (RenameRule::Pascal, "ChatMessage"),
            (RenameRule::Camel, "chatMessage"),
            (RenameRule::Snake, "chat_message"),
            (RenameRule::ScreamingSnake, "CHAT_MESSAGE"),
            (RenameRule::Kebab, "chat-message"),
            (RenameRule::ScreamingKebab, "CHAT-MESSAGE"),
        ];
        for (rule, want) in cases {
            assert_eq!(rule.apply("chat_message"), want, "{rule:?}");
        }
        assert_eq!(RenameRule::Camel.apply("ping"), "ping");
        assert_eq!(pascal("a_b_c"), "ABC");
    }
}
