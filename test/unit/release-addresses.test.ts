// The one reading of where apollo and the UI are reached from outside (connect --external, status,
// doctor's server_url check), and the cases where its three former copies disagreed.
import { describe, expect, it } from 'vitest';
import {
  externalAddress,
  ingressUrls,
  loadBalancerAddresses,
  loadBalancerUrls,
} from '../../src/release/addresses.js';
import type {
  Ingress as AddressIngress,
  Service as AddressService,
} from '../../src/tools/kube-objects.js';

const lb = (ingress: { ip?: string; hostname?: string }[], port = 4200): AddressService => ({
  metadata: { name: 'r-apollo' },
  spec: { type: 'LoadBalancer', ports: [{ name: 'http', port }] },
  status: { loadBalancer: { ingress } },
});
const ing = (spec: AddressIngress['spec'], status?: AddressIngress['status']): AddressIngress => ({
  metadata: { name: 'r-apollo' },
  spec,
  ...(status ? { status } : {}),
});

describe('loadBalancerUrls', () => {
  it('each address, hostname before IP; IPv6 in brackets; port 80 left out', () => {
    expect(
      loadBalancerAddresses(lb([{ hostname: 'a.elb.example.com', ip: '203.0.113.7' }]).status),
    ).toEqual(['a.elb.example.com', '203.0.113.7']);
    expect(loadBalancerUrls(lb([{ ip: '203.0.113.7' }, { ip: '2001:db8::7' }]))).toEqual([
      'http://203.0.113.7:4200',
      'http://[2001:db8::7]:4200',
    ]);
    expect(loadBalancerUrls(lb([{ ip: '203.0.113.8' }], 80))).toEqual(['http://203.0.113.8']);
  });

  it('the port named http, not simply the first (status used the first)', () => {
    const service: AddressService = {
      metadata: { name: 'r-ui' },
      spec: {
        type: 'LoadBalancer',
        ports: [
          { name: 'metrics', port: 9100 },
          { name: 'http', port: 8080 },
        ],
      },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } },
    };
    expect(loadBalancerUrls(service)).toEqual(['http://203.0.113.9:8080']);
  });
});

describe('ingressUrls', () => {
  it('https when a TLS entry lists the host or lists no hosts at all (it then covers every host)', () => {
    const rules = [{ host: 'api.example.com' }];
    expect(ingressUrls(ing({ rules, tls: [{ hosts: ['api.example.com'] }] }))).toEqual([
      'https://api.example.com',
    ]);
    // status and doctor read this as http; connect as https, which is what the controller serves.
    expect(ingressUrls(ing({ rules, tls: [{}] }))).toEqual(['https://api.example.com']);
    expect(ingressUrls(ing({ rules, tls: [{ hosts: ['ui.example.com'] }] }))).toEqual([
      'http://api.example.com',
    ]);
  });

  it('the rule’s path is part of the address (status used to drop it)', () => {
    expect(
      ingressUrls(
        ing({ rules: [{ host: 'x.example.com', http: { paths: [{ path: '/prefect/' }] } }] }),
      ),
    ).toEqual(['http://x.example.com/prefect']);
  });

  it('a rule without a host is reached at the load balancer’s addresses, hosts first', () => {
    const ingress = ing(
      { rules: [{ http: { paths: [{ path: '/' }] } }, { host: 'api.example.com' }] },
      { loadBalancer: { ingress: [{ ip: '198.51.100.2' }] } },
    );
    expect(ingressUrls(ingress)).toEqual(['http://api.example.com', 'http://198.51.100.2']);
    expect(ingressUrls(ing({ rules: [{}] }))).toEqual([]);
  });

  it('with a route filter: every path it accepts, none it refuses', () => {
    const ingress = ing({
      rules: [
        {
          host: 'p.example.com',
          http: {
            paths: [
              { path: '/ui', backend: { service: { name: 'r-ui' } } },
              { path: '/api', backend: { service: { name: 'r-apollo' } } },
            ],
          },
        },
      ],
    });
    expect(ingressUrls(ingress, (p) => p.backend?.service?.name === 'r-apollo')).toEqual([
      'http://p.example.com/api',
    ]);
    expect(ingressUrls(ingress)).toEqual(['http://p.example.com/ui']);
  });
});

describe('externalAddress', () => {
  it('the first Ingress URL, else the first LoadBalancer URL, else pending or none', () => {
    expect(externalAddress(lb([{ ip: '203.0.113.7' }]), undefined)).toEqual({
      state: 'ready',
      baseUrl: 'http://203.0.113.7:4200',
      via: 'LoadBalancer Service r-apollo',
    });
    expect(externalAddress(lb([]), ing({ rules: [{ host: 'api.example.com' }] }))).toEqual({
      state: 'ready',
      baseUrl: 'http://api.example.com',
      via: 'Ingress r-apollo',
    });
    expect(externalAddress(lb([]), undefined)).toEqual({
      state: 'pending',
      via: 'LoadBalancer Service r-apollo',
    });
    expect(externalAddress({ metadata: { name: 'a' }, spec: {} }, undefined)).toEqual({
      state: 'none',
      type: 'ClusterIP',
    });
  });
});
