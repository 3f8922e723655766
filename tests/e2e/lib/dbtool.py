"""Database helpers for openstack-up.sh (run with the e2e venv's python).

  dbtool.py wal FILE...          create empty SQLite files and switch them to WAL mode
  dbtool.py neutron-schema URL   create Neutron's schema from its models
  dbtool.py cell-transport NOVA_API_DB URL
                                 point Nova's cell1 at message bus URL (fake:// for none)
  dbtool.py host-mapped NOVA_API_DB HOST
                                 exit 0 if compute HOST is mapped to a cell, else 1

SQLite must run in WAL mode: with the default rollback journal, concurrent readers
and writers get "database is locked" (Keystone answers 500 after the first 409).
The journal mode is stored in the file, so setting it once before the schema is
created is enough.

Neutron's alembic migrations cannot run on SQLite (they ALTER constraints), so the
schema is created from the models; openstack-up.sh then runs
`neutron-db-manage stamp heads`. The four legacy default security-group-rule
templates that the migrations would insert are created through the API by seed.py.

The two Nova commands do in milliseconds what `nova-manage cell_v2 update_cell` and
`list_hosts` do in 20 s each on a busy 2-core machine (workers.sh).
"""

import sqlite3
import sys


def wal(paths):
    for path in paths:
        con = sqlite3.connect(path)
        try:
            mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        finally:
            con.close()
        if mode.lower() != "wal":
            raise SystemExit(f"dbtool: could not enable WAL on {path} (mode {mode})")


def neutron_schema(url):
    import sqlalchemy as sa
    from neutron.db.migration.models import head

    engine = sa.create_engine(url)
    head.get_metadata().create_all(engine)
    engine.dispose()


def cell_transport(path, url):
    con = sqlite3.connect(path)
    try:
        with con:
            changed = con.execute(
                "UPDATE cell_mappings SET transport_url = ? WHERE name = 'cell1'", (url,)
            ).rowcount
    finally:
        con.close()
    if changed != 1:
        raise SystemExit(f"dbtool: {path} has no cell1")


def host_mapped(path, host):
    con = sqlite3.connect(path)
    try:
        row = con.execute("SELECT 1 FROM host_mappings WHERE host = ?", (host,)).fetchone()
    finally:
        con.close()
    raise SystemExit(0 if row else 1)


def main(argv):
    if len(argv) >= 2 and argv[0] == "wal":
        wal(argv[1:])
    elif len(argv) == 2 and argv[0] == "neutron-schema":
        neutron_schema(argv[1])
    elif len(argv) == 3 and argv[0] == "cell-transport":
        cell_transport(argv[1], argv[2])
    elif len(argv) == 3 and argv[0] == "host-mapped":
        host_mapped(argv[1], argv[2])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
