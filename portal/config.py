"""Every setting with a safe default. Override any of them with a PORTAL_* environment variable
(``PORTAL_DATABASE_URL=postgresql+psycopg://...``) or in the untracked ``instance/config.py``."""

from __future__ import annotations


class DefaultConfig:
    #: Filled from ``instance/secret-key`` (created at random on first run) when not set.
    SECRET_KEY: str | None = None
    #: ``None`` means ``sqlite:///<instance>/portal.sqlite``.
    DATABASE_URL: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {"pool_pre_ping": True}
    #: Seconds an SQLite writer waits for the lock before giving up.
    SQLITE_BUSY_TIMEOUT = 30

    LANGUAGES = ("uz", "ru", "en")
    BABEL_DEFAULT_LOCALE = "uz"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tashkent"

    #: Request body limit; a larger upload gets the 413 page.
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    #: Largest single attachment.
    UPLOAD_MAX_BYTES = 8 * 1024 * 1024

    #: "file" writes .eml files to instance/mail; "smtp" uses the MAIL_SMTP_* settings.
    MAIL_TRANSPORT = "file"
    MAIL_FROM = "noreply@huquq.local"
    MAIL_SMTP_HOST = "localhost"
    MAIL_SMTP_PORT = 25
    #: The portal's public address, for links in mails sent outside a request.
    BASE_URL = "http://127.0.0.1:5000"

    #: Failed logins allowed in LOGIN_WINDOW_SECONDS, per account and per client address.
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    LOGIN_WINDOW_SECONDS = 15 * 60
    #: Anonymous webinar registrations one client address may make in an hour.
    WEBINAR_REGISTRATIONS_PER_HOUR = 20
    #: New accounts one client address may create in an hour.
    REGISTRATIONS_PER_ADDRESS_PER_HOUR = 10

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: Seconds a "keep me logged in" cookie lasts.
    REMEMBER_COOKIE_DURATION = 30 * 24 * 3600
    #: Behind HTTPS set both to true (PORTAL_SESSION_COOKIE_SECURE=true): cookies then never
    #: travel over plain HTTP. Off by default so `make run` on http://127.0.0.1 can log in.
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    #: Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted
    #: (client address for login limits and the audit log, scheme, host). 0: none.
    PROXY_FIX_HOPS = 0
    #: Host names the app answers to (Flask's TRUSTED_HOSTS); None accepts any.
    TRUSTED_HOSTS: list[str] | None = None
    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch still posts

    #: Where the search index lives; None: instance/search-index.
    SEARCH_INDEX_DIR: str | None = None
    #: Seconds a search writer waits for another process's writer before leaving its changes
    #: to the next sync.
    SEARCH_LOCK_TIMEOUT = 10
    #: Apply the search outbox at the end of each request that changed searchable content
    #: (the change is found at once); the `flask search sync --every` worker catches the rest.
    SEARCH_SYNC_AFTER_REQUEST = True

    MATERIALS_PER_PAGE = 10
    COOPERATION_PER_PAGE = 20
    #: Editors are mailed this many days before a cooperation record ends or is due for
    #: renewal (the default of the record form; each record may change it).
    COOPERATION_REMIND_DAYS = 60
    ADMIN_PER_PAGE = 25
    #: Quiz answers arriving this many seconds after an attempt's deadline are still taken.
    QUIZ_GRACE_SECONDS = 30
    #: Learners are re-enrolled this many days before their certificate expires.
    CERTIFICATE_RENEWAL_DAYS = 30
