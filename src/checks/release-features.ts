// Which of the chart's optional features an installed release has (doctor's permission check asks
// for the kinds of exactly these), read from its objects and values.
import type { ChartFeatures } from './chart-kinds.js';
import { byComponent } from './cluster-state.js';
import type { DoctorContext } from './context.js';
import { releaseValues } from './release.js';

export async function featuresOfRelease(ctx: DoctorContext): Promise<ChartFeatures> {
  const objects = await ctx.objects();
  const values = await releaseValues(ctx).catch(() => undefined);
  const jobs = values?.jobs as { createTenant?: { enabled?: unknown } } | undefined;
  const retention = values?.retention as { enabled?: unknown } | undefined;
  return {
    bundledDatabase: byComponent(objects.workloads, 'postgresql') !== undefined,
    agent: byComponent(objects.workloads, 'agent') !== undefined,
    tenantJob: jobs?.createTenant?.enabled === true,
    ingress: objects.ingresses.length > 0,
    retention: retention?.enabled === true,
  };
}
