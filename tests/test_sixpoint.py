"""The six-point email, one check at a time: a text that passes and one that fails each."""

from __future__ import annotations

from iiv.sixpoint import (
    Check,
    about_them,
    asks_a_question,
    connection_first,
    interest_stated,
    no_job_words,
    short,
    six_points,
)

GOOD = (
    "Hi Ada,\n\n"
    "Charles Babbage suggested I write to you. Your work on the Analytical Engine would help me"
    " with one goal: learn how mathematics becomes programming.\n\n"
    "Would you have 20 minutes to share your advice?\n\nThank you,\nSam\n"
)


def test_short_passes_under_75_words_and_fails_at_75() -> None:
    assert short(GOOD) == Check("short", True, "38 words: under 75, quick to read")
    assert short("word " * 75) == Check("short", False, "75 words: cut it to under 75")


def test_the_ask_must_be_a_question() -> None:
    assert asks_a_question(GOOD) == Check(
        "question", True, "the ask is a question: “Would you have 20 minutes to share your advice?”"
    )
    assert asks_a_question("Please send me 20 minutes of your time.") == Check(
        "question", False, "no sentence ends in '?': ask a question they can answer with yes"
    )


def test_the_connection_comes_first_by_name() -> None:
    assert connection_first(GOOD, "Charles Babbage") == Check(
        "connection",
        True,
        "it opens with Charles Babbage: “Charles Babbage suggested I write to you.”",
    )
    late = "Hi Ada,\n\nI am learning to program. Charles Babbage suggested you."
    assert connection_first(late, "Charles Babbage") == Check(
        "connection", False, "open with who introduced you: Charles Babbage"
    )


def test_without_an_introducer_the_first_sentence_says_where_you_found_them() -> None:
    found = "Hello Ada,\nI saw your talk on Bernoulli numbers. Could we talk?"
    assert connection_first(found, None).ok
    cold = "Hello Ada,\nI am a programmer looking for advice. Could we talk?"
    assert connection_first(cold, None) == Check(
        "connection",
        False,
        "open with how you found them (a talk, an article, a shared school or employer)",
    )


def test_no_job_words() -> None:
    assert no_job_words(GOOD) == Check(
        "no-job", True, "no job words: it asks for insight and advice, not a job"
    )
    assert no_job_words("Is the Position still open? I attach my CV and résumé.") == Check(
        "no-job",
        False,
        "it mentions cv, position, résumé: ask for insight and advice, not a job",
    )


def test_more_of_it_is_about_them() -> None:
    assert about_them(GOOD) == Check(
        "about-them", True, "5 you/your against 2 I/me/my: more of it is about them"
    )
    assert about_them("I would like my question answered; I'm keen. Can you help?") == Check(
        "about-them",
        False,
        "1 you/your against 3 I/me/my: write more about them than about yourself",
    )


def test_the_interest_is_stated() -> None:
    goal = "Learn how mathematics becomes programming"
    assert interest_stated(GOOD, goal) == Check(
        "interest",
        True,
        "it says what you want to learn: “Learn how mathematics becomes programming”",
    )
    assert interest_stated("Hi Ada, could we talk?", goal) == Check(
        "interest", False, "say what you want to learn: “Learn how mathematics becomes programming”"
    )
    assert interest_stated(GOOD, None) == Check(
        "interest", False, "no goal: say what you want to learn (the goal: property)"
    )


def test_six_points_in_the_methods_order() -> None:
    checks = six_points(GOOD, "Charles Babbage", "learn how mathematics becomes programming")
    assert [(c.name, c.ok) for c in checks] == [
        ("short", True),
        ("question", True),
        ("connection", True),
        ("no-job", True),
        ("about-them", True),
        ("interest", True),
    ]
