"""The ocdh source: declaration in source.toml, vocabulary and reading beside it."""
