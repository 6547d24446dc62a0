// Where apollo and the UI are reached from outside the cluster: an Ingress's hosts (https when a
// TLS entry covers the host), else a LoadBalancer Service's address. One reading for connect
// --external, status and doctor's server_url check; pure, over the objects as the API gives them.

import type { Ingress, Service } from '../tools/kube-objects.js';

export type ExternalAddress =
  | { state: 'ready'; baseUrl: string; via: string }
  | { state: 'pending'; via: string }
  | { state: 'none'; type: string };

/** An address as a URL's host: an IPv6 address in brackets. */
function hostForUrl(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** A load balancer's addresses, each entry's hostname before its IP (both reach it). */
export function loadBalancerAddresses(status: Service['status'] | Ingress['status']): string[] {
  return (status?.loadBalancer?.ingress ?? []).flatMap((i) =>
    [i.hostname, i.ip].filter((a): a is string => Boolean(a)),
  );
}

/** The port the chart names `http`, else the first one (undefined when there is none). */
function httpPort(service: Service): number | undefined {
  const ports = service.spec.ports ?? [];
  return (ports.find((p) => p.name === 'http') ?? ports[0])?.port;
}

/** A LoadBalancer Service's base URLs (no trailing slash; port 80 left out), best first. */
export function loadBalancerUrls(service: Service): string[] {
  const port = httpPort(service);
  const suffix = port === undefined || port === 80 ? '' : `:${port}`;
  return loadBalancerAddresses(service.status).map((a) => `http://${hostForUrl(a)}${suffix}`);
}

/**
 * An Ingress's base URLs (no trailing slash), best first: each rule with a host, then each rule
 * without one at the Ingress's load balancer addresses; per rule its paths, or only those
 * `routes` accepts. https when a TLS entry lists the host, or lists no hosts (then it covers all).
 */
export function ingressUrls(
  ingress: Ingress,
  routes?: (path: { backend?: { service?: { name: string } } }) => boolean,
): string[] {
  const rules = ingress.spec.rules?.length ? ingress.spec.rules : [{}];
  const ordered = [...rules.filter((r) => r.host), ...rules.filter((r) => !r.host)];
  return ordered.flatMap((rule) => {
    const all = rule.http?.paths?.length ? rule.http.paths : [{ path: '/' }];
    const paths = routes ? all.filter(routes) : all.slice(0, 1);
    const hosts = rule.host ? [rule.host] : loadBalancerAddresses(ingress.status);
    const tls = (ingress.spec.tls ?? []).some(
      (t) => rule.host === undefined || !t.hosts || t.hosts.includes(rule.host),
    );
    return hosts.flatMap((host) =>
      paths.map(
        (p) =>
          `${tls ? 'https' : 'http'}://${hostForUrl(host)}${(p.path ?? '/').replace(/\/+$/, '')}`,
      ),
    );
  });
}

/**
 * Where a component is reached from outside, without a trailing slash: an Ingress wins (the
 * manual has users switch the Service to ClusterIP for one), else a LoadBalancer's address.
 */
export function externalAddress(service: Service, ingress: Ingress | undefined): ExternalAddress {
  if (ingress) {
    const via = `Ingress ${ingress.metadata.name}`;
    const [baseUrl] = ingressUrls(ingress);
    return baseUrl === undefined ? { state: 'pending', via } : { state: 'ready', baseUrl, via };
  }
  const type = service.spec.type ?? 'ClusterIP';
  if (type !== 'LoadBalancer') return { state: 'none', type };
  const via = `LoadBalancer Service ${service.metadata.name}`;
  const [baseUrl] = loadBalancerUrls(service);
  return baseUrl === undefined ? { state: 'pending', via } : { state: 'ready', baseUrl, via };
}
