"""The fast paths of e-mail and phone validation give what email-validator and phonenumbers give.

``engine.plainfiche`` (the checks of :class:`engine.fiche.Fiche`) skips email-validator for addresses of the
common shape and phonenumbers for French numbers written the usual ways (cold start, ``fiche import``):
whatever the fast path accepts, the library accepts too and normalises to the same text; anything else goes
to the library.
"""

from __future__ import annotations

import email_validator
import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
from hypothesis import example, given, settings
from hypothesis import strategies as st

from engine import plainfiche as fiche
from engine.plainfiche import _plain_email, _plain_phone, normalise_email, normalise_phone


def library_email(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def library_phone(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    style = phonenumbers.PhoneNumberFormat
    french = phonenumbers.region_code_for_number(number) == "FR" or number.country_code == 33
    return phonenumbers.format_number(number, style.NATIONAL if french else style.INTERNATIONAL)


TOKEN = st.text(alphabet="aZ09_+-éÀÿß×\u0301", min_size=1, max_size=8)
ODD = st.text(alphabet='aZ09_+-.é!"@ ', min_size=0, max_size=70)
PLAIN_LOCAL = st.lists(TOKEN, min_size=1, max_size=4).map(".".join)
LOCAL = st.one_of(PLAIN_LOCAL, PLAIN_LOCAL, st.lists(st.one_of(TOKEN, ODD), min_size=1, max_size=4).map(".".join), ODD)
LABEL = st.one_of(
    st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,4})?", fullmatch=True),
    st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,4})?", fullmatch=True),
    st.text(alphabet="az09-", min_size=1, max_size=10),
    st.text(alphabet="abAé_-x", min_size=0, max_size=66),
)
DOMAIN = st.lists(LABEL, min_size=1, max_size=4).map(".".join)
SPECIAL = st.sampled_from([*email_validator.SPECIAL_USE_DOMAIN_NAMES, *["org", "fr", "com", "c0m", "x1", "a-b"] * 3])


@settings(max_examples=1500, deadline=None)
@given(local=LOCAL, domain=DOMAIN, tld=SPECIAL)
@example(local="camille.martin", domain="example", tld="org")
@example(local="-a", domain="b", tld="-c")
@example(local="a", domain="xn--bcher-kva", tld="ch")
@example(local="a", domain="ab--c", tld="fr")
@example(local="a" * 65, domain="b", tld="fr")
@example(local="a", domain="b" * 64, tld="fr")
@example(local="Postmaster", domain="b", tld="fr")
@example(local="é" * 64, domain="b" * 60 + ".c" * 30, tld="fr")
def test_a_plain_email_is_what_email_validator_makes_of_it(local: str, domain: str, tld: str) -> None:
    value = f"{local}@{domain}.{tld}"
    fast = _plain_email(value)
    if fast is not None:
        assert library_email(value) == fast


@pytest.mark.parametrize("name", CASE_INSENSITIVE_MAILBOX_NAMES)
def test_mailbox_names_are_the_libraries(name: str) -> None:
    assert name in fiche._MAILBOX_NAMES
    assert _plain_email(f"{name.upper()}@example.org") is None


def test_special_use_names_are_the_libraries() -> None:
    assert set(email_validator.SPECIAL_USE_DOMAIN_NAMES) <= fiche._SPECIAL_USE


@pytest.mark.parametrize(
    "value",
    ["camille.martin@example.org", "c+tag@mail.cma-63.fr", "A_B-c@sub.domaine.fr", "x@a1.b2.eu", "hélène.çà@ex.fr"],
)
def test_usual_addresses_take_the_fast_path(value: str) -> None:
    assert _plain_email(value) == value == library_email(value)


@settings(max_examples=1500, deadline=None)
@given(
    first=st.sampled_from("0123456789"),
    digits=st.text(alphabet="0123456789", min_size=7, max_size=10),
    separator=st.sampled_from(["", " ", ".", "-", "/", "  "]),
    prefix=st.sampled_from(["0", "", "+33", "00", "٠"]),
)
@example(first="4", digits="73820000", separator=" ", prefix="0")
@example(first="8", digits="00123456", separator=" ", prefix="0")
def test_a_plain_phone_is_what_phonenumbers_makes_of_it(first: str, digits: str, separator: str, prefix: str) -> None:
    raw = first + digits
    pairs = [raw[i : i + 2] for i in range(1, len(raw), 2)]
    value = prefix + separator.join([raw[0], *pairs]) if separator else prefix + raw
    fast = _plain_phone(value)
    if fast is not None:
        assert library_phone(value) == fast


@pytest.mark.parametrize(
    "value", ["04 73 82 00 00", "04.73.82.00.00", "0473820000", "06-12-34-56-78", "09 70 00 00 00"]
)
def test_usual_french_numbers_take_the_fast_path(value: str) -> None:
    assert _plain_phone(value) is not None
    assert _plain_phone(value) == library_phone(value)


@pytest.mark.parametrize("value", ["08 00 12 34 56", "+33 4 73 82 00 00", "04 7382 00 00", "+32 2 123 45 67"])
def test_other_numbers_go_to_phonenumbers(value: str) -> None:
    assert _plain_phone(value) is None
    assert normalise_phone(value) == library_phone(value)


def test_bad_values_are_still_refused() -> None:
    for value in ["camille.martin@example", "a..b@example.org", "x@localhost", "x@y.test"]:
        with pytest.raises(ValueError, match="e-mail"):
            normalise_email(value)
    for value in ["12", "04 73 82 00"]:
        with pytest.raises(ValueError, match="phone"):
            normalise_phone(value)
