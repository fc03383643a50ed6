"""The membership-sync row of ``bench/sync.py``: ``sync_membership`` against find-then-write.

The baseline is what a straightforward port would do for each membership event: find
the organization (create it if missing), find the user, find the membership, then
insert or update it through the ORM (four reads and a write, and a race between
them). Ours is the embedded organization's upsert and one ``INSERT … SELECT … ON
CONFLICT`` (two statements). Both run in the same process, on the same schema, in
the same run; the workload is a webhook mix: 25% new memberships, 75% redeliveries
or updates of known ones (half of them with a new role).
"""

from __future__ import annotations

import secrets
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from clerk_app import db
from clerk_app.models import User, new_user_id, utcnow
from clerk_app.org_models import Organization, OrganizationMembership
from clerk_app.sync import sync_membership

USERS, ORGS, MEMBERSHIPS = 500, 50, 1000
WORKERS = (1, 8)


def find_then_write(session: Session, data: dict) -> OrganizationMembership:
    """The naive port: read everything, then create or update through the ORM."""
    org_json = data["organization"]
    org = session.exec(select(Organization).where(Organization.clerk_id == org_json["id"])).first()
    if org is None:
        org = Organization(clerk_id=org_json["id"], name=org_json["name"], slug=org_json["slug"])
        session.add(org)
        session.flush()
    user_id = data["public_user_data"]["user_id"]
    user = session.exec(select(User).where(User.clerk_id == user_id)).one()
    query = select(OrganizationMembership).where(OrganizationMembership.clerk_id == data["id"])
    membership = session.exec(query).first()
    if membership is None:
        membership = OrganizationMembership(
            clerk_id=data["id"], organization_id=org.id, user_id=user.id, role=data["role"]
        )
        session.add(membership)
    elif membership.clerk_updated_at <= data["updated_at"]:
        membership.role = data["role"]
    membership.clerk_updated_at = data["updated_at"]
    return membership


IMPLEMENTATIONS: dict[str, Callable[[Session, dict], Any]] = {
    "ours": sync_membership,
    "find-then-write": find_then_write,
}


def _org() -> dict:
    token = secrets.token_hex(8)
    return {"id": f"org_{token}", "name": f"Org {token}", "slug": f"org-{token}", "updated_at": 1}


def _membership(user: str, org: dict, role: str = "org:member", updated_at: int = 1) -> dict:
    return {
        "id": f"orgmem_{secrets.token_hex(10)}",
        "role": role,
        "updated_at": updated_at,
        "organization": org,
        "public_user_data": {"user_id": user},
    }


def populate(engine: sa.Engine) -> tuple[list[str], list[dict], list[dict]]:
    """Empty the tables; store users, organizations and memberships in bulk."""
    now = utcnow()
    users = [f"user_{secrets.token_hex(8)}" for _ in range(USERS)]
    orgs = [_org() for _ in range(ORGS)]
    with engine.begin() as conn:
        for table in ("organization_membership", "organization", '"user"'):
            conn.exec_driver_sql(f"DELETE FROM {table}")
        user_ids = {u: new_user_id() for u in users}
        org_ids = {o["id"]: new_user_id() for o in orgs}
        conn.execute(
            User.__table__.insert(),
            [{"id": user_ids[u], "clerk_id": u, "email": f"{u}@bench.example"} for u in users],
        )
        conn.execute(
            Organization.__table__.insert(),
            [{"id": org_ids[o["id"]], "clerk_id": o["id"], "name": o["name"]} for o in orgs],
        )
        members = [
            _membership(users[i % USERS], orgs[(i // USERS) % ORGS]) for i in range(MEMBERSHIPS)
        ]
        conn.execute(
            OrganizationMembership.__table__.insert(),
            [
                {
                    "id": new_user_id(),
                    "clerk_id": m["id"],
                    "organization_id": org_ids[m["organization"]["id"]],
                    "user_id": user_ids[m["public_user_data"]["user_id"]],
                    "role": m["role"],
                    "clerk_updated_at": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for m in members
            ],
        )
    return users, orgs, members


def _next(users: list[str], orgs: list[dict], members: list[dict], n: int) -> dict:
    kind = n % 8
    if kind < 2:  # a new membership (a fresh org now and then: created from the embedded data)
        org = _org() if n % 16 == 0 else orgs[secrets.randbelow(len(orgs))]
        return _membership(users[secrets.randbelow(len(users))], org)
    index = secrets.randbelow(len(members))
    if kind < 5:
        return members[index]  # a redelivery
    role = "org:admin" if members[index]["role"] == "org:member" else "org:member"
    members[index] = {**members[index], "role": role, "updated_at": time.time_ns()}
    return members[index]


def _throughput(url: str, fn: Callable, workers: int, duration: float) -> tuple[float, int]:
    engine = db.make_engine(url, pool_size=workers, max_overflow=0)
    try:
        users, orgs, members = populate(engine)
        barrier, stop = threading.Barrier(workers + 1), threading.Event()
        counts = [[0, 0] for _ in range(workers)]

        def worker(index: int) -> None:
            barrier.wait()
            done = failed = 0
            while not stop.is_set():
                data = _next(users, orgs, members, (done + failed) * workers + index)
                try:
                    with Session(engine, expire_on_commit=False) as session:
                        fn(session, data)
                        session.commit()
                    done += 1
                except Exception:
                    failed += 1
            counts[index] = [done, failed]

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
        for thread in threads:
            thread.start()
        barrier.wait()
        start = time.perf_counter()
        time.sleep(duration)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        return sum(c[0] for c in counts) / elapsed, sum(c[1] for c in counts)
    finally:
        engine.dispose()


def membership_rows(url: str, *, duration: float, rounds: int) -> None:
    """Print the membership-sync rows for the database at ``url`` (already migrated)."""
    print("  membership sync (webhook mix): sync_membership vs find-then-write (ORM)")
    print("  workers   ours syncs/s   find-then-write/s   ratio   ours errors   baseline errors")
    for workers in WORKERS:
        rates: dict[str, list[float]] = {name: [] for name in IMPLEMENTATIONS}
        errors = dict.fromkeys(IMPLEMENTATIONS, 0)
        for _ in range(rounds):  # back to back, so the machine's load hits both alike
            for name, fn in IMPLEMENTATIONS.items():
                rate, failed = _throughput(url, fn, workers, duration)
                rates[name].append(rate)
                errors[name] += failed
        ours, base = (statistics.median(rates[name]) for name in IMPLEMENTATIONS)
        ratio = statistics.median(
            o / b if b else float("inf")
            for o, b in zip(rates["ours"], rates["find-then-write"], strict=True)
        )
        print(
            f"  {workers:>7}   {ours:>12,.0f}   {base:>17,.0f}   {ratio:>4.2f}x"
            f"   {errors['ours']:>11,}   {errors['find-then-write']:>15,}"
        )
