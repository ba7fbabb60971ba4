"""A child process for tests/core/test_embedded_store_kill.py (not a test module): writes to the embedded
store in a loop until it is killed, and appends a line to an acknowledgement file after each write
the store acknowledged.

    python -m tests.core.embedded_store_writer INSTANCE ACK_FILE ROUND

Each loop writes a group of three documents with one ``insert_many`` (``G <group>``), one document of
many fields (``I <id>``) and an update of several fields of one account document (``U <round> <n>``).
The fields of every document are redundant so that a half-written document would show.
"""

from __future__ import annotations

import hashlib
import sys


def checksum(*values) -> str:
    return hashlib.sha256(repr(values).encode()).hexdigest()


def main(instance: str, ack_path: str, round_: int) -> None:
    from core.app import create_app
    from core.db import get_db

    app = create_app({"TESTING": True, "INSTANCE_PATH": instance, "MONGODB_URI": "", "SECRET_KEY": "x"})
    with app.app_context(), open(ack_path, "a", buffering=1) as ack:
        db = get_db()
        groups, singles, accounts = db["kill_groups"], db["kill_singles"], db["kill_accounts"]
        account = f"account-{round_}"
        accounts.insert_one({"_id": account, "a": 0, "b": 0, "c": "0", "v": 0, "log": []})
        ack.write(f"U {round_} 0\n")
        n = 0
        while True:
            n += 1
            group = f"{round_}-{n}"
            payload = "x" * (n % 700)
            groups.insert_many([{"group": group, "part": part, "payload": payload,
                                 "check": checksum(group, part, payload)} for part in range(3)])
            ack.write(f"G {group}\n")
            fields = {f"f{j}": f"{group}-{j}" for j in range(12)}
            single = singles.insert_one({**fields, "payload": payload, "check": checksum(fields, payload)})
            ack.write(f"I {single.inserted_id}\n")
            accounts.update_one({"_id": account}, {"$set": {"a": n, "b": n, "c": str(n)}, "$inc": {"v": 1},
                                                   "$push": {"log": n}})
            ack.write(f"U {round_} {n}\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
