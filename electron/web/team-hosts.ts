import { hostname, networkInterfaces } from 'node:os';

/** Loopback addresses: serving on them reaches only this machine. */
export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * Host header values this server answers to: loopback names, and for a team server bound to all
 * interfaces this machine's name and addresses, plus names a reverse proxy forwards. Anything
 * else (a rebinding attack's own domain) is refused.
 */
export function allowedHostHeaders(bind: string, port: number, extra: string[]): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  if (!isLoopback(bind)) {
    if (bind === '0.0.0.0' || bind === '::') {
      names.add(hostname());
      for (const list of Object.values(networkInterfaces()))
        for (const a of list ?? []) names.add(a.family === 'IPv6' ? `[${a.address}]` : a.address);
    } else names.add(bind.includes(':') ? `[${bind}]` : bind);
  }
  const out = new Set<string>();
  for (const n of names) out.add(`${n}:${port}`);
  // A proxy may forward the public name with or without a port.
  for (const e of extra) out.add(e);
  return out;
}
