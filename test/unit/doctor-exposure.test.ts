// doctor's exposure checks: pending LoadBalancers, Ingresses with no address, missing IngressClasses.
import { describe, expect, it } from 'vitest';
import {
  judgeIngressAddresses,
  judgeIngressClasses,
  judgeLoadBalancers,
} from '../../src/checks/exposure.js';
import type { ClassObject, Ingress, Service } from '../../src/tools/kube-objects.js';

const now = new Date('2026-01-01T12:00:00Z');
const created = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000).toISOString();
const target = '-n prefect';

const service = (name: string, type: string, secondsAgo: number, ip?: string): Service => ({
  kind: 'Service',
  metadata: { name, creationTimestamp: created(secondsAgo) },
  spec: { type },
  status: ip ? { loadBalancer: { ingress: [{ ip }] } } : { loadBalancer: {} },
});
const ingress = (name: string, secondsAgo: number, className?: string, ip?: string): Ingress => ({
  kind: 'Ingress',
  metadata: { name, creationTimestamp: created(secondsAgo) },
  spec: className ? { ingressClassName: className } : {},
  status: ip ? { loadBalancer: { ingress: [{ ip }] } } : {},
});
const ingressClass = (name: string, isDefault = false): ClassObject => ({
  kind: 'IngressClass',
  metadata: {
    name,
    annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {},
  },
});

describe('LoadBalancer Services', () => {
  it('none, or all with an address, pass', () => {
    expect(judgeLoadBalancers([service('r-ui', 'ClusterIP', 900)], now, 180, target)).toMatchObject(
      {
        status: 'pass',
        message: 'no LoadBalancer Service',
      },
    );
    expect(
      judgeLoadBalancers(
        [service('r-apollo', 'LoadBalancer', 900, '203.0.113.7')],
        now,
        180,
        target,
      ).message,
    ).toBe('r-apollo at 203.0.113.7');
  });

  it('pending for a minute warns; pending for minutes fails and offers connect or an Ingress', () => {
    expect(
      judgeLoadBalancers([service('r-apollo', 'LoadBalancer', 60)], now, 180, target).status,
    ).toBe('warn');
    const result = judgeLoadBalancers([service('r-apollo', 'LoadBalancer', 600)], now, 180, target);
    expect(result.status).toBe('fail');
    expect(result.message).toBe(
      'LoadBalancer r-apollo still has no address after 10 min: the cluster may have no load balancer',
    );
    expect(result.hint).toContain('prefect-server connect -n prefect');
    expect(result.hint).toContain('--expose ingress');
  });
});

describe('Ingresses', () => {
  it('address: none yet warns at first, fails later', () => {
    expect(judgeIngressAddresses([], now, 180, 'prefect').status).toBe('pass');
    expect(
      judgeIngressAddresses([ingress('r-ui', 900, 'nginx', '10.0.0.9')], now, 180, 'prefect')
        .status,
    ).toBe('pass');
    expect(judgeIngressAddresses([ingress('r-ui', 30, 'nginx')], now, 180, 'prefect').status).toBe(
      'warn',
    );
    const result = judgeIngressAddresses([ingress('r-ui', 900, 'nginx')], now, 180, 'prefect');
    expect(result.status).toBe('fail');
    expect(result.hint).toContain('kubectl describe ingress -n prefect r-ui');
  });

  it('a class that does not exist fails, naming the ones that do', () => {
    const result = judgeIngressClasses(
      [ingress('r-ui', 0, 'nginx')],
      [ingressClass('traefik')],
      target,
    );
    expect(result.status).toBe('fail');
    expect(result.message).toBe(
      'Ingress r-ui names IngressClass nginx, which does not exist (the cluster has: traefik)',
    );
    expect(result.hint).toBe(
      'Use one that exists: prefect-server upgrade -n prefect --ingress-class traefik',
    );
    expect(judgeIngressClasses([ingress('r-ui', 0, 'nginx')], [], target).hint).toContain(
      'Install an ingress controller',
    );
  });

  it('no class named: the default serves it, or a warning when there is none', () => {
    expect(
      judgeIngressClasses([ingress('r-ui', 0)], [ingressClass('nginx', true)], target),
    ).toMatchObject({
      status: 'pass',
      message: 'IngressClass nginx (default) exists',
    });
    expect(judgeIngressClasses([ingress('r-ui', 0)], [ingressClass('nginx')], target).status).toBe(
      'warn',
    );
    expect(
      judgeIngressClasses([ingress('r-ui', 0, 'nginx')], [ingressClass('nginx')], target).status,
    ).toBe('pass');
  });
});
