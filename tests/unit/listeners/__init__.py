"""Unit tests of bot/listeners/, one module per listener family."""
