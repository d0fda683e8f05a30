import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A TCP socket in the LISTEN state, as the kernel holds it: the address it is bound to, and its port. */
export interface ListeningSocket {
  readonly pid: number;
  readonly address: string;
  readonly port: number;
}

/** What `read` gives, or `fallback` when the process or descriptor it reads went away meanwhile. */
const readOr = <Value>(read: () => Value, fallback: Value): Value => {
  try {
    return read();
  } catch {
    return fallback;
  }
};

/** `root` and every process descended from it (a JVM its child started included), from /proc. */
const processTree = (root: number): number[] => {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    // The parent is the second field after the command, which is in parentheses and may hold spaces.
    const parent = Number(readOr(() => readFileSync(`/proc/${name}/stat`, 'utf8'), '').split(') ')[1]?.split(' ')[1]);
    if (Number.isInteger(parent)) children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
  }
  const tree = [root];
  for (let index = 0; index < tree.length; index++) tree.push(...(children.get(tree[index] ?? -1) ?? []));
  return tree;
};

/** The inodes of the sockets a process holds open, by descriptor (/proc/<pid>/fd/* → socket:[inode]). */
const socketInodes = (pid: number): string[] =>
  readOr(() => readdirSync(`/proc/${pid}/fd`), []).flatMap((fd) => /^socket:\[(\d+)\]$/.exec(readOr(() => readlinkSync(`/proc/${pid}/fd/${fd}`), ''))?.[1] ?? []);

/** An address as /proc/net/tcp{,6} prints it (32-bit words, each in host byte order on little-endian machines), in text. */
const addressOf = (hex: string): string => {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse().map((byte) => Number.parseInt(byte, 16)));
  if (bytes.length === 4) return bytes.join('.');
  // An IPv4 address in an IPv6 socket (::ffff:a.b.c.d), as Java binds one.
  if (bytes.slice(0, 12).join() === '0,0,0,0,0,0,0,0,0,0,255,255') return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = Array.from({ length: 8 }, (_, index) => (((bytes[2 * index] ?? 0) << 8) | (bytes[2 * index + 1] ?? 0)).toString(16));
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
};

/** Every TCP socket in LISTEN state in the kernel's tables, by inode. */
const listeningByInode = (): Map<string, { address: string; port: number }> => {
  const sockets = new Map<string, { address: string; port: number }>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readOr(() => readFileSync(table, 'utf8'), '').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      // 0A is TCP_LISTEN.
      if (!local || state !== '0A' || !inode) continue;
      const [address = '', port = ''] = local.split(':');
      sockets.set(inode, { address: addressOf(address), port: Number.parseInt(port, 16) });
    }
  }
  return sockets;
};

/** The listening TCP sockets of a process and all its descendants: what it offers on which address. Linux only. */
export const listeningSocketsOf = (root: number): ListeningSocket[] => {
  const listening = listeningByInode();
  return processTree(root).flatMap((pid) =>
    socketInodes(pid).flatMap((inode) => {
      const socket = listening.get(inode);
      return socket ? [{ pid, ...socket }] : [];
    }),
  );
};

/** Whether an address is on the loopback interface only: 127.0.0.0/8, ::1, or 127.0.0.0/8 mapped into IPv6. */
export const isLoopback = (address: string): boolean => /^(::ffff:)?127\./.test(address) || address === '::1';
