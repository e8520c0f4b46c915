from chorus.training.markdown import render_markdown


def test_markdown_becomes_html_with_tables_and_emphasis():
    html = render_markdown("Hello **world**\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<strong>world</strong>" in html and "<td>1</td>" in html


def test_raw_html_is_shown_as_text_never_run():
    html = render_markdown('<script>alert(1)</script><img src=x onerror="alert(1)">')
    assert "<script" not in html and "<img" not in html  # no tag: shown as text
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html


def test_links_go_out_safely_and_only_to_the_web_or_mail():
    html = render_markdown("[a](javascript:alert(1)) [b](https://ok.example) [c](mailto:x@y.z)")
    assert "javascript" not in html.split("[a]")[0] and 'href="javascript' not in html
    assert '<a href="https://ok.example" rel="noopener noreferrer nofollow">b</a>' in html
    assert 'href="mailto:x@y.z"' in html


def test_pictures_only_from_chorus_itself():
    html = render_markdown("![far](https://evil.example/a.png) ![near](/training/1/2/a.png)")
    assert "evil.example" not in html
    assert '<img src="/training/1/2/a.png" alt="near">' in html
    assert "//evil" not in render_markdown("![x](//evil.example/a.png)")
