// DNS-rebinding protection for /mcp: the Host (and the Origin, when a browser sends one) must name
// this server: its public URL, configured allowed hosts, its listen address, or localhost.
import type { Config } from '../config.ts';

const LOCAL_HOSTNAMES = ['localhost', '127.0.0.1', '[::1]', '::1'];

function hostnameOf(hostHeader: string): string | null {
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

export function allowedHostnames(config: Pick<Config, 'publicUrl' | 'host' | 'allowedHosts'>): Set<string> {
  const names = new Set(LOCAL_HOSTNAMES);
  names.add(new URL(config.publicUrl).hostname.toLowerCase());
  // 0.0.0.0 / :: listen on everything; they are not names a client sends.
  if (!['0.0.0.0', '::', '[::]'].includes(config.host)) {
    const listen = hostnameOf(config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host);
    if (listen) names.add(listen);
  }
  for (const entry of config.allowedHosts ?? []) {
    const name = hostnameOf(entry.replace(/^https?:\/\//, ''));
    if (name) names.add(name);
  }
  return names;
}

export type HostCheck = (headers: { host?: string; origin?: string }) => { ok: true } | { ok: false; what: 'host' | 'origin'; value: string };

export function createHostCheck(config: Pick<Config, 'publicUrl' | 'host' | 'allowedHosts'>): HostCheck {
  const allowed = allowedHostnames(config);
  return ({ host, origin }) => {
    const hostname = host ? hostnameOf(host) : null;
    if (!hostname || !allowed.has(hostname)) return { ok: false, what: 'host', value: host ?? '' };
    if (origin && origin !== 'null') {
      let originHost: string | null;
      try {
        originHost = new URL(origin).hostname.toLowerCase();
      } catch {
        originHost = null;
      }
      if (!originHost || !allowed.has(originHost)) return { ok: false, what: 'origin', value: origin };
    } else if (origin === 'null') {
      return { ok: false, what: 'origin', value: origin }; // sandboxed or file:// pages
    }
    return { ok: true };
  };
}
