"""No merge value can make or steer a link, and no text can pass for a merge field."""

from __future__ import annotations

import pytest

from patron.outreach.models import Template
from patron.outreach.services import do_save_template
from patron.outreach.templating import TemplateRefused, render


def save(body: str) -> Template:
    return do_save_template(Template(name="t", message_class="promotional", subject="s", body=body))


@pytest.mark.parametrize(
    "body",
    [
        "[click]({{ name }})",
        "[click](https://shop.example/{{ first_name }})",
        "[click]({{ preferences_url }}?from=mail)",
        "[click](mailto:{{ business }})",
        "![photo]({{ name }})",
        "<https://{{ business }}.example>",
        "[click][shop]\n\n[shop]: https://{{ name }}.example",
        "[click](java{{ name }})",
    ],
)
def test_it_refuses_a_merge_field_in_a_link_address(db, body):
    with pytest.raises(TemplateRefused) as refused:
        save(body)
    assert refused.value.code == "template.field_in_link"
    assert "{{ preferences_url }}" in str(refused.value)
    assert not Template.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "[your choices]({{ preferences_url }})",
        "[answer]({{ rsvp_url }}) {{ first_name }}",
        "[answer][rsvp]\n\n[rsvp]: {{ rsvp_url }}",
        "[**{{ first_name }}**](https://shop.example/spring) [mail](mailto:hi@shop.example)",
    ],
)
def test_a_link_field_may_be_a_whole_address(db, body):
    assert save(body).pk


@pytest.mark.parametrize(
    "body",
    [
        "[click](javascript:alert(1))",
        "[click](JavaScript:alert(1))",
        "[click](jav&#x09;ascript:alert(1))",
        "[click](vbscript:msgbox)",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        "`[click](javascript:alert(1))`",
    ],
)
def test_it_refuses_a_link_to_anything_but_a_web_page_or_an_email(db, body):
    with pytest.raises(TemplateRefused) as refused:
        save(body)
    assert refused.value.code == "template.link_scheme"
    assert str(refused.value)


def test_a_merge_value_never_becomes_a_link_even_unchecked():
    """Words saved before links were checked render their doubtful links as text."""
    rendered = render(
        "",
        "[a](java{{ name }}) <java{{ name }}:alert(1)> ![b]({{ name }}) [c]({{ preferences_url }})",
        {"name": "script:alert(1)", "preferences_url": "https://crm.example/p/1"},
        markdown=True,
    )
    assert 'href="java' not in rendered.html and "src=" not in rendered.html
    assert '<a href="https://crm.example/p/1">c</a>' in rendered.html


@pytest.mark.parametrize(
    "written",
    ["zzpatronfield0zz", "\ufdd00\ufdd1", "&#xFDD0;0&#xFDD1;", "\ufdd20\ufdd3"],
)
@pytest.mark.parametrize("markdown", [True, False])
def test_text_that_looks_like_a_placeholder_is_not_filled(written, markdown):
    rendered = render("", f"{{{{ name }}}} {written}", {"name": "VALUE"}, markdown=markdown)
    assert rendered.html.count("VALUE") == 1
    assert rendered.text.count("VALUE") == 1
