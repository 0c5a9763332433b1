#!/usr/bin/env python3
"""Upload a folder of survey files to the council's drone survey system (tus 1.0, resumable).

    python upload_example.py --server https://drones.council.example --token TOKEN --survey 42 ./flight-1/

Needs only `requests` (pip install requests). Safe to re-run: finished files are recognised as duplicates,
and unfinished ones continue from the server's offset (the upload URLs are kept in ./.upload-state.json).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import time
from pathlib import Path

import requests

CHUNK = 8 * 1024 * 1024
STATE = Path(".upload-state.json")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


DELIVERED = {"stored", "duplicate"}
VERIFY_WAIT_S = 600  # give up waiting for a verification after this long (re-run later to see the outcome)
RETRY_AFTER_MAX_S = 30


def reason(session: requests.Session, url: str, response: requests.Response) -> str:
    """The server's reason for a refusal. A HEAD has no body: GET the upload (its `error`) instead."""
    try:
        body = response.json() if response.content else session.get(url, timeout=60).json()
    except (ValueError, requests.RequestException):
        return f"HTTP {response.status_code}"
    return body.get("error") or body.get("detail") or f"HTTP {response.status_code} ({body.get('state', '?')})"


def settle(session: requests.Session, url: str, size: int) -> tuple[int | None, str]:
    """Ask the server where an upload stands (HEAD) until it is decided. Returns (offset, "") to continue
    sending, or (None, outcome) with outcome "stored", "duplicate", "refused: <why>" or "gone: <why>".
    A complete upload still `receiving` is being verified by another request: wait Retry-After and ask again.
    A file counts as delivered only when the state is stored or duplicate (docs/upload.md)."""
    deadline = time.monotonic() + VERIFY_WAIT_S
    while True:
        try:
            head = session.head(url, timeout=60)
        except requests.ConnectionError:
            time.sleep(5)
            continue
        state = head.headers.get("Upload-State", "")
        if head.status_code == 200 and state in DELIVERED:
            return None, state
        if head.status_code == 200 and state == "receiving":
            offset = int(head.headers["Upload-Offset"])
            if offset < size:
                return offset, ""
            if time.monotonic() > deadline:
                return None, "refused: the server is still verifying this file; run again later to see the outcome"
            print(f"  {url}: verifying...", file=sys.stderr)
            time.sleep(min(RETRY_AFTER_MAX_S, max(1, int(head.headers.get("Retry-After", "2") or 2))))
            continue
        if head.status_code in (404, 410):
            return None, f"gone: {reason(session, url, head)}"
        return None, f"refused: {reason(session, url, head)}"


def upload(session: requests.Session, server: str, survey: int, path: Path, state: dict) -> str:
    """Send one file; answers "stored", "duplicate" or "refused: <the server's reason>"."""
    size = path.stat().st_size
    key = f"{survey}:{path.resolve()}:{size}:{path.stat().st_mtime_ns}"

    def forget() -> None:
        state.pop(key, None)
        STATE.write_text(json.dumps(state))

    url = state.get(key)
    offset = 0
    if url:
        offset, outcome = settle(session, url, size)
        if outcome.startswith("gone"):  # expired or cancelled: start again
            forget()
            url, offset = None, 0
        elif offset is None:
            if not outcome.startswith("refused: the server is still verifying"):
                forget()
            return outcome
    if not url:
        created = session.post(f"{server}/api/v1/surveys/{survey}/uploads/", headers={
            "Upload-Length": str(size),
            "Upload-Metadata": f"filename {b64(path.name)},sha256 {b64(sha256_file(path))}",
        })
        if created.status_code != 201:
            return f"refused: {reason(session, '', created)}"
        url = created.headers["Location"]
        offset = int(created.headers["Upload-Offset"])
        if created.headers.get("Upload-State") in DELIVERED:
            return created.headers["Upload-State"]
        if created.headers.get("Upload-State") != "receiving":
            return f"refused: {created.headers.get('Upload-State')}"
        state[key] = url
        STATE.write_text(json.dumps(state))
    with open(path, "rb") as fh:
        while True:
            if offset is None or offset >= size:  # every byte is there: ask until it is decided
                offset, outcome = settle(session, url, size)
                if offset is None:
                    if not outcome.startswith("refused: the server is still verifying"):
                        forget()
                    return outcome.replace("gone: ", "refused: ", 1)
                continue
            fh.seek(offset)
            chunk = fh.read(CHUNK)
            checksum = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
            try:
                r = session.patch(url, data=chunk, headers={
                    "Content-Type": "application/offset+octet-stream",
                    "Upload-Offset": str(offset), "Upload-Checksum": f"sha256 {checksum}"}, timeout=300)
            except requests.ConnectionError:
                time.sleep(5)  # connection dropped: ask where to continue
                offset = None
                continue
            if r.status_code in (409, 460):
                offset = None  # ask where to continue (or whether it is finished)
                continue
            if r.status_code != 204:
                forget()
                return f"refused: {reason(session, url, r)}"
            if r.headers.get("Upload-State") in DELIVERED:
                forget()
                return r.headers["Upload-State"]
            offset = int(r.headers["Upload-Offset"])
            print(f"  {path.name}: {offset / size:.0%}", end="\r", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True)
    parser.add_argument("--token", required=True, help="API token (ask the council's administrator)")
    parser.add_argument("--survey", type=int, required=True)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--deliver", action="store_true", help="declare the delivery complete afterwards")
    parser.add_argument("--flying-height", type=float, default=None,
                        help="metres above ground, for cameras that record no relative altitude (docs/upload.md)")
    args = parser.parse_args()
    session = requests.Session()
    session.headers.update({"Authorization": f"Token {args.token}", "Tus-Resumable": "1.0.0"})
    state = json.loads(STATE.read_text()) if STATE.exists() else {}
    failed = 0
    if args.flying_height is not None:  # state it first, so footprints are drawn as the files arrive
        r = session.post(f"{args.server.rstrip('/')}/api/v1/surveys/{args.survey}/flying-height/",
                         json={"flying_height_m": args.flying_height})
        r.raise_for_status()
    for path in sorted(p for p in args.folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        result = upload(session, args.server.rstrip("/"), args.survey, path, state)
        failed += result not in DELIVERED
        print(f"{path.name}: {result}")
    if args.deliver and not failed:
        r = session.post(f"{args.server.rstrip('/')}/api/v1/surveys/{args.survey}/deliver/")
        print("conformance:", r.json().get("conformance", {}).get("summary", r.text))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
