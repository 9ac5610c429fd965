from yearn import __version__


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_lists_commands(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("init", "demo", "runs"):
        assert command in result.output


def test_unknown_command_exits_2(cli):
    assert cli("no-such-command").exit_code == 2
