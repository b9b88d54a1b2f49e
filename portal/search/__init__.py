"""Full-text search of everything published (Whoosh): an outbox written with every change of
searchable content, an indexer applying it under the index's lock, the search page and the
archive, and ``flask search reindex|sync|verify``."""

from __future__ import annotations

import sys
import time

import click
from flask import Flask, Response, g
from flask.cli import AppGroup

cli = AppGroup("search", help="The search index.")


@cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the whole index from the database, with a progress bar."""
    from portal.search import indexer

    owners = list(indexer.all_owners())
    with click.progressbar(length=len(owners), label="Indexing",
                           show_pos=True, file=sys.stderr) as bar:
        count = indexer.reindex(progress=bar.update)
    click.echo(f"{count} documents indexed from {len(owners)} items")


@cli.command("sync")
@click.option("--every", type=float, default=None,
              help="Keep running, applying the outbox every N seconds.")
def sync_command(every: float | None) -> None:
    """Apply the search outbox (the changes not in the index yet)."""
    from portal.search import indexer

    changed_at = time.monotonic()
    while True:
        applied = indexer.sync_all()
        if every is None:
            click.echo(f"{applied} changes applied")
            return
        if applied:
            changed_at = time.monotonic()
        elif time.monotonic() - changed_at >= indexer.TIDY_AFTER:
            # Merge the segments the syncs added once changes have stopped for a while: a
            # change arriving during a merge waits for it.
            indexer.tidy()
        time.sleep(every)


@cli.command("verify")
def verify_command() -> None:
    """Compare the database with the index; exit status 1 when they differ."""
    from portal.search import indexer

    difference = indexer.verify()
    for label, keys in (("missing", difference.missing), ("extra", difference.extra),
                        ("stale", difference.stale)):
        for key in keys:
            click.echo(f"{label}: {key}")
    if difference.outdated:
        click.echo("The index was built by another version of the portal: run "
                   "`flask search reindex`.")
    if difference.clean:
        click.echo("The index matches the database.")
        return
    click.echo(f"{len(difference.missing)} missing, {len(difference.extra)} extra, "
               f"{len(difference.stale)} stale", err=True)
    sys.exit(1)


def _sync_after_request(response: Response) -> Response:
    """A request that changed searchable content has committed by now: apply the outbox, so
    the change is found at once (rows a failed request wrote were rolled back with it)."""
    if g.pop("search_changed", False) and response.status_code < 400:
        from portal.search import indexer

        indexer.sync_quietly()
    return response


def init_app(app: Flask) -> None:
    from portal.search import outbox, views

    outbox.listen()
    app.register_blueprint(views.bp)
    app.cli.add_command(cli)
    if app.config["SEARCH_SYNC_AFTER_REQUEST"]:
        app.after_request(_sync_after_request)
