"""The search key of a name (pure: no database)."""

from __future__ import annotations

import pytest

from cellway.cases.search import MAX_TERM, BadSearchTerm, search_key, search_words


@pytest.mark.parametrize(
    ("written", "searched"),
    [
        ("José Álvarez", "jose alvarez"),
        ("ŞTEFAN Ionescu", "stefan ionescu"),
        ("Ștefan", "stefan"),  # Romanian comma below, not cedilla
        ("Łukasz Wałęsa", "lukasz walesa"),
        ("Søren Kierkegaard", "soren kierkegaard"),
        ("Straße", "strasse"),
        ("İlkay Gündoğan", "ilkay gundogan"),
        ("Þór Ægisson", "thor aegisson"),
        ("Đorđe", "dorde"),
        ("  Elena \t  POPESCU\n", "elena popescu"),
        ("Jean-Luc Picard", "jean luc picard"),
        ("O’Brien", "obrien"),
        ("O'Brien", "obrien"),
        ("王小明", "王小明"),
        ("ﬁona", "fiona"),  # the ligature a PDF copy leaves behind
    ],
)
def test_a_name_is_searched_without_accents_case_or_extra_spaces(written, searched):
    assert search_key(written) == searched


def test_the_words_of_a_term_are_folded_like_the_key():
    assert search_words("POPESCU élena") == ["popescu", "elena"]
    assert all(word in search_key("Elena Popescu") for word in search_words("popescu ELENA"))


def test_an_empty_or_punctuation_only_term_has_no_words():
    assert search_words("   ") == []
    assert search_words("-- ''") == []


@pytest.mark.parametrize("term", ["jo\x00se", "\x1b[31mjose", "jose\x7f", "\x85elena"])
def test_control_characters_in_a_term_are_refused(term):
    with pytest.raises(BadSearchTerm, match="Search terms cannot contain control characters"):
        search_words(term)


def test_tabs_and_line_breaks_from_a_pasted_cell_are_whitespace():
    assert search_words("elena\tpopescu\r\n") == ["elena", "popescu"]


def test_a_term_longer_than_the_limit_is_refused_and_one_at_the_limit_is_not():
    assert search_words("a" * MAX_TERM) == ["a" * MAX_TERM]
    with pytest.raises(BadSearchTerm, match=f"at most {MAX_TERM} characters"):
        search_words("a" * (MAX_TERM + 1))
