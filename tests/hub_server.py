"""A Hub front on loopback for the tests: what olah lacks, answered the way the Hugging Face Hub does.

olah serves git repos as Hub model repos (revisions, files, LFS) but has no model search and no
upload API. ``HubFront`` listens on its own loopback port and answers

- ``GET /api/models?filter=...&search=...&sort=...&limit=...`` (``HfApi.list_models``): the repos
  under olah's mirrors folder, with the tags, ``library_name`` and ``cardData`` of their README's
  YAML metadata (the library counts as a tag, as on the Hub), downloads (GETs of config.json
  through this front), likes (set by the test) and the date of the last commit;
- ``POST /api/repos/create``, ``/api/validate-yaml``, ``.../branch/{branch}``, ``.../preupload/{rev}``
  and ``.../commit/{rev}`` (``HfApi.create_repo``, ``create_branch``, ``upload_folder``): every file is
  asked for inline ("regular" upload mode) and committed to the git repo olah serves, binary files
  as Git LFS pointers, as on the Hub;

and passes every other request on to olah (redirects rewritten to come back here, and the ETag of a
Git LFS file set to its pointer's sha256, as the Hub does, where olah hashes the bytes it serves).
"""

from __future__ import annotations

import base64
import collections
import datetime
import http.client
import http.server
import json
import re
import threading
import urllib.parse
from pathlib import Path

import yaml
from helpers import git, write_repo_files

SORT_KEYS = {"downloads": "downloads", "likes": "likes", "lastModified": "lastModified", "createdAt": "createdAt",
             "trendingScore": "likes"}


def front_matter(card: str) -> dict:
    """A card's YAML metadata (ValueError when it does not parse as a mapping)."""
    if not card.startswith("---\n") or "\n---" not in card[4:]:
        return {}
    meta = yaml.safe_load(card[4 : card.index("\n---", 4)]) or {}
    if not isinstance(meta, dict):
        raise ValueError("the metadata is not a mapping")
    return meta


def hub_date(epoch: int) -> str:
    """A date as the Hub writes it (UTC, milliseconds, Z)."""
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def validate_yaml(card: str) -> tuple[int, dict]:
    """What the Hub's ``/api/validate-yaml`` answers: 400 with the errors, or 200."""
    try:
        meta = front_matter(card)
        for entry in meta.get("model-index", []):
            if not entry.get("name") or not entry.get("results"):
                raise ValueError("model-index entries need a name and results")
    except (ValueError, yaml.YAMLError) as exc:
        return 400, {"errors": [{"message": str(exc)}], "warnings": []}
    return 200, {"errors": [], "warnings": []}


class HubFront:
    def __init__(self, olah_url: str, root: Path) -> None:
        self.olah = urllib.parse.urlsplit(olah_url)
        self.olah_url = olah_url
        self.models = root / "mirrors" / "models"
        self.downloads: collections.Counter[str] = collections.Counter()
        self.likes: dict[str, int] = {}
        self.searches: list[dict[str, list[str]]] = []
        self.lock = threading.Lock()
        front = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                if parts.path == "/api/models":
                    query = urllib.parse.parse_qs(parts.query)
                    front.searches.append(query)
                    return self._json(200, front.search(query))
                counted = re.fullmatch(r"/([^/]+/[^/]+)/resolve/[^/]+/config\.json", parts.path)
                if counted:
                    front.downloads[counted[1]] += 1
                return self._forward("GET")

            def do_HEAD(self):
                return self._forward("HEAD")

            def do_POST(self):
                path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with front.lock:
                    if path == "/api/repos/create":
                        return self._json(*front.create_repo(json.loads(body)))
                    if path == "/api/validate-yaml":
                        return self._json(*validate_yaml(json.loads(body)["content"]))
                    found = re.fullmatch(r"/api/models/([^/]+/[^/]+)/(preupload|commit|branch)/(.+)", path)
                    if not found:
                        return self._json(404, {"error": f"not here: {path}"})
                    repo_id, action, revision = found.groups()
                    if not (front.models / repo_id / ".git").is_dir():
                        return self._json(404, {"error": "Repository not found"})
                    if action == "preupload":
                        modes = [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": None}
                                 for f in json.loads(body)["files"]]
                        return self._json(200, {"files": modes})
                    if action == "branch":
                        return self._json(*front.create_branch(repo_id, revision, json.loads(body or b"{}")))
                    return self._json(*front.commit(repo_id, revision, body))

            def _json(self, status: int, value: object) -> None:
                data = json.dumps(value).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _forward(self, method: str) -> None:
                connection = http.client.HTTPConnection(front.olah.hostname, front.olah.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                connection.request(method, self.path, headers=headers)
                answer = connection.getresponse()
                body = answer.read()
                oid = front.lfs_oid(urllib.parse.unquote(urllib.parse.urlsplit(self.path).path))
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    lowered = key.lower()
                    if lowered in ("transfer-encoding", "connection", "server", "date"):
                        continue
                    if lowered == "content-length" and method != "HEAD":
                        continue  # set below, for the body as read
                    if lowered == "location":
                        value = value.replace(front.olah_url, front.url)
                    if lowered in ("etag", "x-linked-etag") and oid:
                        value = oid  # the Hub's word for an LFS file is its pointer's oid (olah hashes the bytes)
                    self.send_header(key, value)
                if method != "HEAD":
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(body)
                connection.close()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def lfs_oid(self, path: str) -> str | None:
        """The sha256 a Git LFS file's pointer names (``/ORG/NAME/resolve/REV/FILE``), else None."""
        found = re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
        if not found or not (self.models / found[1] / ".git").is_dir():
            return None
        try:
            pointer = git(self.models / found[1], "show", f"{found[2]}:{found[3]}")
        except Exception:  # noqa: BLE001 - no such file or revision: olah answers that
            return None
        named = re.search(r"^oid sha256:([0-9a-f]{64})$", pointer, re.M)
        return named[1] if named and pointer.startswith("version https://git-lfs") else None

    # -- search ---------------------------------------------------------------------------------

    def listing(self, repo: Path) -> dict:
        repo_id = f"{repo.parent.name}/{repo.name}"
        try:
            card = git(repo, "show", "main:README.md")
        except Exception:  # noqa: BLE001 - no card
            card = ""
        meta = front_matter(card)
        tags = [str(t) for t in meta.get("tags") or []]
        library = meta.get("library_name")
        if library and library not in tags:
            tags.append(library)
        dates = [hub_date(int(t)) for t in git(repo, "log", "--format=%ct", "main").splitlines()]
        return {"_id": repo_id, "id": repo_id, "modelId": repo_id, "private": False, "tags": tags,
                "library_name": library, "pipeline_tag": meta.get("pipeline_tag"), "cardData": meta,
                "downloads": self.downloads[repo_id], "likes": self.likes.get(repo_id, 0),
                "lastModified": dates[0], "createdAt": dates[-1]}

    def search(self, query: dict[str, list[str]]) -> list[dict]:
        found = [self.listing(repo) for repo in sorted(self.models.glob("*/*")) if (repo / ".git").is_dir()]
        for tag in query.get("filter", []):
            found = [m for m in found if tag in m["tags"]]
        for library in query.get("library", []):
            found = [m for m in found if m["library_name"] == library]
        for author in query.get("author", []):
            found = [m for m in found if m["id"].split("/")[0] == author]
        for words in query.get("search", []):
            found = [m for m in found if words.lower() in m["id"].lower()]
        sort = SORT_KEYS.get(query.get("sort", [""])[0])
        if sort:
            found.sort(key=lambda m: m[sort], reverse=True)
        limit = int(query.get("limit", ["1000"])[0])
        return found[:limit]

    # -- uploads --------------------------------------------------------------------------------

    def create_repo(self, payload: dict) -> tuple[int, dict]:
        repo_id = f"{payload['organization']}/{payload['name']}" if payload.get("organization") else payload["name"]
        repo = self.models / repo_id
        if repo.exists():
            return 409, {"error": "You already created this model repo", "url": f"{self.url}/{repo_id}"}
        repo.mkdir(parents=True)
        git(repo, "init", "-q", "-b", "main")
        (repo / ".gitattributes").write_text("*.safetensors *.bin *.pth *.png filter=lfs diff=lfs merge=lfs -text\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "initial commit")
        return 200, {"url": f"{self.url}/{repo_id}", "name": repo_id}

    def create_branch(self, repo_id: str, branch: str, payload: dict) -> tuple[int, dict]:
        repo = self.models / repo_id
        if branch in git(repo, "branch", "--format=%(refname:short)").splitlines():
            return 409, {"error": "Reference already exists"}
        git(repo, "branch", branch, payload.get("startingPoint") or "main")
        return 200, {}

    def commit(self, repo_id: str, revision: str, body: bytes) -> tuple[int, dict]:
        repo = self.models / repo_id
        items = [json.loads(line) for line in body.splitlines() if line.strip()]
        header = next(i["value"] for i in items if i["key"] == "header")
        git(repo, "checkout", "-q", revision)
        try:
            for item in items:
                if item["key"] == "file":
                    value = item["value"]
                    write_repo_files(repo, {value["path"]: base64.b64decode(value["content"])})
                elif item["key"] == "deletedFile":
                    (repo / item["value"]["path"]).unlink()
                elif item["key"] != "header":
                    return 400, {"error": f"{item['key']} is not supported by this test Hub"}
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "--allow-empty", "-m", header["summary"])
            sha = git(repo, "rev-parse", "HEAD")
        finally:
            git(repo, "checkout", "-q", "main")
        return 200, {"commitUrl": f"{self.url}/{repo_id}/commit/{sha}", "commitOid": sha, "pullRequestUrl": None}
