"""`amx studio --web` without a browser: its options, the command each tab runs, where it
listens, what it says about it, and its refusals in one sentence."""

from __future__ import annotations

import io
import os
import shlex
import socket
import subprocess
import sys

import httpx
import pytest

from studio_tui.cli import build_parser, run
from studio_tui.web.child import child_environment, shell_line, studio_argv
from studio_tui.web.origin import page_may_connect
from tests.support.web_studio import web_studio


def amx(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_web_options_are_parsed_with_the_studio_ones() -> None:
    args = build_parser("studio").parse_args(
        ["studio", "--web", "--demo", "--port", "9001", "--host", "0.0.0.0", "--theme", "amx-light"]
    )
    assert (args.web, args.demo, args.port, args.host, args.theme) == (
        True,
        True,
        9001,
        "0.0.0.0",
        "amx-light",
    )
    plain = build_parser("studio").parse_args(["studio"])
    assert (plain.web, plain.port, plain.host, plain.public_url) == (False, None, None, None)


def test_each_tab_runs_the_studio_with_this_python_and_the_same_options() -> None:
    argv = studio_argv(demo=True, theme="my theme; rm -rf ~")
    assert argv[0] == os.path.abspath(sys.executable) and os.path.isabs(argv[0])
    assert argv[1:] == ["-m", "studio_tui.web.tab", "--demo", "--theme", "my theme; rm -rf ~"]
    line = shell_line(argv)
    assert shlex.split(line) == argv  # quoted: the theme stays one argument, nothing runs
    assert studio_argv(demo=False, theme=None)[1:] == ["-m", "studio_tui.web.tab"]
    # The database URL reaches the tabs through the environment, never the process list.
    assert child_environment("postgresql://u:secret@db/amx") == {
        "AMX_DATABASE_URL": "postgresql://u:secret@db/amx"
    }
    assert child_environment(None) == {}
    assert "secret" not in line


@pytest.mark.parametrize("option", [["--port", "9001"], ["--host", "0.0.0.0"]])
def test_web_options_without_web_are_refused_in_one_sentence(option: list[str]) -> None:
    code, _, err = amx("studio", *option)
    assert code == 2
    assert err.count("\n") == 1 and f"{option[0]} applies only" in err and "--web" in err


def test_a_busy_port_is_refused_in_one_sentence_naming_port(sqlite_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = amx("--database-url", sqlite_url, "studio", "--web", "--port", str(port))
    assert code == 1 and out == ""
    assert err.count("\n") == 1, err
    assert f"cannot listen on 127.0.0.1 port {port}" in err and "--port" in err
    assert "Traceback" not in err


def test_a_public_url_that_is_no_web_address_is_refused(sqlite_url: str) -> None:
    code, _, err = amx(
        "--database-url", sqlite_url, "studio", "--web", "--public-url", "studio.example.org"
    )
    assert code == 1 and err.count("\n") == 1 and "--public-url" in err and "https://" in err


def test_without_textual_serve_it_says_how_to_install_it(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # as if it were not installed
    code, out, err = amx("--database-url", sqlite_url, "studio", "--web", "--port", "9")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "textual-serve" in err and "pip install" in err
    assert sys.executable in err


def test_it_listens_on_loopback_by_default_prints_the_url_and_stops_cleanly_on_ctrl_c(
    sqlite_url: str,
) -> None:
    with web_studio("--database-url", sqlite_url, "studio", "--web") as studio:
        page = httpx.get(studio.url, timeout=30)
        assert page.status_code == 200 and "AMX Studio" in page.text
        # The page's terminal connects back to the address the browser used.
        assert f'data-session-websocket-url="ws://127.0.0.1:{studio.port}/ws"' in page.text
        with pytest.raises(httpx.TransportError):
            httpx.get(studio.url.replace("127.0.0.1", _outward_address()), timeout=5)
    assert studio.code == 0
    assert f"open {studio.url}" in studio.out
    assert "warning" not in studio.err and "Traceback" not in studio.err + studio.out


def test_a_non_loopback_host_warns_that_anyone_reaching_it_gets_a_studio(
    sqlite_url: str,
) -> None:
    # The helper reaches it on 127.0.0.1, which 0.0.0.0 includes.
    with web_studio("--database-url", sqlite_url, "studio", "--web", "--host", "0.0.0.0") as studio:
        pass
    assert studio.code == 0
    warning = studio.err.strip()
    assert warning.startswith("warning: serving the studio on 0.0.0.0") and "\n" not in warning
    assert "no authentication" in warning and "anyone who reaches this port" in warning
    assert f"ssh -L {studio.port}:127.0.0.1:{studio.port}" in warning
    assert f"open http://{socket.gethostname()}:{studio.port}/" in studio.out


def _outward_address() -> str:
    """An address of this machine other than loopback (the one a route outwards would use)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
            address = str(probe.getsockname()[0])
        except OSError:
            address = "127.0.0.1"
    return address if not address.startswith("127.") else "192.0.2.1"


def test_pages_from_other_sites_get_no_studio() -> None:
    names = frozenset({"localhost", "workstation"})

    def may(origin: str | None, host: str | None, public: str | None = None) -> bool:
        return page_may_connect(origin, host, public_url=public, names=names)

    assert may("http://127.0.0.1:8471", "127.0.0.1:8471")
    assert may("http://localhost:8471", "localhost:8471")
    assert may("http://workstation:9000", "workstation:9000")  # an SSH tunnel on another port
    assert may("http://[::1]:8471", "[::1]:8471")
    assert not may("http://evil.example", "127.0.0.1:8471")  # another site's page
    assert not may("http://evil.example:8471", "evil.example:8471")  # DNS rebinding
    assert not may(None, "127.0.0.1:8471") and not may("null", "127.0.0.1:8471")
    assert may("https://studio.example.org", "127.0.0.1:8471", "https://studio.example.org/")
    assert not may("https://evil.example", "127.0.0.1:8471", "https://studio.example.org/")


def test_a_page_from_another_site_is_refused_a_studio(sqlite_url: str) -> None:
    with web_studio("--database-url", sqlite_url, "studio", "--web") as studio:
        ws_url = studio.url + "ws"
        headers = {
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        }
        foreign = httpx.get(ws_url, headers={**headers, "Origin": "http://evil.example"})
        assert foreign.status_code == 403
    assert "refused a studio to a page from http://evil.example" in studio.err
    assert "Traceback" not in studio.err


def test_the_terminal_studio_never_loads_the_web_server() -> None:
    probe = (
        "import sys\n"
        "from studio_tui.cli import build_parser\n"
        "import studio_tui.web.tab\n"
        "build_parser().parse_args(['studio', '--demo'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('textual_serve', 'aiohttp', 'aiohttp_jinja2')))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert found.stdout.strip() == "[]", found.stdout
