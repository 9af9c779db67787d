"""Tests of the console shell (moomtui/shell)."""
