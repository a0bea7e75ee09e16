"""The command that serves what `crm sites` builds: `crm serve-config nginx`, a web server's configuration
that lets each signed-in person read only their own site. Made in `site.nginx`; here it is asked for and
printed or written."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..escaping import terminal_safe
from ..problems import render
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Parents, _project


def cmd_serve_config(args) -> int:
    from ..audience import every_audience
    from ..dataset import load_team
    from ..site.nginx import Serving, UnsafeConfig, UnsafeOption, nginx_config
    from ..write.atomic import write_atomically

    name = "crm serve-config"
    project = _project(args)
    sites = _absolute(args.sites) if args.sites else project.root / "build" / "sites"
    try:
        serving = Serving(
            sites=str(sites),
            auth=args.auth,
            htpasswd=str(_absolute(args.htpasswd)),
            user_header=args.user_header,
            listen=args.listen,
            server_name=args.server_name,
            tls_cert=str(_absolute(args.tls_cert)) if args.tls_cert else None,
            tls_key=str(_absolute(args.tls_key)) if args.tls_key else None,
        )
    except UnsafeOption as error:
        print(f"{name}: {terminal_safe(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    team = load_team(project)
    if team.problems:
        print(render(team.problems), file=sys.stderr)
        print(f"{name}: the team file has problems; nothing written", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        text = nginx_config(every_audience(project.settings.audiences, team.members), team.members, serving)
    except UnsafeOption as error:
        print(f"{name}: {terminal_safe(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except UnsafeConfig as error:
        print(f"{name}: {terminal_safe(str(error))}; nothing written", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.auth == "header" and not serving.loopback_only:
        print(
            f"{name}: warning: nginx listens on {terminal_safe(args.listen)}; with --auth header anyone who "
            f"reaches it can send {terminal_safe(args.user_header)} and be anyone: let only the proxy reach it",
            file=sys.stderr,
        )
    if not sites.is_dir():
        print(f"{name}: note: {terminal_safe(str(sites))} does not exist yet (crm sites builds it)", file=sys.stderr)
    if args.out:
        write_atomically(Path(args.out), text.encode("utf-8"))
        print(f"{name}: wrote {terminal_safe(args.out)}; check it with `nginx -t`", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _absolute(path: str) -> Path:
    """`path` from the current folder, `..` resolved, links kept (nginx checks those below the sites folder)."""
    return Path(os.path.abspath(path))


def add_serve_config(sub, parents: Parents) -> None:
    from ..site.nginx import AUTH_MODES, DEFAULT_HTPASSWD, DEFAULT_LISTEN, DEFAULT_USER_HEADER

    p = sub.add_parser(
        "serve-config",
        parents=[parents.root],
        help="a web server configuration that serves each person only their own site (crm sites)",
        description="Print an nginx configuration (for /etc/nginx/conf.d/: map blocks and one server) that "
        "serves the sites of `crm sites` behind a login: /<handle>/ only to that member, /all/ only to those "
        "whose audience reads every customer, / redirects to one's own site. People sign in with basic auth "
        "(--auth basic: a htpasswd file whose user names are handles, git logins or e-mail addresses) or "
        "through a single sign-on proxy that sets a header (--auth header: oauth2-proxy, Authelia, "
        "Cloudflare Access). Generate it again when the team changes.",
    )
    p.add_argument("server", choices=("nginx",), help="the web server (nginx)")
    p.add_argument("--auth", choices=AUTH_MODES, required=True, help="how people sign in")
    p.add_argument(
        "--htpasswd",
        default=DEFAULT_HTPASSWD,
        metavar="PATH",
        help=f"--auth basic: the password file (default {DEFAULT_HTPASSWD}); keep it outside the sites",
    )
    p.add_argument(
        "--user-header",
        default=DEFAULT_USER_HEADER,
        metavar="NAME",
        help=f"--auth header: the header the proxy sets to the signed-in person (default {DEFAULT_USER_HEADER})",
    )
    p.add_argument("--sites", metavar="DIR", help="the sites folder (default: build/sites in the repository)")
    p.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="ADDRESS",
        help=f"nginx's listen address (default {DEFAULT_LISTEN}: only this machine, e.g. the proxy or a TLS front)",
    )
    p.add_argument("--server-name", default="_", metavar="HOST", help="the server_name (default _: any)")
    p.add_argument("--tls-cert", metavar="PATH", help="serve HTTPS with this certificate (with --tls-key)")
    p.add_argument("--tls-key", metavar="PATH", help="the certificate's private key")
    p.add_argument("--out", metavar="FILE", help="file to write (atomically); default: standard output")
    p.set_defaults(func=cmd_serve_config)
