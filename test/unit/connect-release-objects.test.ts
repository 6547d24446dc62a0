import { describe, expect, it } from 'vitest';
import { externalAddress } from '../../src/release/addresses.js';
import { pickComponent, releaseSelector, servicePort } from '../../src/release/release-objects.js';
import type {
  Ingress as KubeIngress,
  Service as KubeService,
} from '../../src/tools/kube-objects.js';

function service(
  name: string,
  component: string,
  extra: Partial<KubeService['spec']> = {},
  status?: KubeService['status'],
  release = 'prefect-server',
): KubeService {
  return {
    metadata: {
      name,
      labels: { 'app.kubernetes.io/instance': release, 'app.kubernetes.io/component': component },
    },
    spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 4200 }], ...extra },
    ...(status ? { status } : {}),
  };
}

function ingress(spec: KubeIngress['spec'], status?: KubeIngress['status']): KubeIngress {
  return { metadata: { name: 'prefect-server-apollo' }, spec, ...(status ? { status } : {}) };
}

describe('finding the release’s Services by label', () => {
  it('selects both components of one release in one query', () => {
    expect(releaseSelector('prod')).toBe(
      'app.kubernetes.io/instance=prod,app.kubernetes.io/component in (apollo,ui)',
    );
  });

  it('picks by labels whatever the naming mode, and never another release’s', () => {
    const items = [
      service('prefect-server-prefect-server-ui', 'ui'),
      service('prefect-server-prefect-server-apollo', 'apollo'),
      service('other-apollo', 'apollo', {}, undefined, 'other'),
    ];
    expect(pickComponent(items, 'prefect-server', 'apollo')?.metadata.name).toBe(
      'prefect-server-prefect-server-apollo',
    );
    expect(pickComponent(items, 'other', 'ui')).toBeUndefined();
  });

  it('uses the port named http, else the first', () => {
    expect(
      servicePort(
        service('a', 'ui', {
          ports: [
            { name: 'metrics', port: 9 },
            { name: 'http', port: 8080 },
          ],
        }),
      ),
    ).toBe(8080);
    expect(servicePort(service('a', 'ui', { ports: [{ port: 81 }] }))).toBe(81);
    expect(() => servicePort(service('a', 'ui', { ports: [] }))).toThrow(/has no port/);
  });
});

describe('externalAddress', () => {
  it('a LoadBalancer: its address and the Service port, or pending', () => {
    const lb = (status?: KubeService['status']) =>
      service('prefect-server-apollo', 'apollo', { type: 'LoadBalancer' }, status);
    expect(externalAddress(lb(), undefined)).toEqual({
      state: 'pending',
      via: 'LoadBalancer Service prefect-server-apollo',
    });
    expect(
      externalAddress(lb({ loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } }), undefined),
    ).toEqual({
      state: 'ready',
      baseUrl: 'http://203.0.113.7:4200',
      via: 'LoadBalancer Service prefect-server-apollo',
    });
    expect(
      externalAddress(
        lb({ loadBalancer: { ingress: [{ hostname: 'a1.elb.example.com', ip: '203.0.113.7' }] } }),
        undefined,
      ),
    ).toMatchObject({ baseUrl: 'http://a1.elb.example.com:4200' });
    expect(
      externalAddress(lb({ loadBalancer: { ingress: [{ ip: '2001:db8::7' }] } }), undefined),
    ).toMatchObject({ baseUrl: 'http://[2001:db8::7]:4200' });
    const port80 = service(
      'ui',
      'ui',
      { type: 'LoadBalancer', ports: [{ name: 'http', port: 80 }] },
      {
        loadBalancer: { ingress: [{ ip: '203.0.113.8' }] },
      },
    );
    expect(externalAddress(port80, undefined)).toMatchObject({ baseUrl: 'http://203.0.113.8' });
  });

  it('a ClusterIP or NodePort Service without an Ingress has no external address', () => {
    expect(externalAddress(service('a', 'apollo'), undefined)).toEqual({
      state: 'none',
      type: 'ClusterIP',
    });
    expect(externalAddress(service('a', 'apollo', { type: 'NodePort' }), undefined)).toEqual({
      state: 'none',
      type: 'NodePort',
    });
  });

  it('an Ingress wins: its host, https when TLS covers it, and its path', () => {
    const svc = service('a', 'apollo', { type: 'LoadBalancer' });
    expect(
      externalAddress(
        svc,
        ingress({ rules: [{ host: 'api.example.com', http: { paths: [{ path: '/' }] } }] }),
      ),
    ).toEqual({
      state: 'ready',
      baseUrl: 'http://api.example.com',
      via: 'Ingress prefect-server-apollo',
    });
    expect(
      externalAddress(
        svc,
        ingress({
          rules: [{ host: 'api.example.com', http: { paths: [{ path: '/prefect/' }] } }],
          tls: [{ hosts: ['api.example.com'], secretName: 'tls' }],
        }),
      ),
    ).toMatchObject({ baseUrl: 'https://api.example.com/prefect' });
    expect(
      externalAddress(
        svc,
        ingress({ rules: [{ host: 'api.example.com' }], tls: [{ hosts: ['ui.example.com'] }] }),
      ),
    ).toMatchObject({ baseUrl: 'http://api.example.com' });
  });

  it('an Ingress without a host uses its load balancer address, pending until it has one', () => {
    const svc = service('a', 'apollo');
    expect(
      externalAddress(svc, ingress({ rules: [{ http: { paths: [{ path: '/' }] } }] })),
    ).toEqual({
      state: 'pending',
      via: 'Ingress prefect-server-apollo',
    });
    expect(
      externalAddress(
        svc,
        ingress(
          { rules: [{ http: { paths: [{ path: '/' }] } }] },
          { loadBalancer: { ingress: [{ ip: '198.51.100.2' }] } },
        ),
      ),
    ).toMatchObject({ state: 'ready', baseUrl: 'http://198.51.100.2' });
  });
});
