"""The prisoners_defenders source: declaration in source.toml, vocabulary and reading beside it."""
