"""Stage: where bronze files wait to be loaded (a local folder, or S3 in production)."""

from __future__ import annotations

import gzip
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

#: gzip level of stage files: level 3 compresses about four times faster than gzip's default 9
#: for about a quarter more bytes; the rows read back are the same.
GZIP_LEVEL = 3
#: Lines handed to the compressor at once.
_CHUNK_LINES = 1000


@dataclass(frozen=True)
class StagedFile:
    """A file in the stage: its name relative to the stage root and its full URL."""

    name: str
    url: str


class Stage:
    """Write-once files under ``<root>/<source>/<stream>/<run_id>/``."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.url = url.rstrip("/")
        self.scheme = parsed.scheme or "file"
        if self.scheme == "file":
            self.root = Path(parsed.path if parsed.scheme else url).resolve()
            self.url = self.root.as_uri()
        elif self.scheme == "s3":
            self.bucket = parsed.netloc
            self.prefix = parsed.path.strip("/")
        else:
            msg = f"bronze: setting `stage_url` must be a folder, file:// or s3:// URL, got {url!r}"
            raise ValueError(msg)

    def write(self, name: str, lines: Iterable[str]) -> StagedFile:
        """Write ``lines`` as a gzip file atomically: a crash never leaves half a file."""
        if self.scheme == "file":
            target = self.root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".gz")
            try:
                with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=GZIP_LEVEL) as out:
                    chunk: list[str] = []
                    for line in lines:
                        chunk.append(line)
                        if len(chunk) >= _CHUNK_LINES:
                            out.write(("\n".join(chunk) + "\n").encode("utf-8"))
                            chunk.clear()
                    if chunk:
                        out.write(("\n".join(chunk) + "\n").encode("utf-8"))
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            return StagedFile(name=name, url=target.as_uri())
        import boto3  # production only

        body = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), compresslevel=GZIP_LEVEL)
        key = f"{self.prefix}/{name}" if self.prefix else name
        boto3.client("s3").put_object(Bucket=self.bucket, Key=key, Body=body)
        return StagedFile(name=name, url=f"s3://{self.bucket}/{key}")

    def list(self, prefix: str) -> list[StagedFile]:
        """Every finished file under ``prefix`` (e.g. ``stripe/customers/``), oldest name first."""
        if self.scheme == "file":
            base = self.root / prefix
            if not base.exists():
                return []
            return [
                StagedFile(name=p.relative_to(self.root).as_posix(), url=p.as_uri())
                for p in sorted(base.rglob("*.jsonl.gz"))
            ]
        import boto3

        paginator = boto3.client("s3").get_paginator("list_objects_v2")
        key_prefix = f"{self.prefix}/{prefix}" if self.prefix else prefix
        files = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=key_prefix):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if key.endswith(".jsonl.gz"):
                    name = key[len(self.prefix) + 1 :] if self.prefix else key
                    files.append(StagedFile(name=name, url=f"s3://{self.bucket}/{key}"))
        return sorted(files, key=lambda f: f.name)
