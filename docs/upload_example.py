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


def upload(session: requests.Session, server: str, survey: int, path: Path, state: dict) -> str:
    key = f"{survey}:{path.resolve()}:{path.stat().st_size}:{path.stat().st_mtime_ns}"
    url = state.get(key)
    offset = 0
    if url:
        head = session.head(url)
        if head.status_code == 200:
            offset = int(head.headers["Upload-Offset"])
            if head.headers.get("Upload-State", "receiving") != "receiving":
                return head.headers["Upload-State"]
        else:
            url = None
    if not url:
        created = session.post(f"{server}/api/v1/surveys/{survey}/uploads/", headers={
            "Upload-Length": str(path.stat().st_size),
            "Upload-Metadata": f"filename {b64(path.name)},sha256 {b64(sha256_file(path))}",
        })
        if created.status_code != 201:
            return f"refused: {created.json().get('detail', created.text)}"
        url = created.headers["Location"]
        offset = int(created.headers["Upload-Offset"])
        if created.headers.get("Upload-State") != "receiving":
            return created.headers["Upload-State"]
        state[key] = url
        STATE.write_text(json.dumps(state))
    with open(path, "rb") as fh:
        while offset < path.stat().st_size:
            fh.seek(offset)
            chunk = fh.read(CHUNK)
            checksum = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
            try:
                r = session.patch(url, data=chunk, headers={
                    "Content-Type": "application/offset+octet-stream",
                    "Upload-Offset": str(offset), "Upload-Checksum": f"sha256 {checksum}"}, timeout=300)
            except requests.ConnectionError:
                time.sleep(5)  # connection dropped: ask where to continue
                offset = int(session.head(url).headers["Upload-Offset"])
                continue
            if r.status_code in (409, 460):
                offset = int(session.head(url).headers["Upload-Offset"])
                continue
            if r.status_code != 204:
                state.pop(key, None)
                STATE.write_text(json.dumps(state))
                return f"refused: {r.json().get('detail', r.text)}"
            offset = int(r.headers["Upload-Offset"])
            print(f"  {path.name}: {offset / path.stat().st_size:.0%}", end="\r", file=sys.stderr)
    state.pop(key, None)
    STATE.write_text(json.dumps(state))
    return r.headers.get("Upload-State", "stored")


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
        failed += result.startswith("refused")
        print(f"{path.name}: {result}")
    if args.deliver and not failed:
        r = session.post(f"{args.server.rstrip('/')}/api/v1/surveys/{args.survey}/deliver/")
        print("conformance:", r.json().get("conformance", {}).get("summary", r.text))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
