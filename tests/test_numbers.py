"""Integers a value may hold: those Python can write as text."""

from __future__ import annotations

import sys

import pytest

from sitegen.model.numbers import number_can_be_shown, too_many_digits, written_number_too_long


@pytest.fixture
def limit_of_1000_digits():
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(1000)
    yield
    sys.set_int_max_str_digits(before)


def test_an_integer_can_be_shown_up_to_the_digits_python_writes(limit_of_1000_digits):
    assert number_can_be_shown(10**999)  # 1,000 digits
    assert not number_can_be_shown(10**1000)
    assert not number_can_be_shown(-(16**900))


def test_the_message_names_the_limit_python_has(limit_of_1000_digits):
    assert too_many_digits() == "a number too long to be shown (more than 1,000 digits): quote it to keep it as text"


def test_without_a_limit_every_integer_can_be_shown():
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        assert number_can_be_shown(10**5000)
        assert not written_number_too_long("1" * 5000)
    finally:
        sys.set_int_max_str_digits(before)


@pytest.mark.parametrize(
    ("written", "too_long"),
    [
        ("1" * 1000, False),
        ("1" * 1001, True),
        ("-0" + "1" * 1000, False),  # leading zeros stand for nothing
        ("1_" * 1001, True),
        (":".join(["59"] * 500), False),  # about 888 digits
        (":".join(["59"] * 600), True),  # about 1,066
        ("0:" * 5000 + "1", False),  # zero parts first stand for nothing
        ("0x" + "f" * 2000, False),  # other bases are read, then checked whole
    ],
)
def test_a_written_integer_is_judged_long_before_it_is_read(limit_of_1000_digits, written, too_long):
    assert written_number_too_long(written) is too_long
