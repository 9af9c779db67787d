"""Where moomtui keeps the user's files: one place, one library (platformdirs).

- :func:`config_dir`: what the user writes or chooses — ``config.toml`` (keys, theme,
  columns), ``presets/``, ``themes/`` — in ``$XDG_CONFIG_HOME/moomtui``
  (``~/.config/moomtui``);
- :func:`data_dir`: what moomtui keeps for the user — the console's ``history``, the best
  ``scores.json`` — in ``$XDG_DATA_HOME/moomtui`` (``~/.local/share/moomtui``).

platformdirs reads the XDG variables as the base directory spec says, but for one point the
spec makes and platformdirs does not: a *relative* ``XDG_CONFIG_HOME`` or ``XDG_DATA_HOME``
is invalid and ignored, so a variable set to ``relative/config`` never puts the user's files
under whatever the working directory is.

A leaf module: it imports nothing of moomtui. The kernel and the shell never ask where the
user's files are (they read none by themselves); the layers above them do.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "moomtui"


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/moomtui``, or ``~/.config/moomtui`` if it is unset or relative."""
    path = platformdirs.user_config_path(APP_NAME, appauthor=False)
    return path if path.is_absolute() else Path.home() / ".config" / APP_NAME


def data_dir() -> Path:
    """``$XDG_DATA_HOME/moomtui``, or ``~/.local/share/moomtui`` if it is unset or relative."""
    path = platformdirs.user_data_path(APP_NAME, appauthor=False)
    return path if path.is_absolute() else Path.home() / ".local" / "share" / APP_NAME


def config_file() -> Path:
    """``config.toml`` in :func:`config_dir`: the keys, the theme and the columns."""
    return config_dir() / "config.toml"
