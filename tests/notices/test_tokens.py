"""Public tokens: genuine ones round-trip; anything else is refused without raising."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dudao.notices import services, tokens


@given(st.integers(min_value=1, max_value=2**63 - 1))
def test_link_and_code_tokens_round_trip(number: int) -> None:
    assert tokens.parse(tokens.link_token(number)) == ("g", number)
    assert tokens.parse(tokens.code_token(number)) == ("c", number)


@given(st.text(max_size=120))
def test_arbitrary_text_is_never_a_token(text: str) -> None:
    assert tokens.parse(text) is None


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=0, max_value=200))
def test_any_change_to_a_token_breaks_it(number: int, position: int) -> None:
    token = tokens.link_token(number)
    index = position % len(token)
    changed = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]
    assert tokens.parse(changed) is None


@given(st.text(alphabet="张王李赵欧阳司马小明芳娜", min_size=2, max_size=4))
def test_given_name_never_shows_the_surname(name: str) -> None:
    shown = services.given_name(name)
    assert shown and name.endswith(shown) and len(shown) < len(name)


def test_tokens_are_short_and_typable() -> None:
    token = tokens.link_token(123456)
    assert len(token) <= 20
    assert not set(token) & set("lo01:I")  # nothing a reader confuses when typing


def test_long_tokens_of_links_already_sent_still_work() -> None:
    from django.core import signing

    old = signing.Signer(salt="dudao.notices.public-link", algorithm="sha256").sign("g2n")
    assert tokens.parse(old) == ("g", 95)
    assert tokens.parse(old[:-1] + ("A" if old[-1] != "A" else "B")) is None
