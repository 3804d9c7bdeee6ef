"""The staff pages' rendering of the answers' Markdown (bot/web/markdown.py): the widget's
subset, with every text escaped first."""

from __future__ import annotations

from bot.web.markdown import excerpt, plain_text, render_markdown


def test_bold_lists_and_links_are_formatted_as_the_chat_shows_them() -> None:
    html = render_markdown(
        "Given **every 12 weeks**:\n- in the clinic\n- by a nurse\n\nSee https://www.nhs.uk."
    )
    assert html == (
        "<p>Given <strong>every 12 weeks</strong>:</p>"
        "<ul><li>in the clinic</li><li>by a nurse</li></ul>"
        '<p>See <a href="https://www.nhs.uk" target="_blank" rel="noopener noreferrer">'
        "https://www.nhs.uk</a>.</p>"
    )


def test_markup_in_a_text_is_shown_as_typed_never_as_html() -> None:
    html = render_markdown('**<img src=x onerror="alert(1)">** & [x](javascript:alert(1))')
    assert "<img" not in html and "javascript" not in html
    assert "<strong>&lt;img src=x onerror=&#34;alert(1)&#34;&gt;</strong> &amp; x)" in html
    assert "<a " not in html  # a script link is not made a link


def test_snake_case_and_sums_are_not_emphasis() -> None:
    assert render_markdown("total_dose_units and 2*3*4") == "<p>total_dose_units and 2*3*4</p>"


def test_plain_text_and_excerpts_drop_the_marks() -> None:
    text = "**Yes.** Side effects are *usually* mild:\n- neck pain\n- [headache](https://x.org)"
    assert plain_text(text) == "Yes. Side effects are usually mild: • neck pain • headache"
    assert excerpt(text, limit=30) == "Yes. Side effects are usually..."
    assert excerpt("Short.") == "Short."


def test_escaped_patient_text_in_a_reply_shows_as_typed_without_backslashes():
    from bot.channels.format import escape_markdown

    reply = f"Thanks, {escape_markdown('**Bold** [click](http://x)')}. We **will** call."
    html = str(render_markdown(reply))
    assert "**Bold** [click](http://x)" in html
    assert "\\" not in html and "<a " not in html
    assert "<strong>will</strong>" in html
    assert plain_text(reply) == "Thanks, **Bold** [click](http://x). We will call."


def test_an_escaped_angle_bracket_never_becomes_a_tag():
    html = str(render_markdown("a \\<script\\>alert(1)\\</script\\> b"))
    assert "<script" not in html
    assert "&lt;script&gt;" in html
