"""Numbered schema migrations (NNN_name.sql), applied in order; PRAGMA user_version tracks them."""
