"""All orgs of one server, their shared identity tables, the clock and the fault injector.

``Registry(config)`` builds the world; ``reset()`` rebuilds it from the same config (moto's
``reset()``). Nothing here is created at import time.
"""
from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

from sqlmodel import Session, SQLModel, select

from ..clock import Clock, to_millis
from ..config import MockConfig
from . import dml, ids
from .faults import FaultInjector
from .oauth.frontdoor import FrontDoor
from .oauth.grants import Grants
from .oauth.models import (AuthorizationCode, ConnectedApp, OAuthApproval, OrgRecord, Token,
                           UserAccount, WebSession, hash_secret)
from .oauth.tokens import TokenService
from .org import Org
from .seed import SeedProgress
from .store import create_engine

ORG_ID_SPACING = 1_000_000_000  # keeps record ids of different orgs apart, like real ids


def database_url(db: str | None, temp_dir: Path | None = None) -> str:
    """A SQLAlchemy URL from ``--db`` (a path or a URL); a SQLite file in ``temp_dir`` when unset."""
    if db is None:
        return f"sqlite:///{Path(temp_dir or tempfile.mkdtemp(prefix='mock-salesforce-')) / 'org.db'}"
    return db if "://" in db else f"sqlite:///{Path(db).expanduser().resolve()}"


class Registry:
    """The mock's backend: orgs by id, identity, tokens, clock and faults."""

    def __init__(self, config: MockConfig | None = None, progress: SeedProgress | None = None) -> None:
        self.config = config or MockConfig()
        self.progress = progress
        self.clock = Clock()
        self.faults = FaultInjector()
        # Without --db the org lives in a temporary directory of its own, removed by close().
        self.temp_dir = None if self.config.db_url else Path(tempfile.mkdtemp(prefix="mock-salesforce-"))
        self.engine = None
        try:
            self.engine = create_engine(database_url(self.config.db_url, self.temp_dir))
            self.tokens = TokenService(self.engine, self.clock)
            self.grants = Grants(self)
            self.front_door = FrontDoor(self.clock)
            self.orgs: dict[str, Org] = {}
            self._lock = threading.RLock()
            self._identity_tables = [OrgRecord.__table__, UserAccount.__table__,
                                     ConnectedApp.__table__, Token.__table__,
                                     AuthorizationCode.__table__, OAuthApproval.__table__,
                                     WebSession.__table__]
            self._open()
        except BaseException:  # a failed open or an interrupted seed leaves no temporary files
            self.close()
            raise

    def close(self) -> None:
        """Release the database; remove the temporary directory this registry made, if any."""
        if self.engine is not None:
            self.engine.dispose()
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            self.temp_dir = None

    def _open(self) -> None:
        SQLModel.metadata.create_all(self.engine, tables=self._identity_tables)
        with Session(self.engine) as session:
            records = session.exec(select(OrgRecord).order_by(OrgRecord.id)).all()
        for record in records:
            self._load(record)
        if self.orgs:
            self._sync_credentials()
        else:
            self.create_org(self.config.org_name, sandbox=self.config.sandbox,
                            username=self.config.username, password=self.config.password,
                            client_id=self.config.client_id,
                            client_secret=self.config.client_secret,
                            callback_urls=self.config.callback_urls, seed=self.config.seed)

    def _sync_credentials(self) -> None:
        """On a reopened database, make the configured user and app credentials the valid ones."""
        config = self.config
        with Session(self.engine) as session:
            user = session.exec(select(UserAccount)
                                .where(UserAccount.username == config.username)).first()
            if user is not None:
                user.password_hash = hash_secret(config.password)
            app = session.exec(select(ConnectedApp)
                               .where(ConnectedApp.client_id == config.client_id)).first()
            if app is not None:
                app.client_secret_hash = hash_secret(config.client_secret)
                if config.callback_urls:
                    app.callback_urls = list(config.callback_urls)
            session.commit()

    def _load(self, record: OrgRecord) -> Org:
        org = Org(record.id, record.key, record.name, self.engine, self.clock,
                  is_sandbox=record.is_sandbox, api_limit=self.config.api_limit,
                  schema_files=self.config.schema, id_seed=record.id_seed,
                  journal_size=self.config.journal_size)
        self.orgs[org.id] = org
        return org

    @property
    def default_org(self) -> Org:
        """The first org (the one the CLI flags describe)."""
        return next(iter(self.orgs.values()))

    def org(self, org_id: str) -> Org | None:
        """An org by id (15 or 18 characters) or by key."""
        if ids.is_valid(org_id):
            return self.orgs.get(ids.to18(org_id))
        return next((o for o in self.orgs.values() if o.key == org_id), None)

    def create_org(self, name: str, *, sandbox: bool = False, username: str, password: str,
                   client_id: str | None = None, client_secret: str | None = None,
                   callback_urls: list[str] | None = None, seed: int = 0) -> Org:
        """A new org with one admin user and (optionally) one connected app."""
        with self._lock:
            number = len(self.orgs) + 1
            record = OrgRecord(id=ids.make_id("00D", number), key=f"org{number}", name=name,
                               is_sandbox=sandbox, instance_name=f"MOCK{number}",
                               id_seed=number * ORG_ID_SPACING)
            with Session(self.engine) as session:
                session.add(record)
                session.commit()
                session.refresh(record)
            org = self._load(record)
            self._organization_row(org, record)
            user_id = self.add_user(org, username, password)
            self._organization_creator(org, user_id, "Admin User")
            if client_id:
                self.add_app(org, self.config.app_name, client_id, client_secret or "",
                             callback_urls or [])
            if seed:
                from .seed import seed_org
                seed_org(org, seed, user_id, random_seed=self.config.seed_random,
                         progress=self.progress)
            return org

    def _organization_row(self, org: Org, record: OrgRecord) -> None:
        """The org's Organization record, with a new Developer Edition org's values (a sandbox
        is one of an Enterprise Edition org)."""
        now = to_millis(self.clock.now())
        sobject = org.sobject("Organization")
        row = {f.name: f.initial if f.initial is not None else f.default_value
               for f in sobject.stored_fields()}
        row.update({"Id": org.id, "IsDeleted": False, "Name": record.name,
                    "IsSandbox": record.is_sandbox, "InstanceName": record.instance_name,
                    "OrganizationType": "Enterprise Edition" if record.is_sandbox
                    else "Developer Edition", "Country": "United States",
                    "CreatedDate": now, "LastModifiedDate": now, "SystemModstamp": now})
        with self.engine.begin() as conn:
            org.store.insert_many(sobject, [row], conn)

    def _organization_creator(self, org: Org, user_id: str, name: str) -> None:
        """The admin created the org and is its primary contact."""
        with self.engine.begin() as conn:
            org.store.update(org.sobject("Organization"), org.id, {
                "CreatedById": user_id, "LastModifiedById": user_id, "PrimaryContact": name},
                conn)

    def add_user(self, org: Org, username: str, password: str, first_name: str = "Admin",
                 last_name: str = "User") -> str:
        """A user who can log in, with its User record in the org."""
        user_sobject = org.sobject("User")
        user_id = org.new_id(user_sobject)
        email = username if "@" in username else f"{username}@example.com"
        body = {"Id": user_id, "Username": username, "FirstName": first_name,
                "LastName": last_name, "Email": email, "Alias": (first_name[:1] + last_name)[:8],
                "CreatedById": user_id, "LastModifiedById": user_id}
        dml.create(org, user_sobject, body, user_id, audit=True)
        with Session(self.engine) as session:
            session.add(UserAccount(id=user_id, org_id=org.id, username=username,
                                    password_hash=hash_secret(password), email=email,
                                    first_name=first_name, last_name=last_name))
            session.commit()
        return user_id

    def add_app(self, org: Org, name: str, client_id: str, client_secret: str,
                callback_urls: list[str]) -> ConnectedApp:
        """A connected app of an org."""
        app = ConnectedApp(id=ids.make_id("0H4", len(self.apps()) + 1), org_id=org.id, name=name,
                           client_id=client_id, client_secret_hash=hash_secret(client_secret),
                           callback_urls=list(callback_urls),
                           session_timeout=self.config.session_timeout)
        with Session(self.engine) as session:
            session.add(app)
            session.commit()
            session.refresh(app)
            session.expunge(app)
        return app

    def apps(self, org_id: str | None = None) -> list[ConnectedApp]:
        """Connected apps, of one org or all."""
        with Session(self.engine) as session:
            query = select(ConnectedApp)
            if org_id:
                query = query.where(ConnectedApp.org_id == org_id)
            apps = session.exec(query.order_by(ConnectedApp.id)).all()
            for app in apps:
                session.expunge(app)
            return list(apps)

    def reset(self) -> None:
        """Drop every org, user, app and token and rebuild from the config."""
        with self._lock:
            for org in self.orgs.values():
                org.query_jobs.stop_all()  # no results writer reads the tables dropped next
                org.store.drop_all()
            self.orgs.clear()
            SQLModel.metadata.drop_all(self.engine, tables=self._identity_tables)
            self.tokens.forget_cache()
            self.front_door.clear()
            self.faults.clear()
            self.clock.reset()
            self._open()
