#!/usr/bin/env python3
"""fcast's Ray driver: runs `fcast worker` on chunks of tasks as Ray tasks.

The host (RayExecutor in Sources/FcastExec/RayExecutor.swift) starts this script with the
project's .venv python and talks to it exactly as it talks to one `fcast worker` process
(Sources/FcastExec/WorkerProtocol.swift: u32 little-endian payload length, u8 frame type,
payload), with one difference: it may send many TASKS chunks at once. For each chunk this
driver submits a Ray task that starts `fcast worker` on the node it lands on, sends it the
JOB frame (kept once in the object store), the chunk and SHUTDOWN, and returns the frames the
worker wrote. The driver streams those frames back chunk by chunk, in the order the chunks
came, so the host reads them as if from one worker.

    python ray_driver.py FCAST_BINARY [ADDRESS [CPUS [RETRIES]]]
                         [--timeout SECONDS] [--task-retries N] [--memory BYTES]

ADDRESS "local" (default) starts a local Ray instance (with CPUS cpus); "host:port" joins a
cluster (CPUS is then ignored). RETRIES (default 1): Ray's max_retries for a chunk. The fcast binary, the plugin libraries and nothing else
must exist at the same paths on every node (shared storage); the data travels in the JOB
frame through Ray's object store.

Each chunk runs in `fcast worker --supervise`, which runs every task in a child `fcast
worker` (the processes executor's pool, one slot): a task that crashes, runs past
--timeout or exceeds --memory fails alone with its reason, and --task-retries tries it
again on a fresh child, all on the node. A child that refuses the job (a plugin that does
not load) comes back as FATAL, which ends the run with its message.

A chunk whose Ray task dies anyway (its node or its supervisor) is retried by Ray
(max_retries); when it still dies the driver reports the chunk's finished tasks, logs why,
and exits with status 3, so the host fails the task it died in and carries on with a fresh
driver.
"""
import argparse
import logging
import os
import queue
import struct
import subprocess
import sys
import threading

JOB, TASKS, CANCEL, SHUTDOWN = 0x01, 0x02, 0x03, 0x04
READY, RESULT, CHUNK_DONE, LOG, FATAL = 0x10, 0x11, 0x12, 0x13, 0x14
LOG_WARN = 2


def frame(kind, payload=b""):
    return struct.pack("<IB", len(payload), kind) + payload


def string(s):
    b = s.encode()
    return struct.pack("<I", len(b)) + b


def read_frame(stream):
    head = stream.read(5)
    if len(head) < 5:
        return None
    n, kind = struct.unpack("<IB", head)
    payload = stream.read(n)
    if len(payload) < n:
        return None
    return kind, payload


def split_frames(data):
    out, i = [], 0
    while i + 5 <= len(data):
        n, kind = struct.unpack_from("<IB", data, i)
        if i + 5 + n > len(data):
            break
        out.append((kind, data[i + 5:i + 5 + n]))
        i += 5 + n
    return out


class ChunkDied(Exception):
    pass


def run_chunk(fcast, job, tasks_frame, supervision):
    """On a Ray worker: one supervising `fcast worker` runs one chunk. Returns its frames."""
    p = subprocess.run([fcast, "worker", "--supervise", *supervision], input=job + tasks_frame + frame(SHUTDOWN),
                       stdout=subprocess.PIPE, env=dict(os.environ, OMP_NUM_THREADS="1"))
    frames = split_frames(p.stdout)
    # FATAL (the job cannot run here) is an answer, not a death: no retry.
    if p.returncode != 0 and not any(k in (CHUNK_DONE, FATAL) for k, _ in frames):
        sig = -p.returncode if p.returncode < 0 else None
        how = f"killed by signal {sig}" if sig else f"exited with status {p.returncode}"
        raise ChunkDied(f"fcast worker {how} on node {os.uname().nodename}", frames)
    return frames


def main():
    parser = argparse.ArgumentParser(prog="ray_driver.py")
    parser.add_argument("fcast")
    parser.add_argument("address", nargs="?", default="local")
    parser.add_argument("cpus", nargs="?", type=int, default=0)
    parser.add_argument("retries", nargs="?", type=int, default=1)
    parser.add_argument("--timeout", type=float)
    parser.add_argument("--task-retries", type=int, default=0)
    parser.add_argument("--memory", type=int)
    args = parser.parse_args()
    fcast = os.path.abspath(args.fcast)
    address = args.address
    cpus = args.cpus or None
    retries = args.retries
    supervision = ["--retries", str(args.task_retries)]
    if args.timeout is not None:
        supervision += ["--timeout", repr(args.timeout)]
    if args.memory is not None:
        supervision += ["--memory", str(args.memory)]
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    # Ray and its libraries must never write on the protocol stream.
    proto = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    out = proto

    def send(b):
        out.write(b)
        out.flush()

    first = read_frame(inp)
    if first is None or first[0] != JOB:
        send(frame(FATAL, string("the Ray driver expected a JOB frame first")))
        return 1
    version = struct.unpack_from("<I", first[1], 0)[0]
    job = frame(JOB, first[1])
    try:
        import ray
    except ImportError:
        send(frame(FATAL, string("the Ray executor needs the Python package ray in the project's .venv: run scripts/setup")))
        return 1
    env = {"env_vars": {"FCAST_BINARY": fcast, "OMP_NUM_THREADS": "1"}}
    try:
        if address == "local":
            ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False,
                     runtime_env=env, logging_level=logging.ERROR)
        else:
            ray.init(address=address, log_to_driver=False, runtime_env=env, logging_level=logging.ERROR)
    except Exception as e:  # noqa: BLE001 - any failure to reach Ray is reported to the host
        send(frame(FATAL, string(f"cannot start or join Ray at {address}: {e}")))
        return 1
    remote = ray.remote(num_cpus=1, max_retries=retries, retry_exceptions=True)(run_chunk)
    job_ref = ray.put(job)
    send(frame(READY, struct.pack("<I", version)))

    incoming = queue.Queue()

    def reader():
        while True:
            f = read_frame(inp)
            incoming.put(f)
            if f is None or f[0] == SHUTDOWN:
                return

    threading.Thread(target=reader, daemon=True).start()
    pending = []  # (chunk id, object ref), in the order the chunks came
    closing = False
    while True:
        while True:
            try:
                f = incoming.get_nowait() if pending else incoming.get()
            except queue.Empty:
                break
            if f is None or f[0] == SHUTDOWN:
                closing = True
                if f is None:  # the host has gone: cancel
                    for _, ref in pending:
                        ray.cancel(ref, force=True)
                    return 0
                break
            kind, payload = f
            if kind == TASKS:
                chunk = struct.unpack_from("<I", payload, 0)[0]
                pending.append((chunk, remote.remote(fcast, job_ref, frame(TASKS, payload), supervision)))
            elif kind == CANCEL:
                for chunk, ref in pending:
                    ray.cancel(ref, force=True)
                    send(frame(CHUNK_DONE, struct.pack("<I", chunk)))
                pending = []
        if not pending:
            if closing:
                ray.shutdown()
                return 0
            continue
        chunk, ref = pending[0]
        ready, _ = ray.wait([ref], timeout=0.05)
        if not ready:
            continue
        pending.pop(0)
        try:
            frames = ray.get(ref)
        except Exception as e:  # noqa: BLE001
            cause = getattr(e, "cause", None) or e
            died = type(cause).__name__ == "ChunkDied" and len(cause.args) > 1
            done = cause.args[1] if died else []
            for kind, payload in done:
                if kind in (RESULT, LOG):
                    send(frame(kind, payload))
            reason = cause.args[0] if died else str(e).strip().splitlines()[-1]
            send(frame(LOG, struct.pack("<i", LOG_WARN) + string(f"ray: {reason} (after {retries + 1} tries)")))
            for _, r in pending:
                ray.cancel(r, force=True)
            return 3
        for kind, payload in frames:
            if kind in (RESULT, CHUNK_DONE, LOG, FATAL):
                send(frame(kind, payload))


if __name__ == "__main__":
    sys.exit(main())
