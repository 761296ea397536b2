"""The embedded mode for real, as `make run` starts it: SQLite in a fresh VAR_DIR, no
broker, `migrate`, then `runserver` (threaded). A class works at the same time: one
learner double-submits a quiz ten times over while others submit theirs, tick
deadlines and fill in their profile. Nobody gets a 500, and the quiz is graded once."""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

pytestmark = pytest.mark.embedded

ROOT = Path(__file__).resolve().parent.parent.parent
# Unset in embedded mode (empty counts as unset, whatever a local .env says).
SERVICES = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "EMAIL_URL")
SAME_QUIZ_SUBMISSIONS = 10
PAGE_ID_MAX = 2**31 - 1  # Wagtail pages: a 32-bit column
ID_MAX = 2**63 - 1  # our BigAutoField ids
HUGE = 99999999999999999999


def embedded_env(var_dir: Path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE")
    }
    env.update(dict.fromkeys(SERVICES, ""))
    env.update(DEBUG="true", VAR_DIR=str(var_dir))
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The embedded server, its data (see embedded_data.py) and its database file."""
    var_dir = tmp_path_factory.mktemp("var")
    env = embedded_env(var_dir)
    manage(env, "migrate", "--noinput")
    port = free_port()
    log = (var_dir / "runserver.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # The server starts while the data is created (both take a few seconds).
        output = manage(
            env,
            "shell",
            "-c",
            "from tests.core.embedded_data import create; create()",
        )
        data = json.loads(output.strip().splitlines()[-1])
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (var_dir / "runserver.log").read_text()
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "runserver n'a pas démarré"
            time.sleep(0.2)
        yield {
            "base": base,
            "data": data,
            "db": var_dir / "db.sqlite3",
            "log": var_dir / "runserver.log",
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class Browser:
    """One person's browser: their session cookie, CSRF token, no redirects."""

    def __init__(self, base: str, session_key: str | None = None):
        self.base = base
        self.http = requests.Session()
        if session_key:
            self.http.cookies.set("sessionid", session_key)

    def clone(self) -> "Browser":
        """Another tab of the same browser (its own connection, same cookies)."""
        other = Browser(self.base)
        other.http.cookies.update(self.http.cookies)
        return other

    def get(self, url: str) -> requests.Response:
        return self.http.get(urljoin(self.base, url), allow_redirects=False, timeout=60)

    def post(self, url: str, data=()) -> requests.Response:
        return self.http.post(
            urljoin(self.base, url),
            data=data,
            headers={"X-CSRFToken": self.http.cookies.get("csrftoken", "")},
            allow_redirects=False,
            timeout=60,
        )


class FormReader(HTMLParser):
    """The fields of a page's forms, as a browser would send them with the first
    choice everywhere: each radio group and checkbox group takes its first input,
    each select its first non-empty option; the selects of one fieldset (the steps
    of an "order" question) take different options, in turn."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._selects_in_fieldset = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action", ""), "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "fieldset":
            self._selects_in_fieldset = 0
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            fields = self._form["fields"]
            if kind in ("radio", "checkbox"):
                if any(name == attrs["name"] for name, _ in fields):
                    return
                fields.append((attrs["name"], attrs.get("value", "on")))
            elif kind not in ("submit", "button"):
                fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select":
            self._select = {"name": attrs.get("name"), "options": []}
        elif tag == "option" and self._select is not None:
            if attrs.get("value", ""):
                self._select["options"].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            choice = options[self._selects_in_fieldset % len(options)]
            self._form["fields"].append((self._select["name"], choice))
            self._selects_in_fieldset += 1
            self._select = None


def page_forms(response) -> list[dict]:
    reader = FormReader()
    reader.feed(response.text)
    return reader.forms


def form_posting_to(response, path_part: str) -> dict:
    return next(f for f in page_forms(response) if path_part in f["action"])


def in_parallel(calls) -> list:
    """Run the calls at the same instant, one thread each; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def start_quiz(browser: Browser, module_url: str) -> tuple[str, str, list]:
    """From the module page to the quiz form: the quiz's address, where its form
    posts, and the answers."""
    page = browser.get(module_url)
    assert page.status_code == 200
    started = browser.post(form_posting_to(page, "/commencer/")["action"])
    assert started.status_code == 302, started.text
    quiz_url = started.headers["Location"]
    quiz = browser.get(quiz_url)
    assert quiz.status_code == 200
    # The quiz is the page's biggest form (the others: log out, and so on).
    form = max(page_forms(quiz), key=lambda f: len(f["fields"]))
    return quiz_url, urljoin(quiz_url, form["action"]), form["fields"]


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(sql, params).fetchall()


def test_a_class_at_work_at_the_same_time(server):
    base, data = server["base"], server["data"]
    quiz_learner = Browser(base, data["quiz_learner"])
    others = [Browser(base, key) for key in data["other_learners"]]
    planners = [Browser(base, key) for key in data["planners"]]
    newcomers = [Browser(base, key) for key in data["newcomers"]]

    # Everyone opens their page at once: starting a quiz, the planning's first visit
    # (which computes the calendar) and the onboarding are writes too.
    opened = in_parallel(
        [lambda b=b: start_quiz(b, data["module_url"]) for b in [quiz_learner, *others]]
        + [lambda b=b: b.get("/planning/") for b in planners]
        + [lambda b=b: b.get("/bienvenue/") for b in newcomers]
    )
    quizzes, plannings = opened[: len(others) + 1], opened[len(others) + 1 :]
    assert all(page.status_code == 200 for page in plannings)

    calls = []
    quiz_url, action, answers = quizzes[0]
    tabs = [quiz_learner.clone() for _ in range(SAME_QUIZ_SUBMISSIONS)]
    calls += [lambda t=t: t.post(action, answers) for t in tabs]
    calls += [
        lambda b=b, q=q: b.post(q[1], q[2])
        for b, q in zip(others, quizzes[1:], strict=True)
    ]
    for browser, planning in zip(planners, plannings[: len(planners)], strict=True):
        done = form_posting_to(planning, "/fait/")
        calls.append(lambda b=browser, f=done: b.post(f["action"], f["fields"]))
    for browser in newcomers:
        profile = {
            "first_name": "Lou",
            "birth_date": data["birth_date"],
            "commune_query": data["commune"],
            "accept_terms": "on",
        }
        calls.append(lambda b=browser, p=profile: b.post("/bienvenue/", p))
    responses = in_parallel(calls)

    statuses = [response.status_code for response in responses]
    assert statuses == [302] * len(calls), (statuses, server["log"].read_text())
    result_url = quiz_url + "resultat/"
    assert {r.headers["Location"] for r in responses[:SAME_QUIZ_SUBMISSIONS]} == {
        result_url
    }
    assert quiz_learner.get(result_url).status_code == 200

    # The double submission graded the quiz once; every other write happened.
    attempt_id = quiz_url.strip("/").split("/")[-1]
    assert rows(
        server["db"],
        "SELECT count(*) FROM core_journalentry WHERE action = ? AND target_id = ?",
        "assessments.attempt_graded",
        attempt_id,
    ) == [(1,)]
    assert rows(
        server["db"],
        "SELECT state, count(*) FROM assessments_attempt GROUP BY state",
    ) == [("graded", 1 + len(others))]
    assert rows(
        server["db"],
        "SELECT count(*) FROM reminders_personaldeadline WHERE done_at IS NOT NULL",
    ) == [(len(planners),)]
    assert rows(server["db"], "SELECT count(*) FROM accounts_learnerprofile") == [
        (1 + len(others) + len(planners) + len(newcomers),)
    ]


@pytest.mark.parametrize(
    ("url", "who", "too_big"),
    [
        ("/quiz/module/{}/commencer/", "quiz_learner", PAGE_ID_MAX + 1),
        ("/planning/{}/fait/", "quiz_learner", ID_MAX + 1),
        ("/aide/lieu/{}/", None, ID_MAX + 1),
        ("/espace/roles/{}/retirer/", "coordinator", ID_MAX + 1),
        ("/espace/roles/invitations/{}/annuler/", "coordinator", ID_MAX + 1),
    ],
)
def test_out_of_range_ids_are_not_found_on_sqlite(server, url, who, too_big):
    """SQLite stores 64-bit integers: a bigger id used to raise OverflowError."""
    browser = Browser(server["base"], server["data"].get(who))
    if who:
        browser.get("/espace/roles/" if who == "coordinator" else "/planning/")
    send = browser.get if who is None else browser.post
    for value in (too_big - 1, too_big, ID_MAX + 1, HUGE):
        response = send(url.format(value))
        assert response.status_code == 404, (value, server["log"].read_text()[-3000:])
