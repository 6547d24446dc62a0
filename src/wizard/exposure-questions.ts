// How browsers reach the UI and the API. The UI is a single-page app: the browser itself calls the
// API, so whatever the mode, the API needs an address the browser can open.

import { ruleOf } from '../plan/answers.js';
import { deriveApiUrl, type InstallAnswers } from '../plan/install-plan.js';
import { optional, type Prompter, refuse } from './prompter.js';
import type { ClusterFacts } from './wizard-context.js';

export async function askExposure(
  p: Prompter,
  a: InstallAnswers,
  facts: ClusterFacts,
): Promise<void> {
  a.expose ??= impliedExposure(a) ?? (await askExposureMode(p));
  if (a.expose === 'ingress') await askIngress(p, a, facts);
  if (a.expose === 'loadbalancer') await askLoadBalancerUrl(p, a);
}

/** Ingress flags answer the question already; buildPlan refuses them with any other mode. */
function impliedExposure(a: InstallAnswers): InstallAnswers['expose'] {
  const ingressOnly = [a.ingressClass, a.apiHost, a.uiHost, a.tlsSecret];
  return ingressOnly.some((value) => value !== undefined) ? 'ingress' : undefined;
}

function askExposureMode(p: Prompter): Promise<'port-forward' | 'loadbalancer' | 'ingress'> {
  return p.select({
    message: 'How will you reach the UI and the API?',
    choices: [
      {
        value: 'port-forward' as const,
        name: 'port-forward — ClusterIP only; reach it with `prefect-server connect`',
      },
      {
        value: 'loadbalancer' as const,
        name: 'loadbalancer — a cloud load balancer for each of the UI and the API',
      },
      { value: 'ingress' as const, name: 'ingress — host names on an Ingress controller' },
    ],
    default: 'port-forward',
  });
}

async function askIngress(p: Prompter, a: InstallAnswers, facts: ClusterFacts): Promise<void> {
  if (a.ingressClass === undefined) {
    const ingressClass = await askIngressClass(p, facts);
    if (ingressClass !== '') a.ingressClass = ingressClass;
  }
  a.apiHost ??= await p.input({
    message: 'Host name of the API (e.g. prefect-api.example.com)',
    validate: refuse(ruleOf('apiHost')),
  });
  const apiHost = a.apiHost;
  a.uiHost ??= await p.input({
    message: 'Host name of the UI (e.g. prefect.example.com)',
    validate: (host) =>
      ruleOf('uiHost')(host) ??
      // Both Ingresses route the path "/", so one host cannot serve both.
      (host === apiHost
        ? `The UI needs a host of its own: ${apiHost} already serves the API.`
        : true),
  });
  if (a.tlsSecret === undefined) {
    const tlsSecret = await p.input({
      message: 'TLS Secret for both hosts (blank: plain HTTP)',
      validate: refuse(optional(ruleOf('tlsSecret'))),
    });
    if (tlsSecret !== '') a.tlsSecret = tlsSecret;
  }
  if (a.apiUrl === undefined) {
    const apiUrl = deriveApiUrl({
      mode: 'ingress',
      ingressClass: a.ingressClass,
      apiHost: a.apiHost,
      uiHost: a.uiHost,
      tlsSecret: a.tlsSecret,
    });
    p.say(`The UI will call the API at ${apiUrl}`);
  }
}

/** The class to use, or '' for none (only offered when the cluster has no IngressClass). */
function askIngressClass(p: Prompter, facts: ClusterFacts): Promise<string> {
  if (facts.ingressClasses.length === 0) {
    p.warn(
      'The cluster has no IngressClass: the Ingresses work only if a controller serves Ingresses without one.',
    );
    return p.input({
      message: 'IngressClass (blank: none)',
      validate: refuse(optional(ruleOf('ingressClass'))),
    });
  }
  const defaultClass = facts.ingressClasses.find((ingressClass) => ingressClass.isDefault);
  return p.select({
    message: 'IngressClass',
    choices: facts.ingressClasses.map((ingressClass) => ({
      value: ingressClass.name,
      name: ingressClass.isDefault ? `${ingressClass.name} (default)` : ingressClass.name,
    })),
    ...(defaultClass !== undefined && { default: defaultClass.name }),
  });
}

async function askLoadBalancerUrl(p: Prompter, a: InstallAnswers): Promise<void> {
  if (a.apiUrl !== undefined) return;
  p.say(
    'The browser calls the API itself, so the UI needs its public URL; it cannot be derived before the load balancer has an address.',
  );
  a.apiUrl = await p.input({
    message: 'API URL for browsers (e.g. http://prefect-api.example.com:4200/graphql)',
    validate: refuse(ruleOf('apiUrl')),
  });
}
