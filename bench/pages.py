"""Time the public guide pages and a login on a portal with the demo content.

Prints p50 / p95 per page in milliseconds. Figures, not assertions: machines here are shared.
Run: .venv/bin/python bench/pages.py [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.materials.models import Material


def main(rounds: int = 200) -> None:
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}",
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False},
                     instance_path=str(folder))
    with app.app_context():
        db.create_all()
    started = time.perf_counter()
    app.test_cli_runner().invoke(args=["demo", "load"])
    print(f"demo load: {time.perf_counter() - started:.2f} s")
    with app.app_context():
        slug = db.session.scalar(select(Material.slug).where(Material.language == "en"))
    client = app.test_client()
    pages = {
        "home": "/",
        "guide list": "/materials/",
        "guide list, filtered": "/materials/?topic=family&language=ru",
        "guide page": f"/materials/{slug}",
        "atom feed": "/materials/feed.atom",
        "sitemap": "/sitemap.xml",
    }
    for name, url in pages.items():
        client.get(url)  # warm caches and templates
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        print(f"{name:24s} p50 {statistics.median(times):6.1f} ms   "
              f"p95 {times[int(len(times) * 0.95) - 1]:6.1f} ms")
    accounts = (folder / "demo-accounts.txt").read_text().splitlines()
    _, email, password = accounts[0].split()
    times = []
    for _ in range(20):
        c = app.test_client()
        t = time.perf_counter()
        assert c.post("/auth/login", data={"email": email, "password": password}).status_code == 302
        times.append((time.perf_counter() - t) * 1000)
    print(f"{'login (argon2id)':24s} p50 {statistics.median(times):6.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
