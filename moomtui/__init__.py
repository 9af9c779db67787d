"""moomtui: play with the 2003 modular OOM killer on a simulated Linux 2.4 kernel."""

__version__ = "0.1.0"
