import string
from collections import Counter

from certificates import codes


def test_the_alphabet_has_no_vowel_and_no_look_alike():
    assert not set(codes.ALPHABET) & set("AEIOUY")
    assert not set(codes.ALPHABET) & set("01OILSZ25B8")
    assert set(codes.ALPHABET) <= set(string.ascii_uppercase + string.digits)
    assert codes.LENGTH >= 10


def test_codes_are_random_and_use_the_whole_alphabet():
    drawn = [codes.code_new() for _ in range(2000)]
    assert len(set(drawn)) == len(drawn)
    assert all(len(code) == codes.LENGTH for code in drawn)
    letters = Counter("".join(drawn))
    assert set(letters) == set(codes.ALPHABET)
    # 20,000 characters over 21 letters: each near 952; a biased draw is far off.
    assert min(letters.values()) > 800
    assert max(letters.values()) < 1100


def test_a_typed_code_is_read_with_spaces_dashes_and_lowercase():
    assert codes.code_normalize(" 7kq3m-xw4tp ") == "7KQ3MXW4TP"
    assert codes.code_display("7KQ3MXW4TP") == "7KQ3M-XW4TP"


def test_malformed_codes_are_none():
    for typed in ["", "7KQ3M", "7KQ3MXW4TPP", "AEIOU12345", "7KQ3M XW4T0", "é" * 10]:
        assert codes.code_normalize(typed) is None
