"""`crm serve-config nginx` under a real nginx: the sample's sites built once, served with basic auth and
behind a proxy's header, and asked over HTTP what each person gets. Nothing of another's site may come
back: not by name, not by a path that leaves a folder once decoded, not through a link, not through a
team file written to break the configuration.

Skipped when nginx is not installed (apt-get install nginx), unless PLAINCRM_REQUIRE_NGINX=1."""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from plaincrm.audience import every_audience
from plaincrm.modelkit import DEFAULT_AUDIENCES
from plaincrm.site.nginx import Serving, UnsafeConfig, nginx_config

from .sitekit import crm_in, make_site_repo

EMAILS = {"li.wei": "li.wei@example.com", "wang.fang": "Wang.Fang@Example.com", "chen.jie": "chen@example.com"}
PASSWORDS = {"li.wei": "li-secret-1", "wang.fang@example.com": "wang-secret-2", "chenjie-lead": "chen-secret-3"}
STRANGER = ("stranger", "strange-secret-4")  # in the password file, not in the team


def _nginx() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found:
        return found
    if os.environ.get("PLAINCRM_REQUIRE_NGINX") == "1":
        pytest.fail("nginx is not installed but PLAINCRM_REQUIRE_NGINX=1 (apt-get install nginx)")
    pytest.skip("nginx is not installed (apt-get install nginx); PLAINCRM_REQUIRE_NGINX=1 makes this a failure")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- passwords, in the formats nginx reads -----------------------------------------------------------


def _ssha(password: str) -> str:
    salt = os.urandom(8)
    return "{SSHA}" + base64.b64encode(hashlib.sha1(password.encode() + salt).digest() + salt).decode()


def _openssl_sha512(password: str) -> str:
    """`openssl passwd -6`, as the admin guide says; {SSHA} where openssl is missing."""
    if not shutil.which("openssl"):
        return _ssha(password)
    done = subprocess.run(["openssl", "passwd", "-6", "-stdin"], input=password, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else _ssha(password)


def _bcrypt_2y(password: str) -> str:
    """What `htpasswd -B` writes ($2y$ bcrypt, read by the system's crypt); {SSHA} where Python cannot make it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt  # the libc crypt nginx uses too; gone in Python 3.13

        hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH))
    except (ImportError, AttributeError, OSError):
        return _ssha(password)
    return "$2y$" + hashed[4:] if hashed and hashed.startswith("$2b$") else _ssha(password)


def _htpasswd(path: Path) -> Path:
    path.write_text(
        f"li.wei:{_ssha(PASSWORDS['li.wei'])}\n"
        f"wang.fang@example.com:{_bcrypt_2y(PASSWORDS['wang.fang@example.com'])}\n"
        f"chenjie-lead:{_openssl_sha512(PASSWORDS['chenjie-lead'])}\n"
        f"{STRANGER[0]}:{_ssha(STRANGER[1])}\n",
        encoding="utf-8",
    )
    return path


# --- a real nginx ------------------------------------------------------------------------------------


class Nginx:
    """nginx with `fragment` in its http context, in the foreground, in `prefix`; stopped by `stop`."""

    def __init__(self, prefix: Path, fragment: str, port: int):
        self.prefix, self.port = prefix, port
        prefix.mkdir(parents=True, exist_ok=True)
        (prefix / "plaincrm.conf").write_text(fragment, encoding="utf-8")
        temp = "\n".join(
            f"    {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # Workers run as the user nginx names; as root that would be nobody, who cannot read pytest's 0700 folders.
        user = "user root;\n" if os.geteuid() == 0 else ""
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'};\n"
            "events { worker_connections 64; }\n"
            "http {\n"
            "    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
            f"    access_log {prefix / 'access.log'};\n{temp}\n"
            f"    include {prefix / 'plaincrm.conf'};\n"
            "}\n",
            encoding="utf-8",
        )
        self.process: subprocess.Popen | None = None

    def command(self, *extra: str) -> list[str]:
        return [_nginx(), "-p", str(self.prefix), "-c", str(self.conf), "-e", str(self.prefix / "error.log"), *extra]

    def test(self) -> subprocess.CompletedProcess:
        return subprocess.run(self.command("-t"), capture_output=True, text=True)

    def start(self) -> Nginx:
        checked = self.test()
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"nginx stopped: {self.process.stderr.read().decode() if self.process.stderr else ''}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError("nginx did not start listening")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # the master stops its workers
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stderr:
            self.process.stderr.close()

    def get(self, path: str, *, user: tuple[str, str] | None = None, headers: dict[str, str] | None = None):
        """The response to GET `path` sent as written (no normalising): (status, headers, body)."""
        sent = dict(headers or {})
        if user:
            sent["Authorization"] = "Basic " + base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path, headers=sent)
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()


def _serve(prefix: Path, root: Path, *args: str) -> Iterator[Nginx]:
    port = _free_port()
    done = crm_in(root, "serve-config", "nginx", "--listen", f"127.0.0.1:{port}", *args)
    assert done.returncode == 0, done.stderr
    server = Nginx(prefix, done.stdout, port).start()
    try:
        yield server
    finally:
        server.stop()


# --- the sample, built once ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """The sample (three members with an e-mail address) built into one site per reader."""
    _nginx()
    root = make_site_repo(tmp_path_factory.mktemp("serve"))
    team_file = root / "records" / "team.yaml"
    team = yaml.safe_load(team_file.read_text(encoding="utf-8"))
    for member in team["members"]:
        if member["handle"] in EMAILS:
            member["email"] = EMAILS[member["handle"]]
    team_file.write_text(yaml.safe_dump(team, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = root / "build" / "sites"
    done = crm_in(root, "sites", str(out))
    assert done.returncode == 0, done.stderr
    return root, out


@pytest.fixture(scope="module")
def basic(built, tmp_path_factory) -> Iterator[Nginx]:
    root, out = built
    htpasswd = _htpasswd(tmp_path_factory.mktemp("passwords") / "plaincrm.htpasswd")
    args = ("--auth", "basic", "--htpasswd", str(htpasswd), "--sites", str(out))
    yield from _serve(tmp_path_factory.mktemp("nginx-basic"), root, *args)


@pytest.fixture(scope="module")
def header(built, tmp_path_factory) -> Iterator[Nginx]:
    root, out = built
    yield from _serve(tmp_path_factory.mktemp("nginx-header"), root, "--auth", "header", "--sites", str(out))


def _pages(out: Path, handle: str) -> set[str]:
    return {p.name for p in (out / handle / "customers").glob("C*.html")}


@pytest.fixture(scope="module")
def pages(built) -> dict[str, str]:
    """A customer page li.wei reads, and one only wang.fang reads."""
    _, out = built
    own, others = _pages(out, "li.wei"), _pages(out, "wang.fang")
    assert own and others - own
    return {"li.wei": sorted(own)[0], "wang.fang": sorted(others - own)[0]}


LI = ("li.wei", PASSWORDS["li.wei"])
CHEN = ("chenjie-lead", PASSWORDS["chenjie-lead"])
WANG = ("wang.fang@example.com", PASSWORDS["wang.fang@example.com"])


# --- basic auth -----------------------------------------------------------------------------------------


def test_a_salesperson_reads_her_site_and_her_customers_and_nothing_else(basic, built, pages):
    _, out = built
    status, headers, body = basic.get("/li.wei/", user=LI)
    assert status == 200 and body == (out / "li.wei" / "index.html").read_bytes()
    status, _, body = basic.get(f"/li.wei/customers/{pages['li.wei']}", user=LI)
    assert status == 200 and body == (out / "li.wei" / "customers" / pages["li.wei"]).read_bytes()
    for path in ("/wang.fang/", f"/wang.fang/customers/{pages['wang.fang']}", "/all/", "/all/index.html", "/chen.jie/"):
        status, _, body = basic.get(path, user=LI)
        assert status == 403, path
        assert pages["wang.fang"].removesuffix(".html").encode() not in body


def test_the_home_page_sends_each_person_to_their_own_site(basic):
    status, headers, _ = basic.get("/", user=LI)
    assert status == 302 and headers["Location"] == "/li.wei/"
    status, headers, _ = basic.get("/", user=CHEN)  # signed in with the git login
    assert status == 302 and headers["Location"] == "/chen.jie/"
    status, headers, _ = basic.get("/li.wei", user=LI)  # a folder without its slash
    assert status == 301 and headers["Location"] == "/li.wei/"


def test_a_manager_reads_all_and_their_own_site_but_no_salespersons(basic, pages):
    assert basic.get("/all/", user=CHEN)[0] == 200
    assert basic.get(f"/all/customers/{pages['wang.fang']}", user=CHEN)[0] == 200
    assert basic.get("/chen.jie/", user=CHEN)[0] == 200
    assert basic.get("/li.wei/", user=CHEN)[0] == 403


def test_signing_in_with_the_email_address_and_a_bcrypt_password(basic):
    assert basic.get("/wang.fang/", user=WANG)[0] == 200
    assert basic.get("/li.wei/", user=WANG)[0] == 403
    status, headers, _ = basic.get("/", user=WANG)
    assert status == 302 and headers["Location"] == "/wang.fang/"


def test_no_one_signed_in_is_asked_for_a_password(basic):
    for path in ("/", "/li.wei/", "/all/", "/nobody/", "/favicon.ico"):
        status, headers, body = basic.get(path)
        assert status == 401, path
        assert headers["WWW-Authenticate"] == 'Basic realm="plaincrm"'
        assert b"<!doctype html" not in body.lower()


def test_a_wrong_password_is_401_and_never_a_page(basic):
    for path in ("/", "/li.wei/", "/li.wei/index.html"):
        assert basic.get(path, user=("li.wei", "wrong"))[0] == 401, path
    assert basic.get("/li.wei/", user=("li.wei", ""))[0] == 401
    assert basic.get("/li.wei/", user=("LI.WEI", PASSWORDS["li.wei"]))[0] == 401  # the password file's name, exactly


def test_someone_with_a_password_who_is_not_in_the_team_reads_nothing(basic):
    for path in ("/", "/li.wei/", "/all/", f"/{STRANGER[0]}/"):
        assert basic.get(path, user=STRANGER)[0] == 403, path


LEAVING = [
    "/li.wei/../wang.fang/index.html",
    "/li.wei/%2e%2e/wang.fang/index.html",
    "/li.wei/%2E%2E/wang.fang/index.html",
    "/li.wei/.%2e/wang.fang/index.html",
    "/li.wei%2Fx",
    "/li.wei%2f..%2fwang.fang/index.html",
    "/li.wei/..%2Fwang.fang/index.html",
    "/li.wei/..%5cwang.fang/index.html",
    "/li.wei/..\\wang.fang\\index.html",
    "/li.wei\\..\\wang.fang\\index.html",
    "/li.wei/./../wang.fang/index.html",
    "/li.wei//../wang.fang/index.html",
    "/li.wei/%2e/%2e%2e/all/index.html",
    "http://127.0.0.1/li.wei/../wang.fang/index.html",
]


@pytest.mark.parametrize("path", LEAVING)
def test_a_path_that_leaves_the_readers_folder_gets_nothing(basic, built, path):
    _, out = built
    theirs = {(out / site / "index.html").read_bytes() for site in ("wang.fang", "all")}
    status, headers, body = basic.get(path, user=LI)
    assert status in (400, 404), (path, status)
    assert body not in theirs and b"<!doctype html" not in body.lower()
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path", ["//wang.fang/", "/./wang.fang/", "/%77ang.fang/index.html", "/li.wei/?x=/../wang.fang/"]
)
def test_a_path_nginx_normalises_is_judged_as_normalised(basic, path):
    status, _, _ = basic.get(path, user=LI)
    assert status == (200 if path.startswith("/li.wei/") else 403), path


def test_the_private_data_headers_and_no_version(basic):
    for path, user in (("/li.wei/", LI), ("/wang.fang/", LI), ("/li.wei/", None)):
        _, headers, _ = basic.get(path, user=user)
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "private" in headers["Cache-Control"]
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Server"] == "nginx"  # no version


def test_a_link_inside_a_site_is_not_followed(basic, built):
    _, out = built
    links = {
        out / "li.wei" / "leak.html": out / "wang.fang" / "index.html",
        out / "li.wei" / "passwd.html": Path("/etc/passwd"),
        out / "li.wei" / "theirs": out / "wang.fang",
    }
    try:
        for link, target in links.items():
            link.symlink_to(target)
        for path in ("/li.wei/leak.html", "/li.wei/passwd.html", "/li.wei/theirs/index.html", "/li.wei/theirs/"):
            status, _, body = basic.get(path, user=LI)
            assert status in (403, 404), path
            assert body != (out / "wang.fang" / "index.html").read_bytes() and b"root:" not in body
        assert basic.get("/li.wei/index.html", user=LI)[0] == 200  # the real files still are
    finally:
        for link in links:
            link.unlink(missing_ok=True)


def test_a_folder_being_built_is_nobodys(basic, built):
    _, out = built
    building = out / ".li.wei.new"
    building.mkdir()
    try:
        (building / "index.html").write_text("half a site", encoding="utf-8")
        assert basic.get("/.li.wei.new/index.html", user=LI)[0] == 403
    finally:
        shutil.rmtree(building)


# --- a proxy's header -----------------------------------------------------------------------------------


def test_the_proxys_header_with_a_git_login_reads_that_members_site(header, pages):
    who = {"X-Forwarded-User": "liwei-sales"}
    assert header.get("/li.wei/", headers=who)[0] == 200
    assert header.get(f"/li.wei/customers/{pages['li.wei']}", headers=who)[0] == 200
    for path in ("/wang.fang/", f"/wang.fang/customers/{pages['wang.fang']}", "/all/"):
        assert header.get(path, headers=who)[0] == 403, path
    status, headers, _ = header.get("/", headers=who)
    assert status == 302 and headers["Location"] == "/li.wei/"


def test_without_the_header_no_one_is_signed_in(header):
    for path in ("/", "/li.wei/", "/all/"):
        assert header.get(path)[0] == 401, path
    assert header.get("/li.wei/", headers={"X-Forwarded-User": ""})[0] == 401
    # spelt with underscores, a header is dropped, not read as the proxy's
    assert header.get("/li.wei/", headers={"X_Forwarded_User": "li.wei"})[0] == 401


def test_another_persons_email_in_any_case_reads_their_site_only(header):
    for email in ("wang.fang@example.com", "WANG.FANG@EXAMPLE.COM", "Wang.Fang@Example.com"):
        who = {"X-Forwarded-User": email}
        assert header.get("/wang.fang/", headers=who)[0] == 200, email
        assert header.get("/li.wei/", headers=who)[0] == 403, email
        assert header.get("/all/", headers=who)[0] == 403, email
        assert header.get("/", headers=who)[1]["Location"] == "/wang.fang/"
    assert header.get("/all/", headers={"X-Forwarded-User": "chen@example.com"})[0] == 200


def test_an_unknown_identity_reads_nothing(header):
    for name in ("nobody@example.com", "li", "li.wei2", "?", "all", "~.*", "default", "li.wei\\x00"):
        who = {"X-Forwarded-User": name}
        for path in ("/", "/li.wei/", "/all/"):
            assert header.get(path, headers=who)[0] == 403, (name, path)


@pytest.mark.parametrize("path", LEAVING[:6])
def test_the_header_mode_refuses_leaving_paths_too(header, path):
    assert header.get(path, headers={"X-Forwarded-User": "li.wei"})[0] in (400, 404)


# --- the command --------------------------------------------------------------------------------------


def test_header_mode_listens_on_loopback_unless_told_and_warns_when_told(built):
    root, out = built
    done = crm_in(root, "serve-config", "nginx", "--auth", "header")
    assert done.returncode == 0 and 'listen "127.0.0.1:8080";' in done.stdout
    assert "$http_x_forwarded_user" in done.stdout and f'root "{root / "build" / "sites"}";' in done.stdout
    custom = crm_in(
        root, "serve-config", "nginx", "--auth", "header", "--user-header", "Remote-User", "--listen", "0.0.0.0:80"
    )
    assert custom.returncode == 0 and "$http_remote_user" in custom.stdout
    assert "warning" in custom.stderr and "Remote-User" in custom.stderr


def test_out_writes_the_same_text_and_relative_paths_become_absolute(built, tmp_path):
    root, _ = built
    printed = crm_in(root, "serve-config", "nginx", "--auth", "basic", "--htpasswd", "/etc/nginx/p.htpasswd")
    target = tmp_path / "conf.d" / "plaincrm.conf"
    written = crm_in(
        root, "serve-config", "nginx", "--auth", "basic", "--htpasswd", "/etc/nginx/p.htpasswd", "--out", str(target)
    )
    assert written.returncode == 0 and written.stdout == "" and target.read_text(encoding="utf-8") == printed.stdout
    relative = crm_in(root, "serve-config", "nginx", "--auth", "basic", "--sites", "elsewhere", "--htpasswd", "pw")
    assert f'root "{root / "elsewhere"}";' in relative.stdout
    assert f'auth_basic_user_file "{root / "pw"}";' in relative.stdout


@pytest.mark.parametrize(
    "option",
    [
        ("--listen", "127.0.0.1:8080; include /etc/passwd"),
        ("--listen", "80 default_server"),
        ("--server-name", "x; return 200"),
        ("--user-header", "X_User"),
        ("--user-header", "X-User: li.wei"),
        ("--sites", "/srv/$remote_user"),
        ("--sites", "/srv/sites\n}"),
        ("--htpasswd", "/srv/a;b"),
        ("--tls-cert", "/etc/ssl/c.pem"),  # without --tls-key
    ],
)
def test_an_option_nginx_would_misread_is_a_usage_error(built, option, tmp_path):
    root, _ = built
    target = tmp_path / "plaincrm.conf"
    done = crm_in(root, "serve-config", "nginx", "--auth", "basic", *option, "--out", str(target))
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and not target.exists()


def test_the_password_file_may_not_be_served(built):
    root, out = built
    done = crm_in(root, "serve-config", "nginx", "--auth", "basic", "--sites", str(out), "--htpasswd", str(out / "pw"))
    assert done.returncode == 2 and "inside the folder served" in done.stderr


# --- a hostile team file ------------------------------------------------------------------------------


def _with_member(root: Path, tmp_path: Path, **fields: str) -> Path:
    """A copy of the repository's schema and records whose team has one more member with these fields."""
    copy = tmp_path / "repo"
    for name in ("schema", "records"):
        shutil.copytree(root / name, copy / name, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
    team_file = copy / "records" / "team.yaml"
    team = yaml.safe_load(team_file.read_text(encoding="utf-8"))
    team["members"].append({"handle": "mallory", "name": "Mallory", "role": "sales", **fields})
    team_file.write_text(yaml.safe_dump(team, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    "fields",
    [
        {"handle": 'li.wei"; return 200; #'},
        {"login": 'x"; return 200; #'},
        {"login": "x\nreturn 200;"},
        {"email": "a$remote_user@example.com"},
        {"email": 'm@example.com";}server{listen 9;root /;}#'},
        {"handle": "all"},
        {"login": "liwei-sales"},  # li.wei's login: two members for one identity
        {"email": "LI.WEI@example.com"},  # li.wei's e-mail, in other letters
    ],
)
def test_a_hostile_team_file_is_refused_and_nothing_written(built, tmp_path, fields):
    root, _ = built
    copy = _with_member(root, tmp_path, **fields)
    target = tmp_path / "plaincrm.conf"
    done = crm_in(copy, "serve-config", "nginx", "--auth", "header", "--out", str(target))
    assert done.returncode == 1, done.stdout
    assert done.stdout == "" and not target.exists()


def test_logins_that_are_nginx_words_stay_logins(built, tmp_path):
    """`default`, `include`, `hostnames` are valid git logins and words nginx's map reads as parameters."""
    root, out = built
    copy = _with_member(root, tmp_path, login="default")
    team_file = copy / "records" / "team.yaml"
    team = yaml.safe_load(team_file.read_text(encoding="utf-8"))
    for member in team["members"]:
        member["login"] = {"emma.hu": "include", "wang.fang": "hostnames"}.get(member["handle"], member.get("login"))
    team_file.write_text(yaml.safe_dump(team, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (copy / "build" / "sites").mkdir(parents=True)
    for name in ("li.wei", "wang.fang", "emma.hu"):
        shutil.copytree(out / name, copy / "build" / "sites" / name)
    (copy / "build" / "sites" / "mallory").mkdir()
    (copy / "build" / "sites" / "mallory" / "index.html").write_text("mallory", encoding="utf-8")
    servers = _serve(tmp_path / "nginx", copy, "--auth", "header")
    server = next(servers)
    try:
        for name, site in (("default", "mallory"), ("include", "emma.hu"), ("hostnames", "wang.fang")):
            assert server.get(f"/{site}/", headers={"X-Forwarded-User": name})[0] == 200, name
            assert server.get("/li.wei/", headers={"X-Forwarded-User": name})[0] == 403, name
        for name in ("someone", "li", "mallory2"):  # `default` did not become the map's default
            assert server.get("/mallory/", headers={"X-Forwarded-User": name})[0] == 403, name
    finally:
        servers.close()


def _raw_team(**mallory: str) -> dict[str, dict]:
    """A team as a customised schema might let it through: raw mappings, no pattern checked."""
    return {
        "li.wei": {"handle": "li.wei", "role": "sales", "login": "liwei-sales"},
        "mallory": {"handle": "mallory", "role": "sales", **mallory},
    }


def _config(team: dict[str, dict], sites: str = "/srv/sites", auth: str = "header", **options) -> str:
    return nginx_config(every_audience(DEFAULT_AUDIENCES, team), team, Serving(sites=sites, auth=auth, **options))


@pytest.mark.parametrize(
    "value",
    [
        'x"; return 200; #',
        "x;",
        "x{",
        "x}",
        "$remote_user",
        "a$http_host",
        "x\nreturn 200",
        "x\r",
        "x\x00",
        "x\u2028y",
        "x\x1b[2J",
    ],
)
@pytest.mark.parametrize("field", ["login", "email"])
def test_the_generator_refuses_what_nginx_could_read_as_more_than_text(field, value):
    team = _raw_team(**{field: value})
    with pytest.raises(UnsafeConfig):
        _config(team)


@pytest.mark.parametrize(
    "handle", ['mal"lory', "mal lory", "../x", ".hidden", "x/y", "MAL\\LORY", "all", "ALL", "ma$x"]
)
def test_the_generator_refuses_a_handle_that_is_no_plain_folder_name(handle):
    team = {handle: {"handle": handle, "role": "sales"}}
    with pytest.raises(UnsafeConfig):
        _config(team)


def test_the_generator_refuses_one_identity_for_two_members():
    with pytest.raises(UnsafeConfig, match="two members"):
        _config(_raw_team(email="LiWei-Sales"))
    with pytest.raises(UnsafeConfig, match="two members"):
        _config({"a": {"handle": "a", "role": "sales"}, "A": {"handle": "A", "role": "sales"}})


def test_quotes_and_backslashes_are_escaped_and_nginx_reads_them_as_written(built, tmp_path):
    """A login with `"`, `\\` and `~` (no schema of ours allows them; a customised one might) is one literal
    key: nginx -t accepts the file, that exact value signs in, nothing else does."""
    _, out = built
    odd = 'q"uo\\te~.*'
    team = _raw_team(login=odd)
    text = _config(team, sites=str(out))
    assert '"\\\\q\\"uo\\\\te~.*" "mallory";' in text
    sites = tmp_path / "sites"
    shutil.copytree(out / "li.wei", sites / "li.wei")
    (sites / "mallory").mkdir()
    (sites / "mallory" / "index.html").write_text("mallory", encoding="utf-8")
    port = _free_port()
    server = Nginx(tmp_path / "nginx", _config(team, sites=str(sites), listen=f"127.0.0.1:{port}"), port).start()
    try:
        assert server.get("/mallory/", headers={"X-Forwarded-User": odd})[0] == 200
        assert server.get("/li.wei/", headers={"X-Forwarded-User": odd})[0] == 403
        for other in ('q"uo', "q", "quote", 'q"uo\\\\te~.*', "qXuo\\te~.*"):
            assert server.get("/mallory/", headers={"X-Forwarded-User": other})[0] == 403, other
    finally:
        server.stop()


def test_tls(built, tmp_path):
    """--tls-cert/--tls-key: nginx itself speaks HTTPS (basic auth sends the password with every request)."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    root, out = built
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
         "-keyout", str(key), "-out", str(cert)],
        capture_output=True,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    htpasswd = _htpasswd(tmp_path / "pw")
    args = (
        "--auth",
        "basic",
        "--htpasswd",
        str(htpasswd),
        "--sites",
        str(out),
        "--tls-cert",
        str(cert),
        "--tls-key",
        str(key),
    )
    servers = _serve(tmp_path / "nginx", root, *args)
    server = next(servers)
    try:
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        connection = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=10)
        auth = base64.b64encode(f"{LI[0]}:{LI[1]}".encode()).decode()
        connection.request("GET", "/li.wei/", headers={"Authorization": f"Basic {auth}"})
        assert connection.getresponse().status == 200
        connection.close()
        assert server.get("/li.wei/", user=LI)[0] == 400  # plain HTTP to the HTTPS port
    finally:
        servers.close()
