/**
 * Names under `.localhost` are loopback (RFC 6761), which is how a router's host-based routes
 * are reached on one machine (`http://web.localhost:4280/`). glibc does not resolve them, so
 * the load generator does: the request goes to 127.0.0.1 with the name in its Host header.
 */
import dns, { type LookupAddress, type LookupOptions } from 'node:dns';

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

export function isLocalhostName(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost');
}

export function localhostLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  if (!isLocalhostName(hostname)) {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) =>
      options.all
        ? callback(error, addresses)
        : callback(error, addresses[0]?.address ?? '', addresses[0]?.family),
    );
    return;
  }
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
}
