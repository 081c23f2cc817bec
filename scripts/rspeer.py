#!/usr/bin/env python3
"""rspeer — fake replica-set members on 127.0.0.1, for shardscope's shard-probing tests.

    python3 scripts/rspeer.py --set rsA --members primary,secondary,arbiter,down
                              [--lag SECONDS] [--no-status] [--info-file F] [--log FILE]

* One mockupdb server per member (each on its own free port), all in this process.
  `down` reserves a port and closes it again: a host that cannot be reached.
* Each member answers the handshake and `hello`/`isMaster` as that member would:
  isWritablePrimary / secondary / arbiterOnly, setName, hosts (data-bearing members),
  arbiters, primary (when the set has one), me, topologyVersion.
* `replSetGetStatus` lists every member with its state (a `down` member: health 0,
  state 8), optimeDate (a secondary `--lag` seconds behind), votingMembersCount,
  writableVotingMembersCount and writeMajorityCount. With --no-status it fails with
  code 13 (Unauthorized), as for a user without clusterMonitor on the shard.
* Every other command fails with CommandNotFound; every command received is logged
  as one JSON line {"port", "command"} to --log, so a test can check that probing
  sent nothing but hello and replSetGetStatus.
* --info-file receives {"set", "hosts", "host_string": "rsA/127.0.0.1:p1,..."} once
  every member listens. Exits cleanly on SIGTERM or SIGINT.
"""
import argparse
import datetime
import itertools
import json
import os
import signal
import socket
import sys
import threading

from bson import ObjectId
from bson.int64 import Int64

import mockupdb

STATES = {"primary": (1, "PRIMARY"), "secondary": (2, "SECONDARY"), "arbiter": (7, "ARBITER"),
          "down": (8, "(not reachable/healthy)")}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class ReplicaSet:
    def __init__(self, args):
        self.args = args
        self.roles = args.members.split(",")
        for r in self.roles:
            if r not in STATES:
                raise SystemExit(f"rspeer: unknown member role {r!r} (primary, secondary, arbiter, down)")
        self.hosts = []              # filled once the servers listen
        self.lock = threading.Lock()
        self.log = open(args.log, "a", buffering=1) if args.log else None
        self.process_id = ObjectId()
        self.conn_ids = itertools.count(1)
        self.now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        self.stop_event = threading.Event()

    def data_bearing(self):
        return [h for h, r in zip(self.hosts, self.roles) if r in ("primary", "secondary", "down")]

    def primary(self):
        return next((h for h, r in zip(self.hosts, self.roles) if r == "primary"), None)

    def handler(self, index):
        def handle(request):
            with request.server._unlock():
                try:
                    self.reply(index, request)
                except Exception as e:  # never kill the connection thread
                    try:
                        request.reply({"ok": 0, "code": 1, "errmsg": f"rspeer: {e}"})
                    except Exception:
                        pass
            return True
        return handle

    def reply(self, index, request):
        if not isinstance(request, mockupdb.CommandBase):
            request.fail("rspeer: legacy opcodes are not supported", code=5739101)
            return
        doc = request.doc
        if "$query" in doc and isinstance(doc["$query"], dict):
            doc = doc["$query"]
        name = next(iter(doc), "")
        if self.log:
            with self.lock:
                self.log.write(json.dumps({"port": int(self.hosts[index].rsplit(":", 1)[1]), "command": name}) + "\n")
        lname = name.lower()
        if lname in ("hello", "ismaster"):
            if doc.get("topologyVersion") is not None and doc.get("maxAwaitTimeMS") is not None:
                if self.stop_event.wait(min(float(doc["maxAwaitTimeMS"]) / 1000.0, 10.0)):
                    return
            request.reply(self.hello(index, lname, doc))
        elif lname == "replsetgetstatus":
            if self.args.no_status:
                request.reply({"ok": 0, "code": 13, "codeName": "Unauthorized",
                               "errmsg": "not authorized on admin to execute command { replSetGetStatus: 1 }"})
            else:
                request.reply(self.status(index))
        elif lname in ("ping", "endsessions"):
            request.reply({"ok": 1})
        else:
            request.reply({"ok": 0, "code": 59, "codeName": "CommandNotFound", "errmsg": f"no such command: '{name}'"})

    def hello(self, index, lname, doc):
        role = self.roles[index]
        reply = {"isWritablePrimary" if lname == "hello" else "ismaster": role == "primary",
                 "secondary": role == "secondary", "setName": self.args.set, "setVersion": 1,
                 "hosts": self.data_bearing(), "me": self.hosts[index],
                 "topologyVersion": {"processId": self.process_id, "counter": Int64(0)},
                 "maxBsonObjectSize": 16777216, "maxMessageSizeBytes": 48000000, "maxWriteBatchSize": 100000,
                 "localTime": self.now, "logicalSessionTimeoutMinutes": 30, "connectionId": next(self.conn_ids),
                 "maxWireVersion": 17, "minWireVersion": 0, "readOnly": False, "ok": 1}
        arbiters = [h for h, r in zip(self.hosts, self.roles) if r == "arbiter"]
        if arbiters:
            reply["arbiters"] = arbiters
        if role == "arbiter":
            reply["arbiterOnly"] = True
        if self.primary():
            reply["primary"] = self.primary()
        if doc.get("helloOk"):
            reply["helloOk"] = True
        return reply

    def status(self, index):
        members = []
        for i, (host, role) in enumerate(zip(self.hosts, self.roles)):
            state, state_str = STATES[role]
            m = {"_id": i, "name": host, "health": 0.0 if role == "down" else 1.0, "state": state, "stateStr": state_str,
                 "self": i == index}
            if role in ("primary", "secondary"):
                lag = self.args.lag if role == "secondary" else 0
                m["optimeDate"] = self.now - datetime.timedelta(seconds=lag)
            members.append(m)
        voting = len(self.roles)
        data = len([r for r in self.roles if r != "arbiter"])
        return {"set": self.args.set, "date": self.now, "myState": STATES[self.roles[index]][0], "members": members,
                "votingMembersCount": voting, "writableVotingMembersCount": data,
                "majorityVoteCount": voting // 2 + 1, "writeMajorityCount": min(voting // 2 + 1, data), "ok": 1}


def main(argv=None):
    ap = argparse.ArgumentParser(description="fake replica-set members answering hello and replSetGetStatus")
    ap.add_argument("--set", default="rs0")
    ap.add_argument("--members", default="primary,secondary,secondary",
                    help="comma-separated roles: primary, secondary, arbiter, down")
    ap.add_argument("--lag", type=float, default=0.0, help="seconds each secondary's optime is behind")
    ap.add_argument("--no-status", action="store_true", help="replSetGetStatus fails with Unauthorized (13)")
    ap.add_argument("--info-file")
    ap.add_argument("--log")
    args = ap.parse_args(argv)

    rs = ReplicaSet(args)
    servers = []
    for i, role in enumerate(rs.roles):
        if role == "down":
            rs.hosts.append(f"127.0.0.1:{free_port()}")   # nothing listens there
            continue
        server = mockupdb.MockupDB(port=None, request_timeout=int(1e6))
        server._address = ("127.0.0.1", None)
        server.autoresponds(rs.handler(i))
        port = server.run()
        servers.append(server)
        rs.hosts.append(f"127.0.0.1:{port}")

    signal.signal(signal.SIGTERM, lambda *_: rs.stop_event.set())
    signal.signal(signal.SIGINT, lambda *_: rs.stop_event.set())

    info = {"set": args.set, "hosts": rs.hosts, "host_string": f"{args.set}/" + ",".join(rs.hosts)}
    print(json.dumps(info), flush=True)
    if args.info_file:
        tmp = args.info_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(info, f)
        os.replace(tmp, args.info_file)

    while not rs.stop_event.wait(0.5):
        pass
    for s in servers:
        s.stop()
    if rs.log:
        rs.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
