// The rules every answer is checked against, whether it came from a flag or a prompt. Each rule
// returns undefined when the value is fine, or a sentence naming the rule it broke, so a prompt
// can show it and ask again, and a flag can turn it into exit code 2.

export type Rule = (value: string) => string | undefined;

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kubernetes names of namespaces, Secrets, classes: a DNS-1123 label, at most `max` characters. */
export function dns1123Label(what: string, max = 63): Rule {
  return (value) => {
    if (value.length === 0) return `${what} must not be empty.`;
    if (value.length > max)
      return `${what} must be at most ${max} characters, "${value}" has ${value.length}.`;
    if (!dnsLabel.test(value)) {
      return `${what} "${value}" must consist of lowercase letters, digits and '-', and start and end with a letter or digit (DNS-1123 label).`;
    }
    return undefined;
  };
}

/** Names Kubernetes allows to contain dots (Secrets, StorageClasses, IngressClasses). */
export function dns1123Subdomain(what: string): Rule {
  return (value) => {
    if (value.length === 0) return `${what} must not be empty.`;
    if (value.length > 253) return `${what} must be at most 253 characters.`;
    if (!value.split('.').every((part) => part.length <= 63 && dnsLabel.test(part))) {
      return `${what} "${value}" must be lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit (DNS-1123 subdomain).`;
    }
    return undefined;
  };
}

export const namespaceName = dns1123Label('Namespace');
/** Helm limits release names to 53 characters so that `<release>-<suffix>` names still fit in 63. */
export const releaseName = dns1123Label('Release name', 53);

/** A host name for an Ingress rule: a DNS name, optionally a leading `*.` wildcard, no port or scheme. */
export const hostName: Rule = (value) => {
  if (/^[a-z]+:\/\//i.test(value))
    return `Host "${value}" must be a bare host name, without "http://" or "https://".`;
  if (value.includes(':') || value.includes('/'))
    return `Host "${value}" must be a bare host name, without a port or a path.`;
  if (value !== value.toLowerCase()) return `Host "${value}" must be lowercase.`;
  const bare = value.startsWith('*.') ? value.slice(2) : value;
  if (!bare.includes('.') && bare !== 'localhost') {
    return `Host "${value}" must be a fully qualified DNS name such as prefect.example.com.`;
  }
  const problem = dns1123Subdomain('Host')(bare);
  return problem === undefined ? undefined : problem.replace(`"${bare}"`, `"${value}"`);
};

/** Docker image tags: letters, digits, '_', '.', '-', not starting with '.' or '-', at most 128. */
export const imageTag: Rule = (value) =>
  /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(value)
    ? undefined
    : `Image tag "${value}" must be 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'.`;

/**
 * UI image tags: prefecthq/ui was only ever pushed with date tags written with dashes
 * (`2022-09-14`, what the last released chart pinned) or `latest`; a server-style date with dots
 * (`2022.09.23`) names an image that does not exist, and the pod would never pull.
 */
export const uiImageTag: Rule = (value) => {
  const problem = imageTag(value);
  if (problem) return problem;
  const dotted = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(value);
  if (dotted)
    return `UI image tag "${value}" does not exist: prefecthq/ui tags are dates with dashes, e.g. ${dotted[1]}-${dotted[2]}-${dotted[3]} (2022-09-14 is the last released chart's).`;
  return undefined;
};

const quantityPattern =
  /^([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)?$/;

/** A Kubernetes resource quantity (`500m`, `1`, `8Gi`), strictly positive. */
export function quantity(what: string): Rule {
  return (value) => {
    if (!quantityPattern.test(value)) {
      return `${what} "${value}" is not a Kubernetes quantity (examples: 500m, 2, 512Mi, 8Gi).`;
    }
    const number = Number.parseFloat(value);
    if (!(number > 0)) return `${what} must be greater than zero, got "${value}".`;
    return undefined;
  };
}

/** Tenant slugs as the Prefect API wants them: lowercase, hyphens, no spaces. */
export const tenantSlug: Rule = (value) =>
  /^[a-z0-9]+(-[a-z0-9]+)*$/.test(value)
    ? undefined
    : `Tenant slug "${value}" must be lowercase letters and digits separated by single hyphens (no spaces), e.g. "default" or "data-team".`;

export const tenantName: Rule = (value) =>
  value.trim().length === 0
    ? 'Tenant name must not be empty.'
    : value.length > 200
      ? 'Tenant name must be at most 200 characters.'
      : undefined;

/** Prefect agent labels are free text, but a comma would split one label into two. */
export const prefectLabel: Rule = (value) =>
  value.trim() === ''
    ? 'A Prefect label must not be empty.'
    : /[,\s]/.test(value)
      ? `Prefect label "${value}" must not contain commas or spaces.`
      : undefined;

/** An http(s) URL a browser can open. */
export const httpUrl: Rule = (value) => {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return `URL "${value}" must start with http:// or https://.`;
    return undefined;
  } catch {
    return `"${value}" is not a URL (expected something like https://prefect-api.example.com/graphql).`;
  }
};

export const port: Rule = (value) =>
  /^[0-9]+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535
    ? undefined
    : `Port must be a whole number from 1 to 65535, got "${value}".`;

/** A PostgreSQL host: a DNS name or an IP address, no scheme or port. */
export const databaseHost: Rule = (value) => {
  if (value.includes('://') || value.includes('/'))
    return `Database host "${value}" must be a bare host name or IP address.`;
  if (/^[0-9.]+$/.test(value)) {
    const parts = value.split('.');
    return parts.length === 4 && parts.every((p) => Number(p) <= 255)
      ? undefined
      : `Database host "${value}" is not a valid IPv4 address.`;
  }
  const problem = dns1123Subdomain('Database host')(value);
  return problem;
};

/** PostgreSQL identifiers we pass on unquoted: letters, digits, '_', starting with a letter or '_'. */
export function postgresIdentifier(what: string): Rule {
  return (value) =>
    /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(value)
      ? undefined
      : `${what} "${value}" must be 1 to 63 letters, digits or '_', starting with a letter or '_'.`;
}

/** Chart versions: SemVer, or the CalVer Prefect released its charts under (2022.09.23). */
export const chartVersion: Rule = (value) =>
  /^v?[0-9]+(\.[0-9]+){0,2}([-+][0-9A-Za-z.-]+)?$/.test(value)
    ? undefined
    : `Chart version "${value}" must look like 2022.09.23 or 1.2.3.`;

/** Days of retention: a whole number, 0 (keep everything) up to ten years. */
export const retentionDays: Rule = (value) =>
  /^[0-9]{1,4}$/.test(value) && Number(value) <= 3650
    ? undefined
    : `Retention "${value}" must be a whole number of days from 0 (keep everything) to 3650.`;
