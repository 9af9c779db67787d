"""The machine's one errno table: numbers from 2.4's i386 header, messages from its own table."""

from __future__ import annotations

import os

import pytest

from moomtui.kernel import errno
from moomtui.kernel.errno import EAGAIN, EBUSY, EINVAL, EIO, ENOMEM, EPERM, EROFS, strerror
from moomtui.kernel.procfs import ProcError
from moomtui.kernel.sysctl import SysctlError


def test_numbers_are_the_i386_header_s() -> None:
    """``#define EPERM 1`` … ``#define EROFS 30`` … ``#define EMEDIUMTYPE 124``."""
    assert (EPERM, EIO, EAGAIN, ENOMEM, EBUSY, EINVAL, EROFS) == (1, 5, 11, 12, 16, 22, 30)
    assert errno.EMEDIUMTYPE == 124
    assert errno.EOPNOTSUPP == 95


def test_every_number_is_defined_once_and_has_one_message() -> None:
    names = {name: value for name, value in vars(errno).items() if name.startswith("E")}
    assert len(set(names.values())) == len(names)
    assert set(errno.STRERROR) == set(names.values())
    assert all(text.strip() == text != "" for text in errno.STRERROR.values())


def test_an_unknown_errno_is_worded_as_the_c_library_words_it() -> None:
    assert strerror(41) == "Unknown error 41"
    assert strerror(4000) == "Unknown error 4000"


def test_messages_do_not_depend_on_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """The host's ``strerror`` differs between systems; the machine's never does."""
    monkeypatch.setattr(os, "strerror", lambda _n: "the host's wording")
    assert strerror(EBUSY) == "Device or resource busy"
    assert SysctlError(EINVAL, "vm.x").strerror == "Invalid argument"
    assert str(ProcError(EROFS, "/etc/passwd")) == "/etc/passwd: Read-only file system"
