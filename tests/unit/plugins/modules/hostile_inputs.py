# Copyright (c) speckle.server contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Hypothesis strategies: values for every option of every module, some hostile, the others sensible.

An option's value is drawn from what fits its name and type (durations, URLs, paths, choices, lists), from
wrong types, and from text no playbook should hold (empty, 10 kB, control characters, newlines, bidi
overrides). ``module_args`` makes up to three options of a task hostile and the others sensible (or left
out), so that every hostile value also meets the code behind the argument spec.
"""

from __future__ import annotations

import typing as t

from hypothesis import strategies as st

from ansible_collections.speckle.server.tests.unit.plugins.modules.hostile_wire import MISBEHAVIOURS

TEN_KB = 10 * 1024
GOOD_URL = "https://speckle.example.org"

# Text a playbook should never hold, but a templated or copied value can.
ODD_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "\t",
            "\n",
            "a\nb",
            "line\r\nbreak",
            "\x00",
            "nul\x00inside",
            "\x1b[31mred\x1b[0m",
            "\u202eevil\u202c",
            "\ufeffbom",
            "\u00e9\u00e8\u4e2d\u6587\U0001f600",
            "'; DROP TABLE api_tokens; --",
            "{{ lookup('env', 'HOME') }}",
            "%s%n%x",
            "../../../../etc/passwd",
            "None",
            "null",
            "true",
        ]
    ),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=4).map(
        lambda chunk: (chunk * TEN_KB)[:TEN_KB]
    ),
)
WRONG_TYPES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
    st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
)
ODD_URLS = st.sampled_from(
    [
        "http://[::1",
        "http://[::1]:99999",
        "http://[::1]:0/",
        "http://[fe80::1%25eth0]:3000",
        "http://[::ffff:127.0.0.1]/speckle/",
        "http://host:-1",
        "http://host:abc",
        "http://host:65536",
        "https://:443",
        "https://",
        "//speckle.example.org",
        "speckle.example.org",
        "ftp://speckle.example.org",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html,hi",
        "https://user:secret@speckle.example.org",
        "https://:secret@speckle.example.org",
        "https://user@speckle.example.org",
        "https://speckle example.org",
        "https://speckle.example.org\n/graphql",
        "https://speckle.example.org/graphql/",
        "HTTPS://SPECKLE.EXAMPLE.ORG/GRAPHQL",
        "https://speckle.example.org/graphql?x=1#frag",
        "https://speckle.example.org/speckle/graphql",
        "https://\u4f8b\u3048.jp",
        "https://xn--.org",
        "https://" + "a" * 64 + ".org",
        "https://" + "a." * 200 + "org",
        "http://256.256.256.256",
        "http://127.0.0.1:3000",
        " https://speckle.example.org ",
        "https://speckle.example.org/" + "p" * TEN_KB,
    ]
)
BIG = 2**63
DURATIONS = st.one_of(
    st.sampled_from(
        [
            0,
            -1,
            1,
            -(BIG),
            BIG - 1,
            BIG,
            BIG + 1,
            2**64,
            10**30,
            "0",
            "-1",
            "-1s",
            "0s",
            "1d",
            "90d",
            "1d12h",
            "1w",
            "2h",
            "45s",
            str(BIG),
            str(BIG * 1000),
            f"{BIG}ms",
            f"{BIG}d",
            "9" * 5000,
            "1" * TEN_KB + "d",
            "1e400",
            "1.5h",
            "1 day",
            "P1D",
            "nan",
            "inf",
            "-0",
            "\u0663d",
            "1\nd",
            0.0,
            -0.0,
            1.5,
            1e308,
            -1e308,
            5e-324,
            float("inf"),
            float("-inf"),
            float("nan"),
            True,
        ]
    ),
    st.integers(min_value=-(2**66), max_value=2**66),
)
TIMEOUTS = st.one_of(
    st.sampled_from([0, -1, 0.001, 1, 30, 1e9, 1e12, 1e308, float("inf"), float("nan"), "30", "30s", "", "nan"]),
    st.floats(allow_nan=True, allow_infinity=True),
)
RETRIES = st.one_of(
    st.sampled_from([0, 1, 3, -1, -(BIG), BIG, 2**64, "3", "three", "", 3.5, float("nan")]),
    st.integers(min_value=-(2**66), max_value=2**66),
)
BOOLISH = st.sampled_from([True, False, "yes", "no", "true", "off", "1", 0, 1, 2, "maybe", "", None])
SCOPES = st.sampled_from(["profile:read", "streams:read", "tokens:write", "tokens:read", "no:such", "PROFILE:READ"])
VERSIONS = st.sampled_from(
    ["2.0.0", "2.23.4", "99.0.0", "0", "", "v2", "2.23.4-alpha.4711", "dev", "latest", "9" * 400, "2..3", "-1.0.0"]
)


def _paths(root: str) -> st.SearchStrategy:
    """Paths under the test's own directory only (``dest`` writes there), plus odd ones that must be refused."""
    names = st.one_of(
        st.sampled_from(["token", "sub/token", "missing/dir/token", ".", "..", "", " ", "a\nb", "\u00e9t\u00e9"]),
        st.sampled_from(["n" * 300, "d/" * 100 + "t"]),
    )
    return names.map(lambda name: f"{root}/{name}")


def _ca_paths(root: str, bundle: str) -> st.SearchStrategy:
    """A real CA bundle, the test directory, a file that is not PEM, and paths that do not exist."""
    return st.sampled_from([bundle, root, f"{root}/not-a-bundle.txt", f"{root}/absent.pem", "", "\x00"])


def value_for(name: str, spec: dict[str, t.Any], root: str, bundle: str) -> st.SearchStrategy:
    """Hostile and sensible values for one option."""
    kind = spec.get("type", "str")
    hostile = st.one_of(ODD_TEXT, WRONG_TYPES)
    if name == "server_url":
        return st.one_of(st.just(GOOD_URL), ODD_URLS, hostile)
    if name in ("lifespan", "rotate_before", "expiring_within", "unused_for", "wait_timeout"):
        return st.one_of(DURATIONS, hostile)
    if name == "timeout":
        return st.one_of(TIMEOUTS, hostile)
    if name == "retries":
        return st.one_of(RETRIES, hostile)
    if name == "ca_path":
        return st.one_of(_ca_paths(root, bundle), hostile)
    if name == "dest":
        return st.one_of(_paths(root), st.just(f"{root}/token"))
    if name == "min_version":
        return st.one_of(VERSIONS, hostile)
    if name == "scopes":
        return st.one_of(st.lists(st.one_of(SCOPES, ODD_TEXT), max_size=4), hostile)
    if name == "limit_resources":
        item = st.fixed_dictionaries(
            {"type": st.one_of(st.sampled_from(["project", "workspace", "stream"]), hostile), "id": hostile}
        )
        return st.one_of(st.lists(st.one_of(item, hostile), max_size=3), hostile)
    if "choices" in spec:
        choices = st.sampled_from(list(spec["choices"]))
        if kind == "list":
            return st.one_of(st.lists(st.one_of(choices, ODD_TEXT), max_size=4), hostile)
        return st.one_of(choices, hostile)
    if kind == "bool":
        return st.one_of(BOOLISH, hostile)
    if kind in ("int", "float"):
        return st.one_of(DURATIONS, hostile)
    if name == "token_id":
        return st.one_of(st.just("e82c553bc5"), st.text(max_size=12), hostile)
    return hostile


def sensible_value(name: str, spec: dict[str, t.Any], root: str, bundle: str) -> st.SearchStrategy | None:
    """A value a careful playbook would pass (None: leave the option out instead)."""
    sensible: dict[str, st.SearchStrategy] = {
        "server_url": st.sampled_from([GOOD_URL, "http://127.0.0.1:3000/graphql", f"{GOOD_URL}/speckle/"]),
        "validate_certs": st.booleans(),
        "ca_path": st.just(bundle),
        "timeout": st.sampled_from([5, 30.0, "10"]),
        "retries": st.integers(min_value=0, max_value=4),
        "min_version": st.sampled_from(["2.0.0", "2.23.4", "3.0.0"]),
        "wait_timeout": st.sampled_from([0, 5, "30"]),
        "scopes": st.lists(st.sampled_from(["profile:read", "streams:read", "users:read"]), min_size=1, max_size=2),
        "lifespan": st.sampled_from([3600, "90d", "1d12h", 60]),
        "rotate_before": st.sampled_from(["1h", 60, "30d"]),
        "limit_resources": st.just([{"type": "project", "id": "a1b2c3d4e5"}]),
        "dest": st.just(f"{root}/token"),
        "expiring_within": st.sampled_from(["7d", 0, 3600]),
        "unused_for": st.sampled_from(["30d", 0]),
        "refresh_token": st.just("Refr3shTok" + "r" * 32),
        "mode": st.sampled_from(["0600", "u=rw,go="]),
    }
    if name in sensible:
        return sensible[name]
    if "choices" in spec:
        choices = list(spec["choices"])
        if spec.get("type") == "list":
            return st.lists(st.sampled_from(choices), min_size=1, max_size=3)
        return st.sampled_from(choices)
    if spec.get("type") == "bool":
        return st.booleans()
    return None


TOKEN = "abcdef0123" + "S" * 32
# A real token, damaged on its way into the playbook: a file's newline, a paste's stray characters.
ODD_TOKENS = st.sampled_from(
    [TOKEN + "\n", TOKEN + "\r\n", " " + TOKEN, TOKEN[:20] + "\x00" + TOKEN[20:], TOKEN + "\u200b", "Bearer " + TOKEN]
)
# Mostly what works, so the other options' values get past the credential checks (speckle_session: a login,
# or a session to log out).
CREDENTIALS = ("token", "token", "token", "login", "login", "session", "none", "both", "odd")
SESSION_CREDENTIALS = ("login", "login", "login", "session", "session", "token", "none", "both", "odd")
# Options a task needs for a useful run: when not hostile, always set to a sensible value.
ALWAYS_SET = ("server_url", "name", "scopes")


def module_args(
    options: dict[str, dict[str, t.Any]], root: str, bundle: str, token_names: t.Sequence[str] = ()
) -> st.SearchStrategy:
    """A task's arguments: up to three options hostile, the others sensible or left out; and credentials."""
    names = sorted(name for name in options if name not in ("token", "email", "password"))
    # Built once: hypothesis checks and caches each strategy object, which costs more than a module run.
    hostile = {name: value_for(name, options[name], root, bundle) for name in names}
    sensible = {name: sensible_value(name, options[name], root, bundle) for name in names}
    if "name" in sensible:
        sensible["name"] = st.sampled_from(list(token_names) or ["ci"])

    @st.composite
    def build(draw: t.Callable[[st.SearchStrategy], t.Any]) -> dict[str, t.Any]:
        hostile_names = draw(st.sets(st.sampled_from(names), max_size=3))
        args: dict[str, t.Any] = {}
        for name in names:
            if name in hostile_names:
                args[name] = draw(hostile[name])
            elif sensible[name] is not None and (name in ALWAYS_SET or draw(st.booleans())):
                args[name] = draw(sensible[name])
        credentials = draw(st.sampled_from(SESSION_CREDENTIALS if "refresh_token" in options else CREDENTIALS))
        if credentials in ("token", "session", "both"):
            args["token"] = draw(st.one_of(st.just(TOKEN), ODD_TOKENS, ODD_TEXT))
        if credentials in ("login", "both"):
            args["email"] = draw(st.one_of(st.just("admin@example.org"), ODD_TEXT))
            args["password"] = draw(st.one_of(st.just("hunter2-password"), ODD_TEXT))
        if "refresh_token" in options:  # speckle_session: the state that goes with the credentials, unless hostile
            session = credentials == "session"
            if "state" not in hostile_names:
                args["state"] = "absent" if session else "present"
            if "refresh_token" not in hostile_names:
                args.pop("refresh_token", None)
                if session:
                    args["refresh_token"] = "Refr3shTok" + "r" * 32
        if credentials == "odd":
            for name in ("token", "email", "password"):
                if draw(st.booleans()):
                    args[name] = draw(st.one_of(ODD_TEXT, WRONG_TYPES))
        return args

    return build()


SERVER_BEHAVIOUR = st.fixed_dictionaries(
    {
        "script": st.lists(st.sampled_from(MISBEHAVIOURS), max_size=6),
        "server_version": VERSIONS,
        "password_accepted": st.sampled_from([True, True, True, False]),
    }
)
