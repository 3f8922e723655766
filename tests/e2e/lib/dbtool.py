"""Database helpers for openstack-up.sh (run with the e2e venv's python).

  dbtool.py wal FILE...          create empty SQLite files and switch them to WAL mode
  dbtool.py neutron-schema URL   create Neutron's schema from its models

SQLite must run in WAL mode: with the default rollback journal, concurrent readers
and writers get "database is locked" (Keystone answers 500 after the first 409).
The journal mode is stored in the file, so setting it once before the schema is
created is enough.

Neutron's alembic migrations cannot run on SQLite (they ALTER constraints), so the
schema is created from the models; openstack-up.sh then runs
`neutron-db-manage stamp heads`. The four legacy default security-group-rule
templates that the migrations would insert are created through the API by seed.py.
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


def main(argv):
    if len(argv) >= 2 and argv[0] == "wal":
        wal(argv[1:])
    elif len(argv) == 2 and argv[0] == "neutron-schema":
        neutron_schema(argv[1])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
