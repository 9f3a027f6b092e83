"""Finding quoted words in a source text (app.quoting), on short texts written for it."""

import pytest

from app.quoting import Place, Problem, SourceText, Span, locate

TEXT = (
    "Rockets hit the base on Monday. “No damage,” the official said.\n\n"
    "Rockets hit the base again on Tuesday. “No damage,” the spokesman said."
)


def found(result: Span | Problem) -> Span:
    assert isinstance(result, Span), result
    return result


def refused(result: Span | Problem) -> Problem:
    assert isinstance(result, Problem), result
    return result


def test_once_found_is_its_span_and_the_sources_own_text() -> None:
    span = found(locate(TEXT, "the official said"))
    assert (span.start, span.end) == (TEXT.index("the official"), TEXT.index(".\n"))
    assert span.text == TEXT[span.start : span.end] == "the official said"


def test_absent_text_is_a_problem_without_places() -> None:
    problem = refused(locate(TEXT, "Many casualties"))
    assert problem.message == "text 'Many casualties' is not in the source text"
    assert problem.places == ()
    assert problem.about == "text"


def test_ambiguous_text_lists_every_place_with_context() -> None:
    problem = refused(locate(TEXT, "Rockets hit the base"))
    first, second = TEXT.index("Rockets"), TEXT.index("Rockets", 1)
    assert [(p.start, p.end) for p in problem.places] == [
        (first, first + 20),
        (second, second + 20),
    ]
    assert problem.places[1].context == (
        "… damage,” the official said. [Rockets hit the base] again on Tuesday. “No damage,…"
    )
    assert "occurs 2 times" in problem.message
    assert "occurrence (1 to 2)" in problem.message
    assert f"{second}..{second + 20}" in problem.message


def test_occurrence_picks_one_place_and_an_impossible_one_is_refused() -> None:
    second = TEXT.index("“No damage", 40)
    span = found(locate(TEXT, "“No damage,”", occurrence=2))
    assert span.start == second
    problem = refused(locate(TEXT, "“No damage,”", occurrence=3))
    assert problem.message.startswith("occurrence 3 of text '“No damage,”' does not exist")
    assert len(problem.places) == 2
    assert problem.about == "occurrence"
    assert refused(locate(TEXT, "No damage", occurrence=0)).places


def test_after_names_the_words_just_before_skipping_spaces_and_punctuation() -> None:
    # "No damage" follows "on Tuesday." then a space and an opening quotation mark.
    span = found(locate(TEXT, "No damage", after="again on Tuesday"))
    assert span.start == TEXT.index("No damage", 40)
    assert found(locate(TEXT, "No damage", after="Tuesday.")).start == span.start
    # Words further back are not "just before".
    problem = refused(locate(TEXT, "No damage", after="again"))
    assert "does not occur after 'again'" in problem.message
    assert len(problem.places) == 2
    assert problem.about == "after"
    # A word's tail is not the word: "day" is not what comes before.
    assert isinstance(locate(TEXT, "No damage", after="day"), Problem)


def test_after_and_occurrence_together() -> None:
    text = "He said: no. She said: no. He said: no."
    span = found(locate(text, "no", after="He said", occurrence=2))
    assert span.start == text.rindex("no")
    problem = refused(locate(text, "no", after="He said"))
    assert "occurs 2 times after 'He said'" in problem.message


@pytest.mark.parametrize(
    ("source", "typed"),
    [
        ("the group’s base", "the group's base"),  # apostrophe
        ("the group's base", "the group’s base"),
        ("it said “No damage”", 'it said "No damage"'),  # double quotation marks
        ("it said „Keine Schäden“", 'it said "Keine Schäden"'),
        ("it said «pas de dégâts»", 'it said "pas de dégâts"'),
        ("it said ‘no damage’", "it said 'no damage'"),  # single quotation marks
        ("Iran–backed groups", "Iran-backed groups"),  # en dash
        ("the strike — ordered", "the strike - ordered"),  # em dash
        ("a drop of −5 degrees", "a drop of -5 degrees"),  # minus sign
        ("pro-Iran factions", "pro‑Iran factions"),  # non-breaking hyphen typed
        ("five   rounds\n\n...  the closest", "five rounds ... the closest"),  # whitespace runs
        ("five rounds ... the closest", "five\trounds\n...\u00a0the closest"),
    ],
)
def test_marks_dashes_and_whitespace_match_but_the_source_is_kept(source: str, typed: str) -> None:
    text = f"Before. {source}. After."
    span = found(locate(text, typed))
    assert span.start == text.index(source)
    assert span.end == span.start + len(source)
    assert span.text == source


def test_typed_text_is_trimmed_of_surrounding_whitespace() -> None:
    span = found(locate(TEXT, "  the official said\n"))
    assert span.text == "the official said"


def test_letters_and_case_are_not_forgiven() -> None:
    assert isinstance(locate(TEXT, "the Official said"), Problem)
    assert isinstance(locate(TEXT, "the officials said"), Problem)
    assert isinstance(locate(TEXT, "   "), Problem)


def test_offsets_are_code_points_past_non_ascii_and_astral_characters() -> None:
    text = "Erbil (𒌨𒉈𒈝𒆠, هەولێر) — “the base’s gate was hit,” é said."
    span = found(locate(text, '"the base\'s gate was hit,"'))
    assert span.start == text.index("“the")
    assert span.text == text[span.start : span.end] == "“the base’s gate was hit,”"
    # In UTF-16 units it would be 27: the four astral signs count two each there.
    assert span.start == 23
    assert len(text[: span.start].encode("utf-16-le")) // 2 == 27
    assert SourceText(text).check(span.start, span.end, span.text) is None


def test_a_given_span_is_checked_exactly() -> None:
    source = SourceText(TEXT)
    start = TEXT.index("“No")
    assert source.check(start, start + 12, "“No damage,”") is None
    problem = source.check(start, start + 12, '"No damage,"')
    assert problem is not None
    assert problem.message == (
        f"text is not verbatim at {start}..{start + 12}: the source has '“No damage,”'"
    )
    assert problem.places == (source.place(start, start + 12),)
    outside = source.check(5, len(TEXT) + 1, "x")
    assert outside is not None
    assert outside.message == f"span 5..{len(TEXT) + 1} is outside the source text (0..{len(TEXT)})"
    assert source.check(7, 7, "") is not None


def test_place_context_marks_the_words_and_elides_the_rest() -> None:
    source = SourceText("a" * 50 + " target " + "b" * 50)
    assert source.place(51, 57) == Place(51, 57, "…" + "a" * 29 + " [target] " + "b" * 29 + "…")


def test_many_look_ups_in_a_long_article() -> None:
    """(bench/drafting.py times this: 200 quotes in a 10,000-word article.)"""
    words = [f"word{n % 997}" for n in range(10_000)]
    quotes = []
    for n in range(200):
        words[n * 50] = f"“quote {n}’s words,”"
        quotes.append(f'"quote {n}\'s words,"')
    text = "\n".join(words)
    source = SourceText(text)
    spans = [found(source.find(q)) for q in quotes]
    assert [s.text for s in spans] == [f"“quote {n}’s words,”" for n in range(200)]
    assert all(text[s.start : s.end] == s.text for s in spans)
