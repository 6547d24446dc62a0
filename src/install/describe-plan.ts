// How a plan and its outcome read to a person: the summary before the install, the next steps after.
import { defaults, type InstallPlan } from '../plan/install-plan.js';
import { targetLine } from '../release/release-flags.js';

export function describePlan(plan: InstallPlan): string[] {
  const db = plan.database;
  const lines = [
    `release    ${plan.release} in namespace ${plan.namespace}${plan.createNamespace ? ' (created if missing)' : ''}`,
    `chart      ${plan.chart.source === 'bundled' ? 'bundled with this CLI' : `prefect-server ${plan.chart.version ?? '(latest)'} from ${plan.chart.repoUrl}`}`,
    db.mode === 'bundled'
      ? `database   bundled PostgreSQL, ${db.persistence.enabled ? `persistent volume ${db.persistence.size}${db.persistence.storageClass ? ` (${db.persistence.storageClass})` : ''}` : 'no volume: data is lost when its pod goes'}`
      : `database   external ${db.user}@${db.host}:${db.port}/${db.database}, password in Secret ${db.password.secretName}${db.password.source === 'new-secret' ? ' (new)' : ''}`,
    `agent      ${plan.agent.enabled ? `yes${plan.agent.labels.length ? `, labels ${plan.agent.labels.join(', ')}` : ''}` : 'no'}`,
    `exposure   ${
      plan.exposure.mode === 'port-forward'
        ? 'ClusterIP only (reach it with prefect-server connect)'
        : plan.exposure.mode === 'loadbalancer'
          ? 'LoadBalancer Services'
          : `Ingress: API ${plan.exposure.apiHost}, UI ${plan.exposure.uiHost}${plan.exposure.tlsSecret ? `, TLS from ${plan.exposure.tlsSecret}` : ''}`
    }`,
    `API URL    ${plan.apiUrl} (as the UI in your browser will call it)`,
    `versions   server ${plan.versions.server ?? 'chart default'}, Prefect Core ${plan.versions.prefect ?? 'chart default'}, UI ${plan.versions.ui ?? 'chart default'}`,
    `tenant     ${plan.tenant.create ? `${plan.tenant.name} (${plan.tenant.slug}), created by a Job after install` : 'none (create one later: prefect-server tenant create)'}`,
  ];
  if (plan.retention !== undefined) {
    const { logsOlderThanDays: logs, flowRunsOlderThanDays: runs } = plan.retention;
    const parts = [
      ...(logs > 0 ? [`logs older than ${logs} days`] : []),
      ...(runs > 0 ? [`finished flow runs older than ${runs} days`] : []),
    ];
    lines.push(
      `retention  ${parts.length ? `${parts.join(' and ')} deleted every night by a CronJob` : 'off: logs are kept (prefect-server prune deletes old ones when asked)'}`,
    );
  }
  if (plan.imagePullSecrets.length) lines.push(`pull       ${plan.imagePullSecrets.join(', ')}`);
  if (plan.settings.length) {
    lines.push(
      `settings   ${plan.settings.map((s) => `${s.path}=${Array.isArray(s.value) ? s.value.join(',') : String(s.value)}`).join(' ')}`,
    );
  }
  if (plan.extra.valuesFiles.length || plan.extra.set.length) {
    lines.push(
      `extra      ${[...plan.extra.valuesFiles.map((f) => `-f ${f}`), ...plan.extra.set.map((s) => `--set ${s}`)].join(' ')}`,
    );
  }
  return lines;
}

export function nextSteps(plan: InstallPlan): string[] {
  const target = targetLine({ namespace: plan.namespace, release: plan.release, ...plan.cluster });
  const lines: string[] = [];
  if (plan.exposure.mode === 'ingress') {
    const scheme = plan.exposure.tlsSecret ? 'https' : 'http';
    lines.push(`UI:  ${scheme}://${plan.exposure.uiHost}/`, `API: ${plan.apiUrl}`);
  } else if (plan.exposure.mode === 'loadbalancer') {
    lines.push(
      `API: ${plan.apiUrl} (once the load balancer has an address: kubectl get svc -n ${plan.namespace})`,
    );
  } else {
    lines.push(
      `Reach the UI and API:  prefect-server connect ${target}`,
      `  then UI http://localhost:8080, API ${defaults.portForwardApiUrl}`,
    );
  }
  lines.push(
    plan.tenant.create
      ? `Tenant ${plan.tenant.slug}: created by the chart's Job (check: prefect-server tenant list ${target})`
      : `No tenant yet: the UI stays blank until one exists: prefect-server tenant create ${target}`,
  );
  lines.push(`Check everything:  prefect-server doctor ${target}`);
  return lines;
}
