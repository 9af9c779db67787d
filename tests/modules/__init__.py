"""Tests of the OOM policy modules (moomtui/modules)."""
