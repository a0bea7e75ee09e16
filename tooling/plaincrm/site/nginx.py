"""`crm serve-config nginx`: an nginx configuration serving the sites of `crm sites` behind a login, each
person only their own folder (OUT/<handle>/), and OUT/all/ only to those whose audience reads every customer.

Why generated: the sites are static files a web server the company already runs can guard, and who may
read which folder is in the team file and the audiences (`access`); written out from them, it changes
when the team does. Why so careful: nginx parses the text again, so every value from the team file or
the options is a double-quoted string (backslash and quote escaped), and one nginx could read as more
than text (a newline, `;`, `{`, `}`, a `$` variable) is refused, nothing written. Map keys start with a
backslash, so no login reads as a regex (`~`) or a map parameter (`default`, `include`); identities are
matched ignoring case, as nginx's maps do, so two that differ only in case are refused too.

Per request: a raw path that could leave a folder once decoded (`..`, `%2e`, `%2f`, `%5c`, backslash)
is refused; then the reader (from the basic-auth user name or the proxy's header) and the site (the
normalised path's first segment) are looked up together. With basic auth the password is checked after
that lookup and before anything is served; no credentials at all get the password prompt (401).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..access import ALL

if TYPE_CHECKING:
    from ..audience import Audience

AUTH_MODES = ("basic", "header")
DEFAULT_LISTEN = "127.0.0.1:8080"
DEFAULT_USER_HEADER = "X-Forwarded-User"
DEFAULT_HTPASSWD = "/etc/nginx/plaincrm.htpasswd"
REALM = "plaincrm"

HANDLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # a folder name and a URL segment, as it is
HEADER = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")  # no "_": nginx drops such headers, as it should
LISTEN = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::[0-9]{1,5})?|[0-9]{1,5}|unix:/[^\s\"'\\;{}$]+")
SERVER_NAME = re.compile(r"[A-Za-z0-9*_.-]+")
LOOPBACK = re.compile(r"(?:127\.[0-9.]+|\[::1\]|localhost)(?::[0-9]+)?|unix:.*")
# In the request as typed: what could name another folder once nginx decodes and normalises the path.
BAD_PATH = r"^[^?]*(?:\.\.|%2e|%2f|%5c|\x5c)"  # nginx's regex, case-insensitive; \x5c: a backslash
REFUSED = set(";{}$")


class UnsafeConfig(ValueError):
    """A value that cannot be written into the configuration as plain text: nothing is written."""


class UnsafeOption(UnsafeConfig):
    """An option of the command (a path, an address, a header name) that nginx would not read as given."""


@dataclass(frozen=True)
class Serving:
    """How the sites are served: where they are (an absolute path), how people sign in, where nginx listens."""

    sites: str
    auth: Literal["basic", "header"]
    htpasswd: str = DEFAULT_HTPASSWD
    user_header: str = DEFAULT_USER_HEADER
    listen: str = DEFAULT_LISTEN
    server_name: str = "_"
    tls_cert: str | None = None
    tls_key: str | None = None

    def __post_init__(self) -> None:
        if self.auth not in AUTH_MODES:
            raise UnsafeOption(f"--auth: {self.auth!r} is not one of {', '.join(AUTH_MODES)}")
        for option, path in (
            ("--sites", self.sites),
            ("--htpasswd", self.htpasswd),
            ("--tls-cert", self.tls_cert),
            ("--tls-key", self.tls_key),
        ):
            if path is not None:
                _checked(path, option, UnsafeOption)
                if not path.startswith("/"):
                    raise UnsafeOption(f"{option}: {path!r} is not an absolute path")
        if self.auth == "basic" and _inside(self.htpasswd, self.sites):
            raise UnsafeOption(f"--htpasswd: {self.htpasswd!r} is inside the folder served ({self.sites!r})")
        if not HEADER.fullmatch(self.user_header):
            raise UnsafeOption(
                f"--user-header: {self.user_header!r} is not a header name (letters, digits and single hyphens)"
            )
        if not LISTEN.fullmatch(self.listen):
            raise UnsafeOption(f"--listen: {self.listen!r} is not an address, ADDRESS:PORT, PORT or unix:/PATH")
        if not SERVER_NAME.fullmatch(self.server_name):
            raise UnsafeOption(f"--server-name: {self.server_name!r} is not a host name")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise UnsafeOption("--tls-cert and --tls-key go together")

    @property
    def header_variable(self) -> str:
        """The nginx variable holding the proxy's header: $http_x_forwarded_user."""
        return "$http_" + self.user_header.lower().replace("-", "_")

    @property
    def loopback_only(self) -> bool:
        return bool(LOOPBACK.fullmatch(self.listen))


@dataclass(frozen=True)
class Reader:
    """A member with a site: their handle (and folder), what they sign in as, whether they read all/."""

    handle: str
    identities: tuple[str, ...]
    reads_all: bool


def readers(audiences: Iterable[Audience], team: Mapping[str, Any]) -> list[Reader]:
    """The members with a site, from `audience.every_audience`: all/ is not a person's and is skipped."""
    if ALL in team:
        raise UnsafeConfig(f"team member {ALL!r}: that folder is the site of every customer; choose another handle")
    found = []
    for audience in audiences:
        if audience.name == ALL:
            continue
        member = team.get(audience.name)
        names = [audience.name, _field(member, "login"), _field(member, "email")]
        identities = tuple(dict.fromkeys(str(n) for n in names if n not in (None, "")))
        found.append(Reader(audience.name, identities, audience.rule.customers == "all"))
    return found


def nginx_config(audiences: Iterable[Audience], team: Mapping[str, Any], serving: Serving) -> str:
    """The configuration for nginx's http context (a file for /etc/nginx/conf.d/): maps, then one server.
    Raises UnsafeConfig when a value from the team file cannot be written safely."""
    return render(readers(audiences, team), serving)


def render(members: list[Reader], serving: Serving) -> str:
    """The configuration for these readers (UnsafeConfig when one cannot be written safely)."""
    _check_readers(members)
    identity = "$remote_user" if serving.auth == "basic" else serving.header_variable
    lines = [
        "# plaincrm: each person reads only their own site of `crm sites`, and all/ if they read every customer.",
        "# Written by `crm serve-config nginx` from records/team.yaml and the audiences in schema/settings.yaml:",
        "# write it again when either changes, then `nginx -t && nginx -s reload`. For the http context",
        "# (/etc/nginx/conf.d/). The variables it sets all start with $plaincrm_.",
        "",
        f"# Who is asking, by {_who(serving)}:",
        '# a reader\'s handle; "?" for anyone else, "" when no one signed in. Each reader\'s handle, git login',
        "# and e-mail, matched ignoring case.",
        f"map {identity} $plaincrm_reader {{",
        '    default "";',
        '    "~^" "?";  # a regular expression is only tried on a value that is not empty',
    ]
    for member in members:
        for name in member.identities:
            lines.append(f"    {_key(name)} {_quoted(member.handle)};")
    lines += [
        "}",
        "",
        "# The site a request is in: the first segment of the path as nginx normalised it (decoded, . and ..",
        "# resolved), the path it serves the file from.",
        "map $uri $plaincrm_site {",
        '    default "";',
        '    "~^/(?<plaincrm_segment>[^/]+)" $plaincrm_segment;',
        "}",
        "",
        '# "allow": the reader\'s own site, or all/ for those who read every customer; "signin": no one signed in.',
        'map "$plaincrm_reader/$plaincrm_site" $plaincrm_access {',
        '    default "deny";',
        '    "~^/" "signin";',
    ]
    for member in members:
        sites = [member.handle, ALL] if member.reads_all else [member.handle]
        lines += [f'    {_key(f"{member.handle}/{site}")} "allow";' for site in sites]
    lines += [
        "}",
        "",
        "# A path that could leave a site once decoded, as the client typed it (before any ?): refused first.",
        "map $request_uri $plaincrm_bad_path {",
        "    default 0;",
        f'    "~*{BAD_PATH}" 1;',
        "}",
        "",
        "server {",
        f"    listen {_quoted(serving.listen)}{' ssl' if serving.tls_cert else ''};",
        f"    server_name {_quoted(serving.server_name)};",
        f"    root {_quoted(serving.sites)};",
    ]
    if serving.tls_cert and serving.tls_key:
        lines += [
            f"    ssl_certificate {_quoted(serving.tls_cert)};",
            f"    ssl_certificate_key {_quoted(serving.tls_key)};",
            "    ssl_protocols TLSv1.2 TLSv1.3;",
        ]
    lines += [
        "",
        "    server_tokens off;",
        "    autoindex off;",
        "    disable_symlinks on from=$document_root;  # no link inside a site is followed",
        "    absolute_redirect off;",
        "    merge_slashes on;",
        "    ignore_invalid_headers on;  # a header spelt with _ never stands for the one with -",
        "    underscores_in_headers off;",
        "    charset utf-8;",
        "",
        "    # Private data: kept by no shared cache, in no other site's frame, named in no Referer.",
        '    add_header X-Content-Type-Options "nosniff" always;',
        '    add_header Cache-Control "private, no-cache" always;',
        '    add_header Referrer-Policy "no-referrer" always;',
        '    add_header X-Frame-Options "DENY" always;',
        "",
        "    if ($plaincrm_bad_path) {",
        "        return 400;",
        "    }",
    ]
    if serving.auth == "basic":
        lines += [
            "",
            "    # The password is checked after the handle is looked up, before anything is served or redirected.",
            f"    auth_basic {_quoted(REALM)};",
            f"    auth_basic_user_file {_quoted(serving.htpasswd)};",
            "",
            "    location = / {",
            '        if ($plaincrm_reader = "?") {',
            "            return 403;",
            "        }",
            "        try_files $uri @plaincrm_home;  # the sites' folder is never a file: on to @plaincrm_home",
            "    }",
            "",
            "    location @plaincrm_home {",
            "        return 302 /$plaincrm_reader/;",
            "    }",
            "",
            "    location / {",
            '        if ($plaincrm_access = "deny") {',
            "            return 403;",
            "        }",
            "    }",
        ]
    else:
        lines += [
            "",
            "    location = / {",
            '        if ($plaincrm_reader = "") {',
            "            return 401;",
            "        }",
            '        if ($plaincrm_reader = "?") {',
            "            return 403;",
            "        }",
            "        return 302 /$plaincrm_reader/;",
            "    }",
            "",
            "    location / {",
            '        if ($plaincrm_access = "signin") {',
            "            return 401;",
            "        }",
            '        if ($plaincrm_access = "deny") {',
            "            return 403;",
            "        }",
            "    }",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _who(serving: Serving) -> str:
    if serving.auth == "basic":
        return "the basic-auth user name (its password checked against the htpasswd file)"
    return f"the {serving.user_header} header (which the proxy in front must set, overwriting the client's)"


def _check_readers(members: list[Reader]) -> None:
    """Every handle a safe folder name, every identity writable, and no identity naming two readers."""
    owner: dict[str, str] = {}
    for member in members:
        if not HANDLE.fullmatch(member.handle):
            raise UnsafeConfig(
                f"team member {member.handle!r}: a handle served as a folder is letters, digits, '.', '_' "
                "and '-', starting with a letter or digit"
            )
        for name in member.identities:
            _checked(name, f"team member {member.handle!r}", UnsafeConfig)
            key = _fold(name)
            if name == member.handle and key == ALL:
                raise UnsafeConfig(f"team member {member.handle!r}: {ALL!r} is the site of every customer")
            other = owner.setdefault(key, member.handle)
            if other != member.handle:
                raise UnsafeConfig(
                    f"{name!r} names two members, {other!r} and {member.handle!r} (case is not told apart)"
                )


def _checked(value: str, what: str, error: type[UnsafeConfig]) -> str:
    """`value` when it can be written into the configuration as a quoted string; else `error`."""
    if not value:
        raise error(f"{what}: an empty value")
    for ch in value:
        if ch in REFUSED or unicodedata.category(ch).startswith("C") or unicodedata.category(ch) in ("Zl", "Zp"):
            raise error(
                f"{what}: {value!r} holds {ch!r}, which nginx could read as more than text; "
                "nothing written (newlines, control characters, ';', '{', '}' and '$' are refused)"
            )
    return value


def _quoted(value: str) -> str:
    """`value` as an nginx double-quoted string: backslash and quote escaped (the rest checked before)."""
    _checked(value, "value", UnsafeConfig)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key(value: str) -> str:
    """`value` as a map's literal key: a leading backslash, which nginx drops, keeps it from reading as a
    regular expression (~) or a parameter (default, include, hostnames)."""
    return '"\\\\' + _quoted(value)[1:]


def _fold(value: str) -> str:
    """As nginx compares map keys: ASCII letters lowered, the rest as it is."""
    return "".join(ch.lower() if ch.isascii() else ch for ch in value)


def _inside(path: str, folder: str) -> bool:
    folder = folder.rstrip("/")
    return path == folder or path.startswith(folder + "/")


def _field(member: Any, name: str) -> Any:
    """A member's field: a model, or the raw mapping of a team file that did not validate."""
    if member is None:
        return None
    return member.get(name) if isinstance(member, Mapping) else getattr(member, name, None)
