"""The `patron` command explains itself: its own commands, their options, its version."""

from __future__ import annotations

import argparse

import pytest

from patron.cli import OWN_COMMANDS, _parser, main, patron_version


def test_help_lists_patrons_own_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("import", "demo", "classify", "score", "worker", "serve", "setup", "help"):
        assert f"    {command}" in out
    assert "patron migrate" in out  # and says Django's commands work too


def test_no_arguments_print_the_same_help(capsys):
    assert main([]) == 0
    assert "import a shop, marketplace, payment or spreadsheet export" in capsys.readouterr().out


def test_help_names_a_command(capsys):
    assert main(["help", "import"]) == 0
    out = capsys.readouterr().out
    assert "usage: patron import" in out and "--dry-run" in out and "--map COLUMN=FIELD" in out


def test_help_of_a_django_command(capsys):
    assert main(["help", "migrate"]) == 0
    assert "usage: patron migrate" in capsys.readouterr().out


def test_version_is_patrons(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"patron {patron_version()}"
    assert patron_version() != "unknown"


def test_every_option_of_every_command_says_what_it_does():
    parser = _parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == set(OWN_COMMANDS)
    for name, command in commands.choices.items():
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"patron {name}: {action.dest} has no help text"


@pytest.mark.django_db
def test_the_cli_speaks_korean_when_the_environment_does(sample, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "ko_KR.UTF-8")
    assert main(["import", str(sample("stripe_payments.csv")), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "행" in out and "없는 날짜입니다" in out
