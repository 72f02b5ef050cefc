"""``keyed.hmac_sha256`` gives ``hmac.digest``'s HMAC-SHA-256 for any key and message (issue 19: the salts of
personal values and the store's porteur key are set up once for many messages)."""

from __future__ import annotations

import hmac

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.store import personal, porteur_keys
from engine.store.keyed import hmac_sha256


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.lists(st.binary(max_size=300), min_size=1, max_size=4))
def test_the_same_digests_as_hmac(key, messages):
    mac = hmac_sha256(key)
    for message in messages:  # one key, several messages: its states are copied, never changed
        assert mac(message) == hmac.digest(key, message, "sha256").hex()


def test_keys_of_the_block_size_and_around():
    for size in (0, 1, 32, 63, 64, 65, 128):
        key = bytes(range(size % 256)) if size < 256 else b"k" * size
        assert hmac_sha256(key)(b"Camille Martin") == hmac.digest(key, b"Camille Martin", "sha256").hex()


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=20), st.text(max_size=20), st.text(max_size=20))
def test_porteur_digests_with_the_key_set_up_once(name, email, phone):
    secret = "a1" * 32
    mac = hmac_sha256(secret.encode("ascii"))
    assert porteur_keys.digests(secret, name, email, phone, mac=mac) == porteur_keys.digests(secret, name, email, phone)
    who = porteur_keys.normal_name(name)
    expected = {
        hmac.digest(secret.encode("ascii"), f"{who}\x1f{kind}\x1f{value}".encode(), "sha256").hex()
        for kind, value in (("email", porteur_keys.normal_email(email)), ("phone", porteur_keys.normal_phone(phone)))
        if who and value
    }
    assert porteur_keys.digests(secret, name, email, phone) == expected


def test_a_split_payloads_digests_are_the_salts_hmac():
    stored, (row,) = personal.split({"text": "appel de Camille", "comment": "rappeler"}, "F-2026-0001")
    for path, ref in personal.refs_of(stored).items():
        value = {"text": "appel de Camille", "comment": "rappeler"}[path]
        assert ref["digest"] == hmac.digest(row["salt"].encode("ascii"), value.encode("utf-8"), "sha256").hex()
