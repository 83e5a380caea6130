"""`studio ui`: the web UI (Gradio), bound to 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio.engine.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ui", help="start the web UI (comics, game assets, soundtracks, recipes) in the browser")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860; 0 picks a free one)")
    p.add_argument("--share", action="store_true", help="also open a public Gradio share link (use with --auth)")
    p.add_argument("--auth", metavar="USER:PASS", help="require this user name and password (needed to bind a non-loopback --host)")
    p.add_argument("--no-auth", action="store_true", help="serve a non-loopback --host without a password (anyone who reaches the port can use it)")
    p.add_argument("--allow-dir", action="append", default=[], metavar="DIR",
                   help="a server folder runs may read besides uploads and the outputs root (repeatable)")
    p.add_argument("--run-timeout", type=float, default=3600.0, metavar="SECONDS",
                   help="stop a run after this long (default 3600; 0: no limit)")
    p.add_argument("--max-memory", default=None, metavar="SIZE",
                   help="stop runs while the server's memory is above this, e.g. 8gb (default: no limit; Linux)")
    p.add_argument("--outputs", metavar="DIR", default=None, help="outputs root (default: env STUDIO_OUTPUTS or ./outputs); the only folder served")
    p.add_argument("--concurrency", type=int, default=1, metavar="N", help="runs at once (model-heavy work queues behind them; default 1)")
    p.add_argument("--max-upload", default="500mb", metavar="SIZE", help="largest upload, e.g. 200mb or 2gb (default 500mb)")
    p.set_defaults(func=run_ui)


def parse_auth(text: str | None) -> tuple[str, str] | None:

    if text is None:
        return None
    user, sep, password = text.partition(":")
    if not sep or not user or not password:
        raise UserError(f"--auth {text!r}: use USER:PASS (both non-empty)")
    return user, password


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def check_bind(host: str, auth: tuple[str, str] | None, no_auth: bool) -> None:
    """A non-loopback address serves the machine's files and CPU to the network: it needs
    `--auth USER:PASS` or an explicit `--no-auth`."""
    if auth is not None and no_auth:
        raise UserError("--auth and --no-auth: give one")
    if host not in LOOPBACK and auth is None and not no_auth:
        raise UserError(f"--host {host} is reachable from other machines: add --auth USER:PASS (or --no-auth to serve it without a password)")


def parse_size(text: str, what: str) -> int:
    """'8gb', '512mb', '1.5g', '1000000' -> bytes."""
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", str(text).lower())
    if not m or float(m.group(1)) <= 0:
        raise UserError(f"{what} {text!r}: give a size like 512mb or 8gb")
    return int(float(m.group(1)) * 1024 ** " kmgt".index(m.group(2) or " "))


def check_allow_dirs(dirs: list[str]) -> list[Path]:
    found = []
    for d in dirs:
        p = Path(d).expanduser()
        if not p.is_dir():
            raise UserError(f"--allow-dir {d}: not a folder")
        found.append(p.resolve())
    return found


def run_ui(args: argparse.Namespace) -> int:

    auth = parse_auth(args.auth)
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port}: use 0..65535")
    if args.concurrency < 1:
        raise UserError(f"--concurrency {args.concurrency}: use 1 or more")
    if args.run_timeout < 0:
        raise UserError(f"--run-timeout {args.run_timeout}: use 0 (no limit) or more seconds")
    check_bind(args.host, auth, args.no_auth)
    max_memory = parse_size(args.max_memory, "--max-memory") if args.max_memory else None
    allow = check_allow_dirs(args.allow_dir)
    if args.share and auth is None:
        print("studio: warning: --share without --auth makes this UI usable by anyone with the link", file=sys.stderr)
    if args.host not in LOOPBACK and auth is None:
        print(f"studio: warning: listening on {args.host} without a password (--no-auth)", file=sys.stderr)
    from studio.ui.app import build_app, launch, prepare_environment

    prepare_environment(args.outputs)  # before gradio is imported
    try:
        import gradio  # noqa: F401
    except ImportError:
        raise UserError("the UI needs gradio: pip install 'studio[ui]'") from None
    app = build_app(args.outputs, concurrency=args.concurrency, max_file_size=args.max_upload,
                    allow_dirs=allow, run_timeout=args.run_timeout or None, max_memory=max_memory)
    launch(app, host=args.host, port=args.port or None, share=args.share, auth=auth, prevent_thread_lock=True, quiet=True)
    ctx = app.studio_context
    print(f"studio ui: {app.local_url}  (outputs: {ctx.outputs_root}; Ctrl-C stops)", file=sys.stderr)
    if getattr(app, "share_url", None):
        print(f"studio ui: public link {app.share_url}", file=sys.stderr)
    app.block_thread()
    return 0
