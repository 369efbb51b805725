"""Summarises a `perf record -g` profile of a Node process (bench/produce.ts with BENCH_PERF=<dir>):
where the process's CPU time went, every thread, user and kernel, by category, then the main
thread's hottest leaf functions. Unlike --cpu-prof (wall-clock samples of the JS thread only) this
counts real CPU time, including GC helper threads and the libuv threadpool that writes the log.
  /usr/bin/python3 bench/perf-summary.py <file.perf.data> [--top 25]
"""
import collections
import subprocess
import sys

path = sys.argv[1]
top = int(sys.argv[sys.argv.index('--top') + 1]) if '--top' in sys.argv else 25

out = subprocess.run(['perf', 'script', '-i', path, '-F', 'tid,ip,sym,dso'], capture_output=True, text=True).stdout
samples = []  # (tid, [leaf ... root])
cur = None
for line in out.split('\n'):
    if not line.strip():
        if cur is not None:
            samples.append(cur)
        cur = None
    elif not line.startswith('\t'):  # ' 1234 ': a sample's thread id; its frames follow, tab-indented
        cur = (int(line.split()[0]), [])
    elif cur is not None:
        parts = line.strip().split(None, 1)  # ip, 'sym (dso)'
        cur[1].append(parts[1] if len(parts) > 1 else '[unknown]')
if cur is not None:
    samples.append(cur)
if not samples:
    sys.exit(f'{path}: no samples')

by_tid = collections.Counter(t for t, _ in samples)
main_tid = by_tid.most_common(1)[0][0]

# First match wins; each rule looks at the whole stack.
RULES = [
    ('GC', ('Heap::CollectGarbage', 'MarkCompactCollector', 'ConcurrentMarking', 'Sweeper::', 'Scavenge',
            'IncrementalMarking', 'MinorMarkCompact', 'ArrayBufferSweeper', 'Heap::PerformGarbageCollection')),
    ('socket receive (kernel)', ('tcp_recvmsg', 'sock_read_iter', 'sock_recvmsg')),
    ('socket send (kernel)', ('tcp_sendmsg', 'sock_write_iter', 'sock_sendmsg')),
    ('log write: kernel page-cache copy (pwritev)', ('do_pwritev', 'vfs_writev', 'ext4_buffered_write_iter', 'generic_perform_write')),
    ('log read (pread)', ('do_preadv', 'filemap_read', 'ksys_pread64')),
    ('CRC-32C (native)', ('crc32',)),  # matches the @node-rs/crc32 .node file too
    ('epoll / scheduling', ('epoll_wait', 'do_epoll_wait', 'schedule', 'futex')),
    ('page faults (fresh buffers)', ('exc_page_fault',)),
    ('buffer copy / alloc (user memcpy, malloc)', ('__memmove', '__memcpy', 'malloc', '_int_free', 'BackingStore', 'unlink_chunk')),
]


def category(stack):
    for name, keys in RULES:
        for frame in stack:
            for k in keys:
                if k in frame:
                    return name
    return 'JS and other (interpreter, builtins, runtime)'


cats = collections.Counter()
leaf = collections.Counter()
for tid, stack in samples:
    where = 'main' if tid == main_tid else 'other threads'
    cats[(category(stack), where)] += 1
    if tid == main_tid:
        f = stack[0] if stack else '[unknown]'
        leaf[f.split(' (')[0] if not f.startswith('[unknown]') else f] += 1

n = len(samples)
print(f'{path}: {n} samples = ~{n / 999:.1f} CPU s; main thread {by_tid[main_tid]} ({100 * by_tid[main_tid] / n:.0f} %), '
      f'{len(by_tid) - 1} other threads {n - by_tid[main_tid]}')
print('CPU by category (share of all samples):')
for (c, where), k in sorted(cats.items(), key=lambda kv: -kv[1]):
    if k / n >= 0.002:
        print(f'  {k:6d} {100 * k / n:5.1f} %  {c} [{where}]')
incl = collections.Counter()
for tid, stack in samples:
    if tid != main_tid:
        continue
    seen = set()
    for f in stack:
        if 'JS:' in f and ('/src/' in f or '/bench/' in f):
            name = f.split('JS:', 1)[1].split(' (')[0].lstrip('*^~').replace('file:///', '')
            name = name[:name.rfind(':')] if name.count(':') >= 2 else name  # drop the column
            if name not in seen:
                seen.add(name)
                incl[name] += 1
if incl:
    print(f'main thread, top {top} src/ functions by inclusive CPU (JIT-named frames only):')
    for s_, k in incl.most_common(top):
        print(f'  {k:6d} {100 * k / n:5.1f} %  {s_[:110]}')
print(f'main thread, top {top} leaf functions:')
for s, k in leaf.most_common(top):
    print(f'  {k:6d} {100 * k / n:5.1f} %  {s[:110]}')
