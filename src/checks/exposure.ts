// doctor: how the release is published: LoadBalancer Services that never get an address (a
// cluster with no load balancer), Ingresses with no address, and IngressClasses that do not exist.

import type { ClassObject, Ingress, Service } from '../tools/kube-objects.js';
import { type CheckResult, fail, pass, warn } from '../ui/check.js';
import { ageSeconds, defaultClass, describeAge } from './cluster-state.js';
import { CannotRun, type DoctorContext } from './context.js';
import type { DoctorCheck } from './doctor-check.js';

const addresses = (status: Service['status'] | Ingress['status']) =>
  status?.loadBalancer?.ingress
    ?.map((i) => i.ip ?? i.hostname)
    .filter((a): a is string => Boolean(a)) ?? [];

export function judgeLoadBalancers(
  services: readonly Service[],
  now: Date,
  graceSeconds: number,
  target: string,
): CheckResult {
  const balanced = services.filter((s) => s.spec.type === 'LoadBalancer');
  if (balanced.length === 0) return pass('no LoadBalancer Service');
  const pending = balanced.filter((s) => addresses(s.status).length === 0);
  if (pending.length === 0) {
    return pass(
      balanced.map((s) => `${s.metadata.name} at ${addresses(s.status).join(', ')}`).join('; '),
    );
  }
  const oldest = Math.max(...pending.map((s) => ageSeconds(s.metadata, now)));
  const names = pending.map((s) => s.metadata.name).join(', ');
  const hint = `Reach the server without one: prefect-server connect ${target}   or publish it through an Ingress: prefect-server upgrade ${target} --expose ingress --api-host API_HOST --ui-host UI_HOST`;
  if (oldest < graceSeconds) {
    return warn(
      `LoadBalancer ${names} has no address yet (created ${describeAge(oldest)} ago; cloud load balancers take a minute or two)`,
      'Run doctor again in a few minutes.',
    );
  }
  return fail(
    `LoadBalancer ${names} still has no address after ${describeAge(oldest)}: the cluster may have no load balancer`,
    hint,
  );
}

export function judgeIngressAddresses(
  ingresses: readonly Ingress[],
  now: Date,
  graceSeconds: number,
  namespace: string,
): CheckResult {
  if (ingresses.length === 0) return pass('no Ingress');
  const without = ingresses.filter((i) => addresses(i.status).length === 0);
  if (without.length === 0) {
    return pass(
      ingresses.map((i) => `${i.metadata.name} at ${addresses(i.status).join(', ')}`).join('; '),
    );
  }
  const oldest = Math.max(...without.map((i) => ageSeconds(i.metadata, now)));
  const names = without.map((i) => i.metadata.name).join(', ');
  if (oldest < graceSeconds) {
    return warn(
      `Ingress ${names} has no address yet (created ${describeAge(oldest)} ago)`,
      'Run doctor again in a minute: the ingress controller sets it once it serves the Ingress.',
    );
  }
  return fail(
    `Ingress ${names} has no address after ${describeAge(oldest)}: no ingress controller serves it`,
    `Check that the controller of its IngressClass runs, and what it says: kubectl describe ingress -n ${namespace} ${without[0]?.metadata.name}`,
  );
}

export function judgeIngressClasses(
  ingresses: readonly Ingress[],
  classes: readonly ClassObject[],
  target: string,
): CheckResult {
  if (ingresses.length === 0) return pass('no Ingress');
  const names = classes.map((c) => c.metadata.name);
  const have = `the cluster has: ${names.join(', ') || 'none'}`;
  const missing = ingresses.filter(
    (i) => i.spec.ingressClassName && !names.includes(i.spec.ingressClassName),
  );
  if (missing.length > 0) {
    const wanted = [...new Set(missing.map((i) => i.spec.ingressClassName))].join(', ');
    return fail(
      `Ingress ${missing.map((i) => i.metadata.name).join(', ')} names IngressClass ${wanted}, which does not exist (${have})`,
      names.length > 0
        ? `Use one that exists: prefect-server upgrade ${target} --ingress-class ${names[0]}`
        : `Install an ingress controller (it creates its IngressClass), or go without: prefect-server connect ${target}`,
    );
  }
  const unnamed = ingresses.filter((i) => !i.spec.ingressClassName);
  const fallback = defaultClass(classes);
  if (unnamed.length > 0 && !fallback) {
    return warn(
      `Ingress ${unnamed.map((i) => i.metadata.name).join(', ')} names no IngressClass and the cluster has no default (${have})`,
      names.length > 0
        ? `Name one: prefect-server upgrade ${target} --ingress-class ${names[0]}`
        : 'Install an ingress controller first.',
    );
  }
  const used = [
    ...new Set(
      ingresses.map((i) => i.spec.ingressClassName ?? `${fallback?.metadata.name} (default)`),
    ),
  ];
  return pass(`IngressClass ${used.join(', ')} exists`);
}

async function releaseObjects(ctx: DoctorContext) {
  const objects = await ctx.objects();
  for (const kind of ['services', 'ingresses'])
    if (objects.forbidden.includes(kind))
      throw new CannotRun(`cannot run: you may not list ${kind} in ${ctx.namespace}`);
  return objects;
}

const loadBalancer: DoctorCheck = {
  id: 'exposure-load-balancer',
  category: 'exposure',
  title: 'LoadBalancer Services have an address',
  when: 'installed',
  async run(ctx) {
    const { services } = await releaseObjects(ctx);
    return judgeLoadBalancers(services, ctx.now, ctx.options.addressGraceSeconds, ctx.target);
  },
};

const ingressAddress: DoctorCheck = {
  id: 'exposure-ingress-address',
  category: 'exposure',
  title: 'Ingresses have an address',
  when: 'installed',
  async run(ctx) {
    const { ingresses } = await releaseObjects(ctx);
    return judgeIngressAddresses(
      ingresses,
      ctx.now,
      ctx.options.addressGraceSeconds,
      ctx.namespace,
    );
  },
};

const ingressClass: DoctorCheck = {
  id: 'exposure-ingress-class',
  category: 'exposure',
  title: 'the IngressClass of each Ingress exists',
  when: 'installed',
  async run(ctx) {
    const { ingresses } = await releaseObjects(ctx);
    if (ingresses.length === 0) return pass('no Ingress');
    const { ingressClasses } = await ctx.classes();
    if (!ingressClasses) throw new CannotRun('cannot run: you may not list IngressClasses');
    return judgeIngressClasses(ingresses, ingressClasses, ctx.target);
  },
};

export const exposureChecks: DoctorCheck[] = [loadBalancer, ingressAddress, ingressClass];
