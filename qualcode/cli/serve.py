"""``serve``: the app in a web browser, through textual-serve.

textual-serve has no authentication of its own: whoever reaches the port gets the app (and,
without --review, can change codings). So it binds to the loopback address unless told
otherwise with --allow-remote, and says so loudly then. docs/review.md shows the SSH tunnel and
the authenticating reverse proxy to put in front of it.
"""

from __future__ import annotations

import ipaddress
import shlex
import sys
from pathlib import Path

import click

from qualcode.cli.common import current_user, db_location
from qualcode.core.errors import QualcodeError

NO_AUTH_WARNING = (
    "warning: textual-serve has no authentication: anyone who can reach {where} gets the app{what}."
    " Prefer the default 127.0.0.1 with an SSH tunnel, or put an authenticating reverse proxy in "
    "front (docs/review.md)."
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def app_command(location: str, review: bool, who: str) -> str:
    """The shell command textual-serve runs for each browser session."""
    from qualcode.storage.db import is_url

    db = location if is_url(location) else str(Path(location).resolve())
    argv = [sys.executable, "-m", "qualcode", "--db", db]
    argv += ["review", "--reviewer", who] if review else ["code", "--coder", who]
    return shlex.join(argv)


@click.command()
@click.option("--review", is_flag=True, help="Serve the read-only review app (docs/review.md).")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but loopback needs --allow-remote.",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port."
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a non-loopback --host. textual-serve has no authentication: only behind an "
    "authenticating reverse proxy.",
)
@click.option(
    "--public-url",
    metavar="URL",
    help="The address browsers use, when it is not http://HOST:PORT (an SSH tunnel on another "
    "local port, a reverse proxy).",
)
@click.option(
    "--coder",
    envvar="QUALCODE_CODER",
    help="Who codes, or with --review who reviews (default: your user name).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    review: bool,
    host: str,
    port: int,
    allow_remote: bool,
    public_url: str | None,
    coder: str | None,
) -> None:
    """Serve the app in a web browser (textual-serve). Binds 127.0.0.1 by default: reach it
    through an SSH tunnel (docs/review.md)."""
    from qualcode.storage.project import Project

    location = db_location(ctx)
    if not is_loopback(host) and not allow_remote:
        raise QualcodeError(
            f"--host {host}: not a loopback address; textual-serve has no authentication, so "
            "serving beyond this machine needs --allow-remote (and a reverse proxy that "
            "authenticates, see docs/review.md)"
        )
    Project.open(location).close()  # a missing or foreign project: one line, before serving
    if not is_loopback(host):
        what = "" if review else " and can change codings"
        click.echo(NO_AUTH_WARNING.format(where=f"{host}:{port}", what=what), err=True)

    from textual_serve.server import Server

    command = app_command(location, review, coder or current_user())
    title = "qualcode review" if review else "qualcode"
    server = Server(command, host=host, port=port, title=title, public_url=public_url)
    click.echo(f"serving {title} on {public_url or f'http://{host}:{port}'} (ctrl+c stops)")
    server.serve()


COMMANDS = [serve]
